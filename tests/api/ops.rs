//! Operations: health, readiness, Prometheus metrics, the OpenAPI document
//! and the error envelope on unknown routes.

use std::collections::HashSet;

use crate::support::{meta, metric, spawn_app};

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

    acme.receive_text("16505551234", "Sheena", "count me").await;
    let payload = meta::text_webhook(&acme.number().meta, "16505551234", "Sheena", &meta::wamid(), "x");
    let body = meta::bytes(&payload);
    app.client().post_webhook(&body, Some("sha256=00")).await;

    let resp = app.client().metrics().await;
    assert_eq!(resp.status, 200);
    let content_type = resp.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = resp.text;
    assert_eq!(metric(&text, "switchboard_webhooks_received_total"), Some(1.0), "{text}");
    assert_eq!(metric(&text, "switchboard_webhooks_rejected_signature_total"), Some(1.0), "{text}");
    assert_eq!(metric(&text, "switchboard_messages_in_total"), Some(1.0), "{text}");
    assert!(metric(&text, "switchboard_store_flush_seconds_count").is_some_and(|n| n >= 1.0), "{text}");
    for name in ["switchboard_messages_out_total", "switchboard_actor_restarts_total"] {
        assert!(text.contains(&format!("# TYPE {name} counter")), "{name} missing: {text}");
    }
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
}
