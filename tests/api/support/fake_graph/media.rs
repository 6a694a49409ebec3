//! The fake's media endpoints: `GET /{version}/{media-id}` (where a file
//! can be downloaded, with its hash and size), the download itself
//! (`/whatsapp_business/attachments/?mid=...`, bearer token required, as
//! Meta's `lookaside` URLs are), and uploads
//! (`POST /{version}/{phone_number_id}/media`, multipart), which become
//! media the fake can serve back.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{meta_error, target, FakeGraph, RecordedRequest, Shared};

/// One part of a multipart form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    /// `name=` of its `Content-Disposition`.
    pub name: String,
    /// `filename=`, for files.
    pub filename: Option<String>,
    /// Its own `Content-Type`, for files.
    pub content_type: Option<String>,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// A media upload (`POST /{version}/{phone_number_id}/media`).
#[derive(Debug, Clone)]
pub struct Upload {
    /// The number it was uploaded for.
    pub phone_number_id: String,
    /// The `Authorization` header, verbatim.
    pub authorization: Option<String>,
    /// The form, in order.
    pub parts: Vec<FormPart>,
    /// The media id the fake answered.
    pub id: String,
}

impl Upload {
    /// The part named `name`.
    pub fn part(&self, name: &str) -> Option<&FormPart> {
        self.parts.iter().find(|p| p.name == name)
    }
}

/// A file the fake serves as Meta's media.
#[derive(Debug, Clone)]
pub(super) struct MediaFile {
    /// The file.
    pub(super) bytes: Vec<u8>,
    /// Its type, as `GET /{media-id}` reports it and the download serves it.
    pub(super) mime_type: String,
    /// What `GET /{media-id}` reports.
    pub(super) sha256: String,
}

/// The SHA-256 of `bytes` in lowercase hex (as `GET /{media-id}` gives it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The SHA-256 of `bytes` in standard base64 (as webhooks give it).
pub fn sha256_base64(bytes: &[u8]) -> String {
    base64(&Sha256::digest(bytes))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl FakeGraph {
    /// Serves `bytes` as media `id` of type `mime_type`; `GET /{id}`
    /// reports their real hash (hex). Returns that hash in base64, as a
    /// webhook would carry it.
    pub fn add_media(&self, id: &str, bytes: &[u8], mime_type: &str) -> String {
        self.add_media_reporting(id, bytes, mime_type, &sha256_hex(bytes));
        sha256_base64(bytes)
    }

    /// Serves `bytes` as media `id`, with `GET /{id}` reporting `sha256`.
    pub fn add_media_reporting(&self, id: &str, bytes: &[u8], mime_type: &str, sha256: &str) {
        let file = MediaFile { bytes: bytes.to_vec(), mime_type: mime_type.into(), sha256: sha256.into() };
        self.shared.lock().media.insert(id.to_string(), file);
    }

    /// The `GET /{version}/{media_id}` lookups of `media_id` so far.
    pub fn media_info_requests(&self, media_id: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "GET" && media_info_target(&r.path) == Some(media_id))
            .collect()
    }

    /// The downloads of `media_id`'s URL so far.
    pub fn downloads_of(&self, media_id: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == DOWNLOAD_PATH && r.query_param("mid").as_deref() == Some(media_id))
            .collect()
    }

    /// The media uploads so far.
    pub fn uploads(&self) -> Vec<Upload> {
        self.shared.lock().uploads.clone()
    }
}

/// Where the fake's media URLs point (Meta's `lookaside` path).
pub(super) const DOWNLOAD_PATH: &str = "/whatsapp_business/attachments/";

/// `/{version}/{media-id}` -> `media-id`.
pub(super) fn media_info_target(path: &str) -> Option<&str> {
    let mut parts = path.trim_start_matches('/').split('/');
    let (version, id) = (parts.next()?, parts.next()?);
    (parts.next().is_none() && version.starts_with('v') && !id.is_empty()).then_some(id)
}

