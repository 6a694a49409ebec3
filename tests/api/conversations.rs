//! The conversations API: tenant scoping, filters, paging, message order.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::support::{spawn_app, TestTenant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_manager_sees_only_their_own_conversation_and_the_others_are_404() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let a = acme.receive_text("16505551234", "Sheena", "For Acme").await;
    let g = globex.receive_text("447700900123", "Alex", "For Globex").await;

    for (me, mine, theirs) in [(&acme, &a, &g), (&globex, &g, &a)] {
        let ids: Vec<_> = me.conversations().await.iter().map(|c| c["id"].clone()).collect();
        assert_eq!(ids, [json!(mine.conversation_id())], "{} lists only its own", me.name);
        me.manager.get_conversation(&mine.conversation_id()).await.expect(200);

        let other = theirs.conversation_id();
        assert_eq!(me.manager.get_conversation(&other).await.expect_error(404), "not_found");
        me.manager.messages(&other, "").await.expect_error(404);
        me.manager.send_text(&other, "crossing tenants").await.expect_error(404);
    }
    // The refused send went nowhere.
    assert!(app.graph.sent_messages().is_empty(), "{:#?}", app.graph.requests());
    // The platform admin is not an agent of any tenant.
    let resp = app.admin.get_conversation(&a.conversation_id()).await;
    assert!(matches!(resp.status.as_u16(), 403 | 404), "{}: {}", resp.status, resp.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_malformed_ids_are_404_or_400_in_the_envelope() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;

    acme.manager.get_conversation(&uuid::Uuid::now_v7().to_string()).await.expect_error(404);
    let resp = acme.manager.get_conversation("not-a-uuid").await;
    let status = resp.status.as_u16();
    assert!(status == 400 || status == 404, "{status}: {}", resp.text);
    resp.expect_error(status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversation_has_the_shape_of_api_md() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let r = acme.receive_text("16505551234", "Sheena Nelson", "Shape?").await;

    let c = acme.manager.get_conversation(&r.conversation_id()).await.expect(200);

    assert_eq!(c["id"], r.conversation["id"]);
    assert_eq!(c["number_id"], acme.number().id.as_str());
    assert_eq!(c["customer"], json!({"wa_id": "16505551234", "name": "Sheena Nelson"}));
    assert_eq!(c["status"], "open");
    assert_eq!(c["assignee_id"], Value::Null);
    assert_eq!(c["team_id"], Value::Null);
    assert_eq!(c["labels"], json!([]));
    assert_eq!(c["unread"], 1);
    assert!(c["bot_enabled"].is_boolean(), "{c}");
    assert_eq!(c["window"]["open"], true, "the customer just wrote: {c}");
    assert!(rfc3339ish(&c["window"]["expires_at"]), "{c}");
    assert!(rfc3339ish(&c["last_message_at"]) && rfc3339ish(&c["created_at"]), "{c}");
}

fn rfc3339ish(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() >= 20 && s.as_bytes()[4] == b'-' && s.contains('T'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_of_one_customer_share_a_conversation_oldest_first() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;

    let first = acme.receive_text("16505551234", "Sheena", "one").await;
    let second = acme.receive_text("16505551234", "Sheena", "two").await;
    let third = acme.receive_text("16505551234", "Sheena", "three").await;

    assert_eq!(first.conversation_id(), second.conversation_id());
    assert_eq!(first.conversation_id(), third.conversation_id());
    let messages = acme.messages_of(&first.conversation_id()).await;
    let texts: Vec<_> = messages.iter().map(|m| m["text"].clone()).collect();
    assert_eq!(texts, [json!("one"), json!("two"), json!("three")]);
    let wamids: Vec<_> = messages.iter().map(|m| m["wamid"].clone()).collect();
    assert_eq!(wamids, [json!(first.wamid), json!(second.wamid), json!(third.wamid)]);
    assert_eq!(acme.conversations().await[0]["unread"], 3);

    // Paging backwards from the newest.
    let page = acme.manager.messages(&first.conversation_id(), "limit=2").await.expect(200);
    let latest: Vec<_> = page["items"].as_array().unwrap().iter().map(|m| m["text"].clone()).collect();
    assert_eq!(latest, [json!("two"), json!("three")], "the latest page, oldest first");
    let before = page["items"][0]["id"].as_str().unwrap();
    let older = acme
        .manager
        .messages(&first.conversation_id(), &format!("limit=2&before={before}"))
        .await
        .expect(200);
    let older: Vec<_> = older["items"].as_array().unwrap().iter().map(|m| m["text"].clone()).collect();
    assert_eq!(older, [json!("one")]);
}

async fn three_customers(acme: &TestTenant) -> Vec<String> {
    let mut ids = Vec::new();
    for (wa_id, name) in [("15550000001", "Ann"), ("15550000002", "Bob"), ("15550000003", "Cy")] {
        ids.push(acme.receive_text(wa_id, name, &format!("hello from {name}")).await.conversation_id());
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_is_newest_activity_first_and_pages_with_a_cursor() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ids = three_customers(&acme).await;
    // Ann writes again: her conversation becomes the newest.
    acme.receive_text("15550000001", "Ann", "me again").await;

    let all: Vec<_> =
        acme.conversations().await.iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(all, [ids[0].clone(), ids[2].clone(), ids[1].clone()]);

    let mut seen = Vec::new();
    let mut query = "limit=1".to_string();
    for _ in 0..10 {
        let page = acme.manager.list_conversations(&query).await.expect(200);
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 1, "limit=1 gave {}", items.len());
        seen.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, all, "paging visits each conversation once, in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_assignee_filters() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ids: HashSet<String> = three_customers(&acme).await.into_iter().collect();
    let listed = |query: &'static str| {
        let manager = acme.manager.clone();
        async move {
            let page = manager.list_conversations(query).await.expect(200);
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect::<HashSet<_>>()
        }
    };

    assert_eq!(listed("status=open").await, ids);
    assert_eq!(listed("status=open&assignee=none").await, ids, "Not Assigned");
    assert!(listed("status=closed").await.is_empty());
    assert!(listed("assignee=me").await.is_empty());
    let bad = acme.manager.list_conversations("status=sideways").await;
    bad.expect_error(400);
}
