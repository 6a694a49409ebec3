//! How the app is served: every HTML response carries a strict CSP and the
//! other safety headers, files revalidate with an ETag, the service
//! worker's cache name is the build's hash, and nothing outside `web/`
//! can be reached through the static routes.

use crate::support::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_served_with_a_strict_content_security_policy() {
    let app = spawn_app().await;
    let client = app.client();

    let index = client.raw_get("/").await;
    assert_eq!(index.status, 200, "{}", index.text);
    assert!(index.header("content-type").unwrap_or_default().starts_with("text/html"));
    let csp = index.header("content-security-policy").expect("a CSP on the HTML");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self' ws: wss:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "CSP lacks {directive:?}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "CSP allows inline code: {csp}");
    assert_eq!(index.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(index.header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(index.header("cache-control").as_deref(), Some("no-cache"));
    // No inline script or style anywhere in the page.
    assert!(
        !index.text.contains("<script>") && !index.text.contains("<style") && !index.text.contains("style="),
        "inline code in index.html"
    );
    assert!(index.text.contains(r#"name="viewport""#), "no viewport meta: phones would lay out 980 px wide");

    for (path, kind) in [
        ("/app/main.js", "text/javascript"),
        ("/app/css/base.css", "text/css"),
        ("/manifest.webmanifest", "application/manifest+json"),
        ("/sw.js", "text/javascript"),
        ("/favicon.ico", "image/png"),
        ("/app/icons/icon.svg", "image/svg+xml"),
        ("/app/icons/icon-192.png", "image/png"),
        ("/app/icons/icon-512.png", "image/png"),
        ("/app/icons/maskable-512.png", "image/png"),
    ] {
        let resp = client.raw_get(path).await;
        assert_eq!(resp.status, 200, "{path}: {}", resp.text);
        assert!(
            resp.header("content-type").unwrap_or_default().starts_with(kind),
            "{path} is {:?}",
            resp.header("content-type")
        );
        assert_eq!(resp.header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
    }

    // The manifest names icons that exist, and the page links the manifest.
    let manifest = client.raw_get("/manifest.webmanifest").await.body;
    for icon in manifest["icons"].as_array().expect("icons") {
        let src = icon["src"].as_str().expect("src");
        assert_eq!(client.raw_get(src).await.status, 200, "manifest icon {src}");
    }
    assert!(index.text.contains(r#"rel="manifest""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_revalidate_and_the_service_worker_knows_the_build() {
    let app = spawn_app().await;
    let client = app.client();

    let first = client.raw_get("/app/main.js").await;
    let etag = first.header("etag").expect("an ETag");
    let again = client.raw(reqwest::Method::GET, "/app/main.js", None, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304, "an unchanged file is a 304");
    assert!(again.text.is_empty());
    let icon = client.raw_get("/app/icons/icon-192.png").await;
    assert!(icon.header("cache-control").unwrap_or_default().contains("max-age"), "icons are cached");

    let sw = client.raw_get("/sw.js").await;
    assert!(!sw.text.contains("__BUILD__") && !sw.text.contains("__SHELL__"), "sw.js was not filled in");
    for file in [
        "\"/\"",
        "\"/app/main.js\"",
        "\"/app/css/base.css\"",
        "\"/app/views/chat.js\"",
        "\"/app/icons/icon.svg\"",
    ] {
        assert!(sw.text.contains(file), "the shell list lacks {file}");
    }
    assert!(sw.text.contains("switchboard-shell-"));
    assert_eq!(
        sw.header("cache-control").as_deref(),
        Some("no-cache"),
        "the worker itself is always revalidated"
    );
    assert!(sw.text.contains(r#"startsWith("/api/")"#), "the worker must leave the API alone");

    // Nothing outside web/app through the static route; unknown files are
    // the JSON 404 of the API.
    for path in ["/app/../Cargo.toml", "/app/%2e%2e/Cargo.toml", "/app/.hidden", "/app/nope.js"] {
        let resp = client.raw_get(path).await;
        assert_eq!(resp.status, 404, "{path} must be a 404, got {} {}", resp.status, resp.text);
    }
    // The API keeps its JSON errors.
    assert_eq!(client.raw_get("/api/nope").await.expect_error(404), "not_found");
}
