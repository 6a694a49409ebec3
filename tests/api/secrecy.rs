//! Never a token or secret in a log line, whatever the log level, and no
//! usable session token at rest: the real binary logs at trace for our
//! crates (debug for the rest) while every secret it knows is put to use,
//! then its stderr and its data directory are searched for them.

use std::path::Path;
use std::time::Duration;

use crate::support::{onboard, ws, Deployment, ADMIN_PASSWORD, DEPLOYMENT_APP_SECRET, PASSWORD, WAIT};

/// Every crate of ours at trace, everything else (hyper, reqwest, sled,
/// tower-http) at debug.
const RUST_LOG: &str = "debug,switchboard=trace,actors=trace,whatsapp=trace,tenants=trace,chatbot=trace";

/// The lines of `logs` that contain `secret`, for the failure message.
fn lines_with<'a>(logs: &'a str, secret: &str) -> Vec<&'a str> {
    logs.lines().filter(|l| l.contains(secret)).collect()
}

/// Whether any file under `dir` contains `needle`.
fn stored_under(dir: &Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir).expect("read the data dir").any(|entry| {
        let path = entry.expect("a dir entry").path();
        if path.is_dir() {
            stored_under(&path, needle)
        } else {
            let bytes = std::fs::read(&path).expect("read a data file");
            bytes.windows(needle.len()).any(|w| w == needle)
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_or_secret_reaches_the_logs_at_trace_and_no_session_token_the_disk() {
    let deployment = Deployment::new().await;
    let (graph, data) = (&deployment.graph, deployment.data());
    let mut server = deployment.start(&[("RUST_LOG", RUST_LOG), ("NO_COLOR", "1")]).await;

    // Sign in, onboard a number with its own access token and app secret.
    let admin = server.admin().await;
    let acme = onboard(&admin, "Acme", true).await;
    let number = acme.number().clone();
    // Meta's handshake, a signed webhook, a failed sign-in, a reply out
    // through the Graph API with the access token...
    acme.anonymous().verify_webhook("subscribe", &number.verify_token, "challenge-1").await.expect(200);
    let received = acme.receive_text("16505551234", "Sheena", "hello").await;
    acme.anonymous().login(&acme.manager_email, "a wrong password").await.expect_error(401);
    acme.manager.send_text(&received.conversation_id(), "on its way").await.expect(202);
    let sends = graph.wait_for_sends(1, WAIT).await;
    assert_eq!(sends[0].authorization, Some(format!("Bearer {}", number.access_token)));
    // ...and the bearer token in a query string, as the WebSocket and
    // media downloads carry it.
    let socket = ws::connect(&server.address, acme.manager.token(), None).await;
    let media = format!(
        "/api/conversations/{}/messages/none/media?token={}",
        received.conversation_id(),
        acme.manager.token()
    );
    acme.anonymous().raw_get(&media).await;
    socket.close().await;
    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(0), "{status:?}");

    let logs = server.logs();
    // Our debug spans were on: every request's, around third-party events.
    assert!(logs.contains("request{method=POST path=/webhooks/whatsapp}"), "debug logging was on:\n{logs}");
    assert!(logs.contains(&acme.id), "the logs do carry ids:\n{logs}");
    for (what, secret) in [
        ("the admin's bearer token", admin.token()),
        ("the manager's bearer token", acme.manager.token()),
        ("the number's access token", number.access_token.as_str()),
        ("the number's app secret", number.signing_secret.as_str()),
        ("the deployment's app secret", DEPLOYMENT_APP_SECRET),
        ("the number's verify token", number.verify_token.as_str()),
        ("the manager's password", PASSWORD),
        ("the admin's password", ADMIN_PASSWORD),
        ("a wrong password", "a wrong password"),
    ] {
        assert!(lines_with(&logs, secret).is_empty(), "{what} logged: {:#?}", lines_with(&logs, secret));
    }

    // Sessions are stored as hashes: the search sees stored text (the
    // manager's email), and no bearer token.
    assert!(stored_under(&data, acme.manager_email.as_bytes()), "the search finds what is stored");
    for (what, token) in [("the admin's", admin.token()), ("the manager's", acme.manager.token())] {
        assert!(!stored_under(&data, token.as_bytes()), "{what} bearer token is stored raw under {data:?}");
    }
}
