//! `switchboard --demo`: the real binary seeds the demo tenant through its
//! own API and prints the sign-in details; the customer simulator writes
//! as a customer through the real webhook pipeline, the Main menu bot
//! greets, and an agent's reply shows up on the customer's side, read.
//! In the demo catalog (every product with a picture the demo serves) an
//! agent sends a cart and the customer orders from it.
//! Without `--demo` the simulator does not exist.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::{poll_until, spawn_app, ApiClient};

/// The demo's fixed credentials, as it prints them.
pub(crate) const MANAGER_EMAIL: &str = "manager@demo-shop.test";
pub(crate) const MANAGER_PASSWORD: &str = "demo-manager-pass";
/// Seeding signs in, creates a tenant and writes four chats: generous.
const SEEDED: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_secs(15);

/// The binary in demo mode; killed (with its group) on drop. The browser
/// tests load its customer simulator too.
pub(crate) struct DemoApp {
    child: Child,
    pid: u32,
    pub(crate) address: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    _data: tempfile::TempDir,
}

impl Drop for DemoApp {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ =
                std::process::Command::new("kill").args(["-KILL", "--", &format!("-{}", self.pid)]).status();
        }
    }
}

impl DemoApp {
    pub(crate) async fn start() -> DemoApp {
        let data = tempfile::tempdir().expect("a temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--demo")
            .current_dir(data.path())
            .env("SWITCHBOARD__SERVER__BIND", "127.0.0.1:0")
            .env("SWITCHBOARD__STORAGE__PATH", data.path().join("data"))
            .env("SWITCHBOARD__STORAGE__CACHE_CAPACITY_MB", "16")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("start switchboard --demo");
        let pid = child.id().expect("a pid");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let stdout = Arc::new(Mutex::new(String::new()));
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let first = tokio::time::timeout(SETTLE * 2, lines.next_line()).await;
        let Ok(Ok(Some(first))) = first else {
            panic!("no `listening on` line; stderr:\n{}", stderr.lock().unwrap());
        };
        let address = first.strip_prefix("listening on ").expect("the address line").trim().to_string();
        let sink = stdout.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let mut out = sink.lock().unwrap();
                out.push_str(&line);
                out.push('\n');
            }
        });
        DemoApp { child, pid, address, stdout, stderr, _data: data }
    }

    /// Waits for the sign-in details; returns everything printed.
    pub(crate) async fn printed_details(&self) -> String {
        let deadline = tokio::time::Instant::now() + SEEDED;
        loop {
            let out = self.stdout.lock().unwrap().clone();
            if out.contains("/demo/simulator") {
                return out;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "the demo never printed its sign-in details; stdout:\n{out}\nstderr:\n{}",
                    self.logs()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn logs(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

async fn conversations(manager: &ApiClient) -> Vec<Value> {
    let mut all = Vec::new();
    for status in ["open", "closed"] {
        let list = manager.raw_get(&format!("/api/conversations?status={status}")).await.expect(200);
        all.extend(list["items"].as_array().cloned().unwrap_or_default());
    }
    all
}

async fn transcript(client: &ApiClient, wa_id: &str) -> Vec<Value> {
    let body = client.raw_get(&format!("/demo/api/transcript?wa_id={wa_id}")).await.expect(200);
    body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn the_demo_seeds_a_tenant_and_the_simulator_runs_the_real_pipeline() {
    let app = DemoApp::start().await;
    let printed = app.printed_details().await;
    for shown in
        [MANAGER_EMAIL, MANAGER_PASSWORD, "aisha@demo-shop.test", "ben@demo-shop.test", "demo-staff-pass"]
    {
        assert!(printed.contains(shown), "{shown} is not in what the demo printed:\n{printed}");
    }
    assert!(printed.contains(&format!("{}/demo/simulator", app.address)), "{printed}");

    // The printed manager signs in and sees the seeded chats.
    let anonymous = ApiClient::new(&app.address);
    let (manager, user) = anonymous.signed_in(MANAGER_EMAIL, MANAGER_PASSWORD).await;
    assert_eq!(user["role"], "manager");
    let seeded = conversations(&manager).await;
    assert!(seeded.len() >= 3, "seeded chats: {seeded:#?}");
    assert!(seeded.iter().any(|c| c["customer"]["wa_id"] == "971501234567"), "the Arabic chat");
    assert!(seeded.iter().any(|c| c["status"] == "closed"), "a closed chat");
    assert!(seeded.iter().any(|c| c["labels"].as_array().is_some_and(|l| !l.is_empty())), "labels");
    let teams = manager.raw_get("/api/teams").await.expect(200);
    let names: Vec<_> = teams["items"].as_array().unwrap().iter().map(|t| t["name"].clone()).collect();
    assert!(names.contains(&json!("Sales")) && names.contains(&json!("Support")), "{names:?}");
    let flows = manager.raw_get("/api/flows").await.expect(200);
    assert!(flows["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "Main menu" && f["published_version"] == 1));

    // The simulator page is served with the product's CSP.
    let page = anonymous.raw_get("/demo/simulator").await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.header("content-type").unwrap_or_default().starts_with("text/html"));
    assert!(page.header("content-security-policy").unwrap_or_default().contains("script-src 'self'"));
    assert!(!page.text.contains("<script>"), "no inline scripts");
    assert_eq!(anonymous.raw_get("/demo/assets/simulator.js").await.status.as_u16(), 200);

    // A new customer writes; the message arrives in the inbox.
    let wa_id = "4915112345678";
    let sent = anonymous
        .raw_post(
            "/demo/api/customer",
            &json!({"wa_id": wa_id, "name": "Lena Fischer", "text": "Hi! Do you sell gift cards?"}),
        )
        .await
        .expect(200);
    assert!(sent["wamid"].as_str().is_some_and(|w| w.starts_with("wamid.")), "{sent}");
    let chat = poll_until(SETTLE, "the simulated customer's chat", || {
        let manager = manager.clone();
        async move { conversations(&manager).await.into_iter().find(|c| c["customer"]["wa_id"] == wa_id) }
    })
    .await;
    assert_eq!(chat["customer"]["name"], "Lena Fischer");
    let id = chat["id"].as_str().unwrap().to_string();
    let messages = manager.raw_get(&format!("/api/conversations/{id}/messages")).await.expect(200);
    assert!(
        messages["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["direction"] == "in" && m["text"] == "Hi! Do you sell gift cards?"),
        "{messages}"
    );

    // The manager answers by hand; the customer sees it, read.
    let reply = "Yes! Gift cards from 10 to 200 euros, delivered by email.";
    manager
        .raw_post(&format!("/api/conversations/{id}/messages"), &json!({"type": "text", "text": reply}))
        .await
        .expect(202);
    // The sandbox answers sent, delivered, then read, one after the other.
    poll_until(SETTLE, "the agent's reply, read, in the simulator", || {
        let anonymous = anonymous.clone();
        async move {
            transcript(&anonymous, wa_id).await.into_iter().find(|e| {
                e["from"] == "business" && e["message"]["text"]["body"] == reply && e["status"] == "read"
            })
        }
    })
    .await;
    // ...and the sandbox's status webhooks reached the inbox too.
    poll_until(SETTLE, "the reply's read status in the inbox", || {
        let manager = manager.clone();
        let id = id.clone();
        async move {
            let messages = manager.raw_get(&format!("/api/conversations/{id}/messages")).await.expect(200);
            messages["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["text"] == reply && m["status"] == "read")
                .cloned()
        }
    })
    .await;

    // The Main menu bot greeted the new chat on the customer's side, with
    // its buttons (queued before the agent's reply paused the bot).
    let greeting = poll_until(SETTLE, "the Main menu greeting in the simulator", || {
        let anonymous = anonymous.clone();
        async move {
            transcript(&anonymous, wa_id).await.into_iter().find(|e| {
                e["from"] == "business"
                    && e["message"]["type"] == "interactive"
                    && e["message"]["interactive"]["body"]["text"]
                        .as_str()
                        .is_some_and(|t| t.contains("Welcome"))
            })
        }
    })
    .await;
    let buttons = greeting["message"]["interactive"]["action"]["buttons"].as_array().unwrap();
    assert_eq!(buttons.len(), 3);

    // Bad input is refused with the API's envelope.
    let bad = anonymous.raw_post("/demo/api/customer", &json!({"wa_id": "12ab", "text": "x"})).await;
    assert_eq!(bad.expect_error(422), "validation_failed", "{}", app.logs().len());
}

#[tokio::test]
async fn without_demo_mode_there_is_no_simulator() {
    let app = spawn_app().await;
    let client = ApiClient::new(&app.address);
    assert_eq!(client.raw_get("/demo/simulator").await.status.as_u16(), 404);
    assert_eq!(
        client.raw_post("/demo/api/customer", &json!({"wa_id": "491511", "text": "x"})).await.status.as_u16(),
        404
    );
}

#[tokio::test]
async fn in_the_demo_an_agent_sends_a_cart_and_the_simulated_customer_orders_from_it() {
    let app = DemoApp::start().await;
    app.printed_details().await;
    let anonymous = ApiClient::new(&app.address);
    let (manager, _) = anonymous.signed_in(MANAGER_EMAIL, MANAGER_PASSWORD).await;
    let numbers = manager.raw_get("/api/numbers").await.expect(200);
    let number = numbers["items"][0]["id"].as_str().expect("the demo number").to_string();
    // The sandbox's demo catalog is synced on connect.
    poll_until(SETTLE, "the demo catalog", || {
        let (manager, number) = (manager.clone(), number.clone());
        async move {
            let status = manager.raw_get(&format!("/api/numbers/{number}/catalog")).await.expect(200);
            (status["products"].as_u64() > Some(1)).then_some(status)
        }
    })
    .await;
    let products = manager.raw_get(&format!("/api/numbers/{number}/catalog/products")).await.expect(200);
    // Every product has a picture, served by the demo itself (no internet).
    for product in products["items"].as_array().unwrap() {
        let url = product["image_url"].as_str().unwrap_or_else(|| panic!("no picture: {product}"));
        assert!(url.starts_with("/demo/products/"), "{url}");
        let picture = anonymous.raw_get(url).await;
        assert_eq!(picture.status.as_u16(), 200, "{url}");
        assert_eq!(picture.header("content-type").as_deref(), Some("image/svg+xml"), "{url}");
        assert!(picture.text.starts_with("<svg") && picture.text.contains(product["name"].as_str().unwrap()));
    }
    assert_eq!(anonymous.raw_get("/demo/products/NOPE.svg").await.expect_error(404), "not_found");
    let picked: Vec<Value> = products["items"].as_array().unwrap().iter().take(2).cloned().collect();
    let ids: Vec<&str> = picked.iter().map(|p| p["retailer_id"].as_str().unwrap()).collect();

    // A customer writes; the agent sends them two products as one message.
    let wa_id = "4915199887766";
    anonymous
        .raw_post(
            "/demo/api/customer",
            &json!({"wa_id": wa_id, "name": "Jonas Weber", "text": "Any t-shirts?"}),
        )
        .await
        .expect(200);
    let chat = poll_until(SETTLE, "the customer's chat", || {
        let manager = manager.clone();
        async move { conversations(&manager).await.into_iter().find(|c| c["customer"]["wa_id"] == wa_id) }
    })
    .await;
    let id = chat["id"].as_str().unwrap().to_string();
    let cart = json!({"type": "product_list", "header": "Our tees", "text": "Two favourites",
                      "sections": [{"title": "Tees", "product_retailer_ids": ids}]});
    manager.raw_post(&format!("/api/conversations/{id}/messages"), &cart).await.expect(202);
    // The customer sees it in the simulator...
    poll_until(SETTLE, "the product list on the customer's side", || {
        let anonymous = anonymous.clone();
        async move {
            transcript(&anonymous, wa_id)
                .await
                .into_iter()
                .find(|e| e["message"]["interactive"]["type"] == "product_list")
        }
    })
    .await;
    // ...and orders two of the first, one of the second, at catalog prices.
    let order = json!({"wa_id": wa_id, "name": "Jonas Weber", "order": {"product_items": [
        {"product_retailer_id": ids[0], "quantity": 2}, {"product_retailer_id": ids[1], "quantity": 1}]}});
    anonymous.raw_post("/demo/api/customer", &order).await.expect(200);
    let placed = poll_until(SETTLE, "the order in the inbox", || {
        let (manager, id) = (manager.clone(), id.clone());
        async move {
            let orders = manager.raw_get(&format!("/api/conversations/{id}/orders")).await.expect(200);
            orders["items"].as_array().and_then(|o| o.first().cloned())
        }
    })
    .await;
    let price = |p: &Value| p["price"].as_f64().unwrap();
    let expected = 2.0 * price(&picked[0]) + price(&picked[1]);
    assert!((placed["total"].as_f64().unwrap() - expected).abs() < 0.001, "{placed}");
    assert_eq!(placed["items"][0]["name"], picked[0]["name"], "names come from the catalog");
    assert_eq!(placed["items"][0]["image_url"], picked[0]["image_url"], "and so do pictures");
    assert_eq!(placed["status"], "received");

    // A cart of products the catalog lacks is refused, and nothing is sent.
    let bad =
        json!({"wa_id": wa_id, "order": {"product_items": [{"product_retailer_id": "NOPE", "quantity": 1}]}});
    assert_eq!(anonymous.raw_post("/demo/api/customer", &bad).await.expect_error(422), "validation_failed");
}
