//! The chatbot, driven from the outside as a customer and a manager would:
//! customers write, tap buttons and pick list rows through signed Meta
//! webhooks, and every assertion is on what the fake Graph API received
//! (Meta's interactive shapes) and what the API shows (the conversation's
//! `bot` and `attributes`, `by_bot` messages, the audit trail, step
//! counts). Covers the greeting, routing "Support" through round robin,
//! typed titles, `ask` validation, agent takeover and the bot switch,
//! keyword restarts, versions, validation with paths, stats, business
//! hours, lists, and the process killed mid-flow or mid-`wait`.
//!
//! Longer than most modules: it is the one place that shows issue 7's
//! "How it is shown" end to end, and splitting it would scatter the
//! flows the tests share.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::bot::{main_menu, main_menu_live, publish_new, text_of, Customer, MainMenu};
use crate::support::inbox::spawn_inbox_app;
use crate::support::ws::WsClient;
use crate::support::{onboard, spawn_app, Deployment, TestTenant, GRAPH_VERSION, WAIT};

/// The reason the bot gives when its `assign_team` step routes a chat.
const ROUTED_BY_BOT: &str = "Chatbot \"Main menu\" routed the chat to a team at step \"support\"";

/// Sent before the options again after a typed answer that fits none.
const RETRY_TEXT: &str = "Please choose one of the options below.";

/// Sent when the retries are used up.
const HANDOVER_TEXT: &str = "Let me connect you with someone from our team.";

/// The `bot` object of a conversation.
fn bot_at(flow_id: &str, version: u64, step: &str, finished: bool) -> Value {
    json!({"flow_id": flow_id, "version": version, "step": step, "finished": finished, "waiting_until": null})
}

/// Meta's reply-button message of the Main menu's greeting, to `to`.
fn greeting_request(menu: &MainMenu, to: &str, callback: &Value) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": menu.text("greet")},
            "action": {"buttons": [
                {"type": "reply", "reply": {"id": "sales", "title": "Sales"}},
                {"type": "reply", "reply": {"id": "support", "title": "Support"}},
                {"type": "reply", "reply": {"id": "hours", "title": "Opening hours"}},
            ]},
        },
        "biz_opaque_callback_data": callback,
    })
}

/// The events of `type` in a chat's history, oldest first.
async fn events_of_type(acme: &TestTenant, conversation: &str, kind: &str) -> Vec<Value> {
    acme.events_of(conversation).await.into_iter().filter(|e| e["type"] == kind).collect()
}

/// The next `conversation.updated` frame whose conversation `ok` accepts.
async fn next_update(socket: &mut WsClient, ok: impl Fn(&Value) -> bool) -> Value {
    loop {
        let frame = socket.next_of_type("conversation.updated", WAIT).await;
        if ok(&frame["conversation"]) {
            return frame;
        }
    }
}

/// A flow's step counts, `step -> [entered, answered, dropped]`, all-zero
/// rows left out.
fn counts(stats: &Value) -> BTreeMap<String, [u64; 3]> {
    let items = stats["items"].as_array().unwrap_or_else(|| panic!("no items in {stats}"));
    items
        .iter()
        .map(|i| {
            let n = |k: &str| i[k].as_u64().unwrap_or_else(|| panic!("no {k} in {i}"));
            (i["step"].as_str().unwrap().to_string(), [n("entered"), n("answered"), n("dropped")])
        })
        .filter(|(_, c)| *c != [0, 0, 0])
        .collect()
}

