//! Media: a customer's file is looked up (`GET /{media-id}`), downloaded
//! with the number's token, checked against Meta's sha256 (base64 or hex),
//! stored and served at `media_url` to whoever may see the chat; a file
//! that does not match, or is over `media_max_bytes`, is not served (its
//! message is kept). Uploads go to Meta as multipart and their id can be
//! sent.

use std::time::Duration;

use serde_json::{json, Value};

use super::{chat, chat_with, Chat};
use crate::support::fake_graph::sha256_hex;
use crate::support::fixtures::first_message;
use crate::support::{poll_until, GRAPH_VERSION, WAIT};

/// Bytes that look like a JPEG and cover every byte value.
fn jpeg() -> Vec<u8> {
    let mut bytes = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01".to_vec();
    bytes.extend((0..=255u8).cycle().take(3000));
    bytes.extend_from_slice(b"\xFF\xD9");
    bytes
}

/// Renders `fixture` with Meta's hash of the file replaced by `sha256`
/// (the corpus's hashes name files nobody has), posts it, and returns the
/// body as posted.
async fn post_with_sha(c: &Chat, fixture: &str, kind: &str, sha256: &str) -> Value {
    let p = c.placeholders();
    let written =
        first_message(&p.render_json(fixture))[kind]["sha256"].as_str().expect("a sha256").to_string();
    let body = String::from_utf8(p.render(fixture)).unwrap().replace(&written, sha256).into_bytes();
    c.tenant.post_webhook_bytes(&body).await.expect(200);
    serde_json::from_slice(&body).unwrap()
}

