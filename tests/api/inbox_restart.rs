//! The team inbox survives a restart of the real binary (SIGKILL right
//! after the last acknowledged change): assignments, the team queue, the
//! round-robin cursor (the next pick continues the rotation), labels,
//! notes, canned replies, settings, deactivations and the audit trail.

use serde_json::{json, Value};

use crate::support::inbox::{listed, set, Chat};
use crate::support::{
    counter, meta, onboard, poll_until, ApiClient, ChildApp, Deployment, TestTenant, TestUser, PASSWORD, WAIT,
};

/// Presence grace for the child processes, in milliseconds.
const ENV: [(&str, &str); 1] = [("SWITCHBOARD__ACTORS__PRESENCE_GRACE_MS", "200")];

/// The same user, signed in again on a restarted server.
async fn again(user: &TestUser, base: &str) -> TestUser {
    let (client, user_json) = ApiClient::new(base).signed_in(&user.email, PASSWORD).await;
    TestUser { client, user: user_json, email: user.email.clone() }
}

/// The real binary on a fresh data directory with Acme onboarded; the
/// directory lives as long as the returned `Deployment`.
async fn acme_on_the_binary() -> (Deployment, ChildApp, TestTenant) {
    let deployment = Deployment::new().await;
    let server = deployment.start(&ENV).await;
    let acme = onboard(&server.admin().await, "Acme", true).await;
    (deployment, server, acme)
}

/// SIGTERM, and the process must exit cleanly.
async fn stop_cleanly(server: &mut ChildApp) {
    server.signal("TERM");
    let status = server.wait_exit(std::time::Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0), "{status:?}; stderr:\n{}", server.logs());
}

