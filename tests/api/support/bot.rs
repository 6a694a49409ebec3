//! Helpers for the chatbot tests: the typed client's flow endpoints (flows,
//! publish, stats, business hours, the bot switch), Meta's interactive
//! replies (`button_reply`, `list_reply`) as signed webhooks, the shipped
//! "Main menu" example flow with this tenant's ids in it, and a
//! [`Customer`] who talks to the bot and reads what the fake Graph API
//! received for them, turn by turn.
//!
//! Everything goes through the public API and Meta's wire formats;
//! nothing writes to the store.

use std::time::Duration;

use serde_json::{json, Value};

use super::fake_graph::RecordedRequest;
use super::inbox::{new_wa_id, SETTLE};
use super::{meta, poll_until, ApiClient, ApiResponse, BusinessNumber, FakeGraph, TestTenant, TestUser};

/// The "Main menu" flow the product ships (placeholders `DEMO_NUMBER`,
/// `TEAM_SALES`, `TEAM_SUPPORT`).
const MAIN_MENU: &str = include_str!("../../../chatbot/examples/main_menu.json");

/// Meta's documented `button_reply` webhook, with its placeholders.
const BUTTON_REPLY_FIXTURE: &str = include_str!("../../fixtures/webhooks/interactive_button_reply.json");

impl ApiClient {
    // ---- chatbot flows --------------------------------------------------

    /// `POST /api/flows` with the flow document.
    pub async fn create_flow(&self, flow: &Value) -> ApiResponse {
        self.raw_post("/api/flows", flow).await
    }

    /// `GET /api/flows`.
    pub async fn list_flows(&self) -> ApiResponse {
        self.raw_get("/api/flows").await
    }

    /// `GET /api/flows/{id}`.
    pub async fn get_flow(&self, id: &str) -> ApiResponse {
        self.raw_get(&format!("/api/flows/{id}")).await
    }

    /// `PUT /api/flows/{id}`: saves the draft.
    pub async fn replace_flow(&self, id: &str, flow: &Value) -> ApiResponse {
        self.raw_put(&format!("/api/flows/{id}"), flow).await
    }

    /// `DELETE /api/flows/{id}`.
    pub async fn delete_flow(&self, id: &str) -> ApiResponse {
        self.raw_delete(&format!("/api/flows/{id}")).await
    }

    /// `POST /api/flows/{id}/publish`.
    pub async fn publish_flow(&self, id: &str) -> ApiResponse {
        self.raw_post_empty(&format!("/api/flows/{id}/publish")).await
    }

    /// `GET /api/flows/{id}/stats`.
    pub async fn flow_stats(&self, id: &str) -> ApiResponse {
        self.raw_get(&format!("/api/flows/{id}/stats")).await
    }

    /// `PUT /api/settings/business-hours` (`null` for always open).
    pub async fn set_business_hours(&self, hours: &Value) -> ApiResponse {
        self.raw_put("/api/settings/business-hours", hours).await
    }

    /// `PUT /api/conversations/{id}/bot` `{"enabled", "restart"}`.
    pub async fn switch_bot(&self, id: &str, enabled: bool, restart: bool) -> ApiResponse {
        self.raw_put(
            &format!("/api/conversations/{id}/bot"),
            &json!({"enabled": enabled, "restart": restart}),
        )
        .await
    }
}

// ---- flows --------------------------------------------------------------

/// The shipped "Main menu" flow for `number_id`, routing to the given teams.
pub fn main_menu(number_id: &str, sales: &str, support: &str) -> Value {
    let text = MAIN_MENU
        .replace("DEMO_NUMBER", number_id)
        .replace("TEAM_SALES", sales)
        .replace("TEAM_SUPPORT", support);
    serde_json::from_str(&text).expect("the example flow is JSON")
}

/// The `text` of a step of `flow`.
pub fn text_of(flow: &Value, step: &str) -> String {
    flow["steps"][step]["text"].as_str().unwrap_or_else(|| panic!("no text at step {step}")).to_string()
}

