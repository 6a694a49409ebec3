//! A real headless Chromium driven through chromedriver (TRAPS.md, "Browser
//! tests"): one chromedriver per test on `--port=0`, in its own process
//! group that is killed on drop (so a panicking test orphans no Chrome),
//! a fresh profile per session, and a hook installed before any page
//! script runs that records uncaught errors, rejected promises,
//! `console.error`, failed resource loads and CSP violations. `finish`
//! (and every `wait_*` that times out) fails the test on any of them.
//!
//! Viewports are set with CDP device emulation, so screenshots are exactly
//! 1280x800 (desktop) or 390x844 (phone).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long anything a person would wait for may take.
pub const UI_WAIT: Duration = Duration::from_secs(10);

/// Desktop viewport.
pub const DESKTOP: (u32, u32) = (1280, 800);
/// Phone viewport (an iPhone 12-15 class screen).
pub const PHONE: (u32, u32) = (390, 844);

/// Installed before every document: collects what must fail a test.
const ERROR_HOOK: &str = r#"
(() => {
  const errors = [];
  Object.defineProperty(window, "__sbErrors", { value: errors });
  window.addEventListener("error", (e) => {
    if (e.target && e.target !== window && (e.target.src || e.target.href)) {
      errors.push(`resource failed to load: ${e.target.src || e.target.href}`);
    } else {
      errors.push(`uncaught error: ${e.message} at ${e.filename}:${e.lineno}:${e.colno}`);
    }
  }, true);
  window.addEventListener("unhandledrejection", (e) => {
    const r = e.reason;
    errors.push(`unhandled rejection: ${r && (r.stack || r.message) || r}`);
  });
  document.addEventListener("securitypolicyviolation", (e) => {
    errors.push(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
  });
  // Keep the live frames the page received, for failure messages.
  const frames = [];
  Object.defineProperty(window, "__sbFrames", { value: frames });
  // ... and the sockets themselves, so a test can drop the connection
  // (`__sbSockets.at(-1).close()`) and keep it down (`__sbBlockWs = true`:
  // new sockets go to a closed local port and fail at once).
  const sockets = [];
  Object.defineProperty(window, "__sbSockets", { value: sockets });
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = function (url, ...rest) {
    const ws = new NativeWebSocket(window.__sbBlockWs ? "ws://127.0.0.1:9/" : url, ...rest);
    sockets.push({ url: String(url), ws });
    ws.addEventListener("message", (m) => { let f; try { f = JSON.parse(m.data); } catch { f = {}; } frames.push(`${f.seq} ${f.type}${f.message ? ` message ${f.message.id} ${f.message.status}` : ""}${f.conversation ? ` conversation ${f.conversation.id}` : ""}`); if (frames.length > 30) frames.shift(); });
    return ws;
  };
  window.WebSocket.prototype = NativeWebSocket.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  const original = console.error;
  console.error = function (...args) {
    errors.push(`console.error: ${args.map((a) => (a && a.stack) || String(a)).join(" ")}`);
    return original.apply(this, args);
  };
})();
"#;

/// A chromedriver process; its whole process group dies with it.
struct Driver {
    child: Child,
    pid: u32,
    port: u16,
}

impl Driver {
    /// Starts chromedriver. It has once exited before reporting its port
    /// when several tests started theirs at the same moment, so a start
    /// that ends that way is tried again, twice.
    async fn start() -> Driver {
        for _ in 0..3 {
            if let Some(driver) = Self::try_start().await {
                return driver;
            }
        }
        panic!("chromedriver did not report its port in three starts")
    }

    async fn try_start() -> Option<Driver> {
        let mut cmd = Command::new("chromedriver");
        cmd.arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start chromedriver ({e}). The browser tests need Debian's Chromium: \
                 `apt-get update && apt-get install -y chromium chromium-driver` (.ci/run does this)"
            )
        });
        let pid = child.id().expect("chromedriver pid");
        let mut lines = BufReader::new(child.stdout.take().expect("chromedriver stdout")).lines();
        // Generous: on a loaded 2-core machine Chromium's driver can be slow
        // to come up; the wait ends as soon as it reports its port.
        let port = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.split("started successfully on port ").nth(1) {
                    return rest.trim().trim_end_matches('.').parse::<u16>().ok();
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        let Some(port) = port else {
            // Dropped as a driver, it takes its whole process group along.
            drop(Driver { child, pid, port: 0 });
            return None;
        };
        // Keep draining stdout so chromedriver never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Some(Driver { child, pid, port })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ =
                std::process::Command::new("kill").args(["-KILL", "--", &format!("-{}", self.pid)]).status();
        }
    }
}

