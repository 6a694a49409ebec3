//! Agent availability: online while any socket is open (tabs count as
//! one), away or offline by hand, offline once the last socket has been
//! closed for the grace period; managers see every change live (`presence`
//! frames) and the load of each agent in `GET /api/presence`; staff get no
//! presence frames. Coming back from away hands out the team queue.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::inbox::{spawn_inbox_app, GRACE_MS};
use crate::support::ws::{self, WsClient};
use crate::support::{QUIET, WAIT};

/// The next `presence` frame about `user`, skipping others (the manager's own).
async fn next_presence_of(socket: &mut WsClient, user: &str) -> (String, Value) {
    loop {
        let raw = socket.next_text_of_type("presence", WAIT).await;
        let frame: Value = serde_json::from_str(&raw).expect("JSON");
        if frame["user_id"] == user {
            return (raw, frame);
        }
    }
}

/// Long enough for a grace period to run out and its frame to arrive.
fn past_grace() -> Duration {
    Duration::from_millis(GRACE_MS * 2) + QUIET
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_see_each_status_change_once_and_tabs_count_as_one() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let me = acme.presence_of(ann.id()).await;
    assert_eq!(
        me,
        json!({"user_id": ann.id(), "name": "Ann", "role": "staff", "status": "offline", "open_chats": 0})
    );
    let mut monitor = ws::connect_all(&app.address, acme.manager.token(), None).await;
    assert_eq!(monitor.next_json(WAIT).await["type"], "hello");
    assert_eq!(acme.presence_of(acme.manager_id()).await["status"], "online", "the manager's own socket");

    let tab_one = ann.socket().await;
    let (raw, frame) = next_presence_of(&mut monitor, ann.id()).await;
    let seq = frame["seq"].as_u64().unwrap_or_else(|| panic!("no seq in {raw}"));
    assert_eq!(
        frame,
        json!({"seq": seq, "type": "presence", "user_id": ann.id(), "status": "online"}),
        "raw: {raw}"
    );
    assert_eq!(acme.presence_of(ann.id()).await["status"], "online");

    // A second tab, and closing one of the two: no change, no frame.
    let tab_two = ann.socket().await;
    tab_one.close().await;
    monitor.assert_no_frame_within(past_grace()).await;
    assert_eq!(acme.presence_of(ann.id()).await["status"], "online");

    // Away by hand, then back.
    assert_eq!(ann.client.set_presence("away").await.expect(200), json!({"status": "away"}));
    assert_eq!(next_presence_of(&mut monitor, ann.id()).await.1["status"], "away");
    assert_eq!(acme.presence_of(ann.id()).await["status"], "away");
    assert_eq!(ann.client.set_presence("online").await.expect(200), json!({"status": "online"}));
    assert_eq!(next_presence_of(&mut monitor, ann.id()).await.1["status"], "online");
    assert_eq!(ann.client.set_presence("busy").await.status, 422);

    // The last tab closes: offline after the grace period, announced once.
    tab_two.close().await;
    assert_eq!(next_presence_of(&mut monitor, ann.id()).await.1["status"], "offline");
    assert_eq!(acme.presence_of(ann.id()).await["status"], "offline");
    monitor.assert_no_frame_within(QUIET).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_get_no_presence_frames_and_tenants_see_only_their_own_agents() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let mut bob_ws = ws::connect_all(&app.address, bob.client.token(), None).await;
    assert_eq!(bob_ws.next_json(WAIT).await["type"], "hello");
    let mut globex_ws = ws::connect_all(&app.address, globex.manager.token(), None).await;
    assert_eq!(globex_ws.next_json(WAIT).await["type"], "hello");
    // Globex's manager's own presence frame, if any, is Globex's business.
    globex_ws.frames_until_quiet(QUIET).await;

    let _ann_ws = acme.online(&ann).await;
    ann.client.set_presence("away").await.expect(200);
    acme.wait_presence(ann.id(), "away").await;

    bob_ws.assert_no_frame_within(QUIET).await;
    globex_ws.assert_no_frame_within(QUIET).await;
    // Staff may read the monitor (to pick whom to transfer to).
    let list = bob.client.list_presence().await.expect(200);
    let users: Vec<&Value> = list["items"].as_array().expect("items").iter().map(|p| &p["user_id"]).collect();
    assert!(users.contains(&&json!(ann.id())), "{list}");
    let theirs = globex.manager.list_presence().await.expect(200);
    let users: Vec<&Value> =
        theirs["items"].as_array().expect("items").iter().map(|p| &p["user_id"]).collect();
    assert_eq!(users, [&globex.manager_user["id"]], "{theirs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitor_shows_each_agents_open_chats() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let mut ids = Vec::new();
    for name in ["One", "Two", "Three"] {
        let chat = acme.new_chat(name).await;
        acme.manager.assign_to_user(&chat.id, ann.id()).await.expect(200);
        ids.push(chat.id);
    }
    ann.client.close(&ids[2]).await.expect(200);
    assert_eq!(acme.open_chats(ann.id()).await, 2, "closed chats do not count");
    assert_eq!(acme.open_chats(bob.id()).await, 0);
    acme.manager.assign_to_user(&ids[0], bob.id()).await.expect(200);
    assert_eq!((acme.open_chats(ann.id()).await, acme.open_chats(bob.id()).await), (1, 1));
    ann.client.reopen(&ids[2]).await.expect(200);
    assert_eq!(acme.open_chats(ann.id()).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appearing_offline_or_away_keeps_chats_away_and_coming_back_drains_the_queue() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let team = acme.create_team("Support", &[&ann], "round_robin").await;
    let _ann_ws = acme.online(&ann).await;

    assert_eq!(ann.client.set_presence("offline").await.expect(200)["status"], "offline");
    let first = acme.new_chat("First").await;
    let c = acme.manager.assign_to_team(&first.id, &team).await.expect(200);
    assert_eq!(c["assignee_id"], Value::Null, "{c}");
    assert!(acme.last_reason(&first.id).await.ends_with("skipped Ann (offline)"));

    ann.client.set_presence("away").await.expect(200);
    let second = acme.new_chat("Second").await;
    acme.manager.assign_to_team(&second.id, &team).await.expect(200);
    assert!(acme.last_reason(&second.id).await.ends_with("skipped Ann (away)"));
    assert_eq!(acme.team(&team).await["queue_length"], 2);

    // Back online: the queue comes to her, oldest first.
    ann.client.set_presence("online").await.expect(200);
    acme.wait_assigned(&first.id, ann.id()).await;
    acme.wait_assigned(&second.id, ann.id()).await;
    let (a, b) = (acme.events_of(&first.id).await, acme.events_of(&second.id).await);
    let when = |events: &[Value]| {
        events.iter().rev().find(|e| e["type"] == "assigned").expect("assigned")["at"]
            .as_str()
            .expect("at")
            .to_string()
    };
    assert!(when(&a) <= when(&b), "oldest first: {} then {}", when(&a), when(&b));
}
