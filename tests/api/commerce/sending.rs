//! Product and cart messages: the body Meta documents, compared whole with
//! what the fake Graph API received; Meta's limits (30 products, 10
//! sections), unknown products and the 24-hour window refused with 422
//! before anything is stored or sent.

use serde_json::{json, Value};

use super::shop;
use crate::support::{meta, WAIT};

/// Meta's envelope of an interactive message to `to`.
fn interactive(to: &str, content: Value) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "interactive",
        "interactive": content,
    })
}

/// What the fake received for our message `id`, without our callback data.
async fn sent_body(s: &super::Shop, id: &str) -> Value {
    let request = s.app.graph.wait_for_send_of(id, WAIT).await;
    let mut body = request.body.clone();
    assert_eq!(body["biz_opaque_callback_data"], json!(id));
    body.as_object_mut().unwrap().remove("biz_opaque_callback_data");
    assert_eq!(
        request.authorization.as_deref(),
        Some(format!("Bearer {}", s.tenant.number().access_token).as_str())
    );
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cart_and_a_single_product_reach_meta_as_documented() {
    let s = shop().await;
    let chat = s.tenant.new_chat("Sheena").await;
    let cart = json!({
        "type": "product_list",
        "header": "Spring picks",
        "text": "Three things we love this week",
        "footer": "Lucky Shrub",
        "sections": [
            {"title": "Plants", "product_retailer_ids": ["SKU-0002", "SKU-0004"]},
            {"title": "Pots", "product_retailer_ids": ["SKU-0010"]},
        ],
    });

    let message = s.tenant.manager.send_message(&chat.id, &cart, None).await.expect(202);

    assert_eq!(message["type"], "interactive");
    assert_eq!(message["status"], "pending");
    let body = sent_body(&s, message["id"].as_str().unwrap()).await;
    assert_eq!(
        body,
        interactive(
            &chat.wa_id,
            json!({
                "type": "product_list",
                "header": {"type": "text", "text": "Spring picks"},
                "body": {"text": "Three things we love this week"},
                "footer": {"text": "Lucky Shrub"},
                "action": {
                    "catalog_id": s.catalog.id,
                    "sections": [
                        {"title": "Plants", "product_items": [
                            {"product_retailer_id": "SKU-0002"}, {"product_retailer_id": "SKU-0004"}]},
                        {"title": "Pots", "product_items": [{"product_retailer_id": "SKU-0010"}]},
                    ],
                },
            })
        )
    );

    let one = json!({"type": "product", "product_retailer_id": "SKU-0042", "text": "Our best seller"});
    let message = s.tenant.manager.send_message(&chat.id, &one, None).await.expect(202);
    let body = sent_body(&s, message["id"].as_str().unwrap()).await;
    assert_eq!(
        body,
        interactive(
            &chat.wa_id,
            json!({
                "type": "product",
                "body": {"text": "Our best seller"},
                "action": {"catalog_id": s.catalog.id, "product_retailer_id": "SKU-0042"},
            })
        )
    );
    // The chat's history shows what was sent, for the order card to name.
    let history = s.tenant.messages_of(&chat.id).await;
    let shown = history.iter().find(|m| m["id"] == message["id"]).expect("the product message in history");
    assert_eq!(shown["content"]["action"]["product_retailer_id"], "SKU-0042");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_s_limits_unknown_products_and_the_window_are_refused_before_sending() {
    let s = shop().await;
    let chat = s.tenant.new_chat("Sheena").await;
    let skus = |from: usize, n: usize| (from..from + n).map(|i| format!("SKU-{i:04}")).collect::<Vec<_>>();
    let list = |sections: Vec<Value>| json!({"type": "product_list", "header": "H", "text": "Pick", "sections": sections});

    let thirty_one = list(vec![
        json!({"title": "A", "product_retailer_ids": skus(1, 16)}),
        json!({"title": "B", "product_retailer_ids": skus(17, 15)}),
    ]);
    let eleven = list(
        (0..11).map(|i| json!({"title": format!("S{i}"), "product_retailer_ids": skus(i + 1, 1)})).collect(),
    );
    let unknown = list(vec![json!({"title": "A", "product_retailer_ids": ["SKU-0001", "NOPE-1"]})]);
    let no_header = json!({"type": "product_list", "header": "", "text": "Pick", "sections": [{"product_retailer_ids": ["SKU-0001"]}]});
    let unknown_one = json!({"type": "product", "product_retailer_id": "NOPE-2"});
    for (what, body, code) in [
        ("31 products", &thirty_one, "invalid_message"),
        ("11 sections", &eleven, "invalid_message"),
        ("an unknown product", &unknown, "unknown_product"),
        ("no header", &no_header, "invalid_message"),
        ("an unknown single product", &unknown_one, "unknown_product"),
    ] {
        let resp = s.tenant.manager.send_message(&chat.id, body, None).await;
        assert_eq!(resp.status, 422, "{what}: {}", resp.text);
        assert_eq!(resp.body["error"]["code"], code, "{what}: {}", resp.text);
    }
    let thirty = list(vec![
        json!({"title": "A", "product_retailer_ids": skus(1, 15)}),
        json!({"title": "B", "product_retailer_ids": skus(16, 15)}),
    ]);
    assert!(s.app.graph.send_requests().is_empty(), "nothing refused was sent");
    assert_eq!(s.tenant.messages_of(&chat.id).await.len(), 1, "nothing refused was stored");
    s.tenant.manager.send_message(&chat.id, &thirty, None).await.expect(202);

    // A customer who last wrote two days ago: only a template may go.
    let late = "15550009999";
    let payload = meta::text_webhook_at(
        &s.tenant.number().meta,
        late,
        "Late",
        &meta::wamid(),
        "hi",
        &meta::ts_ago(48 * 3600),
    );
    s.tenant.post_webhook(&payload).await.expect(200);
    let old = s.tenant.wait_for_conversation(late).await;
    let one = json!({"type": "product", "product_retailer_id": "SKU-0001"});
    let code = s.tenant.manager.send_message(old["id"].as_str().unwrap(), &one, None).await.expect_error(422);
    assert_eq!(code, "outside_service_window");
}