/// One browser session against one test app.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    /// The app's `http://127.0.0.1:<port>`.
    pub base: String,
    session: String,
    http: reqwest::Client,
    driver: Driver,
    _profile: tempfile::TempDir,
    /// API failures this test provokes on purpose, as (part of the URL,
    /// status) (`expect_api_status`). A lock only because the helpers take
    /// `&self`; test-only state.
    expected_statuses: std::sync::Mutex<Vec<(String, u16)>>,
    finished: bool,
}

impl Browser {
    /// A fresh Chromium with a desktop viewport, the error hook installed.
    pub async fn open(base: &str) -> Browser {
        let driver = Driver::start().await;
        let profile = tempfile::tempdir().expect("a profile dir");
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--hide-scrollbars".into(),
            "--lang=en-US".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), json!({ "args": args }));
        caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|e| panic!("chromedriver could not start Chromium: {e}"));
        let session = client.session_id().await.expect("session id").expect("a session");
        let browser = Browser {
            client,
            base: base.trim_end_matches('/').to_string(),
            session,
            http: reqwest::Client::new(),
            driver,
            _profile: profile,
            expected_statuses: std::sync::Mutex::new(Vec::new()),
            finished: false,
        };
        browser.cdp("Page.enable", json!({})).await;
        browser.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": ERROR_HOOK })).await;
        browser.viewport(DESKTOP).await;
        browser
    }

    /// A CDP command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let url = format!("http://127.0.0.1:{}/session/{}/goog/cdp/execute", self.driver.port, self.session);
        let resp = self
            .http
            .post(url)
            .json(&json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "CDP {cmd} failed: {status} {body}");
        body["value"].clone()
    }

    /// Sets the viewport; `PHONE` also emulates a touch screen.
    pub async fn viewport(&self, (width, height): (u32, u32)) {
        let mobile = width < 768;
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        )
        .await;
        self.cdp(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": mobile, "maxTouchPoints": if mobile { 5 } else { 1 } }),
        )
        .await;
    }

    /// Opens `path` of the app (`/`, `/#/inbox/mine`...).
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("goto {path}: {e}"));
    }

    /// Runs `script` (which must `return`) and gives its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Runs `script` with `args` (`arguments[i]`).
    pub async fn js_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until the element is in the page.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(UI_WAIT)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => panic!("no `{css}` within {UI_WAIT:?} ({e}).\n{}", self.diagnostics().await),
        }
    }

    /// Waits until every picture matching `css` (at least `n`) has loaded.
    pub async fn wait_for_pictures(&self, css: &str, n: usize) {
        self.wait_until(
            &format!("{n} pictures `{css}` loaded"),
            &format!(
                "(() => {{ const i = [...document.querySelectorAll({css})]; return i.length >= {n} && i.every((p) => p.complete && p.naturalWidth > 0); }})()",
                css = json!(css)
            ),
        )
        .await;
    }

    /// Waits until the JavaScript expression `condition` is truthy.
    pub async fn wait_until(&self, what: &str, condition: &str) {
        let script = format!("return Boolean({condition});");
        let deadline = tokio::time::Instant::now() + UI_WAIT;
        loop {
            if self.client.execute(&script, vec![]).await.ok().and_then(|v| v.as_bool()) == Some(true) {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("timed out after {UI_WAIT:?} waiting for {what}.\n{}", self.diagnostics().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the element matching `css` has `text` in its text.
    pub async fn wait_for_text(&self, css: &str, text: &str) {
        let condition = format!(
            "[...document.querySelectorAll({css})].some((e) => e.textContent.includes({text}))",
            css = json!(css),
            text = json!(text)
        );
        self.wait_until(&format!("`{css}` to contain {text:?}"), &condition).await;
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        self.wait_until(&format!("`{css}` to go away"), &format!("!document.querySelector({})", json!(css)))
            .await;
    }

    /// Clicks the first element matching `css`. A live update may replace
    /// the element between finding and clicking it: then it is found again.
    pub async fn click(&self, css: &str) {
        let deadline = tokio::time::Instant::now() + UI_WAIT;
        loop {
            let el = self.wait_for(css).await;
            match el.click().await {
                Ok(()) => return,
                Err(e)
                    if e.to_string().contains("stale element") && tokio::time::Instant::now() < deadline =>
                {
                    continue
                }
                Err(e) => panic!("click {css}: {e}\n{}", self.diagnostics().await),
            }
        }
    }

    /// Clicks the first element matching `css` whose text contains `text`.
    pub async fn click_text(&self, css: &str, text: &str) {
        let condition = format!(
            "[...document.querySelectorAll({css})].find((e) => e.textContent.includes({text}) && e.offsetParent !== null)",
            css = json!(css),
            text = json!(text)
        );
        self.wait_until(&format!("a visible `{css}` with {text:?}"), &condition).await;
        let clicked =
            self.js(&format!("const e = {condition}; if (!e) return false; e.click(); return true;")).await;
        assert_eq!(clicked, json!(true), "`{css}` with {text:?} went away before the click");
    }

    /// Types into the element matching `css` (`\u{E007}` is Enter).
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// What to print when a wait fails: errors, the last live frames, the
    /// messages shown and the page's text.
    pub async fn diagnostics(&self) -> String {
        let errors = self.errors().await;
        let frames = self
            .client
            .execute("return window.__sbFrames ? window.__sbFrames.slice() : []", vec![])
            .await
            .unwrap_or_default();
        let messages = self
            .client
            .execute("return [...document.querySelectorAll('li.msg')].map((l) => `${l.dataset.id} ${l.dataset.status}`)", vec![])
            .await
            .unwrap_or_default();
        let page = self.page_text().await;
        format!("Page errors: {errors:#?}\nLast live frames: {frames:#}\nMessages shown: {messages}\nPage text:\n{page}")
    }

    /// The visible text of the page.
    pub async fn page_text(&self) -> String {
        self.client
            .execute("return document.body ? document.body.innerText : ''", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Lets calls to API URLs containing `path` fail with `status` without
    /// failing the test: a 4xx the test provokes on purpose (401 after
    /// signing out, 404 for a chat out of view, 422 for a refused form).
    /// Any other failed call fails the test; a 5xx cannot be expected.
    pub fn expect_api_status(&self, path: &str, status: u16) {
        assert!((400..500).contains(&status), "only a 4xx can be expected, not {status}");
        self.expected_statuses.lock().expect("statuses").push((path.to_string(), status));
    }

    /// What the hook collected, plus severe browser log entries except
    /// failed API calls answered with a status `expect_api_status` allowed.
    pub async fn errors(&self) -> Vec<String> {
        let mut errors: Vec<String> = self
            .client
            .execute("return window.__sbErrors ? window.__sbErrors.slice() : []", vec![])
            .await
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        let url = format!("http://127.0.0.1:{}/session/{}/se/log", self.driver.port, self.session);
        if let Ok(resp) = self.http.post(url).json(&json!({ "type": "browser" })).send().await {
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            let expected = self.expected_statuses.lock().expect("statuses").clone();
            for entry in body["value"].as_array().into_iter().flatten() {
                let message = entry["message"].as_str().unwrap_or_default();
                let blocked_on_purpose = message.contains("ws://127.0.0.1:9/");
                let provoked = failed_api_call(message).is_some_and(|(url, status)| {
                    expected.iter().any(|(p, s)| *s == status && url.contains(p))
                });
                if entry["level"] == "SEVERE" && !provoked && !blocked_on_purpose {
                    errors.push(format!("browser log: {message}"));
                }
            }
        }
        errors
    }

    /// Fails the test if the page reported any error so far, or shows a
    /// stray "null" / "undefined" / "NaN" / "[object Object]" as text.
    pub async fn assert_no_errors(&self) {
        let mut errors = self.errors().await;
        let stray = self.stray_text().await;
        errors.extend(stray);
        assert!(errors.is_empty(), "the page reported errors:\n{}", errors.join("\n"));
    }

    /// Text nodes that betray a bug: "null", "undefined", "NaN", "[object Object]".
    pub async fn stray_text(&self) -> Vec<String> {
        let found = self
            .js(
                r#"const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                   const bad = [];
                   for (let n = w.nextNode(); n; n = w.nextNode()) {
                     const t = n.textContent.trim();
                     if (["null", "undefined", "NaN", "[object Object]"].includes(t)) bad.push(`${n.parentElement?.className}: ${t}`);
                   }
                   return bad;"#,
            )
            .await;
        found.as_array().into_iter().flatten().map(|t| format!("stray text on the page: {t}")).collect()
    }

    /// Saves a PNG of the viewport as `target/screenshots/{name}.png`,
    /// after checking the page shows no stray "null" and the like.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // Let transitions settle: wait for two animation frames.
        let _ = self
            .client
            .execute_async("const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", vec![])
            .await;
        let stray = self.stray_text().await;
        assert!(stray.is_empty(), "{name}: {}", stray.join("\n"));
        let png = self.client.screenshot().await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("screenshots");
        std::fs::create_dir_all(&dir).expect("create target/screenshots");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write a screenshot");
        path
    }

    /// A screenshot at desktop size and one at phone size, then back to
    /// desktop: `{name}-desktop.png`, `{name}-phone.png`.
    pub async fn screenshots(&self, name: &str) {
        self.screenshot(&format!("{name}-desktop")).await;
        self.viewport(PHONE).await;
        self.screenshot(&format!("{name}-phone")).await;
        self.viewport(DESKTOP).await;
    }

    /// Runs axe-core on the page; fails on serious or critical violations.
    pub async fn assert_accessible(&self, screen: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{} is missing ({e}): run `npm install --no-save axe-core@4` in the repository (.ci/run does)", path.display())
        });
        self.client.execute(&format!("{source}\nreturn true;"), vec![]).await.expect("inject axe-core");
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   axe.run(document, { resultTypes: ["violations"] })
                     .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary) }))))
                     .catch((e) => done({ error: String(e) }));"#,
                vec![],
            )
            .await
            .expect("run axe-core");
        assert!(result.get("error").is_none(), "axe-core failed on {screen}: {result}");
        let bad: Vec<&Value> = result
            .as_array()
            .expect("violations")
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(
            bad.is_empty(),
            "axe-core: serious or critical violations on {screen}:\n{}",
            serde_json::to_string_pretty(&bad).unwrap_or_default()
        );
    }

    /// Checks that nothing went wrong and ends the session.
    pub async fn finish(mut self) {
        self.assert_no_errors().await;
        self.finished = true;
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The driver's Drop kills chromedriver and Chrome with it.
        if !self.finished && !std::thread::panicking() {
            eprintln!("a Browser was dropped without finish(): its page errors were not checked");
        }
    }
}

