//! The platform admin onboards tenants and numbers, suspends and resumes
//! them; managers add users.

use serde_json::{json, Value};

use crate::support::{meta, new_number, spawn_app, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_onboards_two_tenants_and_secrets_never_come_back() {
    let app = spawn_app().await;

    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;

    for tenant in [&acme, &globex] {
        let created = &tenant.created;
        assert_eq!(created["name"], tenant.name.as_str());
        let number = &created["numbers"][0];
        assert_eq!(created["numbers"].as_array().map(Vec::len), Some(1), "{created}");
        assert_eq!(number["phone_number_id"], tenant.number().meta.phone_number_id.as_str());
        assert_eq!(number["display_phone_number"], tenant.number().meta.display_phone_number.as_str());
        assert_eq!(number["waba_id"], tenant.number().meta.waba_id.as_str());
        let manager = &created["manager"];
        assert_eq!(manager["email"], tenant.manager_email.as_str());
        assert_eq!(manager["role"], "manager");
        assert_eq!(manager["tenant_id"], tenant.id.as_str());
        // The manager signed in with the password given at onboarding.
        assert_eq!(tenant.manager_user["id"], manager["id"]);
        assert_eq!(tenant.manager.me().await.expect(200)["tenant_id"], tenant.id.as_str());

        let text = created.to_string();
        for secret in
            [&tenant.number().access_token, &tenant.number().signing_secret, &tenant.number().verify_token]
        {
            assert!(!text.contains(secret.as_str()), "a secret came back: {text}");
        }
        assert!(!text.contains(PASSWORD), "the password came back: {text}");
    }
    assert_ne!(acme.id, globex.id);

    let list = app.admin.list_tenants().await.expect(200);
    let mut names: Vec<_> =
        list["items"].as_array().expect("items").iter().map(|t| t["name"].clone()).collect();
    names.sort_by_key(Value::to_string);
    assert_eq!(names, [json!("Acme"), json!("Globex")]);
    let listed = list.to_string();
    assert!(!listed.contains(&acme.number().access_token), "a secret came back: {listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_number_id_registered_anywhere_is_a_409() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    let (mut number, _) = new_number(true);
    number["phone_number_id"] = json!(acme.number().meta.phone_number_id);

    let again = json!({"name": "Initech", "number": number,
        "manager": {"email": "boss@initech.test", "name": "Boss", "password": PASSWORD}});
    app.admin.create_tenant(&again).await.expect_error(409);
    app.admin.add_number(&globex.id, &number).await.expect_error(409);
    app.admin.add_number(&acme.id, &number).await.expect_error(409);

    // The refused tenant does not exist, not even half.
    let list = app.admin.list_tenants().await.expect(200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2), "{list}");
    app.client().login("boss@initech.test", PASSWORD).await.expect_error(401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_tenant_is_refused_with_the_error_envelope() {
    let app = spawn_app().await;
    let (mut number, _) = new_number(true);
    number["phone_number_id"] = json!("not-digits");

    let body = json!({"name": "Acme", "number": number,
        "manager": {"email": "not-an-email", "name": "Boss", "password": "short"}});
    let resp = app.admin.create_tenant(&body).await;
    let status = resp.status.as_u16();
    assert!(status == 400 || status == 422, "expected 400/422, got {status}: {}", resp.text);
    resp.expect_error(status);

    let list = app.admin.list_tenants().await.expect(200);
    assert_eq!(list["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_further_number_receives_into_the_same_tenant() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let (number, mut second) = new_number(true);

    let added = app.admin.add_number(&acme.id, &number).await.expect(201);
    assert_eq!(added["phone_number_id"], second.meta.phone_number_id.as_str());
    assert!(added.to_string().find(&second.access_token).is_none(), "a secret came back: {added}");
    second.id = added["id"].as_str().expect("number id").to_string();
    assert_ne!(second.id, acme.number().id);

    let payload = meta::text_webhook(&second.meta, "15550001111", "Dana", &meta::wamid(), "Hi second number");
    app.post_webhook(&payload, &second.signing_secret).await.expect(200);

    let conversation = acme.wait_for_conversation("15550001111").await;
    assert_eq!(conversation["number_id"], second.id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_create_users_inside_their_own_tenant_only() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;

    let staff = acme.create_staff().await;
    let second_manager = acme.create_user("manager").await;

    assert_eq!(staff.user["tenant_id"], acme.id.as_str());
    assert_eq!(second_manager.user["role"], "manager");
    let users = acme.manager.list_users().await.expect(200);
    let mut emails: Vec<String> = users["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect();
    emails.sort();
    let mut expected = vec![acme.manager_email.clone(), staff.email.clone(), second_manager.email.clone()];
    expected.sort();
    assert_eq!(emails, expected, "Globex's manager {} must not be listed", globex.manager_email);

    let dup = json!({"email": staff.email, "name": "Again", "password": PASSWORD, "role": "staff"});
    acme.manager.create_user(&dup).await.expect_error(409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_verification_echoes_the_challenge_for_a_known_verify_token() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;

    let ok = app.client().verify_webhook("subscribe", &acme.number().verify_token, "1158201444").await;
    assert_eq!((ok.status.as_u16(), ok.text.as_str()), (200, "1158201444"));

    let bad = app.client().verify_webhook("subscribe", "someone-elses-token", "1158201444").await;
    assert_eq!(bad.status, 403, "{}", bad.text);
    assert!(!bad.text.contains("1158201444"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_tenant_cannot_sign_in_and_its_webhooks_are_dropped_until_resumed() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let globex = app.onboard_tenant("Globex").await;
    acme.receive_text("16505550001", "Sheena", "before").await;

    let suspended =
        app.admin.raw_post(&format!("/api/admin/tenants/{}/suspend", acme.id), &json!({})).await.expect(200);
    assert_eq!(suspended["suspended"], true);
    // Its sessions end and nobody of it signs in; the other tenant is untouched.
    assert_eq!(acme.manager.me().await.status, 401);
    assert!(app.client().login(&acme.manager_email, PASSWORD).await.status.is_client_error());
    globex.manager.me().await.expect(200);
    // Meta gets its 200 (no retries piling up), nothing is stored.
    let payload =
        meta::text_webhook(&acme.number().meta, "16505550002", "Dana", &meta::wamid(), "while away");
    acme.post_webhook(&payload).await.expect(200);
    // The platform admin still sees it, marked suspended.
    let tenants = app.admin.raw_get("/api/admin/tenants").await.expect(200);
    let listed =
        tenants["items"].as_array().expect("items").iter().find(|t| t["id"] == json!(acme.id)).cloned();
    assert_eq!(listed.expect("Acme listed")["suspended"], true);

    app.admin.raw_post(&format!("/api/admin/tenants/{}/resume", acme.id), &json!({})).await.expect(200);
    let (manager, _) = app.client().signed_in(&acme.manager_email, PASSWORD).await;
    let list = manager.raw_get("/api/conversations?status=open").await.expect(200);
    let customers: Vec<&Value> =
        list["items"].as_array().expect("items").iter().map(|c| &c["customer"]["wa_id"]).collect();
    assert_eq!(customers, [&json!("16505550001")], "the webhook sent while suspended was dropped");
    // And traffic flows again.
    let payload = meta::text_webhook(&acme.number().meta, "16505550003", "Noor", &meta::wamid(), "after");
    acme.post_webhook(&payload).await.expect(200);
    let list = manager.raw_get("/api/conversations?status=open").await.expect(200);
    assert_eq!(list["items"].as_array().expect("items").len(), 2, "{list}");
}
