//! Passivation: idle conversation actors stop, their summaries stay listed,
//! and the next message wakes them from sled with nothing lost.

use crate::support::{counter, meta, poll_until, spawn_app_with, ApiClient, TestApp, WAIT};

/// Conversation actors running for the number (its health).
async fn running(manager: &ApiClient, number_id: &str) -> u64 {
    manager.number_health(number_id).await["running"].as_u64().expect("health.running")
}

async fn all_passivated(app: &TestApp, manager: &ApiClient, number_id: &str) {
    poll_until(WAIT, "every conversation actor to be passivated", || async {
        (running(manager, number_id).await == 0).then_some(())
    })
    .await;
    let _ = app;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_conversations_are_passivated_and_wake_with_nothing_lost() {
    let app = spawn_app_with(|s| s.actors.passivate_after_ms = 150).await;
    let acme = app.onboard_tenant("Acme").await;
    let number_id = acme.number().id.clone();
    let customers: Vec<String> = (0..8).map(|i| format!("1555000{i:04}")).collect();
    for wa in &customers {
        acme.receive_text(wa, "Customer", "first").await;
    }
    all_passivated(&app, &acme.manager, &number_id).await;
    assert!(counter(&app.metrics_text().await, "switchboard_passivations_total") >= 8);
    assert_eq!(acme.conversations().await.len(), 8, "summaries stay in the index");

    // Each round wakes every passivated actor from sled, then lets it sleep.
    for round in 0..3 {
        for wa in &customers {
            let text = format!("m{round}");
            let payload = meta::text_webhook(&acme.number().meta, wa, "Customer", &meta::wamid(), &text);
            assert_eq!(acme.post_webhook(&payload).await.status, 200);
        }
        all_passivated(&app, &acme.manager, &number_id).await;
    }
    for c in acme.conversations().await {
        let id = c["id"].as_str().expect("id");
        let texts: Vec<String> = acme
            .messages_of(id)
            .await
            .iter()
            .map(|m| m["text"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(texts, ["first", "m0", "m1", "m2"], "{id}");
        assert_eq!(c["unread"], 4);
    }
}

/// Past the budget of running actors (all numbers together), idle ones
/// are passivated after the crowded idle time instead of the usual one
/// (here an hour against 100 ms).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_running_budget_idle_conversations_are_passivated_sooner() {
    let app = spawn_app_with(|s| {
        s.actors.passivate_after_ms = 3_600_000;
        s.actors.running_conversations_budget = 2;
        s.actors.crowded_passivate_after_ms = 100;
    })
    .await;
    let acme = app.onboard_tenant("Acme").await;
    let number_id = acme.number().id.clone();
    for wa in ["15550000001", "15550000002"] {
        acme.receive_text(wa, "Customer", "first").await;
    }
    // Within the budget: idle for many crowded periods, both keep running.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(running(&acme.manager, &number_id).await, 2);
    assert_eq!(counter(&app.metrics_text().await, "switchboard_conversations_running"), 2);

    // A third passes it: the two idle ones go. (The newest goes too if a
    // round comes after it idled 100 ms while the count was still over.)
    acme.receive_text("15550000003", "Customer", "first").await;
    poll_until(WAIT, "the idle actors to be passivated", || async {
        (running(&acme.manager, &number_id).await <= 1).then_some(())
    })
    .await;
    let metrics = app.metrics_text().await;
    assert!(counter(&metrics, "switchboard_conversations_running") <= 1, "{metrics}");
    assert!(counter(&metrics, "switchboard_passivations_total") >= 2, "{metrics}");
    // Woken again, nothing is lost.
    acme.receive_text("15550000001", "Customer", "second").await;
    let chat = acme.wait_for_conversation("15550000001").await;
    let texts: Vec<String> = acme
        .messages_of(chat["id"].as_str().expect("id"))
        .await
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(texts, ["first", "second"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_conversation_is_never_passivated_under_its_messages() {
    // Passivation rounds run every 25 ms while one customer writes without
    // pause: the counting protocol keeps every message.
    let app = spawn_app_with(|s| s.actors.passivate_after_ms = 50).await;
    let acme = app.onboard_tenant("Acme").await;
    let wa = "15550009999";
    let sends = (0..60).map(|i| {
        let payload = meta::text_webhook(&acme.number().meta, wa, "Busy", &meta::wamid(), &format!("n{i}"));
        let acme = &acme;
        async move { acme.post_webhook(&payload).await.status }
    });
    for status in futures::future::join_all(sends).await {
        assert_eq!(status, 200);
    }
    let c = acme.wait_for_conversation(wa).await;
    let messages = acme.manager.messages(c["id"].as_str().expect("id"), "limit=200").await.expect(200);
    assert_eq!(messages["items"].as_array().expect("items").len(), 60);
}
