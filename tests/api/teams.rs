//! Teams as managers keep them: create, read, change members and routing
//! (visibility follows at once), delete (its queue goes to Not Assigned,
//! its assigned chats keep their assignee), all within one tenant.

use serde_json::{json, Value};

use crate::support::inbox::{listed, set, spawn_inbox_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_is_created_read_changed_and_deleted_by_managers_only() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;

    let body = json!({"name": "Sales", "member_ids": [ann.id()],
                      "routing": "round_robin", "reassign_after_minutes": null});
    ann.client.create_team(&body).await.expect_error(403);
    for bad in [
        json!({"name": "", "member_ids": []}),
        json!({"name": "Twice", "member_ids": [ann.id(), ann.id()]}),
        json!({"name": "Slow", "member_ids": [], "reassign_after_minutes": 0}),
    ] {
        let r = acme.manager.create_team(&bad).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
    }
    let r = acme.manager.create_team(&json!({"name": "Odd", "member_ids": [], "routing": "random"})).await;
    assert!(matches!(r.status.as_u16(), 400 | 422), "{}: {}", r.status, r.text);

    let sales = acme.manager.create_team(&body).await.expect(201);
    let id = sales["id"].as_str().expect("id").to_string();
    let got = ann.client.get_team(&id).await.expect(200);
    assert_eq!(
        (
            &got["name"],
            &got["member_ids"],
            &got["routing"],
            &got["reassign_after_minutes"],
            &got["queue_length"]
        ),
        (&json!("Sales"), &json!([ann.id()]), &json!("round_robin"), &Value::Null, &json!(0)),
        "{got}"
    );
    assert!(got["created_at"].as_str().is_some_and(|t| t.contains('T')), "{got}");
    globex.manager.get_team(&id).await.expect_error(404);
    assert_eq!(globex.manager.list_teams().await.expect(200)["items"], json!([]));

    // A chat waits in the Sales queue; Bob joins the team and sees it at once.
    let chat = acme.new_chat("Quincy").await;
    acme.manager.assign_to_team(&chat.id, &id).await.expect(200);
    bob.client.get_conversation(&chat.id).await.expect_error(404);
    let change = json!({"name": "Sales EU", "member_ids": [ann.id(), bob.id()],
                        "routing": "balanced", "reassign_after_minutes": 30});
    bob.client.replace_team(&id, &change).await.expect_error(403);
    globex.manager.replace_team(&id, &change).await.expect_error(404);
    let changed = acme.manager.replace_team(&id, &change).await.expect(200);
    assert_eq!(
        (&changed["name"], &changed["routing"], &changed["reassign_after_minutes"], &changed["queue_length"]),
        (&json!("Sales EU"), &json!("balanced"), &json!(30), &json!(1)),
        "{changed}"
    );
    bob.client.get_conversation(&chat.id).await.expect(200);
    let owned = acme.new_chat("Olive").await;
    acme.manager.assign_to_team(&owned.id, &id).await.expect(200);
    acme.manager.assign_to_user(&owned.id, bob.id()).await.expect(200);

    // Deleting it: the queue goes to Not Assigned, Bob keeps his chat.
    globex.manager.delete_team(&id).await.expect_error(404);
    ann.client.delete_team(&id).await.expect_error(403);
    assert_eq!(acme.manager.delete_team(&id).await.status, 204);
    acme.manager.get_team(&id).await.expect_error(404);
    let c = acme
        .wait_conversation(&chat.id, "the queued chat to leave the team", |c| c["team_id"].is_null())
        .await;
    assert_eq!(c["assignee_id"], Value::Null, "{c}");
    let c =
        acme.wait_conversation(&owned.id, "Bob's chat to leave the team", |c| c["team_id"].is_null()).await;
    assert_eq!(c["assignee_id"], bob.id(), "{c}");
    assert_eq!(listed(&bob.client, "").await, set(&[&owned.id]));
    assert!(listed(&ann.client, "").await.is_empty());
    assert_eq!(acme.manager.assign_to_team(&chat.id, &id).await.expect_error(422), "invalid_team");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_holds_only_the_tenants_own_users() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let gus = globex.staff_named("Gus").await;
    let unknown = uuid::Uuid::now_v7().to_string();

    for member in [gus.id().to_string(), unknown] {
        let r = acme.manager.create_team(&json!({"name": "Mixed", "member_ids": [member]})).await;
        assert_eq!(r.status, 422, "a team with member {member}: {} {}", r.status, r.text);
    }
    assert_eq!(acme.manager.list_teams().await.expect(200)["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_number_picker_lists_only_the_tenants_numbers_without_secrets() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let ann = acme.staff_named("Ann").await;

    let numbers = ann.client.list_numbers().await.expect(200);
    let items = numbers["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{numbers}");
    assert_eq!(items[0]["id"], acme.number().id.as_str());
    assert_eq!(items[0]["phone_number_id"], acme.number().meta.phone_number_id.as_str());
    let text = numbers.to_string();
    for secret in [&acme.number().access_token, &acme.number().signing_secret, &acme.number().verify_token] {
        assert!(!text.contains(secret.as_str()), "a secret leaked: {text}");
    }
    assert!(!text.contains(&globex.number().meta.phone_number_id), "{text}");
}
