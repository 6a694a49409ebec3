//! Media messages: image, video, audio, document and sticker, sent by the
//! id of an upload (`POST /{phone_number_id}/media`) or by a public link.
//!
//! Meta's rules: a caption (at most 1024 characters) only on images,
//! videos and documents; a filename only on documents; a link must be
//! HTTP or HTTPS.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::Check;
use super::envelope;
use crate::error::OutboundError;

/// Meta's limit on a media caption.
const CAPTION_MAX: usize = 1024;

/// Which media message: also the name of the body's object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
    Sticker,
}

impl MediaKind {
    /// Meta's `type`: `"image"`, `"video"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }

    fn takes_caption(self) -> bool {
        matches!(self, MediaKind::Image | MediaKind::Video | MediaKind::Document)
    }
}

/// Where WhatsApp gets the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediaSource {
    /// A media id from an upload: preferred, Meta fetches nothing.
    Id(String),
    /// An HTTP(S) URL WhatsApp downloads from.
    Link(String),
}

/// A media message. Every problem is reported: a caption on audio or a
/// sticker, a filename on anything but a document, a caption over 1024
/// characters, an empty id, a link that is not HTTP(S).
pub fn media(
    to: &str,
    kind: MediaKind,
    source: MediaSource,
    caption: Option<&str>,
    filename: Option<&str>,
    reply_to: Option<&str>,
    callback: Option<&str>,
) -> Result<Value, OutboundError> {
    let mut check = Check::default();
    let name = kind.as_str();
    let mut content = match &source {
        MediaSource::Id(id) => {
            check.required(&format!("{name}.id"), id);
            json!({ "id": id })
        }
        MediaSource::Link(link) => {
            let lower = link.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                check.problem(format!("{name}.link"), "must be an HTTP or HTTPS URL");
            }
            json!({ "link": link })
        }
    };
    if let Some(caption) = caption {
        if kind.takes_caption() {
            check.text(&format!("{name}.caption"), caption, CAPTION_MAX);
        } else {
            check
                .problem(format!("{name}.caption"), "Meta allows captions on image, video and document only");
        }
        content["caption"] = json!(caption);
    }
    if let Some(filename) = filename {
        if kind == MediaKind::Document {
            check.required("document.filename", filename);
        } else {
            check.problem(format!("{name}.filename"), "Meta allows a filename on document only");
        }
        content["filename"] = json!(filename);
    }
    let message = envelope(&mut check, to, name, content, reply_to, callback);
    check.finish(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TO: &str = "16505551234";

    fn paths(err: OutboundError) -> Vec<String> {
        err.problems.into_iter().map(|p| p.path).collect()
    }

    #[test]
    fn image_by_id_with_caption_is_metas_shape() {
        let body = media(
            TO,
            MediaKind::Image,
            MediaSource::Id("1479537139650973".into()),
            Some("The best succulent ever?"),
            None,
            None,
            Some("outbox:1"),
        );
        assert_eq!(
            body.unwrap(),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "type": "image",
                "image": {"id": "1479537139650973", "caption": "The best succulent ever?"},
                "biz_opaque_callback_data": "outbox:1"
            })
        );
    }

    #[test]
    fn document_by_link_with_filename_is_metas_shape() {
        let body = media(
            TO,
            MediaKind::Document,
            MediaSource::Link(
                "https://www.luckyshrub.com/invoices/FmOzfD9cKf/lucky-shrub-invoice.pdf".into(),
            ),
            Some("Lucky Shrub Invoice"),
            Some("lucky-shrub-invoice.pdf"),
            Some("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA="),
            None,
        );
        assert_eq!(
            body.unwrap(),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "16505551234",
                "context": {"message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA="},
                "type": "document",
                "document": {
                    "link": "https://www.luckyshrub.com/invoices/FmOzfD9cKf/lucky-shrub-invoice.pdf",
                    "caption": "Lucky Shrub Invoice",
                    "filename": "lucky-shrub-invoice.pdf"
                }
            })
        );
    }

    #[test]
    fn audio_video_and_sticker_are_metas_shape() {
        for (kind, name) in
            [(MediaKind::Audio, "audio"), (MediaKind::Video, "video"), (MediaKind::Sticker, "sticker")]
        {
            let body = media(TO, kind, MediaSource::Id("1013859600285441".into()), None, None, None, None);
            assert_eq!(
                body.unwrap(),
                json!({
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    "to": "16505551234",
                    "type": name,
                    name: {"id": "1013859600285441"}
                })
            );
        }
    }

    #[test]
    fn captions_and_filenames_only_where_meta_allows_them() {
        let id = || MediaSource::Id("1".into());
        let err = media(TO, MediaKind::Audio, id(), Some("hi"), Some("a.ogg"), None, None).unwrap_err();
        assert_eq!(paths(err), ["audio.caption", "audio.filename"]);
        let err = media(TO, MediaKind::Sticker, id(), Some("hi"), None, None, None).unwrap_err();
        assert_eq!(paths(err), ["sticker.caption"]);
        let err = media(TO, MediaKind::Image, id(), None, Some("a.jpg"), None, None).unwrap_err();
        assert_eq!(paths(err), ["image.filename"]);
        assert!(media(TO, MediaKind::Video, id(), Some(&"v".repeat(1024)), None, None, None).is_ok());
        let err = media(TO, MediaKind::Video, id(), Some(&"v".repeat(1025)), None, None, None).unwrap_err();
        assert_eq!(err.problems[0].message, "at most 1024 characters (Meta's limit), got 1025");
    }

    #[test]
    fn sources_must_be_usable() {
        let err = media(TO, MediaKind::Image, MediaSource::Id(String::new()), None, None, None, None);
        assert_eq!(paths(err.unwrap_err()), ["image.id"]);
        for link in ["ftp://x/y.jpg", "/local.jpg", "javascript:alert(1)"] {
            let err = media(TO, MediaKind::Image, MediaSource::Link(link.into()), None, None, None, None);
            assert_eq!(paths(err.unwrap_err()), ["image.link"], "{link}");
        }
        let ok =
            media(TO, MediaKind::Image, MediaSource::Link("HTTP://x/y.jpg".into()), None, None, None, None);
        assert!(ok.is_ok());
    }
}