/// A tenant whose "Main menu" is live: Support (Bob then Ann, round robin)
/// and Sales (Sam).
pub struct MainMenu {
    /// The flow document as saved.
    pub flow: Value,
    /// Its id.
    pub id: String,
    /// The Sales team.
    pub sales: String,
    /// The Support team.
    pub support: String,
    /// Support, second in the rotation.
    pub ann: TestUser,
    /// Support, first in the rotation.
    pub bob: TestUser,
    /// Sales.
    pub sam: TestUser,
}

impl MainMenu {
    /// The text the bot sends at `step`.
    pub fn text(&self, step: &str) -> String {
        text_of(&self.flow, step)
    }
}

/// Creates the teams, then saves and publishes the "Main menu".
pub async fn main_menu_live(acme: &TestTenant) -> MainMenu {
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let sam = acme.staff_named("Sam").await;
    let support = acme.create_team("Support", &[&bob, &ann], "round_robin").await;
    let sales = acme.create_team("Sales", &[&sam], "round_robin").await;
    let flow = main_menu(&acme.number().id, &sales, &support);
    let id = publish_new(acme, &flow).await;
    MainMenu { flow, id, sales, support, ann, bob, sam }
}

/// Saves `flow` as a new flow and publishes it; returns its id.
pub async fn publish_new(acme: &TestTenant, flow: &Value) -> String {
    let created = acme.manager.create_flow(flow).await.expect(201);
    assert_eq!(created["published_version"], 0, "{created}");
    let id = created["id"].as_str().unwrap_or_else(|| panic!("no id in {created}")).to_string();
    let published = acme.manager.publish_flow(&id).await.expect(200);
    assert_eq!(published["published_version"], 1, "{published}");
    id
}

// ---- Meta's interactive replies -----------------------------------------

/// `{"type": "button_reply", "button_reply": {"id", "title"}}`.
pub fn button_reply(id: &str, title: &str) -> Value {
    json!({"type": "button_reply", "button_reply": {"id": id, "title": title}})
}

/// `{"type": "list_reply", "list_reply": {"id", "title", "description"}}`.
pub fn list_reply(id: &str, title: &str, description: &str) -> Value {
    json!({"type": "list_reply", "list_reply": {"id": id, "title": title, "description": description}})
}

