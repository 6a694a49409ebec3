//! Helpers for the team-inbox tests: named agents, teams, fresh customer
//! chats, waiting for a chat to reach a state, reading the routing reason
//! from the audit trail, and presence (an agent is online while a socket is
//! open; offline once it closes and the grace period, short in these
//! tests, has passed).
//!
//! Everything goes through the public API; nothing writes to the store.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use super::ws::{self, WsClient};
use super::{
    meta, poll_until, spawn_app_with, unique, ApiClient, TestApp, TestTenant, TestUser, PASSWORD, WAIT,
};

/// The presence grace period of [`spawn_inbox_app`], in milliseconds.
pub const GRACE_MS: u64 = 200;

/// How long a routing or presence effect may take to show.
pub const SETTLE: Duration = Duration::from_secs(10);

/// A test app whose presence grace is [`GRACE_MS`], so an agent who closes
/// their last socket is offline almost at once.
pub async fn spawn_inbox_app() -> TestApp {
    spawn_app_with(|s| s.actors.presence_grace_ms = GRACE_MS).await
}

/// A fresh customer number, unique within the test process.
pub fn new_wa_id() -> String {
    format!("1555{:03}{:05}", std::process::id() % 1000, unique())
}

/// The ids of the conversations in a list response.
pub fn ids_of(page: &Value) -> BTreeSet<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .iter()
        .map(|c| c["id"].as_str().expect("conversation id").to_string())
        .collect()
}

/// The ids `client` lists for `query` (one page of up to 200).
pub async fn listed(client: &ApiClient, query: &str) -> BTreeSet<String> {
    let q = if query.is_empty() { "limit=200".to_string() } else { format!("limit=200&{query}") };
    ids_of(&client.list_conversations(&q).await.expect(200))
}

/// A set of ids.
pub fn set<S: AsRef<str>>(ids: &[S]) -> BTreeSet<String> {
    ids.iter().map(|s| s.as_ref().to_string()).collect()
}

/// Panics if any of `frames` is a `notification` (`who` names the socket).
#[track_caller]
pub fn assert_not_notified(who: &str, frames: &[Value]) {
    assert!(frames.iter().all(|f| f["type"] != "notification"), "{who} was notified: {frames:#?}");
}

/// A customer chat the tests created.
#[derive(Debug, Clone)]
pub struct Chat {
    /// The conversation id.
    pub id: String,
    /// The customer's number.
    pub wa_id: String,
    /// The customer's profile name.
    pub name: String,
}

impl TestUser {
    /// Their display name.
    pub fn name(&self) -> &str {
        self.user["name"].as_str().expect("user name")
    }

    /// Opens a socket (presence frames left out) and reads its hello.
    pub async fn socket(&self) -> WsClient {
        let mut socket = ws::connect(&self.client.base, self.client.token(), None).await;
        let hello = socket.next_json(WAIT).await;
        assert_eq!(hello["type"], "hello", "{hello}");
        socket
    }
}

impl TestTenant {
    /// Creates a user with `role` and display name `name`, signed in.
    pub async fn create_user_named(&self, role: &str, name: &str) -> TestUser {
        let email = format!("{}{}@team.test", name.to_lowercase().replace(' ', "."), unique());
        let body = json!({"email": email, "name": name, "password": PASSWORD, "role": role});
        self.manager.create_user(&body).await.expect(201);
        let (client, user) = self.anonymous().signed_in(&email, PASSWORD).await;
        TestUser { client, user, email }
    }

    /// Creates a staff member called `name`.
    pub async fn staff_named(&self, name: &str) -> TestUser {
        self.create_user_named("staff", name).await
    }

    /// The manager's user id.
    pub fn manager_id(&self) -> &str {
        self.manager_user["id"].as_str().expect("manager id")
    }

    /// Creates a team (`routing`: `round_robin` or `balanced`); returns its id.
    pub async fn create_team(&self, name: &str, members: &[&TestUser], routing: &str) -> String {
        let ids: Vec<&str> = members.iter().map(|m| m.id()).collect();
        let body =
            json!({"name": name, "member_ids": ids, "routing": routing, "reassign_after_minutes": null});
        let team = self.manager.create_team(&body).await.expect(201);
        assert_eq!(team["member_ids"], json!(ids), "{team}");
        team["id"].as_str().unwrap_or_else(|| panic!("no id in {team}")).to_string()
    }

