//! Everything a test needs to drive Switchboard from the outside.
//!
//! `spawn_app()` starts the real router on a real TCP port (port 0) with a
//! temp data dir, a fake Graph API and a signed-in platform admin; each
//! test gets its own, so tests never share state or ports.
//! `TestApp::onboard_tenant` onboards a tenant through the admin API and
//! signs its manager in; `TestTenant::create_staff` adds a staff user.
//! `spawn_binary` runs the real `switchboard` executable instead, for the
//! tests that kill the process.
//!
//! - [`client`]: the typed HTTP client, one method per endpoint.
//! - [`fake_graph`]: the local Graph API.
//! - [`door`]: a door in front of it that cuts connections on request.
//! - [`meta`]: Meta webhook payloads and their signature.
//! - [`ws`]: the WebSocket client.
//! - [`child`]: the real binary in a child process.
//! - [`half_sent`]: a request held in flight over a raw connection.
//! - [`fixtures`]: the webhook corpus of `tests/fixtures/webhooks/`.
//! - [`cloud_client`]: the typed client's Cloud API endpoints.
//! - [`commerce_client`]: the typed client's catalog and order endpoints.
//! - [`inbox_client`]: the typed client's team-inbox endpoints.
//! - [`inbox`]: named agents, teams, chats, presence and routing helpers.

pub mod bot;
pub mod child;
pub mod client;
pub mod cloud_client;
pub mod commerce_client;
pub mod door;
pub mod fake_graph;
pub mod fixtures;
pub mod half_sent;
pub mod inbox;
pub mod inbox_client;
pub mod meta;
pub mod ws;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{json, Value};
use switchboard::config::Settings;
use switchboard::startup::Application;
use tempfile::TempDir;
use tokio::task::JoinHandle;

pub use child::{spawn_binary, ChildApp, Deployment};
pub use client::{metric, ApiClient, ApiResponse};
pub use fake_graph::FakeGraph;
pub use meta::BusinessNumber;
pub use ws::{QUIET, WAIT};

/// The first platform admin of every test app.
pub const ADMIN_EMAIL: &str = "admin@switchboard.test";
/// Its password.
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
/// The deployment's own Meta app secret (`whatsapp.app_secret`).
pub const DEPLOYMENT_APP_SECRET: &str = "deployment-app-secret-0123456789";
/// The password of every user the helpers create.
pub const PASSWORD: &str = "correct horse battery staple";
/// The Graph API version the server is configured with (the default).
pub const GRAPH_VERSION: &str = "v21.0";

/// A number unique within this test process.
pub fn unique() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Polls `f` every 20 ms until it returns `Some`, or panics naming `what`
/// after `timeout`.
pub async fn poll_until<T, F, Fut>(timeout: Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = f().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The settings every test app starts from: port 0, a temp data dir, the
/// fake Graph API, the deployment app secret, short retry backoff.
pub fn test_settings(data_dir: &std::path::Path, graph_url: &str) -> Settings {
    let mut s = Settings::defaults();
    s.server.bind = "127.0.0.1:0".into();
    s.storage.path = data_dir.to_path_buf();
    s.storage.cache_capacity_mb = 16;
    s.whatsapp.graph_api_base = graph_url.to_string();
    s.whatsapp.graph_api_version = GRAPH_VERSION.to_string();
    s.whatsapp.app_secret = tenants::Secret::from(DEPLOYMENT_APP_SECRET);
    s.whatsapp.request_timeout_secs = 5;
    s.whatsapp.outbox_backoff_base_ms = 20;
    s
}

/// A running server for one test.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The fake Graph API it talks to.
    pub graph: FakeGraph,
    /// The signed-in platform admin.
    pub admin: ApiClient,
    /// The admin's user object.
    pub admin_user: Value,
    system: actors::ActorSystem,
    server: JoinHandle<()>,
    /// Removed when the app drops.
    _data_dir: TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Starts an app with the test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts an app with the test settings changed by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let graph = FakeGraph::start().await;
    let data_dir = tempfile::tempdir().expect("a temp dir");
    let mut settings = test_settings(&data_dir.path().join("data"), &graph.url());
    tweak(&mut settings);
    let application =
        Application::build(settings, Some((ADMIN_EMAIL.to_string(), ADMIN_PASSWORD.to_string())))
            .await
            .expect("the application builds");
    let port = application.port();
    let system = application.system();
    let server = tokio::spawn(async move {
        if let Err(e) = application.run_until_stopped().await {
            eprintln!("test server stopped with an error: {e:#}");
        }
    });
    let address = format!("http://127.0.0.1:{port}");
    let (admin, admin_user) = ApiClient::new(&address).signed_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    TestApp { address, graph, admin, admin_user, system, server, _data_dir: data_dir }
}

