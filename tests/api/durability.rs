//! Nothing acknowledged is lost: a panicking ConversationActor or
//! NumberActor, the process killed with SIGKILL right after a 200, a clean
//! SIGTERM stop (also mid-burst; once it begins, /readyz and new webhooks
//! answer 503 so Meta redelivers), an outbox that survives a crash and its
//! NumberActor's panic, and a
//! reply Meta took just before a crash, settled by its status, never sent
//! twice.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use serde_json::json;

use crate::support::{meta, metric, onboard, poll_until, spawn_app, spawn_app_with, Deployment, WAIT};

fn texts(messages: &[serde_json::Value]) -> Vec<String> {
    messages.iter().map(|m| m["text"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_conversation_actor_is_respawned_and_loses_nothing() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let r = acme.receive_text("16505551234", "Sheena", "before the crash").await;
    let bystander = acme.receive_text("15550001111", "Dana", "a neighbour").await;
    let number = app.system().number(acme.number().number_id()).expect("the number's actor runs");

    number
        .crash_conversation(r.conversation_id().parse().expect("a conversation id"))
        .expect("the crash is delivered");
    // The crash is a cast: wait until the supervisor has seen it. (Webhooks
    // racing the crash itself are the next test's business.)
    poll_until(WAIT, "the restart to be counted", || async {
        metric(&app.metrics_text().await, "switchboard_actor_restarts_total").filter(|n| *n >= 1.0)
    })
    .await;

    // The next REST call and the next webhook both work first time...
    let c = acme.manager.get_conversation(&r.conversation_id()).await.expect(200);
    assert_eq!(c["unread"], 1);
    acme.receive_text("16505551234", "Sheena", "after the crash").await;
    let messages = acme.messages_of(&r.conversation_id()).await;
    assert_eq!(texts(&messages), ["before the crash", "after the crash"]);
    // ...replies too...
    acme.manager.send_text(&r.conversation_id(), "still here").await.expect(202);
    app.graph.wait_for_sends(1, WAIT).await;
    // ...and the conversation next door never noticed.
    assert_eq!(texts(&acme.messages_of(&bystander.conversation_id()).await), ["a neighbour"]);
    assert_eq!(acme.conversations().await.len(), 2);
    assert_eq!(metric(&app.metrics_text().await, "switchboard_actor_restarts_total"), Some(1.0));
    app.client().readyz().await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_number_actor_is_respawned_from_sled_with_its_inbox_intact() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let sheena = acme.receive_text("16505551234", "Sheena", "first").await;
    let dana = acme.receive_text("15550001111", "Dana", "second").await;
    acme.manager.send_text(&dana.conversation_id(), "noted").await.expect(202);
    app.graph.wait_for_sends(1, WAIT).await;
    let number = app.system().number(acme.number().number_id()).expect("the number's actor runs");

    number.crash().expect("the crash is delivered");
    poll_until(WAIT, "the number's restart to be counted", || async {
        metric(&app.metrics_text().await, "switchboard_actor_restarts_total").filter(|n| *n >= 1.0)
    })
    .await;

    // The index is rebuilt from sled: both chats listed, nothing doubled.
    // Asked while the respawn may still be running: the request waits for
    // the new actor instead of failing.
    assert_eq!(acme.conversations().await.len(), 2);
    // Webhooks land in the same conversation, replies still go out.
    acme.receive_text("16505551234", "Sheena", "after the crash").await;
    assert_eq!(texts(&acme.messages_of(&sheena.conversation_id()).await), ["first", "after the crash"]);
    acme.manager.send_text(&sheena.conversation_id(), "still here").await.expect(202);
    app.graph.wait_for_sends(2, WAIT).await;
    assert_eq!(acme.conversations().await.len(), 2);
    app.client().readyz().await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_waiting_when_the_number_actor_panics_go_out_once_each_after_its_respawn() {
    // One a second, so that the rest still wait when the number fails, a
    // second after the first left; a short grace, as its respawned Outbox
    // holds each one in doubt first.
    let app = spawn_app_with(|s| {
        s.whatsapp.outbox_rate_per_sec = 1;
        s.whatsapp.outbox_ambiguous_grace_ms = 300;
    })
    .await;
    let acme = app.onboard_tenant("Acme").await;
    let chat = acme.receive_text("16505551234", "Sheena", "any news?").await.conversation_id();
    let replies: Vec<String> = (0..6).map(|i| format!("update {i}")).collect();
    for text in &replies {
        acme.manager.send_text(&chat, text).await.expect(202);
    }
    // The first is out and settled: nothing is on the wire at the crash.
    poll_until(WAIT, "the first reply marked sent", || async {
        let messages = acme.messages_of(&chat).await;
        messages.iter().any(|m| m["text"] == replies[0] && m["status"] == "sent").then_some(())
    })
    .await;
    let number = app.system().number(acme.number().number_id()).expect("the number's actor runs");
    number.crash().expect("the crash is delivered");

    // The new Outbox resumes the rest from what the summaries list; the
    // old one's waiting sends died with it.
    let sends = app.graph.wait_for_sends(replies.len(), Duration::from_secs(20)).await;
    let mut sent: Vec<String> =
        sends.iter().map(|s| s.body["text"]["body"].as_str().unwrap_or_default().to_string()).collect();
    sent.sort();
    assert_eq!(sent, replies, "every reply exactly once");
    poll_until(WAIT, "every reply marked sent", || async {
        let messages = acme.messages_of(&chat).await;
        let sent = messages.iter().filter(|m| m["direction"] == "out" && m["status"] == "sent").count();
        (sent == replies.len()).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(app.graph.send_requests().len(), replies.len(), "nothing sent again after a grace");
    assert_eq!(metric(&app.metrics_text().await, "switchboard_actor_restarts_total"), Some(1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_while_messages_arrive_loses_none_and_stores_none_twice() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let r = acme.receive_text("16505551234", "Sheena", "0").await;
    let number = app.system().number(acme.number().number_id()).expect("the number's actor runs");
    let conversation_id = r.conversation_id().parse().expect("a conversation id");

    let mut refusals = 0;
    for i in 1..=6 {
        if i == 3 {
            number.crash_conversation(conversation_id).expect("the crash is delivered");
        }
        let payload =
            meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), &i.to_string());
        // Meta redelivers whatever was not acknowledged with a 200.
        loop {
            let resp = acme.post_webhook(&payload).await;
            if resp.status == 200 {
                break;
            }
            assert!(resp.status.is_server_error(), "{}: {}", resp.status, resp.text);
            refusals += 1;
            assert!(refusals <= 3, "the conversation did not come back: {}", resp.text);
        }
    }

    assert_eq!(texts(&acme.messages_of(&r.conversation_id()).await), ["0", "1", "2", "3", "4", "5", "6"]);
    let restarts = metric(&app.metrics_text().await, "switchboard_actor_restarts_total");
    assert_eq!(restarts, Some(1.0), "the crash did happen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_process_killed_right_after_a_200_still_has_the_message_after_restart() {
    let deployment = Deployment::new().await;
    let server = deployment.start(&[]).await;
    let acme = onboard(&server.admin().await, "Acme", true).await;
    // One acknowledged webhook, a second one and a batch: kill right after
    // the last 200, before any background flush could have helped.
    let mut expected = Vec::new();
    for text in ["first", "second"] {
        let payload = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), text);
        acme.post_webhook(&payload).await.expect(200);
        expected.push(text.to_string());
    }
    let ts = meta::now_ts();
    let batch = meta::notification(vec![meta::entry(
        &acme.number().meta.waba_id,
        vec![meta::change(
            &acme.number().meta,
            vec![meta::contact("16505551234", "Sheena")],
            (0..5)
                .map(|i| meta::text_message("16505551234", &meta::wamid(), &format!("batch {i}"), &ts))
                .collect(),
            vec![],
        )],
    )]);
    acme.post_webhook(&batch).await.expect(200);
    expected.extend((0..5).map(|i| format!("batch {i}")));

    let status = server.sigkill().await;
    assert_eq!(status.signal(), Some(9), "{status:?}");

    let server = deployment.start(&[]).await;
    let acme = acme.signed_in_at(&server.address).await;
    let conversations = acme.conversations().await;
    assert_eq!(conversations.len(), 1, "{conversations:#?}");
    assert_eq!(conversations[0]["customer"], json!({"wa_id": "16505551234", "name": "Sheena"}));
    assert_eq!(texts(&acme.messages_of(conversations[0]["id"].as_str().unwrap()).await), expected);
    // And it keeps working: a redelivery of the last batch is still a duplicate.
    acme.post_webhook(&batch).await.expect(200);
    assert_eq!(acme.messages_of(conversations[0]["id"].as_str().unwrap()).await.len(), expected.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_cleanly_with_exit_0_and_keeps_everything() {
    let deployment = Deployment::new().await;
    let mut server = deployment.start(&[]).await;
    let acme = onboard(&server.admin().await, "Acme", true).await;
    let wamid = meta::wamid();
    let payload = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &wamid, "before shutdown");
    acme.post_webhook(&payload).await.expect(200);

    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(20)).await;

    assert_eq!(status.code(), Some(0), "exit {status:?}; stderr:\n{}", server.logs());
    let restarted = deployment.start(&[]).await;
    // Sessions are stored: the manager's token from before still works.
    let old_session = restarted.client().with_token(acme.manager.token());
    old_session.me().await.expect(200);
    let acme = acme.signed_in_at(&restarted.address).await;
    let c = acme.wait_for_conversation("16505551234").await;
    let messages = acme.messages_of(c["id"].as_str().unwrap()).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["wamid"], wamid.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_keeps_every_acknowledged_webhook() {
    let deployment = Deployment::new().await;
    let mut server = deployment.start(&[]).await;
    let acme = onboard(&server.admin().await, "Acme", true).await;
    // Two hundred customers write at once; SIGTERM lands while they are in
    // flight. Those answered 200 must all be kept; the others (refused once
    // the server stopped accepting) are for Meta to redeliver.
    let http = reqwest::Client::new();
    let url = format!("{}/webhooks/whatsapp", server.address);
    let posts: Vec<_> = (0..200)
        .map(|i| {
            let (http, url) = (http.clone(), url.clone());
            let wa_id = format!("1650555{i:04}");
            let payload =
                meta::text_webhook(&acme.number().meta, &wa_id, "Burst", &meta::wamid(), "in flight");
            let body = meta::bytes(&payload);
            let signature = meta::sign(&acme.number().signing_secret, &body);
            tokio::spawn(async move {
                let sent = http.post(url).header("x-hub-signature-256", signature).body(body).send().await;
                let answer = sent.map(|r| (r.status().as_u16(), r.headers().contains_key("retry-after")));
                (wa_id, answer)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(10)).await;
    server.signal("TERM");
    let (mut acknowledged, mut refused) = (Vec::new(), 0);
    for post in posts {
        match post.await.expect("the post task") {
            (wa_id, Ok((200, _))) => acknowledged.push(wa_id),
            // Refused the way Meta redelivers: 503 with Retry-After while
            // the stop begins, a closed door once the listener is gone.
            (_, Ok((503, true))) | (_, Err(_)) => refused += 1,
            (wa_id, Ok(other)) => panic!("{wa_id}: answered {other:?} during the stop"),
        }
    }
    let status = server.wait_exit(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0), "exit {status:?}; stderr:\n{}", server.logs());

    // Everything that was answered 200 is there after a restart, once.
    let restarted = deployment.start(&[]).await;
    let acme = acme.signed_in_at(&restarted.address).await;
    for wa_id in &acknowledged {
        let c = acme.wait_for_conversation(wa_id).await;
        let messages = acme.messages_of(c["id"].as_str().expect("id")).await;
        assert_eq!(messages.len(), 1, "{wa_id}: {messages:?}");
    }
    eprintln!("{} webhooks acknowledged, {refused} refused once the stop began", acknowledged.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_sigterm_is_seen_readyz_and_new_webhooks_answer_503_and_meta_redelivers() {
    let deployment = Deployment::new().await;
    // A window long enough to ask in, whatever the machine's load.
    let env = [("SWITCHBOARD__SERVER__SHUTDOWN_UNREADY_MS", "4000")];
    let mut server = deployment.start(&env).await;
    let acme = onboard(&server.admin().await, "Acme", true).await;
    let before = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), "before");
    acme.post_webhook(&before).await.expect(200);
    server.client().readyz().await.expect(200);

    server.signal("TERM");
    // The flag is up before this line is logged.
    poll_until(WAIT, "the stop to begin", || async {
        server.logs().contains("SIGTERM: shutting down").then_some(())
    })
    .await;

    let ready = server.client().readyz().await;
    assert!(ready.header("retry-after").is_some(), "{:?}", ready.headers);
    ready.expect_error(503);
    let after = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), "after");
    let refused = acme.post_webhook(&after).await;
    assert!(refused.header("retry-after").is_some(), "Meta is told to come back: {:?}", refused.headers);
    assert_eq!(refused.expect_error(503), "unavailable");
    let status = server.wait_exit(Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(0), "exit {status:?}; stderr:\n{}", server.logs());

    // What was acknowledged is kept; what was refused was not half-stored,
    // and Meta's redelivery to the next process lands once.
    let restarted = deployment.start(&[]).await;
    let acme = acme.signed_in_at(&restarted.address).await;
    let c = acme.wait_for_conversation("16505551234").await;
    let id = c["id"].as_str().expect("id").to_string();
    assert_eq!(texts(&acme.messages_of(&id).await), ["before"]);
    acme.post_webhook(&after).await.expect(200);
    assert_eq!(texts(&acme.messages_of(&id).await), ["before", "after"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_reply_survives_sigkill_and_is_sent_after_restart() {
    let deployment = Deployment::new().await;
    let graph = &deployment.graph;
    // The kill may land while an attempt is in flight; such an attempt is
    // in doubt and waits this long for Meta's status webhook before it is
    // resent (Meta never accepted it here, so none comes).
    let env = [
        ("SWITCHBOARD__WHATSAPP__OUTBOX_BACKOFF_BASE_MS", "50"),
        ("SWITCHBOARD__WHATSAPP__OUTBOX_MAX_ATTEMPTS", "1000"),
        ("SWITCHBOARD__WHATSAPP__OUTBOX_AMBIGUOUS_GRACE_MS", "300"),
    ];
    let server = deployment.start(&env).await;
    let acme = onboard(&server.admin().await, "Acme", true).await;
    let payload = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), "hi");
    acme.post_webhook(&payload).await.expect(200);
    let c = acme.wait_for_conversation("16505551234").await;
    let conversation_id = c["id"].as_str().unwrap().to_string();
    // Meta is down: every attempt fails with a retryable error.
    graph.fail_next(1_000_000, 503, 131016);

    let accepted = acme.manager.send_text(&conversation_id, "are you there?").await.expect(202);
    graph.wait_for_sends(2, WAIT).await;
    server.sigkill().await;
    graph.succeed_from_now();

    let restarted = deployment.start(&env).await;
    let acme = acme.signed_in_at(&restarted.address).await;
    let id = accepted["id"].clone();
    let sent = poll_until(Duration::from_secs(10), "the reply to be sent after the restart", || async {
        acme.messages_of(&conversation_id).await.into_iter().find(|m| m["id"] == id && m["status"] == "sent")
    })
    .await;
    assert_eq!(sent["wamid"], graph.wamids()[0].as_str());
    assert_eq!(graph.wamids().len(), 1, "sent exactly once");
    let last = graph.send_requests().pop().expect("a send");
    assert_eq!(last.body["text"]["body"], "are you there?");
}

/// Meta accepted a reply, but the process died before its answer arrived:
/// after the restart the send is in doubt, so it is not sent again at once;
/// Meta's status webhook naming our message settles it, and nothing is
/// delivered twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_meta_took_before_a_sigkill_is_settled_by_its_status_not_sent_twice() {
    let deployment = Deployment::new().await;
    let graph = &deployment.graph;
    let env = [("SWITCHBOARD__WHATSAPP__OUTBOX_AMBIGUOUS_GRACE_MS", "60000")];
    let mut server = deployment.start(&env).await;
    let acme = onboard(&server.admin().await, "Acme", true).await;
    let payload = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), "hi");
    acme.post_webhook(&payload).await.expect(200);
    let conversation = acme.wait_for_conversation("16505551234").await["id"].as_str().unwrap().to_string();
    let gate = graph.hold_next_send();
    let accepted = acme.manager.send_text(&conversation, "Your parcel left today").await.expect(202);
    let message_id = accepted["id"].as_str().expect("id").to_string();
    graph.wait_for_sends(1, WAIT).await; // Meta has it; its answer is held

    server.signal("KILL");
    server.wait_exit(Duration::from_secs(10)).await;
    drop(gate);
    let restarted = deployment.start(&env).await;
    let acme = acme.signed_in_at(&restarted.address).await;
    let wamid = graph.wamids()[0].clone();
    let mut status = meta::status_webhook(&acme.number().meta, &wamid, "delivered", "16505551234");
    status["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = json!(message_id);
    acme.post_webhook(&status).await.expect(200);

    let settled = poll_until(WAIT, "the status to settle the reply", || async {
        let messages = acme.messages_of(&conversation).await;
        messages.into_iter().find(|m| m["id"] == json!(message_id) && m["wamid"] == json!(wamid))
    })
    .await;
    assert_eq!(settled["status"], "delivered", "{settled}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(graph.send_requests().len(), 1, "delivered once: {:#?}", graph.send_requests());
}
