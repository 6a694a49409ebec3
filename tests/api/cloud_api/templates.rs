//! Templates: the number's approved templates, listed from every page of
//! `GET /{waba_id}/message_templates`; a template send checked against
//! them, so an unknown or unapproved template or a missing parameter is 422
//! `invalid_template` and nothing goes to Meta.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{chat, Chat, SHEENA};
use crate::support::cloud_client::items;
use crate::support::{GRAPH_VERSION, WAIT};

/// A template as Meta lists it.
fn template(name: &str, language: &str, status: &str, category: &str, components: Value) -> Value {
    json!({"name": name, "language": language, "status": status, "category": category,
           "parameter_format": "POSITIONAL", "id": format!("59442547926{:04}", name.len() * 7 + language.len()),
           "components": components})
}

/// Six templates in three pages of two: four approved, one pending, one
/// rejected.
fn account_templates() -> Vec<Value> {
    vec![
        template(
            "order_shipped",
            "en_US",
            "APPROVED",
            "UTILITY",
            json!([
            {"type": "HEADER", "format": "TEXT", "text": "Your order"},
            {"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped.",
             "example": {"body_text": [["Sheena", "#1234"]]}},
            {"type": "FOOTER", "text": "Lucky Shrub"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop updates"}]}]),
        ),
        template(
            "summer_sale",
            "en_US",
            "PENDING",
            "MARKETING",
            json!([
            {"type": "BODY", "text": "25% off this week!"}]),
        ),
        template(
            "order_shipped",
            "es",
            "APPROVED",
            "UTILITY",
            json!([
            {"type": "BODY", "text": "Hola {{1}}, tu pedido ha sido enviado.",
             "example": {"body_text": [["Sheena"]]}}]),
        ),
        template(
            "old_promo",
            "en_US",
            "REJECTED",
            "MARKETING",
            json!([
            {"type": "BODY", "text": "Old promo"}]),
        ),
        template(
            "welcome",
            "en_US",
            "APPROVED",
            "MARKETING",
            json!([
            {"type": "BODY", "text": "Welcome to Lucky Shrub!"}]),
        ),
        template(
            "receipt",
            "en_US",
            "APPROVED",
            "UTILITY",
            json!([
            {"type": "HEADER", "format": "DOCUMENT"},
            {"type": "BODY", "text": "Your receipt for order {{1}}."}]),
        ),
    ]
}

/// A chat whose number's account has [`account_templates`], two a page.
async fn chat_with_templates() -> (Chat, Vec<Value>) {
    let c = chat().await;
    let all = account_templates();
    c.app.graph.set_templates(&c.tenant.number().meta.waba_id, all.clone());
    c.app.graph.set_template_page_size(2);
    (c, all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_numbers_approved_templates_are_listed_from_every_page() {
    let (c, all) = chat_with_templates().await;
    let number = c.tenant.number();

    let listed = items(&c.tenant.manager.templates(&number.id).await.expect(200));

    let approved: Vec<&Value> = all.iter().filter(|t| t["status"] == "APPROVED").collect();
    for t in &approved {
        let shown = listed
            .iter()
            .find(|l| l["name"] == t["name"] && l["language"] == t["language"])
            .unwrap_or_else(|| panic!("{} ({}) not listed: {listed:#?}", t["name"], t["language"]));
        assert_eq!(shown["category"], t["category"], "{shown}");
        assert_eq!(shown["components"], t["components"], "as Meta describes them: {shown}");
    }
    let requests = c.app.graph.template_requests();
    assert!(requests.len() >= 3, "every page was fetched: {requests:#?}");
    let token = format!("Bearer {}", number.access_token);
    for r in &requests {
        assert_eq!(r.path, format!("/{GRAPH_VERSION}/{}/message_templates", number.meta.waba_id));
        assert_eq!(r.authorization.as_deref(), Some(token.as_str()));
    }
    // Listed again within the cache's lifetime: served from the cache,
    // Meta is not asked again.
    let fetched = requests.len();
    let again = items(&c.tenant.manager.templates(&number.id).await.expect(200));
    assert_eq!(again.len(), listed.len());
    assert_eq!(c.app.graph.template_requests().len(), fetched, "the second listing came from the cache");
    // Another tenant does not get to see this number at all.
    let globex = c.app.onboard_tenant("Globex").await;
    assert_eq!(globex.manager.templates(&number.id).await.expect_error(404), "not_found");
    // API.md: "the number's approved templates".
    let key = |t: &Value| format!("{} {}", t["name"], t["language"]);
    let listed_keys: BTreeSet<String> = listed.iter().map(key).collect();
    let approved_keys: BTreeSet<String> = approved.iter().map(|t| key(t)).collect();
    assert_eq!(listed_keys, approved_keys, "only approved templates are listed: {listed:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_template_is_sent_as_is_and_invalid_ones_are_422_unsent() {
    let (c, _) = chat_with_templates().await;
    let body_params = |values: &[&str]| json!({"type": "body", "parameters": values.iter().map(|v| json!({"type": "text", "text": v})).collect::<Vec<_>>()});
    let document = json!({"type": "header", "parameters": [{"type": "document",
        "document": {"link": "https://www.luckyshrub.com/receipts/1234.pdf", "filename": "receipt-1234.pdf"}}]});
    let image = json!({"type": "header", "parameters": [{"type": "image",
        "image": {"link": "https://www.luckyshrub.com/receipts/1234.png"}}]});
    let invalid: Vec<(&str, Value)> = vec![
        ("an unknown template", json!({"name": "no_such_template", "language": {"code": "en_US"}})),
        ("a pending template", json!({"name": "summer_sale", "language": {"code": "en_US"}})),
        ("a rejected template", json!({"name": "old_promo", "language": {"code": "en_US"}})),
        ("a language it lacks", json!({"name": "welcome", "language": {"code": "fr"},})),
        (
            "a missing body parameter",
            json!({"name": "order_shipped", "language": {"code": "en_US"},
            "components": [body_params(&["Sheena"])]}),
        ),
        (
            "no components where the body takes two",
            json!({"name": "order_shipped", "language": {"code": "en_US"}}),
        ),
        (
            "a missing document header",
            json!({"name": "receipt", "language": {"code": "en_US"},
            "components": [body_params(&["#1234"])]}),
        ),
        (
            "an image where the header is a document",
            json!({"name": "receipt", "language": {"code": "en_US"},
            "components": [image, body_params(&["#1234"])]}),
        ),
    ];
    for (what, template) in &invalid {
        let request = json!({"type": "template", "template": template});
        let resp = c.tenant.manager.send_message(&c.conversation_id, &request, None).await;
        assert_eq!(resp.status, 422, "{what}: {}", resp.text);
        assert_eq!(resp.expect_error(422), "invalid_template", "{what}");
    }
    assert_eq!(c.messages().await.len(), 1, "nothing stored");
    assert_eq!(c.sends(), 0, "nothing sent");

    let valid = vec![
        json!({"name": "order_shipped", "language": {"code": "en_US"}, "components": [body_params(&["Sheena", "#1234"])]}),
        json!({"name": "order_shipped", "language": {"code": "es"}, "components": [body_params(&["Sheena"])]}),
        json!({"name": "welcome", "language": {"code": "en_US"}}),
        json!({"name": "receipt", "language": {"code": "en_US"}, "components": [document, body_params(&["#1234"])]}),
    ];
    for template in &valid {
        let accepted = c.send(&json!({"type": "template", "template": template})).await;
        assert_eq!(accepted["type"], "template");
        assert_eq!(accepted["template"], *template, "{accepted}");
        let send = c.app.graph.wait_for_send_of(accepted["id"].as_str().unwrap(), WAIT).await;
        assert_eq!(
            send.body,
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": SHEENA,
                "type": "template",
                "template": template,
                "biz_opaque_callback_data": accepted["id"],
            }),
            "the template object exactly as given"
        );
        c.wait_message(&accepted["id"], "the template to be sent", |m| m["status"] == "sent").await;
    }
    assert_eq!(c.sends(), valid.len());
}