/// Polls a flow's step counts (counted after each change is durable)
/// until `ok` accepts them; panics with the last ones after [`WAIT`].
async fn counts_until(
    acme: &TestTenant,
    flow_id: &str,
    ok: impl Fn(&BTreeMap<String, [u64; 3]>) -> bool,
) -> BTreeMap<String, [u64; 3]> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let stats = acme.manager.flow_stats(flow_id).await.expect(200);
        let now = counts(&stats);
        if ok(&now) {
            return now;
        }
        assert!(tokio::time::Instant::now() < deadline, "the step counts never settled: {stats}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_chat_is_greeted_with_metas_reply_buttons() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let menu = main_menu_live(&acme).await;
    let mut sheena = Customer::new(&acme, &app.graph, "Sheena");

    sheena.says("hi").await;

    let sends = sheena.expect(&[&menu.text("greet")]).await;
    let messages = sheena.messages().await;
    assert_eq!(messages.len(), 2, "{messages:#?}");
    let greeting = &messages[1];
    assert_eq!(
        (&greeting["direction"], &greeting["type"], &greeting["by_bot"]),
        (&json!("out"), &json!("interactive"), &json!(true)),
        "{greeting}"
    );
    assert_eq!(greeting["text"], menu.text("greet"), "{greeting}");
    assert!(greeting.get("author_id").is_none(), "{greeting}");
    assert_eq!(sends[0].body, greeting_request(&menu, &sheena.wa_id, &greeting["id"]));
    assert_eq!(sends[0].path, format!("/{GRAPH_VERSION}/{}/messages", acme.number().meta.phone_number_id));
    assert_eq!(sends[0].authorization, Some(format!("Bearer {}", acme.number().access_token)));
    let c = sheena.conversation().await;
    assert_eq!(c["bot"], bot_at(&menu.id, 1, "greet", false), "{c}");
    assert_eq!((&c["bot_enabled"], &c["attributes"]), (&json!(true), &json!({})), "{c}");
    assert_eq!(app.graph.send_requests().len(), 1, "one greeting, nothing else");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tapping_support_routes_to_the_support_team_where_round_robin_picks_the_online_member() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let menu = main_menu_live(&acme).await;
    // Bob comes first in the rotation but never connects.
    let _ann_socket = acme.online(&menu.ann).await;
    let mut sheena = Customer::new(&acme, &app.graph, "Sheena");
    sheena.says("hello").await;
    sheena.expect(&[&menu.text("greet")]).await;

    sheena.taps_as_meta_documents("support", "Support").await;

    let sends = sheena.expect(&[&menu.text("support")]).await;
    let id = sheena.conversation_id().await;
    let c = acme.wait_assigned(&id, menu.ann.id()).await;
    assert_eq!(c["team_id"], menu.support, "{c}");
    assert_eq!(c["bot"], bot_at(&menu.id, 1, "support", true), "{c}");
    let messages = sheena.messages().await;
    let tap = messages.iter().find(|m| m["direction"] == "in" && m["type"] == "interactive");
    let tap = tap.unwrap_or_else(|| panic!("the tap is in the history: {messages:#?}"));
    assert_eq!(
        tap["content"]["reply"],
        json!({"kind": "button", "id": "support", "title": "Support"}),
        "{tap}"
    );
    let said = messages.iter().find(|m| m["text"] == menu.text("support")).expect("the bot's words");
    assert_eq!(said["by_bot"], true, "{said}");
    assert_eq!(
        sends[0].body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": sheena.wa_id,
            "type": "text",
            "text": {"preview_url": false, "body": menu.text("support")},
            "biz_opaque_callback_data": said["id"],
        })
    );
    // The history: the bot queued the chat for Support, with its reason...
    let assigned = events_of_type(&acme, &id, "assigned").await;
    let by_bot = assigned.iter().find(|e| e["by"] == json!({"type": "bot"}));
    let by_bot = by_bot.unwrap_or_else(|| panic!("no assigned event by the bot: {assigned:#?}"));
    assert_eq!(
        (&by_bot["team_id"], &by_bot["assignee_id"], &by_bot["reason"]),
        (&json!(menu.support), &Value::Null, &json!(ROUTED_BY_BOT)),
        "{by_bot}"
    );
    // ...and round robin picked the online member, saying why.
    let reason = acme.last_reason(&id).await;
    assert!(reason.starts_with(ROUTED_BY_BOT), "{reason}");
    let picked = format!("round robin: {}; skipped {} (offline)", menu.ann.name(), menu.bob.name());
    assert!(reason.ends_with(&picked), "{reason}");
    assert_eq!(assigned.last().unwrap()["assignee_id"], menu.ann.id(), "{assigned:#?}");
    assert_eq!(app.graph.send_requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_a_button_title_chooses_that_button() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let menu = main_menu_live(&acme).await;
    let _ann_socket = acme.online(&menu.ann).await;
    let mut omar = Customer::new(&acme, &app.graph, "Omar");
    omar.says("hi there").await;
    omar.expect(&[&menu.text("greet")]).await;

    omar.says("support").await;

    omar.expect(&[&menu.text("support")]).await;
    let id = omar.conversation_id().await;
    let c = acme.wait_assigned(&id, menu.ann.id()).await;
    assert_eq!(c["team_id"], menu.support, "{c}");
    let reason = acme.last_reason(&id).await;
    assert!(reason.starts_with(ROUTED_BY_BOT) && reason.contains("round robin: Ann"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_email_is_asked_again_and_a_valid_one_is_saved_as_an_attribute() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let menu = main_menu_live(&acme).await;
    let _sam_socket = acme.online(&menu.sam).await;
    let retry = menu.flow["steps"]["ask_email"]["retry"].as_str().unwrap().to_string();
    let mut sheena = Customer::new(&acme, &app.graph, "Sheena");
    sheena.picks_sales(&menu).await;

    sheena.says("sheena at example dot com").await;

    sheena.expect(&[&retry]).await;
    let c = sheena.conversation().await;
    assert_eq!(c["bot"], bot_at(&menu.id, 1, "ask_email", false), "{c}");
    assert_eq!(c["attributes"], json!({}), "{c}");

    sheena.says("  Sheena@Example.COM ").await;

    sheena.expect(&["Thanks! We'll write to sheena@example.com.", &menu.text("sales")]).await;
    let id = sheena.conversation_id().await;
    let c = acme.wait_assigned(&id, menu.sam.id()).await;
    assert_eq!(c["team_id"], menu.sales, "{c}");
    assert_eq!(c["attributes"], json!({"email": "sheena@example.com"}), "{c}");
    assert_eq!(c["bot"], bot_at(&menu.id, 1, "sales", true), "{c}");
    assert_eq!(sheena.received().len(), 5, "greeting, question, retry, thanks, connecting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_reply_pauses_the_bot_and_switching_it_on_resumes_or_restarts() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let menu = main_menu_live(&acme).await;
    let mut sheena = Customer::new(&acme, &app.graph, "Sheena");
    sheena.picks_sales(&menu).await;
    let id = sheena.conversation_id().await;
    let mut socket = crate::support::ws::connect(&app.address, acme.manager.token(), None).await;
    socket.next_of_type("hello", WAIT).await;

    // An agent answers by hand: the bot steps back.
    acme.manager.send_text(&id, "Hi Sheena, Nina here. How can I help?").await.expect(202);
    next_update(&mut socket, |c| c["id"] == id.as_str() && c["bot_enabled"] == false).await;
    sheena.expect(&["Hi Sheena, Nina here. How can I help?"]).await;
    let toggled = events_of_type(&acme, &id, "bot_toggled").await;
    assert_eq!(toggled.len(), 1, "{toggled:#?}");
    assert_eq!(toggled[0]["enabled"], false, "{toggled:#?}");
    assert_eq!(toggled[0]["by"], json!({"type": "user", "user_id": acme.manager_id()}), "{toggled:#?}");

    // The customer's next message is for the agent, not the bot.
    sheena.says("sheena@example.com").await;
    let c = sheena.conversation().await;
    assert_eq!((&c["bot_enabled"], &c["attributes"]), (&json!(false), &json!({})), "{c}");
    assert_eq!(c["bot"], bot_at(&menu.id, 1, "ask_email", false), "{c}");

    // Back on: the bot asks its current question again (and only that).
    let c = acme.manager.switch_bot(&id, true, false).await.expect(200);
    assert_eq!(c["bot_enabled"], true, "{c}");
    next_update(&mut socket, |c| c["id"] == id.as_str() && c["bot_enabled"] == true).await;
    sheena.expect(&[&menu.text("ask_email")]).await;
    let c = sheena.conversation().await;
    assert_eq!(c["bot"], bot_at(&menu.id, 1, "ask_email", false), "{c}");

    // Off by hand, then on with a restart: back to the greeting.
    let c = acme.manager.set_bot(&id, false).await.expect(200);
    assert_eq!(c["bot_enabled"], false, "{c}");
    let c = acme.manager.switch_bot(&id, true, true).await.expect(200);
    assert_eq!(c["bot_enabled"], true, "{c}");
    let sends = sheena.expect(&[&menu.text("greet")]).await;
    assert_eq!(sends[0].body["interactive"]["type"], "button", "{:#?}", sends[0].body);
    let c = sheena.conversation().await;
    assert_eq!(c["bot"], bot_at(&menu.id, 1, "greet", false), "{c}");
    let toggled: Vec<Value> =
        events_of_type(&acme, &id, "bot_toggled").await.iter().map(|e| e["enabled"].clone()).collect();
    assert_eq!(toggled, [json!(false), json!(true), json!(false), json!(true)]);

    // And it runs on from there.
    sheena.taps("sales", "Sales").await;
    sheena.expect(&[&menu.text("ask_email")]).await;
    assert_eq!(sheena.received().len(), sheena.seen, "nothing else was sent");
}

/// A flow started by the keyword "menu": a question, then a name.
fn quick_menu(number_id: &str) -> Value {
    json!({
        "name": "Quick menu",
        "number_ids": [number_id],
        "trigger": {"on": "keyword", "keywords": ["menu"]},
        "start": "pick",
        "steps": {
            "pick": {"type": "buttons", "text": "Quick menu: what do you need?",
                     "buttons": [{"id": "q_name", "title": "Introduce myself", "next": "name"},
                                 {"id": "q_bye", "title": "Nothing", "next": "bye"}]},
            "name": {"type": "ask", "text": "What's your name?", "save_as": "name", "next": "bye"},
            "bye": {"type": "close", "text": "Bye!"},
        },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyword_starts_its_flow_over_whatever_was_running() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let menu = main_menu_live(&acme).await;
    let quick = publish_new(&acme, &quick_menu(&acme.number().id)).await;
    let mut sheena = Customer::new(&acme, &app.graph, "Sheena");
    sheena.picks_sales(&menu).await;

    // The keyword wins over the question being asked.
    sheena.says("  Menu ").await;

    sheena.expect(&["Quick menu: what do you need?"]).await;
    let c = sheena.conversation().await;
    assert_eq!(c["bot"], bot_at(&quick, 1, "pick", false), "{c}");
    sheena.taps("q_name", "Introduce myself").await;
    sheena.expect(&["What's your name?"]).await;

    // Said again, mid-question: the flow starts over (not saved as a name).
    sheena.says("menu").await;

    sheena.expect(&["Quick menu: what do you need?"]).await;
    let c = sheena.conversation().await;
    assert_eq!(c["bot"], bot_at(&quick, 1, "pick", false), "{c}");
    assert_eq!(c["attributes"], json!({}), "{c}");
    // Where customers left: the Main menu at its question, the quick menu
    // at the name.
    counts_until(&acme, &menu.id, |c| c.get("ask_email").is_some_and(|c| c[2] == 1)).await;
    counts_until(&acme, &quick, |c| c.get("name").is_some_and(|c| c[2] == 1)).await;
}

/// A small flow whose texts say which `version` of it is talking.
fn versioned(number_id: &str, version: &str) -> Value {
    json!({
        "name": "Versions",
        "number_ids": [number_id],
        "trigger": {"on": "new_conversation"},
        "start": "greet",
        "steps": {
            "greet": {"type": "buttons", "text": format!("{version}: hello"),
                      "buttons": [{"id": "go", "title": "Go on", "next": "ask"}]},
            "ask": {"type": "ask", "text": format!("{version}: your email?"), "save_as": "email",
                    "validate": "email", "next": "done"},
            "done": {"type": "message", "text": format!("{version}: thanks")},
        },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_inside_a_flow_finishes_on_its_version_after_a_new_one_is_published() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let number = acme.number().id.clone();
    let flow = publish_new(&acme, &versioned(&number, "v1")).await;
    let mut early = Customer::new(&acme, &app.graph, "Early");
    early.says("hi").await;
    early.expect(&["v1: hello"]).await;

    // A saved draft changes nothing live...
    let draft = acme.manager.replace_flow(&flow, &versioned(&number, "v2")).await.expect(200);
    assert_eq!(draft["published_version"], 1, "{draft}");
    let mut between = Customer::new(&acme, &app.graph, "Between");
    between.says("hi").await;
    between.expect(&["v1: hello"]).await;
    // ...publishing makes it the live version.
    let published = acme.manager.publish_flow(&flow).await.expect(200);
    assert_eq!(published["published_version"], 2, "{published}");
    assert_eq!(published["steps"]["greet"]["text"], "v2: hello", "{published}");

    let mut late = Customer::new(&acme, &app.graph, "Late");
    late.says("hi").await;
    late.expect(&["v2: hello"]).await;
    assert_eq!(late.conversation().await["bot"], bot_at(&flow, 2, "greet", false));

    // The early chat goes on, and ends, on version 1.
    early.taps("go", "Go on").await;
    early.expect(&["v1: your email?"]).await;
    assert_eq!(early.conversation().await["bot"], bot_at(&flow, 1, "ask", false));
    early.says("early@example.com").await;
    early.expect(&["v1: thanks"]).await;
    assert_eq!(early.conversation().await["bot"], bot_at(&flow, 1, "done", true));
    late.taps("go", "Go on").await;
    late.expect(&["v2: your email?"]).await;
}

/// A flow with one problem of each kind the builder must point at.
fn broken(number_id: &str) -> Value {
    json!({
        "name": "Broken",
        "number_ids": [number_id],
        "trigger": {"on": "new_conversation"},
        "start": "greet",
        "steps": {
            "greet": {"type": "buttons", "text": "Hello!", "buttons": [
                {"id": "a", "title": "Sales", "next": "nowhere"},
                {"id": "b", "title": "A title over twenty characters", "next": "many"},
            ]},
            "many": {"type": "buttons", "text": "Pick one", "buttons": [
                {"id": "1", "title": "One", "next": "bye"}, {"id": "2", "title": "Two", "next": "bye"},
                {"id": "3", "title": "Three", "next": "bye"}, {"id": "4", "title": "Four", "next": "bye"},
            ]},
            "bye": {"type": "close"},
        },
    })
}

/// The paths of a 422's `details`.
fn problem_paths(body: &Value) -> Vec<String> {
    let details = body["error"]["details"].as_array().unwrap_or_else(|| panic!("no details in {body}"));
    let mut paths: Vec<String> =
        details.iter().map(|d| d["path"].as_str().unwrap_or_default().to_string()).collect();
    paths.sort();
    paths
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_flows_are_refused_with_422_and_the_path_of_each_problem() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let number = acme.number().id.clone();

    let resp = acme.manager.create_flow(&broken(&number)).await;
    let body = resp.clone().body;
    assert_eq!(resp.expect_error(422), "validation_failed");
    assert_eq!(
        problem_paths(&body),
        ["steps.greet.buttons[0].next", "steps.greet.buttons[1].title", "steps.many.buttons"],
        "{body}"
    );
    for d in body["error"]["details"].as_array().unwrap() {
        assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()), "{d}");
    }

    // A team of another business is no team of this one.
    let ghost = globex.staff_named("Gus").await;
    let foreign = globex.create_team("Support", &[&ghost], "round_robin").await;
    let ann = acme.staff_named("Ann").await;
    let sales = acme.create_team("Sales", &[&ann], "round_robin").await;
    let resp = acme.manager.create_flow(&main_menu(&number, &sales, &foreign)).await;
    assert_eq!(resp.status, 422, "{}", resp.text);
    assert_eq!(resp.body["error"]["code"], "validation_failed", "{}", resp.text);
    assert_eq!(
        resp.body["error"]["details"],
        json!([{"path": "steps.support.team_id", "message": "not a team of this business"}]),
        "{}",
        resp.text
    );
    let unknown = uuid::Uuid::now_v7().to_string();
    let resp = acme.manager.create_flow(&main_menu(&number, &unknown, &sales)).await;
    assert_eq!(problem_paths(&resp.body), ["steps.sales.team_id"], "{}", resp.text);
    assert_eq!(acme.manager.list_flows().await.expect(200)["items"], json!([]), "nothing was saved");

    // A saved flow keeps its last good draft when an edit is refused.
    let good = main_menu(&number, &sales, &sales);
    let created = acme.manager.create_flow(&good).await.expect(201);
    let id = created["id"].as_str().unwrap();
    let mut edit = good.clone();
    edit["steps"]["greet"]["buttons"][2]["title"] = json!("Opening hours, every day");
    let resp = acme.manager.replace_flow(id, &edit).await;
    assert_eq!(problem_paths(&resp.body), ["steps.greet.buttons[2].title"], "{}", resp.text);
    let stored = acme.manager.get_flow(id).await.expect(200);
    assert_eq!(stored["steps"]["greet"]["buttons"][2]["title"], "Opening hours", "{stored}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_entered_answered_and_dropped_per_step() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let menu = main_menu_live(&acme).await;
    let mut nina = Customer::new(&acme, &app.graph, "Nina");
    nina.picks_sales(&menu).await;
    nina.says("nina@example.com").await;
    nina.expect(&["Thanks! We'll write to nina@example.com.", &menu.text("sales")]).await;

    // Omar answers nothing the buttons offer: two polite retries, then a person.
    let mut omar = Customer::new(&acme, &app.graph, "Omar");
    omar.says("hi").await;
    omar.expect(&[&menu.text("greet")]).await;
    for _ in 0..2 {
        omar.says("what?").await;
        omar.expect(&[RETRY_TEXT, &menu.text("greet")]).await;
    }
    omar.says("what?").await;
    omar.expect(&[HANDOVER_TEXT]).await;
    let c = omar.conversation().await;
    assert_eq!(c["bot_enabled"], false, "{c}");
    assert_eq!((&c["assignee_id"], &c["team_id"]), (&Value::Null, &Value::Null), "Not Assigned: {c}");
    assert_eq!(c["bot"], bot_at(&menu.id, 1, "greet", true), "{c}");
    let reason = acme.last_reason(&omar.conversation_id().await).await;
    assert_eq!(reason, "Chatbot \"Main menu\" stopped at step \"greet\": no valid answer after 2 retries");

    let expected: BTreeMap<String, [u64; 3]> =
        [("greet", [2, 1, 1]), ("ask_email", [1, 1, 0]), ("thanks", [1, 0, 0]), ("sales", [1, 0, 0])]
            .into_iter()
            .map(|(s, c)| (s.to_string(), c))
            .collect();
    counts_until(&acme, &menu.id, |counts| *counts == expected).await;
}

/// Longer than a number's interval between two writes of its step counts
/// (`number::flow_stats`, every 5 s with the search words), with room
/// for a busy CI machine's low-priority writer thread.
const COUNTS_WRITTEN: Duration = Duration::from_secs(8);

/// A manager's funnel does not reset with a deploy: a clean stop writes
/// the step counts, and a crash keeps what was written before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_counts_survive_a_clean_restart_and_a_crash_after_their_write() {
    let deployment = Deployment::new().await;
    let mut server = deployment.start(&[]).await;
    let acme = onboard(&server.admin().await, "Acme", true).await;
    let menu = main_menu_live(&acme).await;
    let mut nina = Customer::new(&acme, &deployment.graph, "Nina");
    nina.picks_sales(&menu).await;
    let counted: BTreeMap<String, [u64; 3]> =
        [("greet".to_string(), [1, 1, 0]), ("ask_email".to_string(), [1, 0, 0])].into();
    counts_until(&acme, &menu.id, |c| *c == counted).await;

    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0), "{status:?}; stderr:\n{}", server.logs());
    let server = deployment.start(&[]).await;
    let acme = acme.signed_in_at(&server.address).await;
    let stats = acme.manager.flow_stats(&menu.id).await.expect(200);
    assert_eq!(counts(&stats), counted, "kept by the clean stop");

    // Counting goes on from there.
    let mut omar = Customer::new(&acme, &deployment.graph, "Omar");
    omar.says("hi").await;
    omar.expect(&[&menu.text("greet")]).await;
    let counted: BTreeMap<String, [u64; 3]> =
        [("greet".to_string(), [2, 1, 0]), ("ask_email".to_string(), [1, 0, 0])].into();
    counts_until(&acme, &menu.id, |c| *c == counted).await;
    tokio::time::sleep(COUNTS_WRITTEN).await;
    server.sigkill().await;
    let server = deployment.start(&[]).await;
    let acme = acme.signed_in_at(&server.address).await;
    let stats = acme.manager.flow_stats(&menu.id).await.expect(200);
    assert_eq!(counts(&stats), counted, "written before the crash");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_hours_decide_what_opening_hours_answers() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let menu = main_menu_live(&acme).await;
    let day = |d: Value| json!({"time_zone": "Europe/Berlin", "weekly": vec![d; 7], "holidays": []});

    let resp = acme
        .manager
        .set_business_hours(
            &json!({"time_zone": "Mars/Olympus", "weekly": vec![json!([]); 7], "holidays": []}),
        )
        .await;
    assert_eq!(problem_paths(&resp.body), ["time_zone"], "{}", resp.text);
    let resp = acme.manager.set_business_hours(&day(json!([[600, 540]]))).await;
    assert_eq!(resp.status, 422, "{}", resp.text);

    // Open around the clock: the bot offers to connect.
    let always = day(json!([[0, 1440]]));
    let settings = acme.manager.set_business_hours(&always).await.expect(200);
    assert_eq!(settings["business_hours"], always, "{settings}");
    let mut early = Customer::new(&acme, &app.graph, "Early");
    early.says("hi").await;
    early.expect(&[&menu.text("greet")]).await;
    early.taps("hours", "Opening hours").await;
    let open = early.expect(&[&menu.text("open")]).await;
    let titles: Vec<&Value> = open[0].body["interactive"]["action"]["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["reply"]["title"])
        .collect();
    assert_eq!(titles, [&json!("Sales"), &json!("Support"), &json!("No, thanks")]);
    early.taps("no", "No, thanks").await;
    early.expect(&["Have a nice day!"]).await;
    let id = early.conversation_id().await;
    acme.wait_conversation(&id, "the chat closed by the bot", |c| c["status"] == "closed").await;

    // Never open: the bot takes a message and hands the chat over.
    acme.manager.set_business_hours(&day(json!([]))).await.expect(200);
    let mut late = Customer::new(&acme, &app.graph, "Late");
    late.says("hi").await;
    late.expect(&[&menu.text("greet")]).await;
    late.taps("hours", "Opening hours").await;
    let closed = menu.text("closed").replace("{{next_opening}}", "soon");
    late.expect(&[&closed]).await;
    late.says("Please call me back about my order").await;
    late.expect(&["Thanks, we've got your message. Someone will reply soon."]).await;
    let c = late.conversation().await;
    assert_eq!(c["attributes"], json!({"message": "Please call me back about my order"}), "{c}");
    assert_eq!(
        (&c["bot_enabled"], &c["status"], &c["team_id"]),
        (&json!(false), &json!("open"), &Value::Null)
    );

    let settings = acme.manager.set_business_hours(&Value::Null).await.expect(200);
    assert_eq!(settings["business_hours"], Value::Null, "{settings}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_goes_out_as_metas_list_message_and_a_list_reply_moves_the_flow_on() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let support = acme.create_team("Support", &[&ann], "round_robin").await;
    let flow = json!({
        "name": "Departments",
        "number_ids": [acme.number().id],
        "trigger": {"on": "new_conversation"},
        "start": "pick",
        "steps": {
            "pick": {"type": "list", "header": "Acme", "text": "Which team do you need?",
                     "footer": "We reply within minutes", "button": "Choose",
                     "sections": [{"title": "Teams", "rows": [
                         {"id": "dept_sales", "title": "Sales", "description": "Quotes and orders", "next": "bye"},
                         {"id": "dept_support", "title": "Support", "description": "Help with an order",
                          "next": "to_support"}]}]},
            "to_support": {"type": "assign_team", "team_id": support, "note": "Picked Support from the list"},
            "bye": {"type": "close", "text": "Bye!"},
        },
    });
    publish_new(&acme, &flow).await;
    let _ann_socket = acme.online(&ann).await;
    let mut sheena = Customer::new(&acme, &app.graph, "Sheena");

    sheena.says("hi").await;

    let sends = sheena.expect(&["Which team do you need?"]).await;
    let list = sheena.messages().await.into_iter().find(|m| m["by_bot"] == true).expect("the bot's list");
    assert_eq!(
        sends[0].body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": sheena.wa_id,
            "type": "interactive",
            "interactive": {
                "type": "list",
                "header": {"type": "text", "text": "Acme"},
                "body": {"text": "Which team do you need?"},
                "footer": {"text": "We reply within minutes"},
                "action": {"button": "Choose", "sections": [{"title": "Teams", "rows": [
                    {"id": "dept_sales", "title": "Sales", "description": "Quotes and orders"},
                    {"id": "dept_support", "title": "Support", "description": "Help with an order"},
                ]}]},
            },
            "biz_opaque_callback_data": list["id"],
        })
    );

    sheena.picks("dept_support", "Support", "Help with an order").await;

    let id = sheena.conversation_id().await;
    let c = acme.wait_assigned(&id, ann.id()).await;
    assert_eq!(c["team_id"], support, "{c}");
    let reason = acme.last_reason(&id).await;
    assert!(
        reason.starts_with("Picked Support from the list") && reason.contains("round robin: Ann"),
        "{reason}"
    );
    assert_eq!(sheena.received().len(), 1, "assign_team without text says nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_are_a_managers_and_stay_inside_their_business() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let staff = acme.create_staff().await;
    let mut flow = versioned(&acme.number().id, "v1");
    flow["steps"]["orphan"] = json!({"type": "message", "text": "Nobody gets here"});

    staff.client.create_flow(&flow).await.expect_error(403);
    let created = acme.manager.create_flow(&flow).await.expect(201);
    let id = created["id"].as_str().unwrap().to_string();
    // Saved as given, with a warning that does not block saving.
    assert_eq!(created["steps"], flow["steps"], "{created}");
    assert_eq!(created["published_version"], 0, "{created}");
    let problems = created["problems"].as_array().unwrap_or_else(|| panic!("no problems in {created}"));
    assert_eq!(problems.len(), 1, "{created}");
    assert_eq!((&problems[0]["path"], &problems[0]["severity"]), (&json!("steps.orphan"), &json!("warning")));
    let listed = acme.manager.list_flows().await.expect(200);
    assert_eq!(listed["items"].as_array().map(|i| i.len()), Some(1), "{listed}");
    assert_eq!(listed["items"][0]["id"], id.as_str(), "{listed}");
    assert_eq!(acme.manager.get_flow(&id).await.expect(200)["name"], "Versions");
    globex.manager.get_flow(&id).await.expect_error(404);
    globex.manager.publish_flow(&id).await.expect_error(404);
    assert_eq!(globex.manager.list_flows().await.expect(200)["items"], json!([]));

    // Not published: a new chat gets no bot (the agent's reply is the only send).
    let unpublished = Customer::new(&acme, &app.graph, "Early");
    unpublished.says("hi").await;
    acme.manager.send_text(&unpublished.conversation_id().await, "Hello from a human").await.expect(202);
    app.graph.wait_for_sends(1, WAIT).await;
    let sends = unpublished.received();
    assert_eq!(sends.len(), 1, "{sends:#?}");
    assert_eq!(sends[0].body["text"]["body"], "Hello from a human");

    acme.manager.publish_flow(&id).await.expect(200);
    staff.client.delete_flow(&id).await.expect_error(403);
    acme.manager.delete_flow(&id).await.expect(204);
    acme.manager.get_flow(&id).await.expect_error(404);
    assert_eq!(acme.manager.list_flows().await.expect(200)["items"], json!([]));
    // Deleted: no new chat starts it.
    let after = Customer::new(&acme, &app.graph, "After");
    after.says("hi").await;
    acme.manager.send_text(&after.conversation_id().await, "Hello again from a human").await.expect(202);
    app.graph.wait_for_sends(2, WAIT).await;
    let sends = after.received();
    assert_eq!(sends.len(), 1, "{sends:#?}");
    assert_eq!(sends[0].body["text"]["body"], "Hello again from a human");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_flow_resumes_at_the_same_step_and_sends_nothing_twice() {
    let deployment = Deployment::new().await;
    let graph = &deployment.graph;
    let server = deployment.start(&[]).await;
    let acme = onboard(&server.admin().await, "Acme", true).await;
    let menu = main_menu_live(&acme).await;
    let mut sheena = Customer::new(&acme, graph, "Sheena");
    sheena.picks_sales(&menu).await;
    // Meta reports both messages delivered; then the process dies.
    sheena.delivered_all().await;
    let before = graph.send_requests().len();
    server.sigkill().await;

    let server = deployment.start(&[]).await;
    sheena.tenant = acme.signed_in_at(&server.address).await;
    let c = sheena.conversation().await;
    assert_eq!(c["bot"], bot_at(&menu.id, 1, "ask_email", false), "{c}");
    assert_eq!(c["bot_enabled"], true, "{c}");

    // The answer is taken by the step the chat was at.
    sheena.says("sheena@example.com").await;

    sheena.expect(&["Thanks! We'll write to sheena@example.com.", &menu.text("sales")]).await;
    let sends = graph.send_requests();
    assert_eq!(sends.len(), before + 2, "nothing sent twice: {sends:#?}; logs:\n{}", server.logs());
    let mut callbacks: Vec<&Value> = sends.iter().map(|r| &r.body["biz_opaque_callback_data"]).collect();
    callbacks.sort_by_key(|v| v.to_string());
    callbacks.dedup();
    assert_eq!(callbacks.len(), sends.len(), "{sends:#?}");
    let c = sheena.conversation().await;
    assert_eq!(c["attributes"], json!({"email": "sheena@example.com"}), "{c}");
    assert_eq!(c["bot"], bot_at(&menu.id, 1, "sales", true), "{c}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_step_keeps_its_time_across_a_restart_and_then_goes_on() {
    let deployment = Deployment::new().await;
    let graph = &deployment.graph;
    let server = deployment.start(&[]).await;
    let acme = onboard(&server.admin().await, "Acme", true).await;
    let flow = json!({
        "name": "Follow-up",
        "number_ids": [acme.number().id],
        "trigger": {"on": "new_conversation"},
        "start": "note",
        "steps": {
            "note": {"type": "message", "text": "Thanks! Give us a minute to look into it.", "next": "pause"},
            "pause": {"type": "wait", "minutes": 1, "next": "check"},
            "check": {"type": "buttons", "text": "Did that answer your question?", "buttons": [
                {"id": "yes", "title": "Yes", "next": "bye"}, {"id": "no", "title": "No", "next": "human"}]},
            "bye": {"type": "close", "text": "Glad we could help!"},
            "human": {"type": "handover", "text": "Connecting you to a person."},
        },
    });
    let id = publish_new(&acme, &flow).await;
    let mut sheena = Customer::new(&acme, graph, "Sheena");
    let started = actors::clock::now_ms();

    sheena.says("hi").await;

    sheena.expect(&[&text_of(&flow, "note")]).await;
    let c = sheena.conversation().await;
    let until =
        c["bot"]["waiting_until"].as_str().unwrap_or_else(|| panic!("no waiting_until in {c}")).to_string();
    let (earliest, latest) =
        (actors::clock::rfc3339(started + 55_000), actors::clock::rfc3339(started + 65_000));
    assert!(earliest <= until && until <= latest, "{until} is about a minute after {started}");
    assert_eq!((&c["bot"]["step"], &c["bot"]["finished"]), (&json!("pause"), &json!(false)), "{c}");
    // Customers writing meanwhile do not cut the wait short.
    sheena.says("ok").await;
    sheena.delivered_all().await;
    server.sigkill().await;

    let server = deployment.start(&[]).await;
    sheena.tenant = acme.signed_in_at(&server.address).await;
    let c = sheena.conversation().await;
    assert_eq!(c["bot"]["waiting_until"], until.as_str(), "the restart kept the time: {c}");
    assert_eq!(c["bot"]["step"], "pause", "{c}");

    sheena.expect_within(Duration::from_secs(70), &["Did that answer your question?"]).await;
    let c = sheena.conversation().await;
    assert_eq!(c["bot"], bot_at(&id, 1, "check", false), "{c}");
    assert!(actors::clock::now_ms() >= started + 59_000, "not before its time");
    assert_eq!(graph.send_requests().len(), 2, "nothing sent twice; logs:\n{}", server.logs());
    sheena.taps("yes", "Yes").await;
    sheena.expect(&["Glad we could help!"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopen_flow_greets_a_customer_who_writes_to_a_closed_chat() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let welcome_back = json!({
        "name": "Welcome back", "number_ids": [acme.number().id], "trigger": {"on": "reopen"},
        "start": "hello",
        "steps": {"hello": {"type": "message", "text": "Welcome back! An agent will be with you shortly."}},
    });
    publish_new(&acme, &welcome_back).await;
    let mut sheena = Customer::new(&acme, &app.graph, "Sheena");
    // A new chat is not a reopen: nothing from this flow.
    sheena.says("hi").await;
    let id = sheena.conversation_id().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sheena.received().len(), 0, "a reopen flow does not greet a new chat");

    acme.manager.raw_post(&format!("/api/conversations/{id}/close"), &json!({})).await.expect(200);
    sheena.says("me again").await;

    sheena.expect(&["Welcome back! An agent will be with you shortly."]).await;
    assert_eq!(sheena.conversation().await["status"], "open");
}
