//! Media: downloading a chat's stored files (for agents who may see the
//! chat) and uploading a file to Meta to send it.
//!
//! Browsers cannot put a bearer header on `<img src>`, so the download also
//! takes the token as `?token=`. Files are served with their stored MIME
//! type, `nosniff`, and as attachments unless they are images, audio or
//! video, so a customer's file can never run as a page of ours.

use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use tenants::MessageId;

use super::locate;
use crate::auth::{authenticate, TenantScope};
use crate::error::{ApiError, Json};
use crate::state::AppState;

/// `?token=` for media tags.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The caller, from the bearer header or `?token=`.
async fn scope_of(
    state: &AppState,
    headers: &HeaderMap,
    token: Option<String>,
) -> Result<TenantScope, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let token = bearer.or(token).ok_or(ApiError::Unauthenticated)?;
    let principal = authenticate(state, &token).await?;
    let tenant_id = principal.tenant_id.ok_or(ApiError::Forbidden("this needs a tenant user"))?;
    Ok(TenantScope { principal, tenant_id })
}

/// `GET /api/conversations/{id}/messages/{message_id}/media`
pub async fn download(
    State(state): State<AppState>,
    Path((id, message_id)): Path<(String, String)>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let scope = scope_of(&state, &headers, q.token).await?;
    let (number, record) = locate(&state, &scope, &id).await?;
    let message: MessageId = ApiError::parse_id(&message_id)?;
    let (media, filename) = number.media_of(record.id, message).await?;
    let path = state.system.media().path(&media.sha256).ok_or(ApiError::NotFound)?;
    let file = tokio::fs::File::open(&path).await.map_err(|_| ApiError::NotFound)?;
    let inline = ["image/", "audio/", "video/"].iter().any(|p| media.mime_type.starts_with(p));
    let name = filename.unwrap_or_else(|| media.sha256.clone()).replace(['"', '\\', '\r', '\n'], "_");
    let disposition = if inline {
        format!("inline; filename=\"{name}\"")
    } else {
        format!("attachment; filename=\"{name}\"")
    };
    let body = Body::from_stream(tokio_util_stream(file));
    Ok((
        [
            (header::CONTENT_TYPE, media.mime_type),
            (header::CONTENT_LENGTH, media.size.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, max-age=86400, immutable".to_string()),
        ],
        body,
    )
        .into_response())
}

/// A file as a stream of chunks.
fn tokio_util_stream(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send + 'static {
    futures::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(axum::body::Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    })
}

/// `POST /api/numbers/{number_id}/media` (multipart, field `file`): uploads
/// to Meta; answers `{"id"}` to use as `media_id` in a message.
pub async fn upload(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(number_id): Path<String>,
    mut form: Multipart,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let number = crate::routes::tenant::numbers::number_of(&state, scope.tenant_id, &number_id)?;
    while let Some(field) =
        form.next_field().await.map_err(|e| ApiError::bad_request("invalid_upload", e.body_text()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("upload").to_string();
        let mime = field.content_type().unwrap_or("application/octet-stream").to_string();
        let bytes =
            field.bytes().await.map_err(|e| ApiError::bad_request("invalid_upload", e.body_text()))?;
        let media_id = number.upload_media(bytes.to_vec(), &mime, &filename).await?;
        return Ok((
            StatusCode::CREATED,
            Json(json!({ "id": media_id, "mime_type": mime, "filename": filename })),
        ));
    }
    Err(ApiError::bad_request("invalid_upload", "send the file in a multipart field named \"file\""))
}
