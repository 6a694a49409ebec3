//! A fake image CDN for browser tests. Catalog pictures are Meta CDN URLs
//! (`https://cdn.example/p/{n}.jpg` in the fake catalog), and a test
//! reaches no network, so Chromium's own request interception (CDP
//! `Fetch`) answers them: a second DevTools connection to the page, beside
//! chromedriver's, fulfils every request for the CDN's host with a small
//! picture (a tinted tile with a plant on it). The page sees a real https
//! image load under its real CSP (`img-src https:`), so a missing or
//! blocked picture fails the test as it would fail a customer, and the
//! screenshots show products rather than placeholders.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use base64::Engine;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use super::harness::Browser;

/// Interception of one host's images for the life of the value.
pub struct FakeCdn {
    served: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl FakeCdn {
    /// Starts answering `https://{host}/...` in `browser`'s page; returns
    /// once interception is on.
    pub async fn serve(browser: &Browser, host: &str) -> FakeCdn {
        let address = browser
            .client
            .capabilities()
            .and_then(|c| c.get("goog:chromeOptions")?.get("debuggerAddress")?.as_str().map(str::to_string))
            .expect("chromedriver reports Chromium's DevTools address");
        let targets: Value = reqwest::get(format!("http://{address}/json/list"))
            .await
            .and_then(|r| r.error_for_status())
            .expect("DevTools lists its targets")
            .json()
            .await
            .expect("the target list is JSON");
        let page = targets
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .unwrap_or_else(|| panic!("no page among the DevTools targets: {targets}"))
            .to_string();
        let (mut socket, _) = tokio_tungstenite::connect_async(page).await.expect("a DevTools connection");
        let enable = json!({"id": 1, "method": "Fetch.enable",
            "params": {"patterns": [{"urlPattern": format!("https://{host}/*"), "requestStage": "Request"}]}});
        socket.send(Message::Text(enable.to_string().into())).await.expect("Fetch.enable sent");
        // Events may come first; the answer with id 1 says interception is on.
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let reply: Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                    if reply["id"] == 1 {
                        assert!(reply.get("error").is_none(), "Fetch.enable failed: {reply}");
                        break;
                    }
                }
                Some(Ok(_)) => continue,
                other => panic!("the DevTools connection ended before Fetch.enable answered: {other:?}"),
            }
        }
        let served = Arc::new(AtomicUsize::new(0));
        let count = served.clone();
        let task = tokio::spawn(async move {
            let mut next_id = 2;
            while let Some(Ok(message)) = socket.next().await {
                let Message::Text(text) = message else { continue };
                let event: Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                if event["method"] != "Fetch.requestPaused" {
                    continue;
                }
                let url = event["params"]["request"]["url"].as_str().unwrap_or_default();
                let fulfil = json!({"id": next_id, "method": "Fetch.fulfillRequest", "params": {
                    "requestId": event["params"]["requestId"],
                    "responseCode": 200,
                    "responseHeaders": [
                        {"name": "Content-Type", "value": "image/svg+xml"},
                        {"name": "Cache-Control", "value": "max-age=3600"},
                    ],
                    "body": base64::engine::general_purpose::STANDARD.encode(picture(url)),
                }});
                next_id += 1;
                if socket.send(Message::Text(fulfil.to_string().into())).await.is_err() {
                    return;
                }
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
        FakeCdn { served, task }
    }

    /// Pictures served so far.
    pub fn served(&self) -> usize {
        self.served.load(Ordering::Relaxed)
    }
}

impl Drop for FakeCdn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The picture at `url`: the number in its path picks a tint and a plant,
/// so neighbouring products look different.
fn picture(url: &str) -> String {
    const PLANTS: [&str; 8] = ["1F33F", "1F335", "1FAB4", "1F331", "1F338", "1F33B", "1F34B", "1F33C"];
    const TINTS: [&str; 8] =
        ["#e3f4e8", "#fdf3d8", "#e6f0fb", "#f3e8fb", "#fde8ec", "#fff4d6", "#fbf7d0", "#eaf6f1"];
    let n: usize = url.chars().filter(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" fill="{}"/><text x="48" y="52" font-size="50" text-anchor="middle" dominant-baseline="central">&#x{};</text></svg>"##,
        TINTS[n % TINTS.len()],
        PLANTS[n % PLANTS.len()],
    )
}
