//! Routing through a team: round robin is fair and skips members who are
//! offline, away, at capacity or inactive, saying so in the chat's
//! history; nobody available queues the chat, and the queue is handed out
//! oldest first as soon as a member connects or frees capacity; balanced
//! routing takes the least loaded member, ties to the least recently
//! assigned.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::support::inbox::{spawn_inbox_app, Chat, GRACE_MS};
use crate::support::{TestTenant, TestUser, WAIT};

/// Routes `chat` through `team` as the manager; returns the conversation.
async fn to_team(acme: &TestTenant, chat: &Chat, team: &str) -> Value {
    let c = acme.manager.assign_to_team(&chat.id, team).await.expect(200);
    assert_eq!(c["team_id"], team, "{c}");
    c
}

/// `n` fresh chats, oldest first.
async fn chats(acme: &TestTenant, n: usize, prefix: &str) -> Vec<Chat> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(acme.new_chat(&format!("{prefix} {i}")).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_chats_to_three_online_agents_are_ten_each_in_rotation() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let agents =
        [acme.staff_named("Ann").await, acme.staff_named("Bob").await, acme.staff_named("Cat").await];
    let team = acme.create_team("Sales", &agents.iter().collect::<Vec<_>>(), "round_robin").await;
    let mut sockets = Vec::new();
    for agent in &agents {
        sockets.push(acme.online(agent).await);
    }

    let mut picks = Vec::new();
    for chat in chats(&acme, 30, "Customer").await {
        let c = to_team(&acme, &chat, &team).await;
        let who = c["assignee_id"].as_str().unwrap_or_else(|| panic!("not assigned: {c}")).to_string();
        let name = agents.iter().find(|a| a.id() == who).expect("a member").name().to_string();
        let reason = acme.last_reason(&chat.id).await;
        assert!(reason.ends_with(&format!("round robin: {name}")), "{reason}");
        picks.push(who);
    }

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &picks {
        *counts.entry(p.as_str()).or_default() += 1;
    }
    assert_eq!(counts.values().copied().collect::<Vec<_>>(), [10, 10, 10], "{counts:?}");
    // A strict rotation: every window of three holds each agent once.
    for w in picks.windows(3) {
        assert!(w[0] != w[1] && w[1] != w[2] && w[0] != w[2], "not a rotation: {picks:?}");
    }
    for agent in &agents {
        assert_eq!(acme.open_chats(agent.id()).await, 10, "{}", agent.name());
        let mine = agent.client.counts().await.expect(200);
        assert_eq!(mine["mine"], 10, "{mine}");
    }
    assert_eq!(acme.team(&team).await["queue_length"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fairness_holds_within_one_when_the_count_does_not_divide() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let agents =
        [acme.staff_named("Ann").await, acme.staff_named("Bob").await, acme.staff_named("Cat").await];
    let team = acme.create_team("Sales", &agents.iter().collect::<Vec<_>>(), "round_robin").await;
    let mut sockets = Vec::new();
    for agent in &agents {
        sockets.push(acme.online(agent).await);
    }
    for chat in chats(&acme, 11, "Customer").await {
        to_team(&acme, &chat, &team).await;
    }
    let mut loads = Vec::new();
    for agent in &agents {
        loads.push(acme.open_chats(agent.id()).await);
    }
    loads.sort_unstable();
    assert_eq!(loads, [3, 4, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_skips_offline_at_capacity_away_and_inactive_members_and_says_why() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await; // never connects: offline
    let bob = acme.staff_named("Bob").await; // online, at capacity
    let cat = acme.staff_named("Cat").await; // away
    let dan = acme.staff_named("Dan").await; // online
    let eve = acme.staff_named("Eve").await; // deactivated
    let team = acme.create_team("Sales", &[&ann, &bob, &cat, &dan, &eve], "round_robin").await;
    let _bob_socket = acme.online(&bob).await;
    let _cat_socket = acme.online(&cat).await;
    acme.away(&cat).await;
    let _dan_socket = acme.online(&dan).await;
    acme.manager.update_user(bob.id(), &json!({"max_open_chats": 1})).await.expect(200);
    let held = acme.new_chat("Held").await;
    acme.manager.assign_to_user(&held.id, bob.id()).await.expect(200);
    acme.manager.deactivate_user(eve.id()).await.expect(200);

    let first = acme.new_chat("First").await;
    let c = to_team(&acme, &first, &team).await;
    assert_eq!(c["assignee_id"], dan.id(), "{c}");
    let reason = acme.last_reason(&first.id).await;
    assert!(
        reason.ends_with("round robin: Dan; skipped Ann (offline), Bob (at capacity 1/1), Cat (away)"),
        "{reason}"
    );
    // The history says who did it, when, and where it went.
    let events = acme.events_of(&first.id).await;
    let assigned = events.iter().rev().find(|e| e["type"] == "assigned").expect("an assigned event");
    assert_eq!(assigned["assignee_id"], dan.id(), "{assigned}");
    assert_eq!(assigned["team_id"], team.as_str(), "{assigned}");
    assert_eq!(assigned["by"], json!({"type": "user", "user_id": acme.manager_id()}), "{assigned}");
    assert!(assigned["at"].as_str().is_some_and(|t| t.contains('T')), "{assigned}");

    // Next in rotation after Dan is Eve (inactive), then Ann... Dan again.
    let second = acme.new_chat("Second").await;
    let c = to_team(&acme, &second, &team).await;
    assert_eq!(c["assignee_id"], dan.id(), "{c}");
    let reason = acme.last_reason(&second.id).await;
    assert!(
        reason.ends_with(
            "round robin: Dan; skipped Eve (inactive), Ann (offline), Bob (at capacity 1/1), Cat (away)"
        ),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_whose_socket_closed_is_skipped_once_the_grace_period_is_over() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let team = acme.create_team("Sales", &[&ann, &bob], "round_robin").await;
    let ann_socket = acme.online(&ann).await;
    let _bob_socket = acme.online(&bob).await;

    let started = std::time::Instant::now();
    acme.offline(&ann, ann_socket).await;
    assert!(started.elapsed().as_millis() >= u128::from(GRACE_MS), "offline only after the grace");

    for name in ["One", "Two"] {
        let chat = acme.new_chat(name).await;
        let c = to_team(&acme, &chat, &team).await;
        assert_eq!(c["assignee_id"], bob.id(), "{c}");
        let reason = acme.last_reason(&chat.id).await;
        assert!(reason.ends_with("round robin: Bob; skipped Ann (offline)"), "{reason}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_within_the_grace_period_does_not_take_the_agent_offline() {
    // A long grace, so a page reload fits inside it.
    let app = crate::support::spawn_app_with(|s| s.actors.presence_grace_ms = 60_000).await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let team = acme.create_team("Sales", &[&ann], "round_robin").await;
    let socket = acme.online(&ann).await;
    socket.close().await;
    // Whether or not the reload has happened yet, Ann is still online.
    let chat = acme.new_chat("Reload").await;
    assert_eq!(to_team(&acme, &chat, &team).await["assignee_id"], ann.id());
    assert_eq!(acme.presence_of(ann.id()).await["status"], "online");
    let _again = ann.socket().await;
    assert_eq!(acme.presence_of(ann.id()).await["status"], "online");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nobody_available_chats_queue_and_drain_oldest_first_when_an_agent_connects() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let team = acme.create_team("Support", &[&ann], "round_robin").await;
    acme.manager.update_user(ann.id(), &json!({"max_open_chats": 1})).await.expect(200);

    let queued = chats(&acme, 3, "Waiting").await;
    for chat in &queued {
        let c = to_team(&acme, chat, &team).await;
        assert_eq!((&c["assignee_id"], &c["status"]), (&Value::Null, &json!("open")), "{c}");
        let reason = acme.last_reason(&chat.id).await;
        assert!(reason.ends_with("queued: nobody available; skipped Ann (offline)"), "{reason}");
    }
    assert_eq!(acme.team(&team).await["queue_length"], 3);
    let counts = acme.manager.counts().await.expect(200);
    assert_eq!(counts["teams"], json!({team.as_str(): 3}), "{counts}");
    assert_eq!(counts["not_assigned"], 3, "{counts}");
    // A member sees the queue before anyone has it.
    let queue: Vec<String> = (0..3).map(|i| queued[i].id.clone()).collect();
    assert_eq!(
        crate::support::inbox::listed(&ann.client, "assignee=none").await,
        crate::support::inbox::set(&queue)
    );

    // Ann connects: the oldest chat is hers at once (she holds one at most).
    let mut socket = ann.socket().await;
    let c = acme.wait_assigned(&queued[0].id, ann.id()).await;
    assert_eq!(c["team_id"], team.as_str());
    let note = socket.next_of_type("notification", WAIT).await;
    assert_eq!(
        (&note["kind"], &note["conversation"]["id"]),
        (&json!("assigned"), &json!(queued[0].id)),
        "{note}"
    );
    assert!(note.get("by").is_none() || note["by"].is_null(), "the system did it: {note}");
    let reason = acme.last_reason(&queued[0].id).await;
    assert!(reason.starts_with("from the team queue") && reason.ends_with("round robin: Ann"), "{reason}");
    for later in &queued[1..] {
        assert_eq!(acme.conversation(&later.id).await["assignee_id"], Value::Null, "capacity 1 holds");
    }
    assert_eq!(acme.team(&team).await["queue_length"], 2);

    // Closing her chat frees capacity: the next oldest follows, then the last.
    ann.client.close(&queued[0].id).await.expect(200);
    acme.wait_assigned(&queued[1].id, ann.id()).await;
    assert_eq!(acme.conversation(&queued[2].id).await["assignee_id"], Value::Null);
    assert_eq!(acme.team(&team).await["queue_length"], 1);
    ann.client.close(&queued[1].id).await.expect(200);
    acme.wait_assigned(&queued[2].id, ann.id()).await;
    assert_eq!(acme.team(&team).await["queue_length"], 0);
    assert_eq!(acme.manager.counts().await.expect(200)["teams"], json!({}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raising_an_agents_own_capacity_hands_them_the_next_queued_chat() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let team = acme.create_team("Support", &[&ann], "round_robin").await;
    acme.manager.update_user(ann.id(), &json!({"max_open_chats": 1})).await.expect(200);
    let _socket = acme.online(&ann).await;
    let first = acme.new_chat("First").await;
    let second = acme.new_chat("Second").await;
    assert_eq!(to_team(&acme, &first, &team).await["assignee_id"], ann.id());
    assert_eq!(to_team(&acme, &second, &team).await["assignee_id"], Value::Null);

    // Ann becomes available by having room for one more.
    acme.manager.update_user(ann.id(), &json!({"max_open_chats": 2})).await.expect(200);

    acme.wait_assigned(&second.id, ann.id()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenant_default_capacity_applies_and_raising_it_drains_the_queue() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let settings = acme.manager.get_settings().await.expect(200);
    assert_eq!(settings["default_max_open_chats"], Value::Null, "unlimited unless set: {settings}");
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let team = acme.create_team("Sales", &[&ann, &bob], "round_robin").await;
    let _a = acme.online(&ann).await;
    let _b = acme.online(&bob).await;
    acme.manager.update_settings(&json!({"default_max_open_chats": 1})).await.expect(200);
    // Bob's own limit overrides the default.
    acme.manager.update_user(bob.id(), &json!({"max_open_chats": 2})).await.expect(200);

    let all = chats(&acme, 4, "Busy").await;
    let mut got = Vec::new();
    for chat in &all {
        got.push(to_team(&acme, chat, &team).await["assignee_id"].clone());
    }
    assert_eq!(got, [json!(ann.id()), json!(bob.id()), json!(bob.id()), Value::Null]);
    let reason = acme.last_reason(&all[3].id).await;
    assert!(
        reason.ends_with("queued: nobody available; skipped Ann (at capacity 1/1), Bob (at capacity 2/2)"),
        "{reason}"
    );

    let bad = acme.manager.update_settings(&json!({"default_max_open_chats": 0})).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    acme.manager.update_settings(&json!({"default_max_open_chats": 2})).await.expect(200);
    acme.wait_assigned(&all[3].id, ann.id()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balanced_routing_takes_the_least_loaded_then_the_least_recently_assigned() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let cat = acme.staff_named("Cat").await;
    let dan = acme.staff_named("Dan").await; // offline, and idle
    let team = acme.create_team("Support", &[&ann, &bob, &cat, &dan], "balanced").await;
    let _sockets = [acme.online(&ann).await, acme.online(&bob).await, acme.online(&cat).await];
    // Existing load: Ann 2, Bob 1, Cat 0.
    for (agent, n) in [(&ann, 2), (&bob, 1)] {
        for chat in chats(&acme, n, agent.name()).await {
            acme.manager.assign_to_user(&chat.id, agent.id()).await.expect(200);
        }
    }

    let expected: [&TestUser; 6] = [&cat, &bob, &cat, &ann, &bob, &cat];
    for (i, want) in expected.iter().enumerate() {
        let chat = acme.new_chat(&format!("Balanced {i}")).await;
        let c = to_team(&acme, &chat, &team).await;
        assert_eq!(c["assignee_id"], want.id(), "pick {i}: {c}");
        let reason = acme.last_reason(&chat.id).await;
        assert!(reason.ends_with(&format!("balanced: {}; skipped Dan (offline)", want.name())), "{reason}");
    }
    for agent in [&ann, &bob, &cat] {
        assert_eq!(acme.open_chats(agent.id()).await, 3, "{}", agent.name());
    }
    assert_eq!(acme.open_chats(dan.id()).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_member_releasing_a_chat_hands_it_to_someone_else_in_the_team() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let team = acme.create_team("Sales", &[&ann, &bob], "round_robin").await;
    let _a = acme.online(&ann).await;
    let _b = acme.online(&bob).await;
    let chat = acme.new_chat("Rita").await;
    assert_eq!(to_team(&acme, &chat, &team).await["assignee_id"], ann.id());

    // Ann lets go: the team hands it on, never back to her.
    let c = ann.client.unassign(&chat.id).await.expect(200);
    assert_eq!((&c["assignee_id"], &c["team_id"]), (&json!(bob.id()), &json!(team)), "{c}");
    let reason = acme.last_reason(&chat.id).await;
    assert!(reason.starts_with("released by Ann") && reason.contains("round robin: Bob"), "{reason}");
    ann.client.get_conversation(&chat.id).await.expect_error(404);
    // Bob lets go: back to Ann.
    let c = bob.client.unassign(&chat.id).await.expect(200);
    assert_eq!(c["assignee_id"], ann.id(), "{c}");
    // Staff cannot release what is not theirs (Bob no longer sees it).
    bob.client.unassign(&chat.id).await.expect_error(404);
    // A manager's unassign goes to Not Assigned, out of the team.
    let c = acme.manager.unassign(&chat.id).await.expect(200);
    assert_eq!((&c["assignee_id"], &c["team_id"]), (&Value::Null, &Value::Null), "{c}");
    let reason = acme.last_reason(&chat.id).await;
    assert!(reason.starts_with("unassigned by"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_nobody_answers_in_time_moves_to_the_next_member() {
    // One "minute" of the team's reply deadline lasts 300 ms here.
    let app = crate::support::spawn_app_with(|s| {
        s.actors.presence_grace_ms = GRACE_MS;
        s.actors.reply_deadline_unit_ms = 300;
    })
    .await;
    let acme = app.onboard_tenant("Acme").await;
    let (ann, bob) = (acme.staff_named("Ann").await, acme.staff_named("Bob").await);
    let body = json!({"name": "Sales", "member_ids": [ann.id(), bob.id()], "reassign_after_minutes": 1});
    let team = acme.manager.create_team(&body).await.expect(201)["id"].as_str().expect("id").to_string();
    let _sockets = [acme.online(&ann).await, acme.online(&bob).await];

    // Ann gets the first chat and lets it wait: it moves on to Bob.
    let silent = acme.new_chat("Silent").await;
    assert_eq!(to_team(&acme, &silent, &team).await["assignee_id"], ann.id());
    acme.wait_assigned(&silent.id, bob.id()).await;
    let reason = acme.last_reason(&silent.id).await;
    assert_eq!(reason, "no reply within 1 minute; round robin: Bob");

    // Next, Ann answers hers in time and Bob does not answer his (assigned
    // just after hers, so its deadline passes after hers): his moves, hers
    // stays.
    let answered = acme.new_chat("Answered").await;
    assert_eq!(to_team(&acme, &answered, &team).await["assignee_id"], ann.id());
    ann.client.send_text(&answered.id, "On it!").await.expect(202);
    let ignored = acme.new_chat("Ignored").await;
    assert_eq!(to_team(&acme, &ignored, &team).await["assignee_id"], bob.id());
    acme.wait_assigned(&ignored.id, ann.id()).await;
    assert_eq!(acme.conversation(&answered.id).await["assignee_id"], ann.id());
    assert_eq!(acme.assignment_reasons(&answered.id).await.len(), 1, "answered in time: no reassignment");
}