    /// The team as `GET /api/teams` lists it.
    pub async fn team(&self, id: &str) -> Value {
        let teams = self.manager.list_teams().await.expect(200);
        teams["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items in {teams}"))
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("team {id} not in {teams}"))
            .clone()
    }

    /// A new customer called `name` writes `text`; returns the chat once
    /// the manager can see it (Not Assigned, open, unread 1).
    pub async fn new_chat_saying(&self, name: &str, text: &str) -> Chat {
        let wa_id = new_wa_id();
        self.customer_writes(&wa_id, name, text).await;
        let conversation = poll_until(WAIT, &format!("the conversation with {wa_id}"), || async {
            let page = self.manager.list_conversations(&format!("q={wa_id}")).await.expect(200);
            page["items"].as_array()?.iter().find(|c| c["customer"]["wa_id"] == wa_id.as_str()).cloned()
        })
        .await;
        let id = conversation["id"].as_str().expect("conversation id").to_string();
        Chat { id, wa_id, name: name.to_string() }
    }

    /// A new customer called `name` says hello.
    pub async fn new_chat(&self, name: &str) -> Chat {
        self.new_chat_saying(name, &format!("hello, this is {name}")).await
    }

    /// The customer `wa_id` sends `text` (a signed webhook, checked 200).
    pub async fn customer_writes(&self, wa_id: &str, name: &str, text: &str) -> String {
        let wamid = meta::wamid();
        let resp =
            self.post_webhook(&meta::text_webhook(&self.number().meta, wa_id, name, &wamid, text)).await;
        assert_eq!(resp.status, 200, "webhook refused: {}", resp.text);
        wamid
    }

    /// The conversation as the manager sees it now.
    pub async fn conversation(&self, id: &str) -> Value {
        self.manager.get_conversation(id).await.expect(200)
    }

    /// Waits until the manager sees the conversation in a state `ok` accepts.
    pub async fn wait_conversation(&self, id: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        poll_until(SETTLE, what, || async {
            let c = self.conversation(id).await;
            ok(&c).then_some(c)
        })
        .await
    }

    /// Waits until the chat is assigned to `user`.
    pub async fn wait_assigned(&self, id: &str, user: &str) -> Value {
        self.wait_conversation(id, &format!("{id} to be assigned to {user}"), |c| c["assignee_id"] == user)
            .await
    }

    /// The audit trail, oldest first.
    pub async fn events_of(&self, id: &str) -> Vec<Value> {
        let body = self.manager.events(id, "limit=200").await.expect(200);
        body["items"].as_array().unwrap_or_else(|| panic!("no items in {body}")).clone()
    }

    /// The reasons of the `assigned` events, oldest first.
    pub async fn assignment_reasons(&self, id: &str) -> Vec<String> {
        self.events_of(id)
            .await
            .iter()
            .filter(|e| e["type"] == "assigned")
            .map(|e| e["reason"].as_str().unwrap_or_else(|| panic!("no reason in {e}")).to_string())
            .collect()
    }

    /// The reason of the latest `assigned` event.
    pub async fn last_reason(&self, id: &str) -> String {
        self.assignment_reasons(id).await.pop().unwrap_or_else(|| panic!("no assigned event on {id}"))
    }

    /// One agent's entry in `GET /api/presence` (as the manager sees it).
    pub async fn presence_of(&self, user_id: &str) -> Value {
        let body = self.manager.list_presence().await.expect(200);
        body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items in {body}"))
            .iter()
            .find(|p| p["user_id"] == user_id)
            .unwrap_or_else(|| panic!("{user_id} not in {body}"))
            .clone()
    }

    /// Waits until the agent's status is `status`.
    pub async fn wait_presence(&self, user_id: &str, status: &str) {
        poll_until(SETTLE, &format!("{user_id} to be {status}"), || async {
            (self.presence_of(user_id).await["status"] == status).then_some(())
        })
        .await
    }

    /// Brings an agent online: opens a socket and waits until presence
    /// says so. Keep the socket: dropping it takes them offline.
    pub async fn online(&self, agent: &TestUser) -> WsClient {
        let socket = agent.socket().await;
        self.wait_presence(agent.id(), "online").await;
        socket
    }

    /// Takes an agent offline: closes their socket and waits out the grace.
    pub async fn offline(&self, agent: &TestUser, socket: WsClient) {
        socket.close().await;
        self.wait_presence(agent.id(), "offline").await;
    }

    /// Sets an agent away by hand and waits until presence says so.
    pub async fn away(&self, agent: &TestUser) {
        let body = agent.client.set_presence("away").await.expect(200);
        assert_eq!(body["status"], "away", "{body}");
        self.wait_presence(agent.id(), "away").await;
    }

    /// Open chats per agent as `GET /api/presence` reports them.
    pub async fn open_chats(&self, user_id: &str) -> u64 {
        self.presence_of(user_id).await["open_chats"].as_u64().expect("open_chats")
    }
}
