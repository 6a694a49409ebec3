//! Signing in and out in the browser, and the platform admin's console:
//! onboarding, each number's health (a number whose token Meta refused
//! stands out until the admin gives it a new one), suspending and
//! resuming a tenant.

use serde_json::{json, Value};

use super::harness::{sign_in, Browser};
use crate::support::{new_number, poll_until, spawn_app, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_survives_a_reload_and_signing_out_returns_to_the_form() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let browser = Browser::open(&app.address).await;

    browser.goto("/").await;
    browser.wait_for("form.signin-form input[type=email]").await;
    browser.assert_accessible("sign-in").await;
    browser.screenshots("01-sign-in").await;

    // A wrong password says so, in the form (a 401 the test provokes, as
    // is the revoked session at the end).
    browser.expect_api_status("/api/auth/", 401);
    browser.type_into("input[type=email]", &acme.manager_email).await;
    browser.type_into("input[type=password]", "not the password").await;
    browser.click("form.signin-form button[type=submit]").await;
    browser.wait_for_text(".form-error", "don't match").await;

    browser.js("document.querySelector('input[type=password]').value = ''; return true;").await;
    browser.type_into("input[type=password]", PASSWORD).await;
    browser.click("form.signin-form button[type=submit]").await;
    browser.wait_for_text("h1.list-title", "Inbox").await;
    browser.wait_for_text(".tab[aria-current=page]", "Not assigned").await;
    browser.wait_for(".empty").await;
    let token: Option<String> = serde_json::from_value(
        browser.js("return JSON.parse(localStorage.getItem('switchboard.session')).token").await,
    )
    .ok();
    assert!(token.is_some_and(|t| !t.is_empty()), "the session is kept in localStorage");

    // A reload keeps the session.
    browser.client.refresh().await.expect("reload");
    browser.wait_for_text("h1.list-title", "Inbox").await;
    browser
        .wait_until("the live socket", "document.querySelector('#live-status')?.dataset.status === 'live'")
        .await;
    browser.screenshots("02-empty-inbox").await;

    // Signing out revokes the token and returns to the form.
    let stored: String = serde_json::from_value(
        browser.js("return JSON.parse(localStorage.getItem('switchboard.session')).token").await,
    )
    .expect("token");
    browser.click(".nav-account").await;
    browser.wait_for("dialog[open]").await;
    // Setting oneself away, from the same dialog.
    browser.click_text("dialog[open] .presence-modes .mode", "Away").await;
    browser.wait_for_text("dialog[open] .presence-hint", "No new chats for now").await;
    browser.assert_accessible("account dialog").await;
    browser.screenshots("02b-account").await;
    browser.click("dialog[open] .btn-danger").await;
    browser.wait_for("form.signin-form").await;
    assert_eq!(
        browser.js("return localStorage.getItem('switchboard.session')").await,
        serde_json::Value::Null
    );
    assert_eq!(app.client().with_token(&stored).me().await.status, 401, "the token was revoked");

    // A revoked session in storage sends you back to the form too.
    browser.js_with("localStorage.setItem('switchboard.session', JSON.stringify({token: arguments[0], user: {}})); return true;", vec![stored.into()]).await;
    browser.client.refresh().await.expect("reload");
    browser.wait_for("form.signin-form").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_admin_onboards_a_tenant_from_the_console() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    acme.receive_text("16505550010", "Sheena", "hello").await;
    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    browser.wait_for_text(".tenant .card-title", "Acme").await;
    // Each number's health: a webhook was seen, one chat, nothing wrong.
    let acme_card = "[...document.querySelectorAll('li.tenant')].find((t) => t.querySelector('.card-title').textContent === 'Acme')";
    let row: Value = browser
        .js(&format!("return [...{acme_card}.querySelectorAll('tbody td')].map((td) => td.textContent)"))
        .await;
    let row: Vec<&str> =
        row.as_array().expect("cells").iter().map(|c| c.as_str().unwrap_or_default()).collect();
    assert_ne!(row[2], "None yet", "the last webhook is shown: {row:?}");
    assert_eq!((row[3], row[4]), ("1", "OK"), "{row:?}");

    // Suspend Acme from the console (with a confirmation), then resume it.
    browser.js(&format!("[...{acme_card}.querySelectorAll('button')].find((b) => b.textContent === 'Suspend').click(); return true;")).await;
    browser.click_text("dialog[open] button", "Suspend").await;
    browser.wait_until("Acme suspended", &format!("{acme_card}?.textContent.includes('Suspended')")).await;
    assert_eq!(acme.manager.me().await.status, 401, "a suspended tenant's sessions end");
    browser.js(&format!("[...{acme_card}.querySelectorAll('button')].find((b) => b.textContent === 'Resume').click(); return true;")).await;
    browser.click_text("dialog[open] button", "Resume").await;
    browser.wait_until("Acme active again", &format!("{acme_card}?.textContent.includes('Active')")).await;
    app.client().signed_in(&acme.manager_email, PASSWORD).await;

    let (_, known) = new_number(true);
    browser.click(".page-head .btn-primary").await;
    browser.wait_for("dialog[open] form.onboard").await;
    browser.assert_accessible("onboarding form").await;
    let fill = |label: &'static str, value: String| {
        let b = &browser;
        async move {
            let input = b
                .js_with(
                    "const l = [...document.querySelectorAll('dialog[open] label')].find((l) => l.textContent === arguments[0]); return l ? l.htmlFor : null;",
                    vec![label.into()],
                )
                .await;
            let id = input.as_str().unwrap_or_else(|| panic!("no field labelled {label:?}")).to_string();
            b.type_into(&format!("#{id}"), &value).await;
        }
    };
    fill("Business name", "Globex ☕".into()).await;
    fill("Phone number", known.meta.display_phone_number.clone()).await;
    fill("Phone number id", known.meta.phone_number_id.clone()).await;
    fill("WhatsApp Business Account id", known.meta.waba_id.clone()).await;
    fill("Webhook verify token", known.verify_token.clone()).await;
    fill("Access token", known.access_token.clone()).await;
    fill("Manager's name", "Gloria".into()).await;
    fill("Manager's email", "gloria@globex.test".into()).await;
    fill("Manager's first password", PASSWORD.into()).await;
    browser.screenshots("09-admin-onboarding").await;
    browser.click("dialog[open] button[type=submit]").await;
    browser.wait_gone("dialog[open]").await;
    browser.wait_for_text(".tenant .card-title", "Globex ☕").await;
    browser.wait_for_text(".tenant td", &known.meta.phone_number_id).await;
    browser.assert_accessible("tenants console").await;
    browser.screenshots("10-admin-tenants").await;

    // The new manager can sign in.
    app.client().signed_in("gloria@globex.test", PASSWORD).await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_a_number_meta_refused_until_it_gets_a_new_token() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    app.onboard_tenant("Globex").await;
    let id = acme.receive_text("16505550011", "Sheena", "hello").await.conversation_id();
    // Meta answers the next send with error 190: the token expired.
    app.graph.fail_next_with(1, 401, 190, "Error validating access token: Session has expired.");
    acme.manager.send_text(&id, "Are you there?").await.expect(202);
    let number_id = acme.number().id.clone();
    poll_until(WAIT, "the number to need attention", || async {
        let tenants = app.admin.raw_get("/api/admin/tenants").await.expect(200);
        let flagged = tenants["items"]
            .as_array()?
            .iter()
            .flat_map(|t| t["numbers"].as_array().cloned().unwrap_or_default())
            .any(|n| n["id"] == number_id.as_str() && n["needs_attention"].is_string());
        flagged.then_some(())
    })
    .await;

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    browser.wait_for_text(".tenant .card-title", "Acme").await;
    // The summary counts it; Acme's card says so and its number's row says why.
    browser.wait_for_text(".page-head", "1 number needs attention").await;
    let card = |name: &str| {
        format!("[...document.querySelectorAll('li.tenant')].find((t) => t.querySelector('.card-title').textContent === {})", json!(name))
    };
    let chip = |name: &str| format!("{}?.querySelector('.tenant-head .chip')?.textContent", card(name));
    assert_eq!(browser.js(&format!("return {}", chip("Acme"))).await, json!("Needs attention"));
    assert_eq!(browser.js(&format!("return {}", chip("Globex"))).await, json!("Active"));
    let health = browser
        .js(&format!("return {}.querySelector('td[data-label=Health]').textContent", card("Acme")))
        .await;
    assert!(health.as_str().is_some_and(|h| h.contains("Needs attention")), "{health}");
    let reason =
        browser.js(&format!("return {}.querySelector('.attention-reason').textContent", card("Acme"))).await;
    assert!(
        reason.as_str().is_some_and(|r| r.contains("access token (error 190)")),
        "why, in words: {reason}"
    );
    // Needing attention sorts first, whatever the age.
    assert_eq!(
        browser.js("return document.querySelector('li.tenant .card-title').textContent").await,
        json!("Acme")
    );
    browser.assert_accessible("console with a number needing attention").await;
    browser.screenshots("38-admin-needs-attention").await;

    // The admin pastes a new token from the row: the number is healthy again.
    browser.click_text("li.tenant button", "New access token").await;
    browser.wait_for("dialog[open] input[type=password]").await;
    browser.assert_accessible("new token dialog").await;
    browser.type_into("dialog[open] input[type=password]", "EAAGrefreshedToken").await;
    browser.click("dialog[open] button[type=submit]").await;
    browser.wait_gone("dialog[open]").await;
    browser.wait_until("Acme healthy again", &format!("{} === 'Active'", chip("Acme"))).await;
    let tenants = app.admin.raw_get("/api/admin/tenants").await.expect(200);
    let acme_view = tenants["items"]
        .as_array()
        .expect("tenants")
        .iter()
        .find(|t| t["name"] == "Acme")
        .cloned()
        .expect("Acme");
    assert_eq!(acme_view["numbers"][0]["needs_attention"], Value::Null, "{acme_view}");
    browser.finish().await;
}
