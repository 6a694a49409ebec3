//! A chat's life and its people's: close and reopen by hand, a customer
//! reopening a closed chat (back to the previous assignee if still active,
//! otherwise to the team queue or Not Assigned), deactivating a user (their
//! sessions and sockets end at once, their open chats go back to their team
//! or to Not Assigned, a tenant keeps a manager), and passwords.

use serde_json::{json, Value};

use crate::support::inbox::spawn_inbox_app;
use crate::support::{ws, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_and_reopening_by_hand_keeps_the_assignee_and_is_audited() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let chat = acme.new_chat("Olga").await;
    acme.manager.assign_to_user(&chat.id, ann.id()).await.expect(200);

    bob.client.close(&chat.id).await.expect_error(404);
    let c = ann.client.close(&chat.id).await.expect(200);
    assert_eq!((&c["status"], &c["assignee_id"]), (&json!("closed"), &json!(ann.id())), "{c}");
    // Closing twice is harmless.
    ann.client.close(&chat.id).await.expect(200);
    assert_eq!(crate::support::inbox::listed(&ann.client, "status=closed").await.len(), 1);
    assert!(crate::support::inbox::listed(&ann.client, "status=open").await.is_empty());
    let counts = ann.client.counts().await.expect(200);
    assert_eq!(
        (&counts["open"], &counts["closed"], &counts["mine"]),
        (&json!(0), &json!(1), &json!(0)),
        "{counts}"
    );

    let c = ann.client.reopen(&chat.id).await.expect(200);
    assert_eq!((&c["status"], &c["assignee_id"]), (&json!("open"), &json!(ann.id())), "{c}");
    let kinds: Vec<Value> = acme.events_of(&chat.id).await.iter().map(|e| e["type"].clone()).collect();
    let tail = &kinds[kinds.len() - 2..];
    assert_eq!(tail, [json!("closed"), json!("reopened")], "{kinds:?}");
    let events = acme.events_of(&chat.id).await;
    let closed = events.iter().find(|e| e["type"] == "closed").expect("closed");
    assert_eq!(closed["by"], json!({"type": "user", "user_id": ann.id()}), "{closed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_pages_back_one_event_at_a_time_even_within_one_write() {
    // A new chat's first message writes several events at once (created,
    // received, ...) into one stored run: paging must still cut between them.
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let chat = acme.new_chat("Olga").await;
    acme.manager.close(&chat.id).await.expect(200);
    acme.manager.reopen(&chat.id).await.expect(200);
    let all = acme.events_of(&chat.id).await;
    assert!(all.len() >= 4, "created, received, closed, reopened at least: {all:#?}");
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().expect("a seq")).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "one seq each, in order: {seqs:?}");

    let mut paged = Vec::new();
    let mut before: Option<u64> = None;
    loop {
        let query = match before {
            Some(b) => format!("limit=1&before={b}"),
            None => "limit=1".to_string(),
        };
        let page = acme.manager.events(&chat.id, &query).await.expect(200);
        let items = page["items"].as_array().expect("items").clone();
        let Some(only) = items.first() else { break };
        assert_eq!(items.len(), 1, "limit=1 gives one: {page}");
        before = only["seq"].as_u64();
        paged.push(only.clone());
    }
    paged.reverse();
    assert_eq!(paged, all, "one at a time backwards gives the same trail");
    let two = acme.manager.events(&chat.id, &format!("limit=2&before={}", seqs[2])).await.expect(200);
    let got: Vec<&Value> = two["items"].as_array().expect("items").iter().collect();
    assert_eq!(got, vec![&all[0], &all[1]], "the two before the third, oldest first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_writing_to_a_closed_chat_reopens_it_for_the_previous_assignee() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let team = acme.create_team("Sales", &[&bob, &ann], "round_robin").await;
    let _bob = acme.online(&bob).await;
    let chat = acme.new_chat("Pia").await;
    acme.manager.assign_to_team(&chat.id, &team).await.expect(200);
    acme.manager.assign_to_user(&chat.id, ann.id()).await.expect(200);
    ann.client.close(&chat.id).await.expect(200);
    // Ann is offline: that does not matter, she is still active.
    let mut ann_ws = ann.socket().await;

    acme.customer_writes(&chat.wa_id, &chat.name, "one more thing").await;

    let c = acme.wait_conversation(&chat.id, "the chat to reopen", |c| c["status"] == "open").await;
    assert_eq!((&c["assignee_id"], &c["team_id"]), (&json!(ann.id()), &json!(team)), "{c}");
    let frame = ann_ws.next_of_type("message.created", WAIT).await;
    assert_eq!(frame["message"]["text"], "one more thing", "{frame}");
    assert_eq!(frame["conversation"]["status"], "open", "{frame}");
    let events = acme.events_of(&chat.id).await;
    let reopened = events.iter().rev().find(|e| e["type"] == "reopened").expect("a reopened event");
    assert_eq!(reopened["by"], json!({"type": "customer"}), "{reopened}");
    assert_eq!(acme.assignment_reasons(&chat.id).await.len(), 2, "no re-routing: {events:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_chat_of_a_deactivated_agent_reopens_into_their_team_and_is_routed() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let team = acme.create_team("Sales", &[&ann, &bob], "round_robin").await;
    let chat = acme.new_chat("Rosa").await;
    acme.manager.assign_to_team(&chat.id, &team).await.expect(200);
    acme.manager.assign_to_user(&chat.id, bob.id()).await.expect(200);
    bob.client.close(&chat.id).await.expect(200);
    acme.manager.deactivate_user(bob.id()).await.expect(200);
    // A closed chat is not released: it stays Bob's until it reopens.
    assert_eq!(acme.conversation(&chat.id).await["assignee_id"], bob.id());
    let _ann = acme.online(&ann).await;

    acme.customer_writes(&chat.wa_id, &chat.name, "hello again").await;

    let c = acme.wait_assigned(&chat.id, ann.id()).await;
    assert_eq!((&c["status"], &c["team_id"]), (&json!("open"), &json!(team)), "{c}");
    let reasons = acme.assignment_reasons(&chat.id).await;
    let last = reasons.last().expect("a reason");
    assert!(last.contains("round robin: Ann"), "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains("previous assignee")), "{reasons:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nobody_available_the_reopened_chat_waits_in_the_team_queue() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await; // offline
    let bob = acme.staff_named("Bob").await;
    let team = acme.create_team("Sales", &[&ann, &bob], "round_robin").await;
    let chat = acme.new_chat("Sara").await;
    acme.manager.assign_to_team(&chat.id, &team).await.expect(200);
    acme.manager.assign_to_user(&chat.id, bob.id()).await.expect(200);
    acme.manager.close(&chat.id).await.expect(200);
    acme.manager.update_user(bob.id(), &json!({"active": false})).await.expect(200);

    acme.customer_writes(&chat.wa_id, &chat.name, "still there?").await;

    let c = acme
        .wait_conversation(&chat.id, "the chat to reopen into the queue", |c| {
            c["status"] == "open" && c["assignee_id"].is_null()
        })
        .await;
    assert_eq!(c["team_id"], team.as_str(), "{c}");
    crate::support::poll_until(WAIT, "the chat to be queued", || async {
        (acme.team(&team).await["queue_length"] == 1).then_some(())
    })
    .await;
    // Ann sees it in her team's queue, and gets it when she connects.
    ann.client.get_conversation(&chat.id).await.expect(200);
    let _ann = ann.socket().await;
    acme.wait_assigned(&chat.id, ann.id()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_team_a_deactivated_agents_reopened_chat_goes_to_not_assigned() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let cat = acme.staff_named("Cat").await;
    let chat = acme.new_chat("Tina").await;
    acme.manager.assign_to_user(&chat.id, cat.id()).await.expect(200);
    cat.client.close(&chat.id).await.expect(200);
    acme.manager.deactivate_user(cat.id()).await.expect(200);

    acme.customer_writes(&chat.wa_id, &chat.name, "hello?").await;

    let c = acme.wait_conversation(&chat.id, "the chat to reopen", |c| c["status"] == "open").await;
    assert_eq!((&c["assignee_id"], &c["team_id"]), (&Value::Null, &Value::Null), "{c}");
    let counts = acme.manager.counts().await.expect(200);
    assert_eq!(counts["not_assigned"], 1, "{counts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_a_user_ends_their_sessions_and_returns_their_open_chats() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let team = acme.create_team("Sales", &[&ann, &bob], "round_robin").await;
    let mut ann_ws = acme.online(&ann).await;
    let (second_session, _) = ann.client.anonymous().signed_in(&ann.email, crate::support::PASSWORD).await;
    let in_team = [acme.new_chat("Una").await, acme.new_chat("Vic").await];
    for chat in &in_team {
        assert_eq!(acme.manager.assign_to_team(&chat.id, &team).await.expect(200)["assignee_id"], ann.id());
    }
    let solo = acme.new_chat("Wes").await;
    acme.manager.assign_to_user(&solo.id, ann.id()).await.expect(200);
    let closed = acme.new_chat("Xan").await;
    acme.manager.assign_to_user(&closed.id, ann.id()).await.expect(200);
    ann.client.close(&closed.id).await.expect(200);
    let _bob_ws = acme.online(&bob).await;
    ann_ws.frames_until_quiet(crate::support::QUIET).await;

    let user = acme.manager.deactivate_user(ann.id()).await.expect(200);
    assert_eq!(user["active"], false, "{user}");

    // Every session ends at once, sockets included.
    ann_ws.expect_closed(WAIT).await;
    ann.client.me().await.expect_error(401);
    second_session.list_conversations("").await.expect_error(401);
    assert_eq!(ws::refused_status(&app.address, ann.client.token()).await, 401);
    ann.client.anonymous().login(&ann.email, crate::support::PASSWORD).await.expect_error(401);
    // Her open team chats go round robin to Bob; her other open chat to Not Assigned.
    for chat in &in_team {
        acme.wait_assigned(&chat.id, bob.id()).await;
        let reasons = acme.assignment_reasons(&chat.id).await;
        assert!(reasons.iter().any(|r| r.contains("deactivated")), "{reasons:#?}");
        assert!(reasons.last().expect("a reason").contains("round robin: Bob"), "{reasons:#?}");
    }
    let c = acme.wait_conversation(&solo.id, "her chat to be released", |c| c["assignee_id"].is_null()).await;
    assert_eq!((&c["team_id"], &c["status"]), (&Value::Null, &json!("open")), "{c}");
    // A closed chat keeps its history.
    assert_eq!(acme.conversation(&closed.id).await["assignee_id"], ann.id());
    // She is out of the monitor, cannot be assigned, transferred to or mentioned.
    let presence = acme.manager.list_presence().await.expect(200);
    assert!(
        presence["items"].as_array().expect("items").iter().all(|p| p["user_id"] != ann.id()),
        "{presence}"
    );
    assert_eq!(acme.manager.assign_to_user(&solo.id, ann.id()).await.status, 422);
    assert_eq!(acme.manager.add_note(&solo.id, "hi", &[ann.id()]).await.status, 422);
    // Reactivated, she signs in again, with nothing handed back.
    acme.manager.update_user(ann.id(), &json!({"active": true})).await.expect(200);
    ann.client.anonymous().signed_in(&ann.email, crate::support::PASSWORD).await;
    assert_eq!(acme.conversation(&in_team[0].id).await["assignee_id"], bob.id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_always_keeps_an_active_manager() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let me = acme.manager_id().to_string();

    assert_eq!(acme.manager.deactivate_user(&me).await.expect_error(409), "last_manager");
    assert_eq!(
        acme.manager.update_user(&me, &json!({"active": false})).await.expect_error(409),
        "last_manager"
    );
    assert_eq!(
        acme.manager.update_user(&me, &json!({"role": "staff"})).await.expect_error(409),
        "last_manager"
    );
    acme.manager.me().await.expect(200);

    // With a second manager, the first may go.
    let second = acme.create_user_named("manager", "Mia").await;
    let staff = acme.staff_named("Sid").await;
    acme.manager.deactivate_user(&me).await.expect(200);
    acme.manager.me().await.expect_error(401);
    assert_eq!(second.client.deactivate_user(second.id()).await.expect_error(409), "last_manager");
    // Staff manage nobody.
    staff.client.deactivate_user(second.id()).await.expect_error(403);
    staff.client.update_user(staff.id(), &json!({"max_open_chats": 50})).await.expect_error(403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_ones_password_ends_the_other_sessions_only() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let (phone, _) = ann.client.anonymous().signed_in(&ann.email, crate::support::PASSWORD).await;
    let mut phone_ws = ws::connect(&phone.base, phone.token(), None).await;
    phone_ws.next_of_type("hello", WAIT).await;
    let new_password = "a brand new passphrase for Ann";

    let wrong = ann.client.change_password("not my password", new_password).await;
    assert!(matches!(wrong.status.as_u16(), 401 | 403 | 422), "{}: {}", wrong.status, wrong.text);
    assert_eq!(ann.client.change_password(crate::support::PASSWORD, "short").await.status, 422);
    assert_eq!(ann.client.change_password(crate::support::PASSWORD, new_password).await.status, 204);

    ann.client.me().await.expect(200);
    phone.me().await.expect_error(401);
    ann.client.anonymous().login(&ann.email, crate::support::PASSWORD).await.expect_error(401);
    ann.client.anonymous().signed_in(&ann.email, new_password).await;
    // The ended session's live socket ends with it.
    phone_ws.expect_closed(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_resets_a_staff_password_and_every_session_of_theirs_ends() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let mut ann_ws = ann.socket().await;
    let reset = "reset by the manager 2024";

    bob.client.reset_password(ann.id(), reset).await.expect_error(403);
    assert_eq!(acme.manager.reset_password(ann.id(), "short").await.status, 422);
    assert_eq!(acme.manager.reset_password(ann.id(), reset).await.status, 204);

    ann.client.me().await.expect_error(401);
    ann_ws.expect_closed(WAIT).await;
    ann.client.anonymous().login(&ann.email, crate::support::PASSWORD).await.expect_error(401);
    ann.client.anonymous().signed_in(&ann.email, reset).await;
    bob.client.me().await.expect(200);
    // Another tenant's manager cannot touch her.
    let globex = app.onboard_tenant("Globex").await;
    globex.manager.reset_password(ann.id(), "hijacked password 123").await.expect_error(404);
}