/// A business number as the tests know it (secrets included).
#[derive(Debug, Clone)]
pub struct TestNumber {
    /// Switchboard's id for it (`numbers[].id`).
    pub id: String,
    /// What Meta's webhooks name it by.
    pub meta: BusinessNumber,
    /// The Graph API bearer token registered with it.
    pub access_token: String,
    /// The secret its webhooks are signed with (its own, or the deployment's).
    pub signing_secret: String,
    /// The webhook verify token registered with it.
    pub verify_token: String,
}

impl TestNumber {
    /// Switchboard's id, typed (for fault injection).
    pub fn number_id(&self) -> tenants::NumberId {
        self.id.parse().expect("a number id")
    }
}

/// A fresh number spec: the `number` object for the admin API and what
/// the tests keep about it. `own_secret: false` leaves `app_secret` out.
pub fn new_number(own_secret: bool) -> (Value, TestNumber) {
    let n = unique();
    let pid = std::process::id() % 100_000;
    let meta = BusinessNumber {
        phone_number_id: format!("1065{pid:05}{n:06}"),
        display_phone_number: format!("+1 555 {:03} {:04}", n / 10_000 % 1000, n % 10_000),
        waba_id: format!("1022{pid:05}{n:06}"),
    };
    let access_token = format!("EAAGtest{pid}x{n}");
    let app_secret = format!("tenant-app-secret-{pid}-{n}");
    let verify_token = format!("verify-{pid}-{n}");
    let mut body = json!({
        "phone_number_id": meta.phone_number_id,
        "display_phone_number": meta.display_phone_number,
        "waba_id": meta.waba_id,
        "access_token": access_token,
        "verify_token": verify_token,
    });
    if own_secret {
        body["app_secret"] = json!(app_secret);
    }
    let signing_secret = if own_secret { app_secret } else { DEPLOYMENT_APP_SECRET.to_string() };
    (body, TestNumber { id: String::new(), meta, access_token, signing_secret, verify_token })
}

impl TestApp {
    /// An anonymous client.
    pub fn client(&self) -> ApiClient {
        ApiClient::new(&self.address)
    }

    /// The actor tree, for fault injection.
    pub fn system(&self) -> actors::ActorSystem {
        self.system.clone()
    }

    /// Onboards a tenant whose number has its own app secret, and signs
    /// its manager in.
    pub async fn onboard_tenant(&self, name: &str) -> TestTenant {
        self.onboard(name, true).await
    }

    /// Onboards a tenant whose number is signed for by the deployment's
    /// Meta app (no `app_secret` of its own).
    pub async fn onboard_tenant_on_deployment_app(&self, name: &str) -> TestTenant {
        self.onboard(name, false).await
    }

    async fn onboard(&self, name: &str, own_secret: bool) -> TestTenant {
        onboard(&self.admin, name, own_secret).await
    }

    /// Posts a webhook payload signed with `secret`.
    pub async fn post_webhook(&self, payload: &Value, secret: &str) -> ApiResponse {
        let body = meta::bytes(payload);
        self.client().post_webhook(&body, Some(&meta::sign(secret, &body))).await
    }

    /// The Prometheus text of `/metrics`.
    pub async fn metrics_text(&self) -> String {
        let resp = self.client().metrics().await;
        assert_eq!(resp.status, 200, "/metrics: {}", resp.text);
        resp.text
    }
}

/// Counter `name` of the Prometheus text of `/metrics` ([`metric`]), which
/// must be there.
pub fn counter(metrics: &str, name: &str) -> u64 {
    metric(metrics, name).unwrap_or_else(|| panic!("{name} not in /metrics:\n{metrics}")) as u64
}

/// Onboards a tenant through `admin` (a signed-in platform admin of any
/// server, test app or child process) and signs its manager in.
/// `own_secret: false` leaves the number to the deployment's app secret.
pub async fn onboard(admin: &ApiClient, name: &str, own_secret: bool) -> TestTenant {
    let (number_body, mut number) = new_number(own_secret);
    let n = unique();
    let slug: String = name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
    let manager_email = format!("manager{n}@{slug}.test");
    let body = json!({
        "name": name,
        "number": number_body,
        "manager": {"email": manager_email, "name": format!("{name} Manager"), "password": PASSWORD},
    });
    let created = admin.create_tenant(&body).await.expect(201);
    number.id = created["numbers"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no numbers[0].id in {created}"))
        .into();
    let (manager, manager_user) = admin.anonymous().signed_in(&manager_email, PASSWORD).await;
    TestTenant {
        id: created["id"].as_str().expect("tenant id").to_string(),
        name: name.to_string(),
        numbers: vec![number],
        created,
        manager,
        manager_user,
        manager_email,
    }
}

/// A user the helpers created, signed in.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// Their client.
    pub client: ApiClient,
    /// Their user object.
    pub user: Value,
    /// Their email.
    pub email: String,
}

