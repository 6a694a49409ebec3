//! Media on the Graph API: where an object can be downloaded
//! (`GET /{media-id}`), the download itself (size-capped, streamed), and
//! uploads (`POST /{phone_number_id}/media`, multipart).
//!
//! Meta's media URLs are absolute (`https://lookaside.fbsbx.com/...`), live
//! about five minutes and need the number's token like any other call.

use reqwest::multipart::{Form, Part};
use reqwest::Url;
use serde::Deserialize;
use serde_json::Value;

use super::http::{segment, transport, HttpGraph};
use super::{MediaInfo, NumberAuth};
use crate::error::GraphError;

impl HttpGraph {
    /// `GET /{version}/{media-id}?phone_number_id=...`; Meta checks the
    /// media belongs to that number.
    pub(super) async fn get_media_info(
        &self,
        auth: &NumberAuth,
        media_id: &str,
    ) -> Result<MediaInfo, GraphError> {
        let url = self.url(segment(media_id)?);
        let request = self.client.get(url).query(&[("phone_number_id", segment(&auth.phone_number_id)?)]);
        let wire: WireMediaInfo = self.json(auth, request, self.timeout).await?;
        let file_size = match &wire.file_size {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| GraphError::Decode("media file_size is not a byte count".into()))?;
        Ok(MediaInfo {
            url: wire.url,
            mime_type: wire.mime_type,
            sha256: wire.sha256,
            file_size,
            id: wire.id,
        })
    }