/// The URL and status of a failed call to the app's API, from Chromium's
/// log line (`http://…/api/… - Failed to load resource: the server
/// responded with a status of 404 (Not Found)`).
fn failed_api_call(message: &str) -> Option<(&str, u16)> {
    let (url, rest) = message.split_once(" - Failed to load resource: ")?;
    if !url.contains("/api/") {
        return None;
    }
    let status = rest.split("status of ").nth(1)?;
    Some((url, status.split_whitespace().next()?.parse().ok()?))
}

/// Waits until the fake Graph API received a text message with `body`
/// (other calls, such as marking messages read, are not sends of text).
pub async fn wait_for_text_send(graph: &crate::support::FakeGraph, body: &str) -> Value {
    crate::support::poll_until(UI_WAIT, &format!("a text {body:?} sent to the Graph API"), || async {
        graph.sent_messages().into_iter().find(|m| m["type"] == "text" && m["text"]["body"] == body)
    })
    .await
}

/// The JavaScript expression for the count shown on the inbox tab `filter`
/// (`null` when the tab shows none).
fn tab_count(filter: &str) -> String {
    format!("(document.querySelector('a.tab[data-filter={filter}] .tab-count')?.textContent ?? null)")
}

/// Waits until the tabs show `expected`: `(filter, Some(count))`, or `None`
/// where a tab shows no count (zero, and not the tab in view).
pub async fn wait_for_tab_counts(browser: &Browser, expected: &[(&str, Option<u32>)]) {
    let condition = expected
        .iter()
        .map(|(filter, count)| {
            let shown = tab_count(filter);
            match count {
                Some(n) => format!("{shown} === '{n}'"),
                None => format!("{shown} === null"),
            }
        })
        .collect::<Vec<_>>()
        .join(" && ");
    browser.wait_until(&format!("the tab counts {expected:?}"), &condition).await;
}

/// Signs in through the form and waits for the app behind it.
pub async fn sign_in(browser: &Browser, email: &str, password: &str) {
    browser.wait_for("input[type=email]").await;
    browser.type_into("input[type=email]", email).await;
    browser.type_into("input[type=password]", password).await;
    browser.click("form.signin-form button[type=submit]").await;
    browser.wait_for(".shell").await;
}
