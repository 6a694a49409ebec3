//! Sign-in, sign-out, roles and the login rate limits.

use serde_json::json;

use crate::support::{metric, poll_until, spawn_app, spawn_app_with, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_returns_an_opaque_token_and_the_user() {
    let app = spawn_app().await;

    let body = app.client().login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);

    let token = body["token"].as_str().expect("a token");
    assert!(token.len() >= 32, "a token with real entropy, got {token:?}");
    assert!(!token.contains(ADMIN_PASSWORD));
    let user = &body["user"];
    assert_eq!(user["email"], ADMIN_EMAIL);
    assert_eq!(user["role"], "platform_admin");
    assert!(user["tenant_id"].is_null(), "a platform admin has no tenant: {user}");
    assert!(user["id"].is_string() && user["name"].is_string(), "{user}");
    assert!(user.get("password").is_none() && user.get("password_hash").is_none(), "{user}");

    let me = app.client().with_token(token).me().await.expect(200);
    for field in ["id", "email", "name", "role", "tenant_id"] {
        assert_eq!(me[field], app.admin_user[field], "{field}: the same user as at the first sign-in");
    }
    assert_eq!(me["id"], user["id"]);
    assert_eq!(me["role"], "platform_admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = spawn_app().await;

    let wrong = app.client().login(ADMIN_EMAIL, "not the password").await.expect_error(401);
    let unknown = app.client().login("nobody@switchboard.test", "not the password").await.expect_error(401);

    assert_eq!(wrong, unknown, "the answer must not reveal which emails exist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_calls_without_a_valid_token_get_401() {
    let app = spawn_app().await;
    let anonymous = app.client();
    let forged = app.client().with_token("sb_this-is-not-a-real-token");

    anonymous.me().await.expect_error(401);
    anonymous.list_conversations("").await.expect_error(401);
    anonymous.list_tenants().await.expect_error(401);
    forged.me().await.expect_error(401);
    forged.list_conversations("").await.expect_error(401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_after_logout_gets_401_and_other_sessions_live_on() {
    let app = spawn_app().await;
    let tenant = app.onboard_tenant("Acme").await;
    let (second_session, _) = app.client().signed_in(&tenant.manager_email, PASSWORD).await;

    let resp = tenant.manager.logout().await;
    assert_eq!(resp.status, 204, "logout: {}", resp.text);

    tenant.manager.me().await.expect_error(401);
    tenant.manager.list_conversations("").await.expect_error(401);
    second_session.me().await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_managers_get_403_on_admin_endpoints() {
    let app = spawn_app().await;
    let tenant = app.onboard_tenant("Acme").await;
    let staff = tenant.create_staff().await;
    assert_eq!(staff.user["role"], "staff");
    assert_eq!(staff.user["tenant_id"], tenant.id.as_str());
    assert_eq!(staff.client.me().await.expect(200)["id"], staff.id());
    let (number, _) = crate::support::new_number(true);
    let new_tenant = json!({"name": "Sneaky", "number": number,
        "manager": {"email": "sneaky@sneaky.test", "name": "S", "password": PASSWORD}});

    for client in [&staff.client, &tenant.manager] {
        client.list_tenants().await.expect_error(403);
        client.create_tenant(&new_tenant).await.expect_error(403);
        client.add_number(&tenant.id, &number).await.expect_error(403);
    }
    // Nothing was created by the refused calls.
    let tenants = app.admin.list_tenants().await.expect(200);
    let names: Vec<_> =
        tenants["items"].as_array().expect("items").iter().map(|t| t["name"].clone()).collect();
    assert_eq!(names, [json!("Acme")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_cannot_create_users() {
    let app = spawn_app().await;
    let tenant = app.onboard_tenant("Acme").await;
    let staff = tenant.create_staff().await;

    let body =
        json!({"email": "friend@acme.test", "name": "Friend", "password": PASSWORD, "role": "manager"});
    staff.client.create_user(&body).await.expect_error(403);

    app.client().login("friend@acme.test", PASSWORD).await.expect_error(401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_rate_limited_per_email_with_retry_after() {
    let app = spawn_app_with(|s| s.auth.login_per_email_per_minute = 3).await;
    // Onboarding signed the manager in once: one attempt of three.
    let tenant = app.onboard_tenant("Acme").await;

    for _ in 0..2 {
        app.client().login(&tenant.manager_email, "guess").await.expect_error(401);
    }
    let limited = app.client().login(&tenant.manager_email, "guess").await;
    let retry_after = limited.header("retry-after");
    limited.expect_error(429);
    let secs: u64 = retry_after.expect("a 429 carries Retry-After").parse().expect("Retry-After in seconds");
    assert!((1..=60).contains(&secs), "Retry-After {secs}");

    // Even the right password waits: the limit is on attempts, not failures.
    app.client().login(&tenant.manager_email, PASSWORD).await.expect_error(429);
    // Another account from the same address is not held up by it.
    app.client().login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_rate_limited_per_client_address() {
    let app = spawn_app_with(|s| {
        s.auth.login_per_ip_per_minute = 3;
        s.auth.login_per_email_per_minute = 100;
    })
    .await;

    for i in 0..2 {
        // The admin already signed in once from this address.
        app.client().login(&format!("guess{i}@nowhere.test"), "guess").await.expect_error(401);
    }
    let limited = app.client().login("another@nowhere.test", "guess").await;
    assert!(limited.header("retry-after").is_some(), "no Retry-After: {:?}", limited.headers);
    limited.expect_error(429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_login_body_is_400_in_the_error_envelope() {
    let app = spawn_app().await;

    let resp = app.client().raw_post_bytes("/api/auth/login", b"{\"email\": ").await;

    resp.expect_error(400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_left_unused_past_the_idle_timeout_ends_and_one_in_use_lives_on() {
    let app = spawn_app_with(|s| s.auth.session_idle_timeout_secs = 2).await;
    let acme = app.onboard_tenant("Acme").await;
    let anonymous = crate::support::ApiClient::new(&app.address);
    let (idle, _) = anonymous.signed_in(&acme.manager_email, PASSWORD).await;
    let (busy, _) = anonymous.signed_in(&acme.manager_email, PASSWORD).await;
    // The busy session is used every half second; the idle one never.
    for _ in 0..6 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        busy.me().await.expect(200);
    }
    assert_eq!(idle.me().await.status, 401, "3 s unused with a 2 s idle timeout");
    busy.me().await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_left_idle_are_swept_without_being_presented_again() {
    let app = spawn_app_with(|s| s.auth.session_idle_timeout_secs = 1).await;
    // The admin's session from `spawn_app` and this one: neither is used.
    let (idle, _) = app.client().signed_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let expired = || async { metric(&app.metrics_text().await, "switchboard_sessions_expired_total") };

    poll_until(std::time::Duration::from_secs(10), "both idle sessions to be swept", || async {
        expired().await.filter(|n| *n >= 2.0)
    })
    .await;

    idle.me().await.expect_error(401);
    app.admin.me().await.expect_error(401);
    // Already gone when presented: nothing was left for the lookup to expire.
    assert_eq!(expired().await, Some(2.0));
}
