//! Operations: health, readiness, Prometheus metrics, the OpenAPI document
//! and the error envelope on unknown routes.

use std::collections::HashSet;

use crate::support::{meta, metric, poll_until, spawn_app, spawn_binary, FakeGraph, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_readyz_answer_200_without_a_token() {
    let app = spawn_app().await;

    let health = app.client().healthz().await;
    let ready = app.client().readyz().await;

    assert_eq!(health.status, 200, "{}", health.text);
    assert_eq!(ready.status, 200, "{}", ready.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_webhooks_and_messages_in_prometheus_text() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let before = app.metrics_text().await;
    assert_eq!(metric(&before, "switchboard_webhooks_received_total"), Some(0.0), "{before}");

    let received = acme.receive_text("16505551234", "Sheena", "count me").await;
    let payload = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), "x");
    let body = meta::bytes(&payload);
    app.client().post_webhook(&body, Some("sha256=00")).await;
    // Cut short, but signed with the number's own secret: a parse error.
    let malformed = format!(
        "{{\"object\": \"whatsapp_business_account\", \"entry\": [{{\"changes\": [{{\"value\": \
         {{\"metadata\": {{\"phone_number_id\": \"{}\"}}, \"messages\": [",
        acme.number().meta.phone_number_id
    );
    acme.post_webhook_bytes(malformed.as_bytes()).await.expect_error(400);
    acme.manager.send_text(&received.conversation_id(), "counted").await.expect(202);
    app.graph.wait_for_sends(1, WAIT).await;

    let resp = app.client().metrics().await;
    assert_eq!(resp.status, 200);
    let content_type = resp.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = resp.text;
    assert_eq!(metric(&text, "switchboard_webhooks_received_total"), Some(1.0), "{text}");
    assert_eq!(metric(&text, "switchboard_webhooks_rejected_signature_total"), Some(1.0), "{text}");
    assert_eq!(metric(&text, "switchboard_webhooks_rejected_malformed_total"), Some(1.0), "{text}");
    assert_eq!(metric(&text, "switchboard_messages_in_total"), Some(1.0), "{text}");
    assert_eq!(metric(&text, "switchboard_messages_out_total"), Some(1.0), "{text}");
    assert_eq!(metric(&text, "switchboard_actor_restarts_total"), Some(0.0), "{text}");
    assert!(metric(&text, "switchboard_store_flush_seconds_count").is_some_and(|n| n >= 1.0), "{text}");
    // Meta's answer is counted once it is back.
    poll_until(WAIT, "the send to be counted as sent", || async {
        metric(&app.metrics_text().await, "switchboard_messages_sent_total").filter(|n| *n == 1.0)
    })
    .await;
    // Nothing secret leaks into metrics.
    assert!(!text.contains(&acme.number().access_token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_endpoint() {
    let app = spawn_app().await;

    let doc = app.client().openapi().await.expect(200);

    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
    let normalise = |p: &str| -> String {
        let mut out = String::new();
        let mut in_param = false;
        for ch in p.chars() {
            match ch {
                '{' => {
                    in_param = true;
                    out.push_str("{}");
                }
                '}' => in_param = false,
                _ if in_param => {}
                _ => out.push(ch),
            }
        }
        out
    };
    let paths: HashSet<String> =
        doc["paths"].as_object().expect("paths").keys().map(|p| normalise(p)).collect();
    for (path, method) in [
        ("/api/auth/login", "post"),
        ("/api/auth/logout", "post"),
        ("/api/auth/me", "get"),
        ("/api/admin/tenants", "post"),
        ("/api/admin/tenants", "get"),
        ("/api/admin/tenants/{}/numbers", "post"),
        ("/api/users", "post"),
        ("/api/users", "get"),
        ("/api/conversations", "get"),
        ("/api/conversations/{}", "get"),
        ("/api/conversations/{}/messages", "get"),
        ("/api/conversations/{}/messages", "post"),
        ("/api/ws", "get"),
        ("/webhooks/whatsapp", "get"),
        ("/webhooks/whatsapp", "post"),
    ] {
        assert!(paths.contains(path), "{path} missing from the OpenAPI paths {paths:?}");
        let entry = doc["paths"].as_object().unwrap().iter().find(|(k, _)| normalise(k) == path).unwrap().1;
        assert!(entry.get(method).is_some(), "{method} {path} missing: {entry}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_route_is_404_in_the_error_envelope() {
    let app = spawn_app().await;

    app.admin.raw_get("/api/no-such-thing").await.expect_error(404);
}

/// Runs the binary with `args` and `env`; it must exit (not serve) within
/// 30 s. Gives its exit code and stderr.
async fn start_fails(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(args)
        .current_dir(dir.path())
        .env("SWITCHBOARD__SERVER__BIND", "127.0.0.1:0")
        .env("SWITCHBOARD__STORAGE__PATH", dir.path().join("data"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), cmd.output())
        .await
        .expect("a bad configuration must stop the start, not serve")
        .expect("run the binary");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test]
async fn a_bad_configuration_stops_the_start_and_names_the_key() {
    // A misspelt key in a --config file.
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("switchboard.toml");
    std::fs::write(&file, "[server]\nbindd = \"127.0.0.1:0\"\n").expect("write the config");
    let (code, stderr) = start_fails(&["--config", file.to_str().expect("utf-8 path")], &[]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("bindd"), "the message names the key: {stderr}");

    // A value of the wrong type from the environment.
    let (code, stderr) = start_fails(&[], &[("SWITCHBOARD__STORAGE__CACHE_CAPACITY_MB", "lots")]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cache_capacity_mb"), "the message names the key: {stderr}");

    // A --config file that does not exist.
    let (code, stderr) = start_fails(&["--config", "/nonexistent/switchboard.toml"], &[]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("switchboard.toml"), "{stderr}");

    // `--config` without its file is not "no config file".
    let (code, stderr) = start_fails(&["--config"], &[]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--config needs a FILE"), "{stderr}");
}

#[tokio::test]
async fn a_value_of_the_right_type_that_makes_no_sense_stops_the_start_and_names_the_key() {
    for (key, value, named) in [
        ("SWITCHBOARD__SERVER__BIND", "nonsense", "server.bind"),
        ("SWITCHBOARD__SERVER__BIND", "127.0.0.1", "server.bind"),
        ("SWITCHBOARD__WHATSAPP__GRAPH_API_BASE", "graph.facebook.com", "whatsapp.graph_api_base"),
        ("SWITCHBOARD__WHATSAPP__GRAPH_API_VERSION", "21.0", "whatsapp.graph_api_version"),
    ] {
        let (code, stderr) = start_fails(&[], &[(key, value)]).await;
        assert_eq!(code, Some(2), "{key}={value}: {stderr}");
        assert!(stderr.contains(named), "{key}={value}: the message names {named}: {stderr}");
    }

    // Zeros that would stall or disable something: every one is named at once.
    let zeros = [
        ("SWITCHBOARD__WHATSAPP__REQUEST_TIMEOUT_SECS", "whatsapp.request_timeout_secs"),
        ("SWITCHBOARD__WHATSAPP__OUTBOX_RATE_PER_SEC", "whatsapp.outbox_rate_per_sec"),
        ("SWITCHBOARD__SERVER__MAX_INFLIGHT_WEBHOOKS", "server.max_inflight_webhooks"),
        ("SWITCHBOARD__AUTH__LOGIN_PER_IP_PER_MINUTE", "auth.login_per_ip_per_minute"),
        ("SWITCHBOARD__AUTH__LOGIN_PER_EMAIL_PER_MINUTE", "auth.login_per_email_per_minute"),
        ("SWITCHBOARD__AUTH__SESSION_IDLE_TIMEOUT_SECS", "auth.session_idle_timeout_secs"),
        ("SWITCHBOARD__ACTORS__CALL_TIMEOUT_MS", "actors.call_timeout_ms"),
    ];
    let env: Vec<(&str, &str)> = zeros.iter().map(|(key, _)| (*key, "0")).collect();
    let (code, stderr) = start_fails(&[], &env).await;
    assert_eq!(code, Some(2), "{stderr}");
    for (_, named) in zeros {
        assert!(stderr.contains(named), "the message names {named}: {stderr}");
    }

    // Zero where the configuration documents what it means is fine: the
    // binary starts (and is stopped by the child's drop).
    let graph = FakeGraph::start().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let off = [
        ("SWITCHBOARD__WHATSAPP__CATALOG_SYNC_EVERY_SECS", "0"),
        ("SWITCHBOARD__STORAGE__FLUSH_EVERY_MS", "0"),
    ];
    let server = spawn_binary(&dir.path().join("data"), &graph.url(), &off).await;
    server.client().readyz().await.expect(200);
}