/// Waits for the message with `wamid` to get its `media_url`.
async fn with_media_url(c: &Chat, wamid: &Value) -> Value {
    poll_until(Duration::from_secs(10), &format!("a media_url on {wamid}"), || async {
        c.messages().await.into_iter().find(|m| m["wamid"] == *wamid && m["media_url"].is_string())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn received_media_is_fetched_checked_and_served_to_those_who_may_see_it() {
    let c = chat().await;
    let graph = &c.app.graph;
    let image = jpeg();
    let sha_base64 = graph.add_media("1003383421387256", &image, "image/jpeg");
    let pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    graph.add_media("1003383421387258", &pdf, "application/pdf");

    let body = post_with_sha(&c, "image_caption", "image", &sha_base64).await;
    // Meta's hash in hex works as well as in base64.
    let document = post_with_sha(&c, "document_filename", "document", &sha256_hex(&pdf)).await;

    let m = with_media_url(&c, &first_message(&body)["id"]).await;
    let url = m["media_url"].as_str().unwrap().to_string();
    assert_eq!(
        url,
        format!("/api/conversations/{}/messages/{}/media", c.conversation_id, m["id"].as_str().unwrap())
    );
    let token = format!("Bearer {}", c.tenant.number().access_token);
    let lookup = &graph.media_info_requests("1003383421387256")[0];
    assert_eq!(lookup.path, format!("/{GRAPH_VERSION}/1003383421387256"));
    assert_eq!(lookup.authorization.as_deref(), Some(token.as_str()));
    let download = &graph.downloads_of("1003383421387256")[0];
    assert_eq!(download.authorization.as_deref(), Some(token.as_str()), "downloaded with the number's token");

    let manager = &c.tenant.manager;
    let got = manager.download(&url).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.bytes, image, "the file, byte for byte");
    assert_eq!(got.header("content-type").as_deref(), Some("image/jpeg"));
    // `<img src>` cannot send a header: the token may ride in the query.
    let got = manager.anonymous().download(&format!("{url}?token={}", manager.token())).await;
    assert_eq!((got.status.as_u16(), got.bytes == image), (200, true));
    assert_eq!(manager.anonymous().download(&url).await.status, 401);

    let doc = with_media_url(&c, &first_message(&document)["id"]).await;
    let got = manager.download(doc["media_url"].as_str().unwrap()).await;
    assert_eq!((got.status.as_u16(), got.bytes == pdf), (200, true));
    assert_eq!(got.header("content-type").as_deref(), Some("application/pdf"));

    // Another tenant's manager, and a colleague the chat is not theirs.
    let globex = c.app.onboard_tenant("Globex").await;
    assert_eq!(globex.manager.download(&url).await.status, 404);
    let query = format!("{url}?token={}", globex.manager.token());
    assert_eq!(globex.anonymous().download(&query).await.status, 404);
    let staff = c.tenant.create_staff().await;
    c.tenant.manager.assign_to_me(&c.conversation_id).await.expect(200);
    assert_eq!(staff.client.download(&url).await.status, 404);
    c.tenant.manager.assign_to_user(&c.conversation_id, staff.id()).await.expect(200);
    let got = staff.client.download(&url).await;
    assert_eq!((got.status.as_u16(), got.bytes == image), (200, true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_that_does_not_match_metas_sha256_gets_no_media_url() {
    let c = chat().await;
    let graph = &c.app.graph;
    // video.json's hash names other bytes than the ones Meta serves.
    graph.add_media("1166846181421424", b"\x00\x00\x00\x18ftypmp42 not the video", "video/mp4");
    let good = jpeg();
    let sha = graph.add_media("1003383421387256", &good, "image/jpeg");

    let video = c.tenant.post_fixture("video", &c.placeholders()).await;
    let image = post_with_sha(&c, "image_caption", "image", &sha).await;

    // A second download means the first was refused.
    graph.wait_for_downloads("1166846181421424", 2, Duration::from_secs(10)).await;
    with_media_url(&c, &first_message(&image)["id"]).await;
    let m = c.message_where("wamid", first_message(&video)["id"].as_str().unwrap()).await;
    assert!(m["media_url"].is_null(), "a file that fails Meta's hash is not served: {m}");
    assert_eq!(m["content"]["media"]["id"], "1166846181421424", "the message itself is kept: {m}");
    let url =
        format!("/api/conversations/{}/messages/{}/media", c.conversation_id, m["id"].as_str().unwrap());
    assert_eq!(c.tenant.manager.download(&url).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_over_the_size_cap_is_not_downloaded_and_its_message_is_kept_without_media_url() {
    // One fetch at a time, in arrival order: once the second file is
    // served, the first one's fate is settled.
    let c = chat_with(|s| {
        s.whatsapp.media_max_bytes = 1024;
        s.whatsapp.media_fetch_concurrency = 1;
    })
    .await;
    let graph = &c.app.graph;
    let big = jpeg();
    assert!(big.len() > 1024);
    let big_sha = graph.add_media("1003383421387256", &big, "image/jpeg");
    let small = b"%PDF-1.7\n%%EOF\n".to_vec();
    let small_sha = graph.add_media("1003383421387258", &small, "application/pdf");

    let image = post_with_sha(&c, "image_caption", "image", &big_sha).await;
    let document = post_with_sha(&c, "document_filename", "document", &small_sha).await;

    with_media_url(&c, &first_message(&document)["id"]).await;
    let m = c.message_where("wamid", first_message(&image)["id"].as_str().unwrap()).await;
    assert!(m["media_url"].is_null(), "a file over the cap is not served: {m}");
    assert_eq!((&m["type"], &m["text"]), (&json!("image"), &json!("Is this one still available?")), "{m}");
    assert_eq!(
        m["content"]["media"],
        json!({"id": "1003383421387256", "mime_type": "image/jpeg",
        "sha256": big_sha, "caption": "Is this one still available?"}),
        "the message keeps Meta's details"
    );
    assert_eq!(graph.media_info_requests("1003383421387256").len(), 1, "looked up once, not retried");
    assert!(
        graph.downloads_of("1003383421387256").is_empty(),
        "Meta's file_size said too big: not downloaded"
    );
    let url =
        format!("/api/conversations/{}/messages/{}/media", c.conversation_id, m["id"].as_str().unwrap());
    assert_eq!(c.tenant.manager.download(&url).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_goes_to_meta_as_multipart_and_its_id_can_be_sent() {
    let c = chat().await;
    let number = c.tenant.number();
    let image = jpeg();

    let resp = c.tenant.manager.upload_media(&number.id, "navy-shoes.jpg", "image/jpeg", &image).await;

    assert!(resp.status.is_success(), "{}: {}", resp.status, resp.text);
    let id = resp.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", resp.text)).to_string();
    let uploads = c.app.graph.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:#?}");
    let upload = &uploads[0];
    assert_eq!(upload.id, id, "Meta's media id, as Meta answered it");
    assert_eq!(upload.phone_number_id, number.meta.phone_number_id);
    assert_eq!(upload.authorization.as_deref(), Some(format!("Bearer {}", number.access_token).as_str()));
    let text = |name: &str| upload.part(name).map(|p| String::from_utf8_lossy(&p.data).into_owned());
    assert_eq!(text("messaging_product").as_deref(), Some("whatsapp"));
    assert_eq!(text("type").as_deref(), Some("image/jpeg"));
    let file = upload.part("file").unwrap_or_else(|| panic!("no file part: {upload:#?}"));
    assert_eq!(file.filename.as_deref(), Some("navy-shoes.jpg"));
    assert_eq!(file.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(file.data, image, "the file, byte for byte");

    let accepted = c.send(&json!({"type": "image", "media_id": id, "caption": "In navy blue"})).await;
    let send = c.app.graph.wait_for_send_of(accepted["id"].as_str().unwrap(), WAIT).await;
    assert_eq!(send.body["image"], json!({"id": id, "caption": "In navy blue"}));

    // Another tenant cannot upload through this number.
    let globex = c.app.onboard_tenant("Globex").await;
    let resp = globex.manager.upload_media(&number.id, "x.jpg", "image/jpeg", &image).await;
    assert_eq!(resp.status, 404, "{}", resp.text);
    assert_eq!(c.app.graph.uploads().len(), 1);
}
