//! Test-only property tests: [`parse_notification`] never panics, whatever
//! the body, and whatever it accepts survives a bincode round trip of its
//! domain types (they are stored that way by the `actors` crate).
//!
//! Three kinds of input: arbitrary bytes; JSON shaped like Meta's, where
//! any level may be swapped for random JSON built from Meta's own keys
//! with random types; and the fixture corpus with one node replaced or
//! removed at random.

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};

use super::{corpus, parse_notification, Notification};

/// The keys Meta's webhook JSON uses, for random objects.
const KEYS: &[&str] = &[
    "object",
    "entry",
    "id",
    "changes",
    "field",
    "value",
    "messaging_product",
    "metadata",
    "display_phone_number",
    "phone_number_id",
    "contacts",
    "profile",
    "name",
    "wa_id",
    "messages",
    "statuses",
    "errors",
    "from",
    "timestamp",
    "type",
    "text",
    "body",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "latitude",
    "longitude",
    "address",
    "url",
    "contacts",
    "interactive",
    "button_reply",
    "list_reply",
    "title",
    "description",
    "button",
    "payload",
    "reaction",
    "message_id",
    "emoji",
    "order",
    "catalog_id",
    "product_items",
    "product_retailer_id",
    "quantity",
    "item_price",
    "currency",
    "system",
    "new_wa_id",
    "referral",
    "source_url",
    "source_type",
    "source_id",
    "headline",
    "media_type",
    "ctwa_clid",
    "context",
    "forwarded",
    "frequently_forwarded",
    "status",
    "recipient_id",
    "code",
    "title",
    "message",
    "error_data",
    "details",
    "biz_opaque_callback_data",
    "caption",
    "filename",
    "mime_type",
    "sha256",
    "voice",
    "animated",
    "unsupported",
    "conversation",
    "pricing",
];

/// Strings Meta's JSON holds, so random values sometimes mean something.
const WORDS: &[&str] = &[
    "whatsapp_business_account",
    "messages",
    "whatsapp",
    "text",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "button_reply",
    "list_reply",
    "button",
    "reaction",
    "order",
    "system",
    "unsupported",
    "sent",
    "delivered",
    "read",
    "failed",
    "1739321024",
    "2",
    "7.99",
    "-1",
    "",
    "wamid.x",
    "16315551181",
    "\u{1F600}",
];

fn message_type() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => prop::sample::select(WORDS).prop_map(str::to_string),
        1 => "[a-z_]{0,12}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
        ".{0,16}".prop_map(Value::String),
    ]
}

/// Random JSON whose objects use Meta's keys, with random types.
fn random_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|pairs| Value::Object(
                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

/// `shaped` most of the time, random JSON sometimes.
fn or_random(shaped: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![6 => shaped, 1 => random_json()].boxed()
}

fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>())
}

/// Mostly what Meta sends, sometimes any leaf.
fn mostly(valid: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![4 => valid, 1 => leaf()].boxed()
}

fn message() -> BoxedStrategy<Value> {
    let from = mostly("[0-9]{1,15}".prop_map(Value::String));
    let timestamp = mostly(prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(|t| Value::String(t.to_string())),
    ]);
    let shaped = (message_type(), random_json(), random_json(), from, timestamp).prop_map(
        |(kind, content, context, from, timestamp)| {
            object(vec![
                ("from", from),
                ("id", Value::from("wamid.p")),
                ("timestamp", timestamp),
                ("type", Value::from(kind.clone())),
                (&kind, content),
                ("context", context),
            ])
        },
    );
    or_random(shaped)
}

fn status() -> BoxedStrategy<Value> {
    let shaped =
        (prop::sample::select(WORDS), random_json(), leaf()).prop_map(|(status, errors, callback)| {
            object(vec![
                ("id", Value::from("wamid.s")),
                ("status", Value::from(status)),
                ("timestamp", Value::from("1739321024")),
                ("errors", errors),
                ("biz_opaque_callback_data", callback),
            ])
        });
    or_random(shaped)
}

fn change() -> BoxedStrategy<Value> {
    let value = (
        or_random(
            mostly("[0-9]{1,15}".prop_map(Value::String))
                .prop_map(|id| object(vec![("phone_number_id", id)])),
        ),
        prop::collection::vec(random_json(), 0..3),
        prop::collection::vec(message(), 0..4),
        prop::collection::vec(status(), 0..3),
    )
        .prop_map(|(metadata, contacts, messages, statuses)| {
            object(vec![
                ("metadata", metadata),
                ("contacts", Value::Array(contacts)),
                ("messages", Value::Array(messages)),
                ("statuses", Value::Array(statuses)),
            ])
        });
    let shaped = (prop_oneof![4 => Just("messages".to_string()), 1 => "[a-z_]{0,10}"], or_random(value))
        .prop_map(|(field, value)| object(vec![("field", Value::from(field)), ("value", value)]));
    or_random(shaped)
}

fn notification() -> impl Strategy<Value = Value> {
    let entry = prop::collection::vec(change(), 0..3)
        .prop_map(|changes| object(vec![("id", Value::from("1")), ("changes", Value::Array(changes))]));
    let shaped = prop::collection::vec(or_random(entry), 1..3).prop_map(|entries| {
        object(vec![("object", Value::from("whatsapp_business_account")), ("entry", Value::Array(entries))])
    });
    or_random(shaped)
}

/// Every JSON pointer in `value`, the root included.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| pointers(v, format!("{at}/{k}"), out)),
        Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| pointers(v, format!("{at}/{i}"), out))
        }
        _ => {}
    }
    out.push(at);
}

/// Parses `body`; if accepted, the notification must survive bincode.
fn check(body: &[u8]) -> Result<(), TestCaseError> {
    let Ok(notification) = parse_notification(body) else { return Ok(()) };
    let config = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(&notification, config).unwrap();
    let (back, used): (Notification, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
    prop_assert_eq!(used, bytes.len());
    prop_assert_eq!(back, notification);
    Ok(())
}

proptest! {
    // Cheap cases (well under a millisecond each): run many.
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&body)?;
    }

    #[test]
    fn meta_shaped_json_never_panics(value in notification()) {
        check(value.to_string().as_bytes())?;
    }

    #[test]
    fn mutated_fixtures_never_panic(
        file in any::<Index>(),
        node in any::<Index>(),
        replacement in prop::option::of(random_json()),
    ) {
        let fixtures = corpus::load();
        let (_, body) = file.get(&fixtures);
        let mut value: Value = serde_json::from_str(body).unwrap();
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        let pointer = node.get(&all).clone();
        match (replacement, pointer.rsplit_once('/')) {
            (Some(new), _) => match value.pointer_mut(&pointer) {
                Some(slot) => *slot = new,
                None => unreachable!("{pointer} was listed"),
            },
            (None, Some((parent, key))) => match value.pointer_mut(parent) {
                Some(Value::Object(map)) => { map.remove(key); }
                Some(Value::Array(items)) => { items.remove(key.parse::<usize>().unwrap()); }
                _ => {}
            },
            (None, None) => value = Value::Null,
        }
        check(value.to_string().as_bytes())?;
    }
}

#[test]
fn the_shaped_strategy_is_often_accepted() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = notification();
    let accepted = (0..300)
        .filter(|_| {
            let value = strategy.new_tree(&mut runner).unwrap().current();
            parse_notification(value.to_string().as_bytes()).is_ok_and(|n| !n.entries.is_empty())
        })
        .count();
    assert!(accepted >= 50, "only {accepted} of 300 shaped bodies were accepted: the property tests little");
}