    /// `GET url` with the number's token, refusing more than `max_bytes`.
    pub(super) async fn get_media(
        &self,
        auth: &NumberAuth,
        url: &str,
        max_bytes: u64,
    ) -> Result<Vec<u8>, GraphError> {
        let url =
            Url::parse(url).ok().filter(|u| matches!(u.scheme(), "https" | "http")).ok_or_else(|| {
                GraphError::InvalidRequest("the media URL is not an absolute http(s) URL".into())
            })?;
        let mut response = self.send(auth, self.client.get(url), self.media_timeout).await?;
        let too_large = GraphError::TooLarge { max_bytes };
        let announced = response.content_length();
        if announced.is_some_and(|len| len > max_bytes) {
            return Err(too_large);
        }
        let mut body = Vec::with_capacity(announced.unwrap_or(0).try_into().unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| transport(e, self.media_timeout))? {
            if (body.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// `POST /{version}/{phone_number_id}/media` with the form fields Meta
    /// documents: `messaging_product=whatsapp`, `type=<mime>`, `file`.
    pub(super) async fn post_media(
        &self,
        auth: &NumberAuth,
        bytes: Vec<u8>,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, GraphError> {
        let url = self.url(&format!("{}/media", segment(&auth.phone_number_id)?));
        let file = Part::bytes(bytes)
            .file_name(filename.to_string())
            .mime_str(mime_type)
            .map_err(|_| GraphError::InvalidRequest(format!("not a mime type: {mime_type:?}")))?;
        let form = Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime_type.to_string())
            .part("file", file);
        let uploaded: Uploaded =
            self.json(auth, self.client.post(url).multipart(form), self.media_timeout).await?;
        Ok(uploaded.id)
    }
}

/// `{"messaging_product","url","mime_type","sha256","file_size","id"}`;
/// `file_size` comes as a number or, in Meta's examples, a string.
#[derive(Deserialize)]
struct WireMediaInfo {
    url: String,
    mime_type: String,
    sha256: String,
    file_size: Value,
    id: String,
}

/// `{"id": "<MEDIA_ID>"}`.
#[derive(Deserialize)]
struct Uploaded {
    id: String,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::Method;
    use axum::response::IntoResponse;
    use serde_json::json;

    use crate::graph::fake::{auth, graph, json_response, meta_error, serve, serve_json, streamed, BEARER};
    use crate::graph::GraphApi;
    use crate::{GraphError, MediaInfo};

    const MEDIA_ID: &str = "1003383421387256";

    #[tokio::test]
    async fn media_info_asks_for_the_number() {
        let answer = json!({"messaging_product": "whatsapp",
            "url": "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256&ext=1739321084&hash=ATuN",
            "mime_type": "image/jpeg",
            "sha256": "SOVPzgNiZLswe2LsMkaIS4UUMkcnNXlx2Uk9sJwbMjA=",
            "file_size": "303833",
            "id": MEDIA_ID});
        let (base, mut seen) = serve_json(200, &answer.to_string()).await;

        let info = graph(&base).media_info(&auth(), MEDIA_ID).await.unwrap();

        assert_eq!(
            info,
            MediaInfo {
                url: answer["url"].as_str().unwrap().into(),
                mime_type: "image/jpeg".into(),
                sha256: "SOVPzgNiZLswe2LsMkaIS4UUMkcnNXlx2Uk9sJwbMjA=".into(),
                file_size: 303833,
                id: MEDIA_ID.into(),
            }
        );
        let request = seen.recv().await.unwrap();
        assert_eq!(request.method, Method::GET);
        assert_eq!(request.path, "/v21.0/1003383421387256");
        assert_eq!(request.query.as_deref(), Some("phone_number_id=106540352242922"));
        assert_eq!(request.authorization.as_deref(), Some(BEARER));
    }

    #[tokio::test]
    async fn media_info_takes_a_numeric_size_and_refuses_nonsense() {
        let info = |size: serde_json::Value| {
            json!({"messaging_product": "whatsapp", "url": "https://x/y", "mime_type": "audio/ogg",
                   "sha256": "abc", "file_size": size, "id": MEDIA_ID})
            .to_string()
        };
        let (base, _seen) = serve_json(200, &info(json!(7))).await;
        assert_eq!(graph(&base).media_info(&auth(), MEDIA_ID).await.unwrap().file_size, 7);
        for bad in [json!(-1), json!("big"), json!(null)] {
            let (base, _seen) = serve_json(200, &info(bad.clone())).await;
            let err = graph(&base).media_info(&auth(), MEDIA_ID).await.unwrap_err();
            assert!(matches!(err, GraphError::Decode(_)), "{bad}: {err:?}");
        }
        let (base, _seen) = serve_json(404, &meta_error(100, "Unsupported get request.")).await;
        let err = graph(&base).media_info(&auth(), MEDIA_ID).await.unwrap_err();
        assert_eq!(err.meta_code(), Some(100));
    }

    #[tokio::test]
    async fn downloads_the_absolute_url_with_the_token() {
        let (base, mut seen) =
            serve(|_| ([("content-type", "image/jpeg")], b"\xFF\xD8jpeg".to_vec()).into_response()).await;
        let url = format!("{base}/whatsapp_business/attachments/?mid={MEDIA_ID}&ext=1739321084&hash=ATuN");

        let bytes = graph("http://graph.invalid").download_media(&auth(), &url, 6).await.unwrap();

        assert_eq!(bytes, b"\xFF\xD8jpeg");
        let request = seen.recv().await.unwrap();
        assert_eq!(request.method, Method::GET);
        assert_eq!(request.path, "/whatsapp_business/attachments/");
        assert_eq!(request.query, Some(format!("mid={MEDIA_ID}&ext=1739321084&hash=ATuN")));
        assert_eq!(request.authorization.as_deref(), Some(BEARER));
    }

    #[tokio::test]
    async fn a_announced_size_over_the_cap_is_refused() {
        let (base, _seen) = serve(|_| vec![0u8; 1000].into_response()).await;
        let err = graph(&base).download_media(&auth(), &format!("{base}/m"), 999).await.unwrap_err();
        assert_eq!(err, GraphError::TooLarge { max_bytes: 999 });
        assert!(!err.is_retryable());
    }

    #[tokio::test]
    async fn a_stream_without_a_length_is_counted() {
        let (base, _seen) = serve(|_| streamed(vec![vec![1; 400], vec![2; 400], vec![3; 400]])).await;
        let url = format!("{base}/m");

        let err = graph(&base).download_media(&auth(), &url, 1000).await.unwrap_err();
        assert_eq!(err, GraphError::TooLarge { max_bytes: 1000 });

        let bytes = graph(&base).download_media(&auth(), &url, 1200).await.unwrap();
        assert_eq!(bytes.len(), 1200);
        assert_eq!((bytes[0], bytes[400], bytes[1199]), (1, 2, 3));
    }

    #[tokio::test]
    async fn an_expired_media_url_is_metas_error() {
        let (base, _seen) = serve(|_| json_response(404, &meta_error(131052, "Media download error"))).await;
        let err = graph(&base).download_media(&auth(), &format!("{base}/m"), 10).await.unwrap_err();
        assert_eq!(err.meta_code(), Some(131052));
    }

    #[tokio::test]
    async fn a_relative_url_is_refused_unsent() {
        for url in ["/whatsapp_business/attachments/?mid=1", "lookaside.fbsbx.com/x", "file:///etc/passwd"] {
            let err = graph("http://graph.invalid").download_media(&auth(), url, 10).await.unwrap_err();
            assert!(matches!(err, GraphError::InvalidRequest(_)), "{url}: {err:?}");
        }
    }

    #[tokio::test]
    async fn uploads_a_multipart_form() {
        let (base, mut seen) = serve_json(200, r#"{"id":"1166846181421424"}"#).await;
        let graph = graph(&base).with_media_timeout(Duration::from_secs(30));

        let id = graph.upload_media(&auth(), b"\xFF\xD8jpeg".to_vec(), "image/jpeg", "shoes.jpg").await;

        assert_eq!(id.as_deref(), Ok("1166846181421424"));
        let request = seen.recv().await.unwrap();
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.path, "/v21.0/106540352242922/media");
        assert_eq!(request.query, None);
        assert_eq!(request.authorization.as_deref(), Some(BEARER));
        let content_type = request.content_type.unwrap();
        let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
        let expected = [
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"),
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nimage/jpeg\r\n"),
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"shoes.jpg\"\r\n\
                 Content-Type: image/jpeg\r\n\r\n"
            ),
        ]
        .concat()
        .into_bytes();
        let mut expected = expected;
        expected.extend_from_slice(b"\xFF\xD8jpeg");
        expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        assert_eq!(request.body.as_ref(), expected.as_slice());
    }

    #[tokio::test]
    async fn an_invalid_mime_type_is_refused_unsent() {
        let (base, mut seen) = serve_json(200, r#"{"id":"1"}"#).await;
        let err = graph(&base).upload_media(&auth(), vec![1], "not a mime", "x").await.unwrap_err();
        assert!(matches!(err, GraphError::InvalidRequest(_)), "{err:?}");
        assert!(seen.try_recv().is_err());
    }
}
