//! Organising the inbox: labels (tenant-wide, with colours; renaming or
//! deleting one sweeps every chat), labels on a chat, the list's filters
//! (status, assignee, team, one or more labels, unread, text search) with
//! cursor paging, and the badge counts.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::support::inbox::{listed, set, spawn_inbox_app, Chat};
use crate::support::{poll_until, TestTenant, WAIT};

async fn label(acme: &TestTenant, name: &str, color: &str) -> String {
    let l = acme.manager.create_label(name, color).await.expect(201);
    assert_eq!((&l["name"], &l["color"]), (&json!(name), &json!(color)), "{l}");
    l["id"].as_str().expect("label id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_are_tenant_wide_with_colours_and_only_managers_change_them() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let ann = acme.staff_named("Ann").await;

    let hot = label(&acme, "Hot Lead", "#ff5500").await;
    label(&acme, "Call Back", "#00aa00").await;
    assert_eq!(acme.manager.create_label("Hot Lead", "#000000").await.expect_error(409), "label_exists");
    for (name, color) in [("Bad", "red"), ("Bad", "#12345"), ("", "#123456"), ("Bad", "#gggggg")] {
        let r = acme.manager.create_label(name, color).await;
        assert_eq!(r.status, 422, "{name:?} {color:?}: {}", r.text);
    }
    ann.client.create_label("Mine", "#123456").await.expect_error(403);
    ann.client.replace_label(&hot, "Cold", "#0000ff").await.expect_error(403);
    ann.client.delete_label(&hot).await.expect_error(403);

    // Everyone in the tenant lists them; another tenant neither sees nor touches them.
    let names: Vec<Value> = ann.client.list_labels().await.expect(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| l["name"].clone())
        .collect();
    assert_eq!(names, [json!("Call Back"), json!("Hot Lead")]);
    assert_eq!(globex.manager.list_labels().await.expect(200)["items"], json!([]));
    globex.manager.replace_label(&hot, "Mine now", "#000000").await.expect_error(404);
    globex.manager.delete_label(&hot).await.expect_error(404);
    // Globex may have its own "Hot Lead".
    label(&globex, "Hot Lead", "#ff5500").await;

    let recoloured = acme.manager.replace_label(&hot, "Hot Lead", "#ff0000").await.expect(200);
    assert_eq!((&recoloured["id"], &recoloured["color"]), (&json!(hot), &json!("#ff0000")), "{recoloured}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_on_a_chat_filter_count_and_follow_renames_and_deletes() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let hot = label(&acme, "Hot Lead", "#ff0000").await;
    let call = label(&acme, "Call Back", "#00ff00").await;
    let a = acme.new_chat("Abe").await;
    let b = acme.new_chat("Bea").await;
    let c = acme.new_chat("Cal").await;

    let got = acme.manager.set_labels(&a.id, &["Hot Lead", "Call Back", "Hot Lead"]).await.expect(200);
    assert_eq!(got["labels"], json!(["Hot Lead", "Call Back"]), "duplicates collapse: {got}");
    acme.manager.set_labels(&b.id, &["Hot Lead"]).await.expect(200);
    let r = acme.manager.set_labels(&c.id, &["Hot Lead", "Nope"]).await;
    assert_eq!(r.expect_error(422), "unknown_label");
    assert_eq!(acme.conversation(&c.id).await["labels"], json!([]), "nothing applied");
    // Another tenant's label of the same name is not Acme's and vice versa.
    label(&globex, "Globex Only", "#123456").await;
    assert_eq!(acme.manager.set_labels(&c.id, &["Globex Only"]).await.status, 422);

    assert_eq!(listed(&acme.manager, "label=Hot%20Lead").await, set(&[&a.id, &b.id]));
    assert_eq!(listed(&acme.manager, "labels=Hot%20Lead,Call%20Back").await, set(&[&a.id]), "all of them");
    assert_eq!(listed(&acme.manager, "label=Call%20Back").await, set(&[&a.id]));
    let counts = acme.manager.counts().await.expect(200);
    assert_eq!(counts["labels"], json!({"Hot Lead": 2, "Call Back": 1}), "{counts}");

    // Renaming sweeps every chat; the old name filters nothing.
    acme.manager.replace_label(&hot, "Warm Lead", "#ffaa00").await.expect(200);
    acme.wait_conversation(&a.id, "the rename on A", |c| c["labels"] == json!(["Warm Lead", "Call Back"]))
        .await;
    acme.wait_conversation(&b.id, "the rename on B", |c| c["labels"] == json!(["Warm Lead"])).await;
    assert_eq!(listed(&acme.manager, "label=Warm%20Lead").await, set(&[&a.id, &b.id]));
    assert!(listed(&acme.manager, "label=Hot%20Lead").await.is_empty());
    let events = acme.events_of(&b.id).await;
    let last = events.iter().rev().find(|e| e["type"] == "labels_changed").expect("labels_changed");
    assert_eq!(last["labels"], json!(["Warm Lead"]), "{last}");
    // Deleting sweeps too.
    assert_eq!(acme.manager.delete_label(&call).await.status, 204);
    acme.wait_conversation(&a.id, "the delete on A", |c| c["labels"] == json!(["Warm Lead"])).await;
    assert_eq!(acme.manager.counts().await.expect(200)["labels"], json!({"Warm Lead": 2}));
    // Clearing a chat's labels.
    assert_eq!(acme.manager.set_labels(&a.id, &[]).await.expect(200)["labels"], json!([]));
}

/// The floor for filters: Ann and Bob in Sales, five chats in every state.
struct Inbox {
    acme: TestTenant,
    ann: crate::support::TestUser,
    bob: crate::support::TestUser,
    sales: String,
    /// Ann's, labelled Hot Lead + VIP, read.
    mine: Chat,
    /// Bob's, labelled Hot Lead, unread.
    bobs: Chat,
    /// In the Sales queue, unread.
    queued: Chat,
    /// Not Assigned, unread.
    loose: Chat,
    /// Ann's, closed.
    done: Chat,
}

async fn inbox() -> (crate::support::TestApp, Inbox) {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    let sales = acme.create_team("Sales", &[&ann, &bob], "round_robin").await;
    label(&acme, "Hot Lead", "#ff0000").await;
    label(&acme, "VIP", "#0000ff").await;
    let mine = acme.new_chat_saying("Maria Lopez", "Do you ship to Lisbon?").await;
    let bobs = acme.new_chat_saying("Bruno", "Price for the blue one?").await;
    let queued = acme.new_chat_saying("Quentin", "My order is late").await;
    let loose = acme.new_chat_saying("Lola", "Hello?").await;
    let done = acme.new_chat_saying("Dora", "Thanks, all good").await;
    for chat in [&mine, &bobs, &queued, &done] {
        acme.manager.assign_to_team(&chat.id, &sales).await.expect(200);
    }
    acme.manager.assign_to_user(&mine.id, ann.id()).await.expect(200);
    acme.manager.assign_to_user(&done.id, ann.id()).await.expect(200);
    acme.manager.assign_to_user(&bobs.id, bob.id()).await.expect(200);
    ann.client.set_labels(&mine.id, &["Hot Lead", "VIP"]).await.expect(200);
    bob.client.set_labels(&bobs.id, &["Hot Lead"]).await.expect(200);
    assert_eq!(ann.client.mark_read(&mine.id).await.expect(200)["unread"], 0);
    ann.client.close(&done.id).await.expect(200);
    (app, Inbox { acme, ann, bob, sales, mine, bobs, queued, loose, done })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_filter_narrows_the_managers_list_as_documented() {
    let (_app, f) = inbox().await;
    let m = &f.acme.manager;
    let (mine, bobs, queued, loose, done) = (&f.mine.id, &f.bobs.id, &f.queued.id, &f.loose.id, &f.done.id);
    let cases: Vec<(String, BTreeSet<String>)> = vec![
        (String::new(), set(&[mine, bobs, queued, loose, done])),
        ("status=open".into(), set(&[mine, bobs, queued, loose])),
        ("status=closed".into(), set(&[done])),
        ("status=open&assignee=none".into(), set(&[queued, loose])),
        ("assignee=me".into(), BTreeSet::new()),
        (format!("assignee={}", f.ann.id()), set(&[mine, done])),
        (format!("status=open&assignee={}", f.ann.id()), set(&[mine])),
        (format!("team={}", f.sales), set(&[mine, bobs, queued, done])),
        (format!("team={}&assignee=none", f.sales), set(&[queued])),
        ("label=Hot%20Lead".into(), set(&[mine, bobs])),
        ("labels=Hot%20Lead,VIP".into(), set(&[mine])),
        ("label=VIP&labels=Hot%20Lead".into(), set(&[mine])),
        ("unread=true".into(), set(&[bobs, queued, loose, done])),
        ("unread=true&status=open&assignee=none".into(), set(&[queued, loose])),
        // Text search: customer name (any case), phone number, last message.
        ("q=maria".into(), set(&[mine])),
        ("q=LOPEZ".into(), set(&[mine])),
        (format!("q={}", f.bobs.wa_id), set(&[bobs])),
        (format!("q={}", &f.queued.wa_id[4..]), set(&[queued])),
        ("q=lisbon".into(), set(&[mine])),
        ("q=order%20is%20late".into(), set(&[queued])),
        ("q=nobody-says-this".into(), BTreeSet::new()),
    ];
    for (query, expected) in cases {
        assert_eq!(listed(m, &query).await, expected, "GET /api/conversations?{query}");
    }
    for bad in ["status=sideways", "assignee=nobody-like-this", "team=not-a-team", "cursor=garbage"] {
        let r = m.list_conversations(bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        r.expect_error(400);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_filters_apply_within_what_they_see() {
    let (_app, f) = inbox().await;
    let (mine, bobs, queued, done) = (&f.mine.id, &f.bobs.id, &f.queued.id, &f.done.id);
    let ann = &f.ann.client;
    assert_eq!(listed(ann, "").await, set(&[mine, queued, done]));
    assert_eq!(listed(ann, "assignee=me").await, set(&[mine, done]));
    assert_eq!(listed(ann, "status=open&assignee=me").await, set(&[mine]));
    assert_eq!(listed(ann, "assignee=none").await, set(&[queued]));
    assert_eq!(listed(ann, "label=Hot%20Lead").await, set(&[mine]), "not Bob's");
    assert_eq!(listed(ann, &format!("assignee={}", f.bob.id())).await, BTreeSet::new());
    assert_eq!(listed(ann, "unread=true").await, set(&[queued, done]));
    assert_eq!(listed(&f.bob.client, "q=maria").await, BTreeSet::new());
    assert_eq!(listed(&f.bob.client, "q=bruno").await, set(&[bobs]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_words_anywhere_in_the_history_within_what_each_viewer_sees() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let ann = acme.staff_named("Ann").await;
    let bob = acme.staff_named("Bob").await;
    // Sheena's refund request is an old message: her latest says thanks,
    // and the agent's reply and a note sit in between.
    let sheena = acme.new_chat_saying("Sheena", "I need a refund for order 8812, the box was crushed").await;
    acme.manager.send_text(&sheena.id, "Sorry! Your replacement parcel ships tomorrow").await.expect(202);
    acme.manager.add_note(&sheena.id, "courier claim opened", &[]).await.expect(201);
    acme.customer_writes(&sheena.wa_id, "Sheena", "thanks").await;
    let dana = acme.new_chat_saying("Dana", "Do you deliver to Lisbon?").await;
    acme.manager.assign_to_user(&dana.id, ann.id()).await.expect(200);
    let theirs = globex.new_chat_saying("Gil", "refund please").await;
    poll_until(WAIT, "Sheena's latest message in the list", || async {
        let c = acme.conversation(&sheena.id).await;
        (c["preview"] == "thanks").then_some(())
    })
    .await;

    let m = &acme.manager;
    let cases: Vec<(&str, BTreeSet<String>)> = vec![
        ("refund", set(&[&sheena.id])),
        // Search as you type: the start of a word, in any case.
        ("REFU", set(&[&sheena.id])),
        ("8812", set(&[&sheena.id])),
        // The agent's reply and the internal note are history too.
        ("parcel", set(&[&sheena.id])),
        ("courier%20claim", set(&[&sheena.id])),
        // Every word must be somewhere: the name, the number or the history.
        ("sheena%20crushed", set(&[&sheena.id])),
        ("dana%20refund", BTreeSet::new()),
        ("lisbon", set(&[&dana.id])),
        ("crushed%20lisbon", BTreeSet::new()),
        // Inside a word is not a word start.
        ("efund", BTreeSet::new()),
    ];
    for (q, expected) in cases {
        assert_eq!(listed(m, &format!("q={q}")).await, expected, "q={q}");
    }
    // Other filters still narrow it.
    assert_eq!(listed(m, "q=refund&status=closed").await, BTreeSet::new());
    // Staff find only what they may see; another tenant only its own.
    assert_eq!(listed(&ann.client, "q=refund").await, BTreeSet::new());
    assert_eq!(listed(&ann.client, "q=lisbon").await, set(&[&dana.id]));
    assert_eq!(listed(&bob.client, "q=lisbon").await, BTreeSet::new());
    assert_eq!(listed(&globex.manager, "q=refund").await, set(&[&theirs.id]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_are_the_sidebar_badges_of_each_viewer() {
    let (_app, f) = inbox().await;
    let sales = f.sales.as_str();
    let manager = f.acme.manager.counts().await.expect(200);
    assert_eq!(
        manager,
        json!({"not_assigned": 2, "mine": 0, "open": 4, "closed": 1, "unread": 3,
               "teams": {sales: 1}, "labels": {"Hot Lead": 2, "VIP": 1}})
    );
    let ann = f.ann.client.counts().await.expect(200);
    assert_eq!(
        ann,
        json!({"not_assigned": 1, "mine": 1, "open": 2, "closed": 1, "unread": 1,
               "teams": {sales: 1}, "labels": {"Hot Lead": 1, "VIP": 1}})
    );
    let bob = f.bob.client.counts().await.expect(200);
    assert_eq!(
        bob,
        json!({"not_assigned": 1, "mine": 1, "open": 2, "closed": 0, "unread": 2,
               "teams": {sales: 1}, "labels": {"Hot Lead": 1}})
    );

    // Badges move with the work: a read, a claim, a customer message.
    f.bob.client.mark_read(&f.bobs.id).await.expect(200);
    f.ann.client.assign_to_me(&f.queued.id).await.expect(200);
    f.acme.customer_writes(&f.mine.wa_id, &f.mine.name, "any news?").await;
    f.acme.wait_conversation(&f.mine.id, "a new unread message", |c| c["unread"] == 1).await;
    let ann = f.ann.client.counts().await.expect(200);
    assert_eq!(
        (&ann["mine"], &ann["not_assigned"], &ann["unread"], &ann["teams"]),
        (&json!(2), &json!(0), &json!(2), &json!({})),
        "{ann}"
    );
    let bob = f.bob.client.counts().await.expect(200);
    assert_eq!(
        (&bob["open"], &bob["unread"], &bob["not_assigned"]),
        (&json!(1), &json!(0), &json!(0)),
        "{bob}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_list_pages_with_a_cursor_newest_activity_first() {
    let app = spawn_inbox_app().await;
    let acme = app.onboard_tenant("Acme").await;
    label(&acme, "Hot Lead", "#ff0000").await;
    let mut hot = Vec::new();
    for i in 0..7 {
        let chat = acme.new_chat(&format!("Paged {i}")).await;
        if i % 2 == 0 {
            acme.manager.set_labels(&chat.id, &["Hot Lead"]).await.expect(200);
            hot.push(chat.id.clone());
        }
    }
    // Newest activity first: the last customer to write comes first.
    hot.reverse();

    let mut seen = Vec::new();
    let mut query = "label=Hot%20Lead&limit=3".to_string();
    for _ in 0..10 {
        let page = acme.manager.list_conversations(&query).await.expect(200);
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 3, "{page}");
        seen.extend(items.iter().map(|c| c["id"].as_str().expect("id").to_string()));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("label=Hot%20Lead&limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, hot);
}