impl TestUser {
    /// Their user id.
    pub fn id(&self) -> &str {
        self.user["id"].as_str().expect("user id")
    }
}

/// An inbound message the helpers delivered.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its wamid.
    pub wamid: String,
    /// Its conversation, as the manager lists it.
    pub conversation: Value,
}

impl Received {
    /// The conversation id.
    pub fn conversation_id(&self) -> String {
        self.conversation["id"].as_str().expect("conversation id").to_string()
    }
}

/// An onboarded tenant.
#[derive(Debug, Clone)]
pub struct TestTenant {
    /// Tenant id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its numbers; the first came with onboarding.
    pub numbers: Vec<TestNumber>,
    /// The admin API's answer to the onboarding.
    pub created: Value,
    /// The manager, signed in.
    pub manager: ApiClient,
    /// The manager's user object.
    pub manager_user: Value,
    /// The manager's email.
    pub manager_email: String,
}

impl TestTenant {
    /// The first number.
    pub fn number(&self) -> &TestNumber {
        &self.numbers[0]
    }

    /// The same tenant with its manager signed in afresh at `base` (a
    /// restarted server).
    pub async fn signed_in_at(&self, base: &str) -> TestTenant {
        let (manager, manager_user) = ApiClient::new(base).signed_in(&self.manager_email, PASSWORD).await;
        TestTenant { manager, manager_user, ..self.clone() }
    }

    /// An anonymous client to the same server.
    pub fn anonymous(&self) -> ApiClient {
        self.manager.anonymous()
    }

    /// Creates a user with `role` through the manager and signs them in.
    pub async fn create_user(&self, role: &str) -> TestUser {
        let email = format!("{role}{}@team.test", unique());
        let body = json!({"email": email, "name": format!("A {role}"), "password": PASSWORD, "role": role});
        self.manager.create_user(&body).await.expect(201);
        let (client, user) = self.anonymous().signed_in(&email, PASSWORD).await;
        TestUser { client, user, email }
    }

    /// Creates a staff user and signs them in.
    pub async fn create_staff(&self) -> TestUser {
        self.create_user("staff").await
    }

    /// Posts `payload` signed the way Meta signs for this tenant's numbers.
    pub async fn post_webhook(&self, payload: &Value) -> ApiResponse {
        let body = meta::bytes(payload);
        let sig = meta::sign(&self.number().signing_secret, &body);
        self.anonymous().post_webhook(&body, Some(&sig)).await
    }

    /// A customer texts this tenant's first number; checks the 200 and
    /// returns the conversation the manager then sees for `wa_id`.
    pub async fn receive_text(&self, wa_id: &str, name: &str, text: &str) -> Received {
        let wamid = meta::wamid();
        let payload = meta::text_webhook(&self.number().meta, wa_id, name, &wamid, text);
        let resp = self.post_webhook(&payload).await;
        assert_eq!(resp.status, 200, "webhook refused: {}", resp.text);
        let conversation = self.wait_for_conversation(wa_id).await;
        Received { wamid, conversation }
    }

    /// The manager's view of the conversation with `wa_id`, once listed.
    pub async fn wait_for_conversation(&self, wa_id: &str) -> Value {
        poll_until(WAIT, &format!("a conversation with {wa_id} in {}", self.name), || async {
            let list = self.manager.list_conversations("limit=200").await.expect(200);
            list["items"].as_array()?.iter().find(|c| c["customer"]["wa_id"] == wa_id).cloned()
        })
        .await
    }

    /// The messages of a conversation, as the manager sees them.
    pub async fn messages_of(&self, conversation_id: &str) -> Vec<Value> {
        let body = self.manager.messages(conversation_id, "").await.expect(200);
        body["items"].as_array().unwrap_or_else(|| panic!("no items in {body}")).clone()
    }

    /// The conversations the manager sees.
    pub async fn conversations(&self) -> Vec<Value> {
        let body = self.manager.list_conversations("limit=200").await.expect(200);
        body["items"].as_array().unwrap_or_else(|| panic!("no items in {body}")).clone()
    }
}
