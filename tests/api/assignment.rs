//! Claiming, transferring and noting: two simultaneous "assign to me"
//! have exactly one winner; a transfer notifies exactly its receiver and
//! leaves its note in the history as an internal note; a manager's
//! assignment notifies the assignee; @mentions notify the mentioned.

use serde_json::{json, Value};

use crate::support::inbox::{assert_not_notified, spawn_inbox_app};
use crate::support::{ws, QUIET, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_simultaneous_claims_exactly_one_wins_and_the_other_is_told_who() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    // Both see Not Assigned, so both may claim.
    acme.manager.update_settings(&json!({"staff_see_unassigned": true})).await.expect(200);

    for round in 0..10 {
        let chat = acme.new_chat(&format!("Contested {round}")).await;
        let (a, b) = tokio::join!(ann.client.assign_to_me(&chat.id), bob.client.assign_to_me(&chat.id));
        let statuses = (a.status.as_u16(), b.status.as_u16());
        let (winner, loser, lost) = match statuses {
            (200, 409) => (&ann, &bob, b),
            (409, 200) => (&bob, &ann, a),
            other => {
                panic!("round {round}: expected one 200 and one 409, got {other:?}: {} / {}", a.text, b.text)
            }
        };
        let text = lost.text.clone();
        assert_eq!(lost.expect_error(409), "already_assigned", "{text}");
        assert!(text.contains(winner.id()), "the 409 names who has it: {text}");
        let c = acme.conversation(&chat.id).await;
        assert_eq!(c["assignee_id"], winner.id(), "round {round}: {c}");
        // The loser no longer sees it; the winner's second claim is a no-op.
        loser.client.get_conversation(&chat.id).await.expect_error(404);
        winner.client.assign_to_me(&chat.id).await.expect(200);
        let claims = acme.assignment_reasons(&chat.id).await;
        assert_eq!(claims, [format!("{} took it", winner.name())], "exactly one assignment recorded");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_and_a_staff_member_racing_for_a_queued_chat_also_have_one_winner() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let team = acme.create_team("Sales", &[&ann], "round_robin").await;
    for round in 0..5 {
        // Ann is offline: the chat waits in the Sales queue, which she sees.
        let chat = acme.new_chat(&format!("Queued {round}")).await;
        acme.manager.assign_to_team(&chat.id, &team).await.expect(200);
        let (m, a) = tokio::join!(acme.manager.assign_to_me(&chat.id), ann.client.assign_to_me(&chat.id));
        let mut statuses = [m.status.as_u16(), a.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{} / {}", m.text, a.text);
        let winner = if m.status == 200 { acme.manager_id() } else { ann.id() };
        assert_eq!(acme.conversation(&chat.id).await["assignee_id"], winner);
        // A claimed chat keeps its team.
        assert_eq!(acme.conversation(&chat.id).await["team_id"], team.as_str());
    }
    // A manager claiming a colleague's chat is refused the same way.
    let chat = acme.new_chat("Taken").await;
    ann.client.assign_to_me(&chat.id).await.expect_error(404);
    acme.manager.assign_to_user(&chat.id, ann.id()).await.expect(200);
    assert_eq!(acme.manager.assign_to_me(&chat.id).await.expect_error(409), "already_assigned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_notifies_exactly_its_receiver_and_keeps_the_note_internal() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let cat = acme.staff_named("Cat").await;
    let chat = acme.new_chat("Vera").await;
    acme.manager.assign_to_user(&chat.id, ann.id()).await.expect(200);

    let mut manager = ws::connect(&app.address, acme.manager.token(), None).await;
    manager.next_of_type("hello", WAIT).await;
    let mut ann_ws = ann.socket().await;
    let mut bob_ws = bob.socket().await;
    let mut cat_ws = cat.socket().await;
    let mut globex_ws = ws::connect(&app.address, globex.manager.token(), None).await;
    globex_ws.next_of_type("hello", WAIT).await;

    let note = "VIP: wants the annual plan at the monthly price";
    let c = ann.client.transfer(&chat.id, json!({"user_id": bob.id()}), Some(note)).await.expect(200);
    assert_eq!(c["assignee_id"], bob.id(), "{c}");

    // Bob's notification, byte for byte what REST says about the chat.
    let raw = bob_ws.next_text_of_type("notification", WAIT).await;
    let frame: Value = serde_json::from_str(&raw).expect("JSON");
    let conversation = bob.client.get_conversation(&chat.id).await.expect(200);
    let expected = json!({
        "seq": frame["seq"].as_u64().unwrap_or_else(|| panic!("no seq in {raw}")),
        "type": "notification",
        "kind": "transferred",
        "conversation_id": chat.id,
        "conversation": conversation,
        "by": ann.id(),
        "note": note,
    });
    assert_eq!(frame, expected, "raw: {raw}");
    // Nobody else is notified: Ann is told the chat left her view, Cat and
    // another tenant hear nothing, the manager sees the change only.
    let ann_frames = ann_ws.frames_until_quiet(QUIET).await;
    assert_not_notified("Ann", &ann_frames);
    assert!(
        ann_frames
            .iter()
            .any(|f| f["type"] == "conversation.removed" && f["conversation_id"] == chat.id.as_str()),
        "{ann_frames:#?}"
    );
    cat_ws.assert_no_frame_within(QUIET).await;
    globex_ws.assert_no_frame_within(QUIET).await;
    let manager_frames = manager.frames_until_quiet(QUIET).await;
    assert_not_notified("the manager", &manager_frames);
    assert!(manager_frames.iter().any(|f| f["type"] == "conversation.updated"), "{manager_frames:#?}");
    let bob_rest = bob_ws.frames_until_quiet(QUIET).await;
    assert_not_notified("Bob (twice)", &bob_rest);

    // The note is an internal message in the history, never sent to WhatsApp.
    let messages = acme.messages_of(&chat.id).await;
    let notes: Vec<&Value> = messages.iter().filter(|m| m["type"] == "note").collect();
    assert_eq!(notes.len(), 1, "{messages:#?}");
    assert_eq!(notes[0]["direction"], "internal");
    assert_eq!(notes[0]["text"], note);
    assert_eq!(notes[0]["author_id"], ann.id());
    assert!(app.graph.sent_messages().is_empty(), "{:#?}", app.graph.requests());
    let bobs_view = bob.client.messages(&chat.id, "").await.expect(200);
    assert!(bobs_view["items"].as_array().expect("items").iter().any(|m| m["text"] == note), "{bobs_view}");
    // The audit trail says who transferred to whom.
    let events = acme.events_of(&chat.id).await;
    let transferred = events.iter().find(|e| e["type"] == "transferred").expect("a transferred event");
    assert_eq!(transferred["to_user_id"], bob.id(), "{transferred}");
    assert_eq!(transferred["by"], json!({"type": "user", "user_id": ann.id()}), "{transferred}");
    assert!(events.iter().any(|e| e["type"] == "note_added"), "{events:#?}");

    // Ann may no longer transfer it; staff never transfer others' chats.
    ann.client.transfer(&chat.id, json!({"user_id": cat.id()}), None).await.expect_error(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_to_a_team_notifies_the_member_it_lands_with() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let dan = acme.staff_named("Dan").await;
    let eve = acme.staff_named("Eve").await;
    let support = acme.create_team("Support", &[&eve, &dan], "round_robin").await;
    let chat = acme.new_chat("Walt").await;
    acme.manager.assign_to_user(&chat.id, ann.id()).await.expect(200);
    let mut dan_ws = acme.online(&dan).await; // Eve stays offline
    let mut ann_ws = ann.socket().await;

    let c = ann
        .client
        .transfer(&chat.id, json!({"team_id": support}), Some("billing question"))
        .await
        .expect(200);
    assert_eq!((&c["assignee_id"], &c["team_id"]), (&json!(dan.id()), &json!(support)), "{c}");

    let frame = dan_ws.next_of_type("notification", WAIT).await;
    assert_eq!(
        (&frame["kind"], &frame["conversation"]["id"], &frame["by"], &frame["note"]),
        (&json!("transferred"), &json!(chat.id), &json!(ann.id()), &json!("billing question")),
        "{frame}"
    );
    let ann_frames = ann_ws.frames_until_quiet(QUIET).await;
    assert_not_notified("Ann", &ann_frames);
    let reason = acme.last_reason(&chat.id).await;
    assert!(reason.starts_with("transferred to the team by Ann"), "{reason}");
    assert!(reason.ends_with("round robin: Dan; skipped Eve (offline)"), "{reason}");

    // Invalid targets are 422 and change nothing.
    for to in [
        json!({"user_id": uuid::Uuid::now_v7().to_string()}),
        json!({"team_id": uuid::Uuid::now_v7().to_string()}),
        json!({}),
    ] {
        let r = dan.client.transfer(&chat.id, to.clone(), None).await;
        assert_eq!(r.status, 422, "{to}: {}", r.text);
    }
    assert_eq!(acme.conversation(&chat.id).await["assignee_id"], dan.id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managers_assignment_notifies_the_assignee_and_a_self_claim_notifies_nobody() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    acme.manager.update_settings(&json!({"staff_see_unassigned": true})).await.expect(200);
    let mut ann_ws = ann.socket().await;
    let mut bob_ws = bob.socket().await;
    let chat = acme.new_chat("Yara").await;
    ann_ws.frames_until_quiet(QUIET).await;
    bob_ws.frames_until_quiet(QUIET).await;

    acme.manager.assign_to_user(&chat.id, ann.id()).await.expect(200);
    let frame = ann_ws.next_of_type("notification", WAIT).await;
    assert_eq!((&frame["kind"], &frame["by"]), (&json!("assigned"), &json!(acme.manager_id())), "{frame}");
    assert_eq!(frame["conversation"]["assignee_id"], ann.id(), "{frame}");
    let bob_frames = bob_ws.frames_until_quiet(QUIET).await;
    assert_not_notified("Bob", &bob_frames);

    // Claiming for oneself is not news to oneself.
    let other = acme.new_chat("Zed").await;
    bob_ws.frames_until_quiet(QUIET).await;
    bob.client.assign_to_me(&other.id).await.expect(200);
    let frames = bob_ws.frames_until_quiet(QUIET).await;
    assert_not_notified("Bob claiming", &frames);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_are_internal_and_mentions_notify_exactly_the_mentioned() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let stranger = globex.staff_named("Gus").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let cat = acme.staff_named("Cat").await;
    let team = acme.create_team("Sales", &[&ann, &bob], "round_robin").await;
    let chat = acme.new_chat("Uma").await;
    acme.manager.assign_to_team(&chat.id, &team).await.expect(200);
    acme.manager.assign_to_user(&chat.id, ann.id()).await.expect(200);
    let mut ann_ws = ann.socket().await;
    let mut bob_ws = bob.socket().await;
    let mut cat_ws = cat.socket().await;
    let mut manager = ws::connect(&app.address, acme.manager.token(), None).await;
    manager.next_of_type("hello", WAIT).await;

    let text = "@Bob can you check the invoice?";
    let note = ann.client.add_note(&chat.id, text, &[bob.id()]).await.expect(201);
    assert_eq!(
        (&note["type"], &note["direction"], &note["text"]),
        (&json!("note"), &json!("internal"), &json!(text))
    );
    assert_eq!(note["mentions"], json!([bob.id()]), "{note}");
    assert_eq!(note["author_id"], ann.id(), "{note}");

    let frame = bob_ws.next_of_type("notification", WAIT).await;
    assert_eq!(
        (&frame["kind"], &frame["conversation_id"], &frame["by"], &frame["note"]),
        (&json!("mentioned"), &json!(chat.id), &json!(ann.id()), &json!(text)),
        "{frame}"
    );
    // Bob may not see Ann's chat: he is told who asked and what, not its contents.
    assert!(frame.get("conversation").is_none(), "{frame}");
    // Ann sees her note arrive (the chat is hers), not a notification.
    let created = ann_ws.next_of_type("message.created", WAIT).await;
    assert_eq!(created["message"]["id"], note["id"], "{created}");
    let rest = ann_ws.frames_until_quiet(QUIET).await;
    assert_not_notified("Ann", &rest);
    cat_ws.assert_no_frame_within(QUIET).await;
    let manager_frames = manager.frames_until_quiet(QUIET).await;
    assert!(manager_frames.iter().any(|f| f["type"] == "message.created"), "{manager_frames:#?}");
    assert_not_notified("the manager", &manager_frames);
    assert!(app.graph.sent_messages().is_empty(), "a note is never sent to WhatsApp");

    // Only active colleagues of the tenant can be mentioned; notes need text.
    for mentions in [vec![stranger.id()], vec![cat.id(), "not-an-id"]] {
        let r = ann.client.add_note(&chat.id, "hm", &mentions).await;
        assert!(matches!(r.status.as_u16(), 400 | 422), "{mentions:?}: {} {}", r.status, r.text);
    }
    assert_eq!(ann.client.add_note(&chat.id, "   ", &[]).await.status, 422);
    // A manager's note on any chat; a teammate who cannot see it cannot note.
    acme.manager.add_note(&chat.id, "noted", &[]).await.expect(201);
    bob.client.add_note(&chat.id, "me too", &[]).await.expect_error(404);
    let notes: Vec<Value> =
        acme.messages_of(&chat.id).await.into_iter().filter(|m| m["direction"] == "internal").collect();
    let texts: Vec<&Value> = notes.iter().map(|m| &m["text"]).collect();
    assert_eq!(texts, [&json!(text), &json!("noted")]);
    assert!(crate::support::inbox::listed(&bob.client, "").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canned_replies_are_per_tenant_and_managed_by_managers() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let ann = acme.staff_named("Ann").await;

    let hours =
        acme.manager.create_canned("/Hours", "We are open 9 to 5, Monday to Friday.").await.expect(201);
    assert_eq!(hours["shortcut"], "hours", "{hours}");
    let id = hours["id"].as_str().expect("id").to_string();
    acme.manager.create_canned("thanks", "Thank you for your patience!").await.expect(201);
    assert_eq!(acme.manager.create_canned("/THANKS", "again").await.expect_error(409), "shortcut_exists");
    assert_eq!(acme.manager.create_canned("two words", "x").await.status, 422);
    ann.client.create_canned("mine", "staff cannot").await.expect_error(403);

    // Everyone in the tenant reads them; nobody else does.
    let list = ann.client.list_canned().await.expect(200);
    let shortcuts: Vec<&Value> =
        list["items"].as_array().expect("items").iter().map(|c| &c["shortcut"]).collect();
    assert_eq!(shortcuts.len(), 2, "{list}");
    assert!(shortcuts.contains(&&json!("hours")) && shortcuts.contains(&&json!("thanks")), "{list}");
    assert_eq!(globex.manager.list_canned().await.expect(200)["items"], json!([]));
    globex.manager.replace_canned(&id, "hours", "hijack").await.expect_error(404);
    globex.manager.delete_canned(&id).await.expect_error(404);

    let changed = acme.manager.replace_canned(&id, "hours", "Open 8 to 6 now.").await.expect(200);
    assert_eq!((&changed["id"], &changed["text"]), (&json!(id), &json!("Open 8 to 6 now.")));
    ann.client.replace_canned(&id, "hours", "nope").await.expect_error(403);
    ann.client.delete_canned(&id).await.expect_error(403);
    assert_eq!(acme.manager.delete_canned(&id).await.status, 204);
    let list = acme.manager.list_canned().await.expect(200);
    assert_eq!(list["items"].as_array().expect("items").len(), 1, "{list}");
}
