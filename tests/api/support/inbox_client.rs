//! The typed client's team-inbox endpoints: users, teams, labels, canned
//! replies, settings, presence, badge counts and the conversation workflow
//! (assign, transfer, notes, close/reopen, labels, bot, read, audit trail).
//! A second `impl ApiClient` so `client.rs` stays the core of API.md.

use reqwest::Method;
use serde_json::{json, Value};

use super::client::{ApiClient, ApiResponse};

impl ApiClient {
    // ---- raw helpers for the other verbs --------------------------------

    /// `PUT path` with a JSON body.
    pub async fn raw_put(&self, path: &str, body: &Value) -> ApiResponse {
        self.raw(Method::PUT, path, Some((serde_json::to_vec(body).expect("JSON"), "application/json")), &[])
            .await
    }

    /// `PATCH path` with a JSON body.
    pub async fn raw_patch(&self, path: &str, body: &Value) -> ApiResponse {
        self.raw(
            Method::PATCH,
            path,
            Some((serde_json::to_vec(body).expect("JSON"), "application/json")),
            &[],
        )
        .await
    }

    /// `DELETE path`.
    pub async fn raw_delete(&self, path: &str) -> ApiResponse {
        self.raw(Method::DELETE, path, None, &[]).await
    }

    /// `POST path` without a body.
    pub async fn raw_post_empty(&self, path: &str) -> ApiResponse {
        self.raw(Method::POST, path, None, &[]).await
    }

    // ---- own account ----------------------------------------------------

    /// `POST /api/auth/password`.
    pub async fn change_password(&self, current: &str, new: &str) -> ApiResponse {
        self.raw_post("/api/auth/password", &json!({"current_password": current, "new_password": new})).await
    }

    // ---- users ----------------------------------------------------------

    /// `GET /api/users/{id}`.
    pub async fn get_user(&self, id: &str) -> ApiResponse {
        self.raw_get(&format!("/api/users/{id}")).await
    }

    /// `PATCH /api/users/{id}`.
    pub async fn update_user(&self, id: &str, patch: &Value) -> ApiResponse {
        self.raw_patch(&format!("/api/users/{id}"), patch).await
    }

    /// `DELETE /api/users/{id}` (deactivates).
    pub async fn deactivate_user(&self, id: &str) -> ApiResponse {
        self.raw_delete(&format!("/api/users/{id}")).await
    }

    /// `POST /api/users/{id}/password` (a manager's reset).
    pub async fn reset_password(&self, id: &str, password: &str) -> ApiResponse {
        self.raw_post(&format!("/api/users/{id}/password"), &json!({"password": password})).await
    }

    // ---- teams ----------------------------------------------------------

    /// `POST /api/teams`.
    pub async fn create_team(&self, body: &Value) -> ApiResponse {
        self.raw_post("/api/teams", body).await
    }

    /// `GET /api/teams`.
    pub async fn list_teams(&self) -> ApiResponse {
        self.raw_get("/api/teams").await
    }

    /// `GET /api/teams/{id}`.
    pub async fn get_team(&self, id: &str) -> ApiResponse {
        self.raw_get(&format!("/api/teams/{id}")).await
    }

    /// `PUT /api/teams/{id}`.
    pub async fn replace_team(&self, id: &str, body: &Value) -> ApiResponse {
        self.raw_put(&format!("/api/teams/{id}"), body).await
    }

    /// `DELETE /api/teams/{id}`.
    pub async fn delete_team(&self, id: &str) -> ApiResponse {
        self.raw_delete(&format!("/api/teams/{id}")).await
    }

    // ---- labels ---------------------------------------------------------

    /// `POST /api/labels`.
    pub async fn create_label(&self, name: &str, color: &str) -> ApiResponse {
        self.raw_post("/api/labels", &json!({"name": name, "color": color})).await
    }

    /// `GET /api/labels`.
    pub async fn list_labels(&self) -> ApiResponse {
        self.raw_get("/api/labels").await
    }

    /// `PUT /api/labels/{id}`.
    pub async fn replace_label(&self, id: &str, name: &str, color: &str) -> ApiResponse {
        self.raw_put(&format!("/api/labels/{id}"), &json!({"name": name, "color": color})).await
    }

    /// `DELETE /api/labels/{id}`.
    pub async fn delete_label(&self, id: &str) -> ApiResponse {
        self.raw_delete(&format!("/api/labels/{id}")).await
    }

    // ---- canned replies -------------------------------------------------

    /// `POST /api/canned-replies`.
    pub async fn create_canned(&self, shortcut: &str, text: &str) -> ApiResponse {
        self.raw_post("/api/canned-replies", &json!({"shortcut": shortcut, "text": text})).await
    }

    /// `GET /api/canned-replies`.
    pub async fn list_canned(&self) -> ApiResponse {
        self.raw_get("/api/canned-replies").await
    }

    /// `PUT /api/canned-replies/{id}`.
    pub async fn replace_canned(&self, id: &str, shortcut: &str, text: &str) -> ApiResponse {
        self.raw_put(&format!("/api/canned-replies/{id}"), &json!({"shortcut": shortcut, "text": text})).await
    }

