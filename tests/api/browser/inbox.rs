//! The inbox in the browser: a customer's message appears live (escaped,
//! whatever it contains), a reply reaches the Graph API and its ticks
//! follow Meta's statuses, staff see only their own chats and get an
//! assignment live, and closing moves a chat to Closed until the customer
//! writes again; a label, a transfer and a close made in one session show
//! live in another; outside the 24-hour window a template picked and
//! filled in reaches Meta; the contact panel shows what the chatbot
//! collected.

use serde_json::{json, Value};

use super::harness::{sign_in, wait_for_tab_counts, wait_for_text_send, Browser};
use crate::support::{meta, poll_until, spawn_app, TestTenant, PASSWORD, WAIT};

/// Enter, as WebDriver types it.
const ENTER: &str = "\u{E007}";

/// A customer's text through a signed webhook; returns its wamid.
async fn customer_writes(tenant: &TestTenant, wa_id: &str, name: &str, text: &str) -> String {
    let wamid = meta::wamid();
    let resp =
        tenant.post_webhook(&meta::text_webhook(&tenant.number().meta, wa_id, name, &wamid, text)).await;
    assert_eq!(resp.status, 200, "webhook refused: {}", resp.text);
    wamid
}

/// Waits for the live socket's hello.
async fn wait_live(browser: &Browser) {
    browser
        .wait_until(
            "the live socket to be connected",
            "document.querySelector('#live-status')?.dataset.status === 'live'",
        )
        .await;
}