/// `POST /{version}/{phone_number_id}/media`: keeps the file as media the
/// fake can serve, answers its id.
pub(super) fn upload(shared: &Shared, request: &RecordedRequest) -> Response {
    let Some(parts) = request.content_type.as_deref().and_then(|ct| parse_multipart(ct, &request.raw)) else {
        return meta_error(400, 100, "(#100) The parameter file is required.");
    };
    let id = format!("{}", 1_700_000_000_000_000 + shared.next());
    let file = parts.iter().find(|p| p.name == "file").cloned();
    let mime = parts.iter().find(|p| p.name == "type").map(|p| String::from_utf8_lossy(&p.data).into_owned());
    let mut inner = shared.lock();
    if let (Some(file), Some(mime)) = (file, mime) {
        let sha256 = sha256_hex(&file.data);
        inner.media.insert(id.clone(), MediaFile { bytes: file.data, mime_type: mime, sha256 });
    }
    let phone_number_id =
        target(&request.path, "media").map(|(_, pnid)| pnid.to_string()).unwrap_or_default();
    inner.uploads.push(Upload {
        phone_number_id,
        authorization: request.authorization.clone(),
        parts,
        id: id.clone(),
    });
    Json(json!({ "id": id })).into_response()
}

/// `GET /{version}/{media-id}`.
pub(super) fn media_info(shared: &Shared, request: &RecordedRequest) -> Response {
    let id = media_info_target(&request.path).unwrap_or_default();
    let Some(file) = shared.lock().media.get(id).cloned() else {
        let message = format!("Unsupported get request. Object with ID '{id}' does not exist");
        return meta_error(400, 100, &message);
    };
    Json(json!({
        "messaging_product": "whatsapp",
        "url": format!("{}{DOWNLOAD_PATH}?mid={id}&ext=1739321084&hash=ATuNfakeHash", shared.url),
        "mime_type": file.mime_type,
        "sha256": file.sha256,
        "file_size": file.bytes.len(),
        "id": id,
    }))
    .into_response()
}

/// `GET /whatsapp_business/attachments/?mid=...`: the bytes, to a caller
/// with a bearer token.
pub(super) fn download(shared: &Shared, request: &RecordedRequest) -> Response {
    if !request.authorization.as_deref().is_some_and(|a| a.starts_with("Bearer ")) {
        return meta_error(401, 190, "An access token is required to request this resource.");
    }
    let id = request.query_param("mid").unwrap_or_default();
    match shared.lock().media.get(&id) {
        Some(file) => ([("content-type", file.mime_type.clone())], file.bytes.clone()).into_response(),
        None => meta_error(404, 131052, "Media download error"),
    }
}

/// A `multipart/form-data` body into its parts; `None` when it is not one.
fn parse_multipart(content_type: &str, body: &[u8]) -> Option<Vec<FormPart>> {
    let boundary =
        content_type.split(';').map(str::trim).find_map(|p| p.strip_prefix("boundary="))?.trim_matches('"');
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = body.strip_prefix(delimiter.as_slice())?;
    while !rest.starts_with(b"--") {
        rest = rest.strip_prefix(b"\r\n")?;
        let end = find(rest, &delimiter)?;
        let part = rest[..end].strip_suffix(b"\r\n")?;
        let split = find(part, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&part[..split]).into_owned();
        let data = part[split + 4..].to_vec();
        let mut form = FormPart { name: String::new(), filename: None, content_type: None, data };
        for line in head.split("\r\n") {
            let (key, value) = line.split_once(':')?;
            if key.eq_ignore_ascii_case("content-type") {
                form.content_type = Some(value.trim().to_string());
            } else if key.eq_ignore_ascii_case("content-disposition") {
                for param in value.split(';').map(str::trim) {
                    if let Some(v) = param.strip_prefix("name=") {
                        form.name = v.trim_matches('"').to_string();
                    } else if let Some(v) = param.strip_prefix("filename=") {
                        form.filename = Some(v.trim_matches('"').to_string());
                    }
                }
            }
        }
        parts.push(form);
        rest = &rest[end + delimiter.len()..];
    }
    Some(parts)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_standard_with_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn multipart_bodies_are_split_into_parts() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nimage/jpeg\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xFF\xD8\r\n\r\n--XyZ--\r\n";
        let parts = parse_multipart("multipart/form-data; boundary=XyZ", body).expect("a form");
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].data.as_slice()), ("type", &b"image/jpeg"[..]));
        assert_eq!(parts[1].filename.as_deref(), Some("a.jpg"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(parts[1].data, b"\xFF\xD8\r\n");
    }
}