    /// `DELETE /api/canned-replies/{id}`.
    pub async fn delete_canned(&self, id: &str) -> ApiResponse {
        self.raw_delete(&format!("/api/canned-replies/{id}")).await
    }

    // ---- settings, presence, numbers ------------------------------------

    /// `GET /api/settings`.
    pub async fn get_settings(&self) -> ApiResponse {
        self.raw_get("/api/settings").await
    }

    /// `PATCH /api/settings`.
    pub async fn update_settings(&self, patch: &Value) -> ApiResponse {
        self.raw_patch("/api/settings", patch).await
    }

    /// `GET /api/presence`.
    pub async fn list_presence(&self) -> ApiResponse {
        self.raw_get("/api/presence").await
    }

    /// `PUT /api/presence` `{"status"}`.
    pub async fn set_presence(&self, status: &str) -> ApiResponse {
        self.raw_put("/api/presence", &json!({"status": status})).await
    }

    /// `GET /api/numbers`.
    pub async fn list_numbers(&self) -> ApiResponse {
        self.raw_get("/api/numbers").await
    }

    /// The `health` of number `number_id`, as `GET /api/numbers` lists it.
    pub async fn number_health(&self, number_id: &str) -> Value {
        let numbers = self.list_numbers().await.expect(200);
        let items = numbers["items"].as_array().expect("items");
        let number = items.iter().find(|n| n["id"] == number_id).expect("the number is listed");
        number["health"].clone()
    }

    // ---- the conversation workflow --------------------------------------

    /// `GET /api/conversations/counts`.
    pub async fn counts(&self) -> ApiResponse {
        self.raw_get("/api/conversations/counts").await
    }

    /// `POST /api/conversations/{id}/assign` `{"to": to}`.
    pub async fn assign(&self, id: &str, to: Value) -> ApiResponse {
        self.raw_post(&format!("/api/conversations/{id}/assign"), &json!({"to": to})).await
    }

    /// `{"to": "me"}`.
    pub async fn assign_to_me(&self, id: &str) -> ApiResponse {
        self.assign(id, json!("me")).await
    }

    /// `{"to": {"user_id": user}}`.
    pub async fn assign_to_user(&self, id: &str, user: &str) -> ApiResponse {
        self.assign(id, json!({"user_id": user})).await
    }

    /// `{"to": {"team_id": team}}`.
    pub async fn assign_to_team(&self, id: &str, team: &str) -> ApiResponse {
        self.assign(id, json!({"team_id": team})).await
    }

    /// `{"to": null}`.
    pub async fn unassign(&self, id: &str) -> ApiResponse {
        self.assign(id, Value::Null).await
    }

    /// `POST /api/conversations/{id}/transfer` `{"to", "note"}`.
    pub async fn transfer(&self, id: &str, to: Value, note: Option<&str>) -> ApiResponse {
        let mut body = json!({"to": to});
        if let Some(note) = note {
            body["note"] = json!(note);
        }
        self.raw_post(&format!("/api/conversations/{id}/transfer"), &body).await
    }

    /// `POST /api/conversations/{id}/notes` `{"text", "mentions"}`.
    pub async fn add_note(&self, id: &str, text: &str, mentions: &[&str]) -> ApiResponse {
        self.raw_post(&format!("/api/conversations/{id}/notes"), &json!({"text": text, "mentions": mentions}))
            .await
    }

    /// `POST /api/conversations/{id}/close`.
    pub async fn close(&self, id: &str) -> ApiResponse {
        self.raw_post_empty(&format!("/api/conversations/{id}/close")).await
    }

    /// `POST /api/conversations/{id}/reopen`.
    pub async fn reopen(&self, id: &str) -> ApiResponse {
        self.raw_post_empty(&format!("/api/conversations/{id}/reopen")).await
    }

    /// `PUT /api/conversations/{id}/labels` `{"labels"}`.
    pub async fn set_labels(&self, id: &str, labels: &[&str]) -> ApiResponse {
        self.raw_put(&format!("/api/conversations/{id}/labels"), &json!({"labels": labels})).await
    }

    /// `PUT /api/conversations/{id}/bot` `{"enabled"}`.
    pub async fn set_bot(&self, id: &str, enabled: bool) -> ApiResponse {
        self.raw_put(&format!("/api/conversations/{id}/bot"), &json!({"enabled": enabled})).await
    }

    /// `POST /api/conversations/{id}/read`.
    pub async fn mark_read(&self, id: &str) -> ApiResponse {
        self.raw_post_empty(&format!("/api/conversations/{id}/read")).await
    }

    /// `GET /api/conversations/{id}/events?{query}`: the audit trail.
    pub async fn events(&self, id: &str, query: &str) -> ApiResponse {
        let q = if query.is_empty() { String::new() } else { format!("?{query}") };
        self.raw_get(&format!("/api/conversations/{id}/events{q}")).await
    }
}