fn conv_link(id: &str) -> String {
    format!("a.conv[data-id=\"{id}\"]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_message_appears_live_and_the_reply_reaches_whatsapp() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    acme.receive_text("447700900001", "Amélie Laurent", "Bonjour ! Is the blue jacket still available in M?")
        .await;
    acme.receive_text("971500000002", "ليلى حسن", "مرحبا، متى يصل طلبي؟ 📦").await;

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    browser.wait_for_text(".conv-name", "Amélie Laurent").await;
    browser.wait_for_text(".conv-name", "ليلى حسن").await;
    wait_live(&browser).await;

    // Someone hostile writes: their name and text must stay text.
    let name = r#"<img src=x onerror="window.__pwned=1">Mallory"#;
    let text = "<script>window.__pwned=2</script><b>bold?</b> Hi 👋\nsecond line";
    customer_writes(&acme, "15550001111", name, text).await;
    browser.wait_for_text(".conv-name", "Mallory").await;
    let conversation = acme.wait_for_conversation("15550001111").await;
    let id = conversation["id"].as_str().expect("id").to_string();
    let row = browser
        .js_with(
            "return document.querySelector(arguments[0] + ' .conv-name').textContent",
            vec![conv_link(&id).into()],
        )
        .await;
    assert_eq!(row, json!(name), "the name is shown as typed, not as markup");
    let injected = browser.js("return [window.__pwned === undefined, document.querySelectorAll('.conv-list img, .conv-list b, .conv-list script').length]").await;
    assert_eq!(injected, json!([true, 0]), "customer text became markup");
    browser.assert_accessible("inbox").await;
    browser.screenshots("03-inbox-live").await;

    // Open it: history with the text exactly, written right to left or not.
    browser.click(&conv_link(&id)).await;
    browser.wait_for_text(".msg-in .msg-text", "bold?").await;
    let bubble = browser.js("const t = document.querySelector('.msg-in .msg-text'); return [t.textContent, t.getAttribute('dir')]").await;
    assert_eq!(bubble, json!([text, "auto"]));
    assert_eq!(browser.js("return window.__pwned === undefined").await, json!(true));
    browser
        .wait_until(
            "the composer to take a reply",
            "!document.querySelector('textarea.composer-input').disabled",
        )
        .await;

    // Reply with Enter: it reaches the Graph API, then Meta's statuses
    // move its ticks.
    browser.type_into("textarea.composer-input", &format!("Hello Mallory! How can we help?{ENTER}")).await;
    let body = wait_for_text_send(&app.graph, "Hello Mallory! How can we help?").await;
    assert_eq!(body["to"], "15550001111");
    assert_eq!(body["messaging_product"], "whatsapp");
    browser.wait_until("the reply to be sent", "document.querySelector('li.msg-out[data-status=sent], li.msg-out[data-status=delivered], li.msg-out[data-status=read]')").await;
    assert_eq!(
        browser.js("return document.querySelector('textarea.composer-input').value").await,
        json!(""),
        "the composer is cleared"
    );
    let wamid = poll_until(WAIT, "the reply's wamid", || async {
        let messages = acme.messages_of(&id).await;
        messages.iter().find(|m| m["direction"] == "out" && m["type"] == "text")?["wamid"]
            .as_str()
            .map(str::to_string)
    })
    .await;
    for status in ["delivered", "read"] {
        let resp = acme
            .post_webhook(&meta::status_webhook(&acme.number().meta, &wamid, status, "15550001111"))
            .await;
        assert_eq!(resp.status, 200, "{}", resp.text);
    }
    browser.wait_for("li.msg-out[data-status=read] .tick-read").await;
    let outgoing =
        browser.js("return document.querySelectorAll('li.msg-out:not([data-id^=local])').length").await;
    assert_eq!(
        outgoing,
        json!(1),
        "the reply is shown once (the POST answer and the live event are one message)"
    );

    // A note stays inside the team and looks like one.
    if browser.js("return !document.querySelector('.modes .mode:nth-child(2)').hidden").await == json!(true) {
        browser.click(".modes .mode:nth-child(2)").await;
        browser
            .type_into(
                "textarea.composer-input",
                &format!("Mallory tried HTML in their name; nothing ran.{ENTER}"),
            )
            .await;
        browser.wait_for_text("li.msg-note .msg-text", "nothing ran").await;
        browser.click(".modes .mode:nth-child(1)").await;
        browser
            .wait_until(
                "the note to be stored",
                "document.querySelector('li.msg-note:not([data-id^=local])')",
            )
            .await;
        let leaked: Vec<_> =
            app.graph.sent_messages().into_iter().filter(|m| m.to_string().contains("nothing ran")).collect();
        assert!(leaked.is_empty(), "a note reached WhatsApp: {leaked:?}");
    }

    // The customer answers while the chat is open.
    customer_writes(&acme, "15550001111", name, "مرحبا! I need help with my order 🙏").await;
    browser.wait_for_text(".msg-in .msg-text", "I need help with my order").await;
    // A photo with a caption (the fake Graph API has no media to download,
    // so it shows as a labelled card with its caption).
    let photo = json!({
        "from": "15550001111", "id": meta::wamid(), "timestamp": meta::now_ts(), "type": "image",
        "image": {"id": "1479537139650973", "mime_type": "image/jpeg",
                  "sha256": "HgYFxT6ETV1TBDcydC8ghdOwyA7lmzMwIL0Vi6qAvC4=", "caption": "This one, in blue"},
    });
    let number = &acme.number().meta;
    let payload = meta::notification(vec![meta::entry(
        &number.waba_id,
        vec![meta::change(number, vec![meta::contact("15550001111", name)], vec![photo], vec![])],
    )]);
    assert_eq!(acme.post_webhook(&payload).await.status, 200);
    browser.wait_for_text(".msg-in .msg-text", "This one, in blue").await;
    browser.wait_for_text(".msg-in .media-card", "Photo").await;
    browser.assert_accessible("chat").await;
    browser.screenshots("04-chat").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_only_their_chats_and_an_assignment_arrives_live() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let staff = acme.create_staff().await;
    let colleague = acme.create_staff().await;
    for (name, member) in [("Support", &staff), ("Sales", &colleague)] {
        let team =
            acme.manager.raw_post("/api/teams", &json!({"name": name, "member_ids": [member.id()]})).await;
        assert_eq!(team.status, 201, "create {name}: {}", team.text);
    }
    let sales = acme.manager.raw_get("/api/teams").await.expect(200)["items"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["name"] == "Sales")
        .expect("Sales")["id"]
        .as_str()
        .expect("team id")
        .to_string();
    let received = acme.receive_text("15550002222", "Bob Unassigned", "Hello? Anyone there?").await;
    let id = received.conversation_id();
    // A colleague's chat, and one waiting in Sales' queue (its only member
    // is offline, so nobody takes it).
    let theirs = acme.receive_text("15550002223", "Cleo Colleagues", "Any news?").await.conversation_id();
    acme.manager
        .raw_post(&format!("/api/conversations/{theirs}/assign"), &json!({"to": {"user_id": colleague.id()}}))
        .await
        .expect(200);
    let queued = acme.receive_text("15550002224", "Quinn Queued", "Price list?").await.conversation_id();
    let in_queue = acme
        .manager
        .raw_post(&format!("/api/conversations/{queued}/assign"), &json!({"to": {"team_id": sales}}))
        .await
        .expect(200);
    assert_eq!(
        (in_queue["team_id"].as_str(), &in_queue["assignee_id"]),
        (Some(sales.as_str()), &Value::Null)
    );

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &staff.email, PASSWORD).await;
    // Staff land on Mine, which is empty; Not assigned and Open show none
    // of the unassigned chat, the colleague's or the other team's queue.
    browser.wait_for_text(".tab[aria-current=page]", "Mine").await;
    browser.wait_for_text(".empty-title", "No chats assigned to you").await;
    wait_live(&browser).await;
    browser.click("a.tab[data-filter=unassigned]").await;
    browser.wait_for_text(".empty-title", "Nothing waiting").await;
    browser.click("a.tab[data-filter=open]").await;
    browser.wait_for_text(".empty-title", "No open conversations").await;
    browser.click("a.tab[data-filter=closed]").await;
    browser.wait_for_text(".empty-title", "No closed conversations").await;
    let shown = browser.page_text().await;
    for name in ["Bob", "Cleo", "Quinn"] {
        assert!(!shown.contains(name), "staff saw {name}'s chat:\n{shown}");
    }
    // Not even by their addresses: the app says so, and nothing breaks.
    browser.expect_api_status("/api/conversations/", 404);
    for (chat, name) in [(&id, "Bob"), (&theirs, "Cleo"), (&queued, "Quinn")] {
        browser.goto(&format!("/#/inbox/open/{chat}")).await;
        browser.wait_for_text(".chat-pane .empty-title", "isn't available").await;
        let shown = browser.page_text().await;
        assert!(!shown.contains(name), "{name}'s chat opened by its URL:\n{shown}");
    }
    browser.assert_no_errors().await;

    // The manager assigns it to them: it arrives live, with a notification.
    browser.goto("/#/inbox/mine").await;
    wait_live(&browser).await;
    let assigned = acme
        .manager
        .raw_post(&format!("/api/conversations/{id}/assign"), &json!({"to": {"user_id": staff.id()}}))
        .await;
    assert_eq!(assigned.status, 200, "assign: {}", assigned.text);
    browser.wait_for_text(".conv-name", "Bob Unassigned").await;
    browser.wait_for_text(".toast", "assigned to you").await;
    browser.click(&conv_link(&id)).await;
    browser.wait_for_text(".msg-in .msg-text", "Anyone there?").await;
    browser
        .wait_until(
            "the composer to take a reply",
            "!document.querySelector('textarea.composer-input').disabled",
        )
        .await;
    browser.type_into("textarea.composer-input", &format!("Hi Bob, I'm on it.{ENTER}")).await;
    wait_for_text_send(&app.graph, "Hi Bob, I'm on it.").await;
    browser.assert_accessible("staff chat").await;
    browser.screenshots("05-staff-assigned").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_chat_moves_it_to_closed_until_the_customer_writes_again() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let received = acme.receive_text("15550003333", "Carol Close", "Thanks, that's all!").await;
    let id = received.conversation_id();

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    wait_live(&browser).await;
    browser.click(&conv_link(&id)).await;
    browser.wait_for_text(".chat-name", "Carol Close").await;
    browser.click("button[data-action=close]").await;
    browser.wait_for(".chat-sub .chip-closed").await;
    browser.wait_gone(&conv_link(&id)).await;
    let status: Value = acme.manager.get_conversation(&id).await.expect(200);
    assert_eq!(status["status"], "closed");

    browser.click("a.tab[data-filter=closed]").await;
    browser.wait_for(&format!("{} .chip-closed", conv_link(&id))).await;
    browser.click(&conv_link(&id)).await;
    browser.wait_for(".chat-sub .chip-closed").await;
    browser.screenshots("06-closed").await;

    // The customer writes again: the chat reopens by itself, live.
    customer_writes(&acme, "15550003333", "Carol Close", "Actually, one more question").await;
    browser.wait_for(".chat-sub .chip-open").await;
    browser.wait_for_text(".msg-in .msg-text", "one more question").await;
    browser.wait_gone(&conv_link(&id)).await;
    browser.click("a.tab[data-filter=open]").await;
    browser.wait_for(&conv_link(&id)).await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_a_transfer_and_a_close_show_live_in_another_session() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let staff = acme.create_staff().await;
    acme.manager.raw_post("/api/labels", &json!({"name": "VIP", "color": "#b45309"})).await.expect(201);
    let id =
        acme.receive_text("15550005555", "Olu Adeyemi", "Can I return the shoes?").await.conversation_id();

    // The same manager in two browsers (a desk and a laptop), both on the
    // chat; the second only watches.
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let browser = Browser::open(&app.address).await;
        browser.goto("/").await;
        sign_in(&browser, &acme.manager_email, PASSWORD).await;
        browser.goto(&format!("/#/inbox/open/{id}")).await;
        browser.wait_for_text(".chat-name", "Olu Adeyemi").await;
        wait_live(&browser).await;
        sessions.push(browser);
    }
    let (acting, watching) = (&sessions[0], &sessions[1]);

    // A label.
    acting.click(".chat-labels .chip-add").await;
    acting.click("dialog[open] input[type=checkbox][value='VIP']").await;
    acting.click("dialog[open] button[type=submit]").await;
    acting.wait_for_text(".chat-labels .chip-label", "VIP").await;
    watching.wait_for_text(".chat-labels .chip-label", "VIP").await;
    watching.wait_for_text(&format!("{} .chip-label", conv_link(&id)), "VIP").await;

    // A transfer with a note.
    acting.click(".chat-actions button[aria-label='More actions']").await;
    acting.click_text(".menu-item", "Transfer").await;
    acting.click(&format!("dialog[open] input[type=radio][value='user:{}']", staff.id())).await;
    acting.type_into("dialog[open] textarea", "Return approved, label printed.").await;
    acting.click("dialog[open] button[type=submit]").await;
    acting.wait_gone("dialog[open]").await;
    watching.wait_for_text(".chat-assignee", "Assigned to A staff").await;
    watching.wait_for_text(&format!("{} .conv-assignee", conv_link(&id)), "A staff").await;
    wait_for_tab_counts(watching, &[("unassigned", None), ("mine", None), ("open", Some(1))]).await;

    // A close: the chat leaves the other session's Open list, live.
    acting.click("button[data-action=close]").await;
    watching.wait_for(".chat-sub .chip-closed").await;
    watching.wait_gone(&conv_link(&id)).await;
    wait_for_tab_counts(watching, &[("unassigned", None), ("open", Some(0)), ("closed", Some(1))]).await;
    assert_eq!(acme.manager.get_conversation(&id).await.expect(200)["status"], "closed");
    watching.screenshots("32-second-session").await;
    for browser in sessions {
        browser.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_window_a_template_picked_and_filled_in_reaches_meta() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let templates = vec![
        json!({"name": "welcome_back", "language": "en_US", "status": "APPROVED", "category": "MARKETING",
               "id": "594425479261596", "components": [{"type": "BODY", "text": "Welcome back to Acme!"}]}),
        json!({"name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
               "id": "594425479261597",
               "components": [{"type": "BODY", "text": "Hi {{1}}, your order {{2}} is on its way."}]}),
        json!({"name": "draft_promo", "language": "en_US", "status": "PENDING", "category": "MARKETING",
               "id": "594425479261598", "components": [{"type": "BODY", "text": "Not approved yet"}]}),
    ];
    app.graph.set_templates(&acme.number().meta.waba_id, templates);
    let payload = meta::text_webhook_at(
        &acme.number().meta,
        "15550006666",
        "Dmitri Old",
        &meta::wamid(),
        "Where is my order?",
        &meta::ts_ago(25 * 3600),
    );
    assert_eq!(acme.post_webhook(&payload).await.status, 200);
    let id = acme.wait_for_conversation("15550006666").await["id"].as_str().expect("id").to_string();

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    browser.click(&conv_link(&id)).await;
    browser.wait_for_text(".composer-banner", "24-hour window is closed").await;
    browser.click(".composer-banner .btn-primary").await;
    // The approved templates, not the pending one.
    browser.wait_for("dialog[open] form.template-card").await;
    let listed = browser
        .js("return [...document.querySelectorAll('dialog[open] .template-card .template-head .mono')].map((n) => n.textContent)")
        .await;
    assert_eq!(listed, json!(["welcome_back", "order_update"]));
    let card = "dialog[open] form.template-card[data-template=order_update]";
    browser.wait_for_text(&format!("{card} .template-text"), "your order {{2}} is on its way").await;
    // Sending with a parameter missing does nothing yet.
    browser.type_into(&format!("{card} input:nth-of-type(1)"), "Dmitri").await;
    browser.click(&format!("{card} button[type=submit]")).await;
    browser.wait_for("dialog[open]").await;
    browser.assert_accessible("template picker").await;
    browser.screenshots("33-template-picker").await;
    let second = browser
        .js_with("return [...document.querySelectorAll(arguments[0] + ' input')][1].id", vec![card.into()])
        .await;
    browser.type_into(&format!("#{}", second.as_str().expect("an id")), "#1042").await;
    browser.click(&format!("{card} button[type=submit]")).await;
    browser.wait_gone("dialog[open]").await;

    // Meta receives the template message, parameters in order.
    let sent = poll_until(WAIT, "the template sent to the Graph API", || async {
        app.graph.sent_messages().into_iter().find(|m| m["type"] == "template")
    })
    .await;
    assert_eq!(
        (&sent["messaging_product"], &sent["to"], &sent["type"]),
        (&json!("whatsapp"), &json!("15550006666"), &json!("template")),
        "{sent}"
    );
    assert_eq!(
        sent["template"],
        json!({"name": "order_update", "language": {"code": "en_US"},
               "components": [{"type": "body", "parameters": [
                   {"type": "text", "text": "Dmitri"}, {"type": "text", "text": "#1042"}]}]}),
        "Meta's template body: {sent}"
    );
    // The chat shows it once, filled in, and sent.
    browser.wait_for_text("li.msg-out .mono", "order_update").await;
    browser
        .wait_until(
            "the template to be sent",
            "document.querySelector('li.msg-out[data-status=sent], li.msg-out[data-status=delivered]')",
        )
        .await;
    assert_eq!(browser.js("return document.querySelectorAll('li.msg-out').length").await, json!(1));
    // ...reading as the customer's phone shows it.
    browser.wait_for_text("li.msg-out .msg-text", "Hi Dmitri, your order #1042 is on its way.").await;
    browser.screenshots("34-template-sent").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_24_hour_window_the_composer_offers_templates_only() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let payload = meta::text_webhook_at(
        &acme.number().meta,
        "15550004444",
        "Dmitri Old",
        &meta::wamid(),
        "Do you have this in red?",
        &meta::ts_ago(25 * 3600),
    );
    assert_eq!(acme.post_webhook(&payload).await.status, 200);
    let conversation = acme.wait_for_conversation("15550004444").await;
    assert_eq!(conversation["window"]["open"], false, "{conversation}");
    let id = conversation["id"].as_str().expect("id").to_string();

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    browser.click(&conv_link(&id)).await;
    browser.wait_for_text(".composer-banner", "24-hour window is closed").await;
    assert_eq!(
        browser.js("return document.querySelector('textarea.composer-input').disabled").await,
        json!(true)
    );
    browser.assert_accessible("closed window").await;
    browser.screenshots("16-window-closed").await;

    // The picker opens and says what it found (the fake Graph API lists no
    // templates, so an explanation rather than a list).
    browser.click(".composer-banner .btn-primary").await;
    browser.wait_for("dialog[open] .templates").await;
    browser
        .wait_until(
            "the picker to finish loading",
            "!document.querySelector('dialog[open] .templates .loading')",
        )
        .await;
    browser.click("dialog[open] .dialog-head button").await;
    browser.wait_gone("dialog[open]").await;
    assert!(app.graph.send_requests().iter().all(|r| r.body["type"] != "text"), "no free-form message left");
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contact_panel_shows_what_the_chatbot_collected() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let flow = json!({
        "name": "Email first", "number_ids": [acme.number().id], "trigger": {"on": "new_conversation"},
        "start": "ask",
        "steps": {
            "ask": {"type": "ask", "text": "Your email, please?", "save_as": "email", "validate": "email", "next": "thanks"},
            "thanks": {"type": "message", "text": "Thanks!"},
        },
    });
    crate::support::bot::publish_new(&acme, &flow).await;
    let wa_id = "447700900077";
    customer_writes(&acme, wa_id, "Noor Haddad", "hello").await;
    let id = acme.wait_for_conversation(wa_id).await["id"].as_str().expect("id").to_string();
    wait_for_text_send(&app.graph, "Your email, please?").await;
    customer_writes(&acme, wa_id, "Noor Haddad", "noor@example.com").await;
    wait_for_text_send(&app.graph, "Thanks!").await;

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    browser.goto(&format!("/#/inbox/open/{id}")).await;
    browser.wait_for_text(".msg-in .msg-text", "noor@example.com").await;
    browser.click("button[data-action=contact]").await;
    browser.wait_for_text(".contact-attributes dd[data-attribute=email]", "noor@example.com").await;
    assert_eq!(
        browser.js("return document.querySelector('.contact-name').textContent").await,
        json!("Noor Haddad")
    );
    browser.assert_accessible("contact panel").await;
    browser.screenshots("26-contact-panel").await;
    browser.finish().await;
}
