//! Test-only: the shared webhook corpus in `tests/fixtures/webhooks/`
//! (see its README), read from disk at test time, placeholders replaced,
//! every file parsed and checked against [`EXPECTED`].
//!
//! [`load`] is also the seed of the property tests in `props`.

use std::collections::HashSet;
use std::path::PathBuf;

use super::{parse_notification, Content, DeliveryStatus, Notification};

/// What every placeholder becomes here.
const SUBSTITUTIONS: [(&str, &str); 7] = [
    ("PHONE_NUMBER_ID", "106540352242922"),
    ("DISPLAY_NUMBER", "15550783881"),
    ("TIMESTAMP", "1739321024"),
    ("OUTBOUND_WAMID", OUTBOUND_WAMID),
    ("CALLBACK_DATA", "outbox:0190a1b2-7c3d"),
    ("OTHER_NUMBER_ID", "106540352242923"),
    ("OTHER_DISPLAY", "15550783882"),
];

const OUTBOUND_WAMID: &str = "wamid.HBgLMTYzMTU1NTExODEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA";

/// File name -> what it carries, in order: each message's content type,
/// then `status:<status>` for each status, change by change.
const EXPECTED: &[(&str, &[&str])] = &[
    ("audio_voice.json", &["audio"]),
    ("batch.json", &["text", "image", "text", "status:delivered", "status:read", "text", "status:sent"]),
    ("button_quick_reply.json", &["button"]),
    ("contacts.json", &["contacts"]),
    ("document_filename.json", &["document"]),
    ("forwarded.json", &["text"]),
    ("image_caption.json", &["image"]),
    ("interactive_button_reply.json", &["interactive"]),
    ("interactive_list_reply.json", &["interactive"]),
    ("location.json", &["location"]),
    ("order.json", &["order"]),
    ("reaction.json", &["reaction"]),
    ("reaction_removed.json", &["reaction"]),
    ("referral_ad.json", &["text"]),
    ("reply_context.json", &["text"]),
    ("status_callback.json", &["status:delivered"]),
    ("status_delivered.json", &["status:delivered"]),
    ("status_failed.json", &["status:failed"]),
    ("status_read.json", &["status:read"]),
    ("status_sent.json", &["status:sent"]),
    ("status_sent_callback.json", &["status:sent"]),
    ("sticker.json", &["sticker"]),
    ("system_changed_number.json", &["system"]),
    ("text.json", &["text"]),
    ("unknown_type.json", &["poll_vote"]),
    ("unsupported.json", &["unsupported"]),
    ("video.json", &["video"]),
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/webhooks")
}

/// Every fixture as `(file name, raw text)`, sorted by name.
pub(super) fn load_raw() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir())
        .expect("tests/fixtures/webhooks")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Every fixture with its placeholders replaced.
pub(super) fn load() -> Vec<(String, String)> {
    load_raw().into_iter().map(|(name, raw)| (name, substitute(&raw))).collect()
}

fn substitute(raw: &str) -> String {
    SUBSTITUTIONS.iter().fold(raw.to_string(), |text, (from, to)| text.replace(from, to))
}

fn parse(name: &str) -> Notification {
    let (_, body) = load().into_iter().find(|(n, _)| n == name).unwrap();
    parse_notification(body.as_bytes()).unwrap()
}

/// What a notification carries, in [`EXPECTED`]'s terms.
fn kinds(n: &Notification) -> Vec<String> {
    let values = n.entries.iter().flat_map(|e| &e.changes).map(|c| &c.value);
    values
        .flat_map(|v| {
            let messages = v.messages.iter().map(|m| m.content.type_name().to_string());
            messages.chain(v.statuses.iter().map(|s| format!("status:{}", s.status.as_str())))
        })
        .collect()
}

#[test]
fn every_fixture_parses_as_its_table_says() {
    let files = load();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let table: Vec<&str> = EXPECTED.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, table, "every fixture is in EXPECTED and every entry has a file");
    for ((name, body), (_, expected)) in files.iter().zip(EXPECTED) {
        let n = parse_notification(body.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(kinds(&n), *expected, "{name}");
        let placeholders = SUBSTITUTIONS.iter().filter(|(p, _)| body.contains(p)).count();
        assert_eq!(placeholders, 0, "{name} still holds a placeholder");
    }
}

#[test]
fn raw_fixtures_are_refused_until_substituted() {
    for (name, raw) in load_raw() {
        assert!(parse_notification(raw.as_bytes()).is_err(), "{name} parsed with TIMESTAMP in it");
    }
}

