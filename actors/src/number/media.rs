//! Downloading a customer's media: ask the Graph API where the file is
//! (`GET /{media-id}`), download it with the number's token (size-capped),
//! check it against Meta's SHA-256, store it content-addressed, and tell the
//! conversation. Runs in tasks, a few at a time per number, with retries;
//! a file that cannot be fetched leaves the message without `media_url`.
//! A file over `media_max_bytes` is not downloaded at all when Meta's
//! `file_size` says so, and never retried: it will not get smaller.

use std::sync::Arc;
use std::time::Duration;

use ractor::ActorRef;
use tenants::{ConversationId, MessageId};
use tokio::sync::Semaphore;
use whatsapp::{GraphError, NumberAuth};

use crate::conversation::record::StoredMedia;
use crate::conversation::ConversationMsg;
use crate::ctx::Ctx;
use crate::number::NumberMsg;
use crate::store::media::matches_meta_sha256;

/// Attempts per file.
const ATTEMPTS: u32 = 3;

/// One file to fetch.
pub(crate) struct Fetch {
    pub conversation: ConversationId,
    pub message: MessageId,
    pub media_id: String,
    /// Meta's hash from the webhook, when it gave one.
    pub sha256: Option<String>,
}

/// Fetches in the background; reports to `number` when stored.
pub(crate) fn spawn(
    ctx: Ctx,
    auth: Arc<NumberAuth>,
    limit: Arc<Semaphore>,
    number: ActorRef<NumberMsg>,
    f: Fetch,
) {
    tokio::spawn(async move {
        let Ok(_permit) = limit.acquire_owned().await else { return };
        for attempt in 1..=ATTEMPTS {
            match fetch(&ctx, &auth, &f).await {
                Ok(stored) => {
                    let msg = ConversationMsg::MediaStored(f.message, stored);
                    let _ = number.cast(NumberMsg::Route(f.conversation, msg));
                    return;
                }
                Err(e) => {
                    tracing::warn!(message.id = %f.message, attempt, error = %e.reason, "media download failed");
                    if !e.retry {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
            }
        }
    });
}

/// Why a fetch failed, and whether another attempt could succeed.
struct Failed {
    reason: String,
    retry: bool,
}

impl Failed {
    fn retry(reason: impl ToString) -> Self {
        Self { reason: reason.to_string(), retry: true }
    }
}

impl From<GraphError> for Failed {
    fn from(e: GraphError) -> Self {
        Self { reason: e.reason(), retry: e.is_retryable() }
    }
}

async fn fetch(ctx: &Ctx, auth: &NumberAuth, f: &Fetch) -> Result<StoredMedia, Failed> {
    let max_bytes = ctx.settings.media_max_bytes;
    let info = ctx.graph.media_info(auth, &f.media_id).await?;
    if info.file_size > max_bytes {
        return Err(GraphError::TooLarge { max_bytes }.into());
    }
    let bytes = ctx.graph.download_media(auth, &info.url, max_bytes).await?;
    let expected = f.sha256.as_deref().filter(|s| !s.is_empty()).unwrap_or(&info.sha256);
    if !expected.is_empty() && !matches_meta_sha256(&bytes, expected) {
        // Perhaps damaged on the way: another download may match.
        return Err(Failed::retry("the file does not match Meta's sha256"));
    }
    let size = bytes.len() as u64;
    let store = ctx.media.clone();
    let sha256 = tokio::task::spawn_blocking(move || store.put(&bytes))
        .await
        .map_err(Failed::retry)?
        .map_err(Failed::retry)?;
    Ok(StoredMedia { sha256, size, mime_type: info.mime_type })
}