/// What must survive of a chat.
async fn snapshot(acme: &TestTenant, chat: &Chat) -> (Value, Vec<Value>, Vec<Value>) {
    let c = acme.conversation(&chat.id).await;
    let kept = json!({
        "status": c["status"], "assignee_id": c["assignee_id"], "team_id": c["team_id"],
        "labels": c["labels"], "unread": c["unread"], "customer": c["customer"],
    });
    (kept, acme.messages_of(&chat.id).await, acme.events_of(&chat.id).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignments_queue_cursor_labels_and_notes_survive_a_sigkill() {
    let (deployment, server, acme) = acme_on_the_binary().await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let cat = acme.staff_named("Cat").await;
    let dan = acme.staff_named("Dan").await;
    let eve = acme.staff_named("Eve").await;
    let sales = acme.create_team("Sales", &[&ann, &bob, &cat], "round_robin").await;
    let support = acme.create_team("Support", &[&dan], "balanced").await;
    let _sockets = [acme.online(&ann).await, acme.online(&bob).await, acme.online(&cat).await];

    // Four chats round robin: Ann, Bob, Cat, Ann. The cursor is at Ann.
    let mut routed = Vec::new();
    for i in 0..4 {
        let chat = acme.new_chat(&format!("Sales {i}")).await;
        let c = acme.manager.assign_to_team(&chat.id, &sales).await.expect(200);
        routed.push((chat, c["assignee_id"].clone()));
    }
    let picks: Vec<&Value> = routed.iter().map(|(_, a)| a).collect();
    assert_eq!(picks, [&json!(ann.id()), &json!(bob.id()), &json!(cat.id()), &json!(ann.id())]);
    // Two chats wait for Dan, who is offline.
    let mut queued = Vec::new();
    for i in 0..2 {
        let chat = acme.new_chat(&format!("Support {i}")).await;
        assert_eq!(
            acme.manager.assign_to_team(&chat.id, &support).await.expect(200)["assignee_id"],
            Value::Null
        );
        queued.push(chat);
    }
    // Labels, a note with a mention, a closed chat, a canned reply, settings, a deactivation.
    acme.manager.create_label("Hot Lead", "#ff0000").await.expect(201);
    ann.client.set_labels(&routed[0].0.id, &["Hot Lead"]).await.expect(200);
    bob.client.add_note(&routed[1].0.id, "call back after 5pm", &[ann.id()]).await.expect(201);
    cat.client.close(&routed[2].0.id).await.expect(200);
    acme.manager.create_canned("hours", "9 to 5").await.expect(201);
    acme.manager
        .update_settings(&json!({"staff_see_unassigned": true, "default_max_open_chats": 10}))
        .await
        .expect(200);
    acme.manager.deactivate_user(eve.id()).await.expect(200);
    let loose = acme.new_chat("Loose").await;

    let all: Vec<&Chat> = routed.iter().map(|(c, _)| c).chain(queued.iter()).chain([&loose]).collect();
    let mut before = Vec::new();
    for chat in &all {
        before.push(snapshot(&acme, chat).await);
    }
    let counts_before = acme.manager.counts().await.expect(200);

    server.sigkill().await;
    let server = deployment.start(&ENV).await;
    let acme = acme.signed_in_at(&server.address).await;
    let (ann, bob, cat, dan) = (
        again(&ann, &server.address).await,
        again(&bob, &server.address).await,
        again(&cat, &server.address).await,
        again(&dan, &server.address).await,
    );

    for (chat, was) in all.iter().zip(&before) {
        assert_eq!(&snapshot(&acme, chat).await, was, "{} after the restart", chat.name);
    }
    assert_eq!(acme.manager.counts().await.expect(200), counts_before);
    assert_eq!(acme.team(&support).await["queue_length"], 2, "the queue is rebuilt");
    assert_eq!(acme.team(&support).await["routing"], "balanced");
    assert_eq!(acme.team(&sales).await["member_ids"], json!([ann.id(), bob.id(), cat.id()]));
    let notes: Vec<Value> =
        acme.messages_of(&routed[1].0.id).await.into_iter().filter(|m| m["type"] == "note").collect();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(
        (&notes[0]["text"], &notes[0]["mentions"]),
        (&json!("call back after 5pm"), &json!([ann.id()]))
    );
    // History search is in sled too: a word of the note, and of a chat's
    // first customer message.
    assert_eq!(listed(&acme.manager, "q=5pm").await, set(&[&routed[1].0.id]));
    assert_eq!(listed(&acme.manager, "q=hello%20loose").await, set(&[&loose.id]));
    assert_eq!(acme.manager.list_labels().await.expect(200)["items"][0]["name"], "Hot Lead");
    assert_eq!(acme.manager.list_canned().await.expect(200)["items"][0]["shortcut"], "hours");
    let settings = acme.manager.get_settings().await.expect(200);
    assert_eq!(
        settings,
        json!({"staff_see_unassigned": true, "default_max_open_chats": 10, "business_hours": null})
    );
    assert_eq!(acme.manager.get_user(eve.id()).await.expect(200)["active"], false);
    acme.anonymous().login(&eve.email, PASSWORD).await.expect_error(401);
    // Visibility is rebuilt too: Dan sees his team's queue and, by the
    // setting, the loose chat; Ann her own and the unassigned ones.
    assert_eq!(listed(&dan.client, "").await, set(&[&queued[0].id, &queued[1].id, &loose.id]));
    assert_eq!(
        listed(&ann.client, "").await,
        set(&[&routed[0].0.id, &routed[3].0.id, &queued[0].id, &queued[1].id, &loose.id])
    );

    // Nobody is connected to the new process: everyone is offline.
    assert_eq!(acme.presence_of(ann.id()).await["status"], "offline");
    let _sockets = [acme.online(&ann).await, acme.online(&bob).await, acme.online(&cat).await];
    // The rotation continues after Ann: Bob, Cat, then Ann.
    for want in [&bob, &cat, &ann] {
        let chat = acme.new_chat(&format!("After restart for {}", want.name())).await;
        let c = acme.manager.assign_to_team(&chat.id, &sales).await.expect(200);
        assert_eq!(c["assignee_id"], want.id(), "{c}");
        assert!(acme.last_reason(&chat.id).await.ends_with(&format!("round robin: {}", want.name())));
    }
    // The rebuilt queue drains to Dan when he connects, oldest first.
    let _dan = acme.online(&dan).await;
    acme.wait_assigned(&queued[0].id, dan.id()).await;
    acme.wait_assigned(&queued[1].id, dan.id()).await;
    assert_eq!(acme.team(&support).await["queue_length"], 0);
    let reason = acme.last_reason(&queued[0].id).await;
    assert!(reason.starts_with("from the team queue") && reason.ends_with("balanced: Dan"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_stop_keeps_the_cursor_as_well() {
    let (deployment, mut server, acme) = acme_on_the_binary().await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let sales = acme.create_team("Sales", &[&ann, &bob], "round_robin").await;
    let sockets = [acme.online(&ann).await, acme.online(&bob).await];
    let chat = acme.new_chat("Before").await;
    assert_eq!(acme.manager.assign_to_team(&chat.id, &sales).await.expect(200)["assignee_id"], ann.id());
    drop(sockets);

    stop_cleanly(&mut server).await;

    let server = deployment.start(&ENV).await;
    let acme = acme.signed_in_at(&server.address).await;
    let (ann, bob) = (again(&ann, &server.address).await, again(&bob, &server.address).await);
    let _sockets = [acme.online(&ann).await, acme.online(&bob).await];
    let chat = acme.new_chat("After").await;
    assert_eq!(acme.manager.assign_to_team(&chat.id, &sales).await.expect(200)["assignee_id"], bob.id());
}

/// `switchboard_index_snapshots_loaded_total` of a running binary.
async fn snapshots_loaded(server: &ChildApp) -> u64 {
    counter(&server.client().metrics().await.text, "switchboard_index_snapshots_loaded_total")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_stop_restarts_from_the_index_snapshot_and_a_crash_after_from_the_rows() {
    let (deployment, mut server, acme) = acme_on_the_binary().await;
    let ann = acme.staff_named("Ann").await;
    let first = acme.new_chat("First").await;
    let second = acme.new_chat("Second").await;
    acme.manager.assign_to_user(&first.id, ann.id()).await.expect(200);
    let before = [acme.conversation(&first.id).await, acme.conversation(&second.id).await];
    assert_eq!(snapshots_loaded(&server).await, 0, "a first start has no snapshot");

    stop_cleanly(&mut server).await;

    // The clean stop left the number's summaries as one snapshot.
    let server = deployment.start(&ENV).await;
    assert_eq!(snapshots_loaded(&server).await, 1, "the number started from its snapshot");
    let acme = acme.signed_in_at(&server.address).await;
    let ann = again(&ann, &server.address).await;
    assert_eq!([acme.conversation(&first.id).await, acme.conversation(&second.id).await], before);
    assert_eq!(listed(&acme.manager, "").await, set(&[&first.id, &second.id]));
    assert_eq!(listed(&acme.manager, "assignee=none").await, set(&[&second.id]));
    assert_eq!(listed(&ann.client, "").await, set(&[&first.id]));

    // Reading it deleted it: after a change and a crash, the rows count.
    acme.customer_writes(&second.wa_id, &second.name, "Still there?").await;
    assert_eq!(acme.conversation(&second.id).await["preview"], "Still there?");
    server.sigkill().await;
    let server = deployment.start(&ENV).await;
    assert_eq!(snapshots_loaded(&server).await, 0, "no snapshot after a crash");
    let acme = acme.signed_in_at(&server.address).await;
    let second_now = acme.conversation(&second.id).await;
    assert_eq!(second_now["preview"], "Still there?", "{second_now:#}");
    assert_eq!(listed(&acme.manager, "").await, set(&[&first.id, &second.id]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_words_still_in_memory_at_a_sigkill_are_found_after_the_restart() {
    // Words reach sled once a second per number (`number::postings`); the
    // process dies right after the 200s, most likely before that write, and
    // the restarted number re-reads the latest messages for them.
    let (deployment, server, acme) = acme_on_the_binary().await;
    let first = acme.receive_text("16505550142", "Sheena", "zanzibar shipment").await;
    let chat = first.conversation_id();
    let payload = meta::text_webhook(&acme.number().meta, "16505550142", "Sheena", &meta::wamid(), "quokka");
    acme.post_webhook(&payload).await.expect(200);
    assert_eq!(listed(&acme.manager, "q=quokka").await, set(&[&chat]), "found before it is on disk");
    server.sigkill().await;

    let server = deployment.start(&ENV).await;
    let acme = acme.signed_in_at(&server.address).await;
    for word in ["zanzibar", "quokka", "shipm"] {
        let query = format!("q={word}");
        poll_until(WAIT, &format!("{word} found after the restart"), || async {
            (listed(&acme.manager, &query).await == set(&[&chat])).then_some(())
        })
        .await;
    }
    assert!(listed(&acme.manager, "q=wombat").await.is_empty(), "and nothing else matches");
}