#[test]
fn every_fixture_round_trips_through_bincode() {
    let config = bincode::config::standard();
    for (name, body) in load() {
        let n = parse_notification(body.as_bytes()).unwrap();
        let bytes = bincode::serde::encode_to_vec(&n, config).unwrap();
        let (back, used): (Notification, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!((back, used), (n, bytes.len()), "{name}");
    }
}

#[test]
fn inbound_wamids_are_unique_and_heads_are_substituted() {
    let mut seen = HashSet::new();
    for (name, body) in load() {
        let n = parse_notification(body.as_bytes()).unwrap();
        for value in n.entries.iter().flat_map(|e| &e.changes).map(|c| &c.value) {
            assert!(["106540352242922", "106540352242923"].contains(&value.phone_number_id.as_str()));
            for m in &value.messages {
                assert!(seen.insert(m.wamid.clone()), "{name}: {} twice", m.wamid);
                assert_eq!(m.timestamp, 1739321024, "{name}");
                assert!(["16315551181", "16315551199"].contains(&m.from.as_str()), "{name}");
            }
            for s in &value.statuses {
                assert_eq!((s.timestamp, s.recipient_id.as_str()), (1739321024, "16315551181"), "{name}");
            }
        }
    }
}

#[test]
fn statuses_keep_errors_and_callback_data() {
    let n = parse("status_callback.json");
    let s = &n.entries[0].changes[0].value.statuses[0];
    assert_eq!((s.wamid.as_str(), s.status.clone()), (OUTBOUND_WAMID, DeliveryStatus::Delivered));
    assert_eq!(s.biz_opaque_callback_data.as_deref(), Some("outbox:0190a1b2-7c3d"));

    let n = parse("status_failed.json");
    let s = &n.entries[0].changes[0].value.statuses[0];
    assert_eq!(s.biz_opaque_callback_data, None);
    let e = &s.errors[0];
    assert_eq!(
        (e.code, e.title.as_deref(), e.details.as_deref()),
        (131026, Some("Message undeliverable"), Some("Message Undeliverable."))
    );
}

#[test]
fn context_referral_and_reactions_point_where_they_should() {
    let message = |name: &str| parse(name).entries[0].changes[0].value.messages[0].clone();

    let reply = message("reply_context.json").context.unwrap();
    assert_eq!((reply.from.as_deref(), reply.id.as_deref()), (Some("15550783881"), Some(OUTBOUND_WAMID)));
    assert!(!reply.forwarded);
    let forwarded = message("forwarded.json").context.unwrap();
    assert!(forwarded.forwarded && forwarded.frequently_forwarded && forwarded.id.is_none());
    for tap in ["interactive_button_reply.json", "interactive_list_reply.json", "button_quick_reply.json"] {
        assert_eq!(message(tap).context.and_then(|c| c.id).as_deref(), Some(OUTBOUND_WAMID), "{tap}");
    }

    let referral = message("referral_ad.json").referral.unwrap();
    assert_eq!(
        (referral.source_type.as_deref(), referral.media_type.as_deref()),
        (Some("ad"), Some("image"))
    );
    assert!(referral.ctwa_clid.unwrap().starts_with("ARAk"));

    let reaction = |name| message(name).content;
    assert_eq!(
        reaction("reaction.json"),
        Content::Reaction { message_wamid: OUTBOUND_WAMID.into(), emoji: Some("\u{1F44D}".into()) }
    );
    assert_eq!(
        reaction("reaction_removed.json"),
        Content::Reaction { message_wamid: OUTBOUND_WAMID.into(), emoji: None }
    );
    let Content::System { new_wa_id, .. } = message("system_changed_number.json").content else {
        panic!("not system")
    };
    assert_eq!(new_wa_id.as_deref(), Some("16315551182"));
    let Content::Document { filename, media } = message("document_filename.json").content else {
        panic!("not a document")
    };
    assert_eq!(
        (filename.as_deref(), media.caption.as_deref()),
        (Some("lucky-shrub-invoice.pdf"), Some("My receipt"))
    );
    let Content::Audio { voice, .. } = message("audio_voice.json").content else { panic!("not audio") };
    assert!(voice);
}

#[test]
fn the_batch_names_both_numbers_and_their_customers() {
    let n = parse("batch.json");
    let first = &n.entries[0].changes[0].value;
    let second = &n.entries[1].changes[0].value;
    assert_eq!(
        (first.display_phone_number.as_str(), second.display_phone_number.as_str()),
        ("15550783881", "15550783882")
    );
    assert_eq!(first.profile_name("16315551199"), Some("Kerry Fisher"));
    assert_eq!(first.messages[1].from, "16315551199");
    assert!(first.statuses.iter().all(|s| s.wamid == OUTBOUND_WAMID));
    assert_ne!(second.statuses[0].wamid, OUTBOUND_WAMID);
}