/// Digits only, as Meta writes a business number in `context.from`.
fn digits(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

/// A customer's interactive reply (`interactive`: [`button_reply`] or
/// [`list_reply`]) to our message `replied_to`, as Meta posts it.
pub fn interactive_webhook(
    number: &BusinessNumber,
    wa_id: &str,
    name: &str,
    wamid: &str,
    replied_to: &str,
    interactive: Value,
) -> Value {
    let message = json!({
        "from": wa_id,
        "id": wamid,
        "timestamp": meta::now_ts(),
        "context": {"from": digits(&number.display_phone_number), "id": replied_to},
        "interactive": interactive,
        "type": "interactive",
    });
    meta::notification(vec![meta::entry(
        &number.waba_id,
        vec![meta::change(number, vec![meta::contact(wa_id, name)], vec![message], vec![])],
    )])
}

/// The exact bytes of Meta's documented `button_reply` webhook
/// (tests/fixtures/webhooks/interactive_button_reply.json) with this
/// number, customer, message and button filled in.
pub fn button_reply_fixture(
    number: &BusinessNumber,
    wa_id: &str,
    name: &str,
    wamid: &str,
    replied_to: &str,
    (id, title): (&str, &str),
) -> Vec<u8> {
    let text = BUTTON_REPLY_FIXTURE
        .replace("WHATSAPP_BUSINESS_ACCOUNT_ID", &number.waba_id)
        .replace("DISPLAY_NUMBER", &digits(&number.display_phone_number))
        .replace("PHONE_NUMBER_ID", &number.phone_number_id)
        .replace("TIMESTAMP", &meta::now_ts())
        .replace("OUTBOUND_WAMID", replied_to)
        .replace("16315551181", wa_id)
        .replace("Sheena Nelson", name)
        .replace("wamid.HBgLMTYzMTU1NTExODEVAgASGBRGNjE3QkQ2QjNCQ0YzMDM3QUY0NQA=", wamid)
        .replace("\"change-button\"", &json!(id).to_string())
        .replace("\"Change\"", &json!(title).to_string());
    let parsed: Value = serde_json::from_str(&text).expect("the filled fixture is JSON");
    let message = &parsed["entry"][0]["changes"][0]["value"]["messages"][0];
    assert_eq!(message["interactive"], button_reply(id, title), "the fixture was filled in: {text}");
    assert_eq!((&message["from"], &message["id"]), (&json!(wa_id), &json!(wamid)), "{text}");
    text.into_bytes()
}

/// A `delivered` status for our message `wamid`, naming it by the
/// `biz_opaque_callback_data` we sent it with, as Meta does.
pub fn delivered_webhook(number: &BusinessNumber, wa_id: &str, wamid: &str, callback: &str) -> Value {
    let mut status = meta::status(wamid, "delivered", wa_id);
    status["biz_opaque_callback_data"] = json!(callback);
    meta::notification(vec![meta::entry(
        &number.waba_id,
        vec![meta::change(number, vec![], vec![], vec![status])],
    )])
}

// ---- what went out ------------------------------------------------------

/// What the customer reads in a send: a text's body or an interactive
/// message's body text.
pub fn shown(body: &Value) -> String {
    let text = match body["type"].as_str() {
        Some("text") => &body["text"]["body"],
        Some("interactive") => &body["interactive"]["body"]["text"],
        _ => &Value::Null,
    };
    text.as_str().unwrap_or_else(|| panic!("no text in {body}")).to_string()
}

/// The message sends to `wa_id` the fake Graph API received, in order.
pub fn sends_to(graph: &FakeGraph, wa_id: &str) -> Vec<RecordedRequest> {
    graph.send_requests().into_iter().filter(|r| r.body["to"] == wa_id).collect()
}

/// A customer of a tenant's first number: writes, taps and picks through
/// signed webhooks, and checks what the bot sent back turn by turn.
#[derive(Debug, Clone)]
pub struct Customer {
    /// The tenant they write to (replace it after a server restart).
    pub tenant: TestTenant,
    /// Where the server's sends land.
    pub graph: FakeGraph,
    /// Their WhatsApp id.
    pub wa_id: String,
    /// Their profile name.
    pub name: String,
    /// Sends to them already checked by [`Customer::expect`].
    pub seen: usize,
}

impl Customer {
    /// A new customer called `name`.
    pub fn new(tenant: &TestTenant, graph: &FakeGraph, name: &str) -> Customer {
        Customer {
            tenant: tenant.clone(),
            graph: graph.clone(),
            wa_id: new_wa_id(),
            name: name.into(),
            seen: 0,
        }
    }

    /// Writes "hi", is greeted by the Main menu, taps Sales and is asked
    /// for an email: the start most tests of the menu share.
    pub async fn picks_sales(&mut self, menu: &MainMenu) {
        self.says("hi").await;
        self.expect(&[&menu.text("greet")]).await;
        self.taps("sales", "Sales").await;
        self.expect(&[&menu.text("ask_email")]).await;
    }

    /// Posts `payload` signed for the tenant's number; checks the 200.
    async fn deliver(&self, payload: &Value) {
        let resp = self.tenant.post_webhook(payload).await;
        assert_eq!(resp.status, 200, "webhook refused: {}", resp.text);
    }

    /// Types `text`.
    pub async fn says(&self, text: &str) {
        self.tenant.customer_writes(&self.wa_id, &self.name, text).await;
    }

    /// Taps the reply button `id` (titled `title`) of the bot's latest
    /// message.
    pub async fn taps(&self, id: &str, title: &str) {
        let replied_to = self.last_bot_wamid().await;
        let number = &self.tenant.number().meta;
        let interactive = button_reply(id, title);
        self.deliver(&interactive_webhook(
            number,
            &self.wa_id,
            &self.name,
            &meta::wamid(),
            &replied_to,
            interactive,
        ))
        .await;
    }

    /// [`Customer::taps`], sending the exact bytes of Meta's documented
    /// payload.
    pub async fn taps_as_meta_documents(&self, id: &str, title: &str) {
        let replied_to = self.last_bot_wamid().await;
        let number = &self.tenant.number().meta;
        let body =
            button_reply_fixture(number, &self.wa_id, &self.name, &meta::wamid(), &replied_to, (id, title));
        let signature = meta::sign(&self.tenant.number().signing_secret, &body);
        let resp = self.tenant.anonymous().post_webhook(&body, Some(&signature)).await;
        assert_eq!(resp.status, 200, "webhook refused: {}", resp.text);
    }

    /// Picks the row `id` of the bot's latest list.
    pub async fn picks(&self, id: &str, title: &str, description: &str) {
        let replied_to = self.last_bot_wamid().await;
        let number = &self.tenant.number().meta;
        let interactive = list_reply(id, title, description);
        self.deliver(&interactive_webhook(
            number,
            &self.wa_id,
            &self.name,
            &meta::wamid(),
            &replied_to,
            interactive,
        ))
        .await;
    }

    /// The conversation's id, once the manager can see it.
    pub async fn conversation_id(&self) -> String {
        let c = self.tenant.wait_for_conversation(&self.wa_id).await;
        c["id"].as_str().expect("conversation id").to_string()
    }

    /// The conversation as the manager sees it now.
    pub async fn conversation(&self) -> Value {
        self.tenant.conversation(&self.conversation_id().await).await
    }

    /// The chat's messages (oldest first) as the manager sees them.
    pub async fn messages(&self) -> Vec<Value> {
        self.tenant.messages_of(&self.conversation_id().await).await
    }

    /// The wamid of the bot's latest message, once Meta accepted it.
    async fn last_bot_wamid(&self) -> String {
        let id = self.conversation_id().await;
        poll_until(SETTLE, "the bot's latest message to have a wamid", || async {
            let messages = self.tenant.messages_of(&id).await;
            let last = messages.iter().rev().find(|m| m["by_bot"] == true)?;
            last["wamid"].as_str().map(str::to_string)
        })
        .await
    }

    /// Every send to this customer so far.
    pub fn received(&self) -> Vec<RecordedRequest> {
        sends_to(&self.graph, &self.wa_id)
    }

    /// Waits for the next `texts.len()` sends to this customer and checks
    /// what they show; returns them in arrival order. Sends made in one
    /// turn may arrive in any order (the outbox sends in parallel), so the
    /// texts are compared as a multiset.
    pub async fn expect(&mut self, texts: &[&str]) -> Vec<RecordedRequest> {
        self.expect_within(SETTLE, texts).await
    }

    /// [`Customer::expect`] with a longer `timeout` (a timer step).
    pub async fn expect_within(&mut self, timeout: Duration, texts: &[&str]) -> Vec<RecordedRequest> {
        let want = self.seen + texts.len();
        let deadline = tokio::time::Instant::now() + timeout;
        let all = loop {
            let sends = self.received();
            if sends.len() >= want {
                break sends;
            }
            if tokio::time::Instant::now() >= deadline {
                let conversation = self.tenant.wait_for_conversation(&self.wa_id).await;
                let messages = self.messages().await;
                panic!(
                    "{} received {} sends within {timeout:?}, expected {want} ({texts:?}): {sends:#?}\n\
                     the chat as the API shows it: {conversation:#}\nits messages: {messages:#?}",
                    self.name,
                    sends.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let new = all[self.seen..].to_vec();
        let mut got: Vec<String> = new.iter().map(|r| shown(&r.body)).collect();
        let mut expected: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "what {} received after the first {}: {new:#?}", self.name, self.seen);
        self.seen = want;
        new
    }

    /// Plays Meta's part once the chat's replies went out: waits until
    /// every outgoing message is `sent`, then posts a `delivered` status
    /// for each, so the server has durably settled every send.
    pub async fn delivered_all(&self) {
        let id = self.conversation_id().await;
        let sent = poll_until(SETTLE, "every outgoing message to be sent", || async {
            let messages = self.tenant.messages_of(&id).await;
            let out: Vec<Value> = messages.into_iter().filter(|m| m["direction"] == "out").collect();
            let settled =
                |m: &Value| ["sent", "delivered", "read"].contains(&m["status"].as_str().unwrap_or(""));
            out.iter().all(|m| settled(m) && m["wamid"].is_string()).then_some(out)
        })
        .await;
        for m in sent {
            let (wamid, callback) = (m["wamid"].as_str().unwrap(), m["id"].as_str().unwrap());
            self.deliver(&delivered_webhook(&self.tenant.number().meta, &self.wa_id, wamid, callback)).await;
        }
    }
}
