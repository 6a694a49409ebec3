//! Test-only webhook bodies, written from Meta's documented payload shapes
//! (developers.facebook.com, WhatsApp Cloud API webhooks reference) with
//! the example values Meta uses there.

/// Meta's text message example.
pub const TEXT: &str = r#"{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
        "messages": [{
          "from": "16505551234",
          "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
          "timestamp": "1739321024",
          "text": {"body": "Does it come in another color?"},
          "type": "text"
        }]
      },
      "field": "messages"
    }]
  }]
}"#;

/// One POST for two accounts and numbers, with several messages and
/// statuses (Meta batches under load).
pub const BATCH: &str = r#"{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [
          {"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"},
          {"profile": {"name": "Kerry Fisher"}, "wa_id": "16505550000"}
        ],
        "messages": [
          {"from": "16505551234", "id": "wamid.in.1", "timestamp": "1739321024",
           "type": "text", "text": {"body": "Hi"}},
          {"from": "16505550000", "id": "wamid.in.2", "timestamp": "1739321025",
           "type": "image",
           "image": {"mime_type": "image/jpeg", "sha256": "nTZ8wQ0ak5YJ0PqZq5zN7s0NtQ0ObR2Y1sbN6Ap3R5c=",
                     "id": "1003383421387256"}}
        ],
        "statuses": [
          {"id": "wamid.out.1", "status": "delivered", "timestamp": "1739321030",
           "recipient_id": "16505551234",
           "conversation": {"id": "a75d17ad06104c51166f948319b03c6a", "origin": {"type": "service"}},
           "pricing": {"billable": true, "pricing_model": "PMP", "category": "service"}},
          {"id": "wamid.out.2", "status": "read", "timestamp": "1739321031",
           "recipient_id": "16505550000"}
        ]
      },
      "field": "messages"
    }]
  }, {
    "id": "102290129340399",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783882", "phone_number_id": "106540352242923"},
        "contacts": [{"profile": {"name": "Alex"}, "wa_id": "447700900123"}],
        "messages": [
          {"from": "447700900123", "id": "wamid.in.3", "timestamp": "1739321026",
           "type": "text", "text": {"body": "Hello"}}
        ],
        "statuses": [
          {"id": "wamid.out.3", "status": "sent", "timestamp": "1739321027",
           "recipient_id": "447700900123"}
        ]
      },
      "field": "messages"
    }]
  }]
}"#;

/// Meta's failed status example.
pub const FAILED_STATUS: &str = r#"{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "statuses": [{
          "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NjRGQjk0RjYwNjlGNjZFMkUA",
          "status": "failed",
          "timestamp": "1739321024",
          "recipient_id": "16505551234",
          "errors": [{
            "code": 131049,
            "title": "This message was not delivered to maintain healthy ecosystem engagement.",
            "message": "This message was not delivered to maintain healthy ecosystem engagement.",
            "error_data": {"details": "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
          }]
        }]
      },
      "field": "messages"
    }]
  }]
}"#;

/// A type this crate has never heard of, and Meta's `unsupported` type.
pub const UNKNOWN_TYPE: &str = r#"{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "messages": [
          {"from": "16505551234", "id": "wamid.unknown", "timestamp": "1739321024",
           "type": "poll_update", "poll_update": {"vote": "Tuesday"}},
          {"from": "16505551234", "id": "wamid.unsupported", "timestamp": "1739321025",
           "errors": [{"code": 131051, "title": "Message type unknown",
                       "message": "Message type unknown",
                       "error_data": {"details": "Message type is currently not supported."}}],
           "type": "unsupported", "unsupported": {"type": "poll_creation"}}
        ]
      },
      "field": "messages"
    }]
  }]
}"#;

/// A change for another field: a template approval.
pub const OTHER_FIELD: &str = r#"{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "time": 1739321024,
    "changes": [{
      "value": {"event": "APPROVED", "message_template_id": 1234567,
                "message_template_name": "order_update",
                "message_template_language": "en_US", "reason": "NONE"},
      "field": "message_template_status_update"
    }]
  }]
}"#;

/// One message of every documented type, in `Content` order.
pub const EVERY_TYPE: &str = r#"{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
        "messages": [
          {"from": "16505551234", "id": "wamid.text", "timestamp": "1739321024", "type": "text",
           "text": {"body": "Hello there"},
           "context": {"from": "15550783881", "id": "wamid.earlier"}},
          {"from": "16505551234", "id": "wamid.image", "timestamp": "1739321024", "type": "image",
           "image": {"caption": "Our new storefront", "mime_type": "image/jpeg",
                     "sha256": "SOVPzgNiZLswe2LsMkaIS4UUMkcnNXlx2Uk9sJwbMjA=", "id": "1003383421387256"},
           "referral": {"source_url": "https://fb.me/3cr4Wqqkv", "source_id": "120226305854810726",
                        "source_type": "ad", "headline": "Chat with us", "body": "Summer sale",
                        "media_type": "image", "image_url": "https://example.com/ad.jpg",
                        "ctwa_clid": "Aff-n8ZTODiE79d22KtAwQKj9e_mIEOOj27vDVwFjN80dp4_0NiNhEgpGo0AHemvuSoifXaytfTzcchptiErTKCqTrJ5nW1h7IHYeYymGb5K5J5iVROZVh4"}},
          {"from": "16505551234", "id": "wamid.video", "timestamp": "1739321024", "type": "video",
           "video": {"mime_type": "video/mp4", "sha256": "mqbKXzkUUYXMhE0aJcBLMr9aLTy2Ia0IGDvCPBqc6ow=",
                     "id": "1166846181421424"}},
          {"from": "16505551234", "id": "wamid.audio", "timestamp": "1739321024", "type": "audio",
           "audio": {"mime_type": "audio/ogg; codecs=opus", "sha256": "bTzdC2nGGY2ZIWsh/rMxn6fS0qkR7m7nKdeYL9ZpkOA=",
                     "id": "1003383421387257", "voice": true}},
          {"from": "16505551234", "id": "wamid.document", "timestamp": "1739321024", "type": "document",
           "document": {"filename": "lpt-catalog.pdf", "mime_type": "application/pdf",
                        "sha256": "bd6bd4d0a9a8a5fb5e3f1d0b9c3b9c7c6c4a2b1e0f9d8c7b6a5e4d3c2b1a0f9e",
                        "id": "1003383421387258"}},
          {"from": "16505551234", "id": "wamid.sticker", "timestamp": "1739321024", "type": "sticker",
           "sticker": {"mime_type": "image/webp", "sha256": "ZnU3ZDBkYzU1ZTYxNDk1OTNjNzk4NDA0M2ZkNjliNDk=",
                       "id": "1003383421387259", "animated": false}},
          {"from": "16505551234", "id": "wamid.location", "timestamp": "1739321024", "type": "location",
           "location": {"address": "1 Hacker Way, Menlo Park, CA 94025", "latitude": 37.483307,
                        "longitude": -122.148981, "name": "Philz Coffee",
                        "url": "https://www.philzcoffee.com/"}},
          {"from": "16505551234", "id": "wamid.contacts", "timestamp": "1739321024", "type": "contacts",
           "contacts": [{"name": {"formatted_name": "Barbara J. Johnson", "first_name": "Barbara"},
                         "phones": [{"phone": "+1 (650) 555-1234", "type": "CELL", "wa_id": "16505551234"}]}]},
          {"from": "16505551234", "id": "wamid.button_reply", "timestamp": "1739321024", "type": "interactive",
           "context": {"from": "15550783881", "id": "wamid.our_buttons"},
           "interactive": {"type": "button_reply", "button_reply": {"id": "yes-button", "title": "Yes"}}},
          {"from": "16505551234", "id": "wamid.list_reply", "timestamp": "1739321024", "type": "interactive",
           "interactive": {"type": "list_reply",
                           "list_reply": {"id": "priority_express", "title": "Priority Express",
                                          "description": "Next Day to 2 Days"}}},
          {"from": "16505551234", "id": "wamid.button", "timestamp": "1739321024", "type": "button",
           "context": {"from": "15550783881", "id": "wamid.our_template"},
           "button": {"payload": "unsubscribe-payload", "text": "Unsubscribe"}},
          {"from": "16505551234", "id": "wamid.reaction", "timestamp": "1739321024", "type": "reaction",
           "reaction": {"message_id": "wamid.ours", "emoji": "\uD83D\uDE00"}},
          {"from": "16505551234", "id": "wamid.unreaction", "timestamp": "1739321024", "type": "reaction",
           "reaction": {"message_id": "wamid.ours"}},
          {"from": "16505551234", "id": "wamid.order", "timestamp": "1739321024", "type": "order",
           "order": {"catalog_id": "194836987003835", "text": "Love these!",
                     "product_items": [
                       {"product_retailer_id": "di9ozbzfi4", "quantity": 2, "item_price": 7.99, "currency": "USD"},
                       {"product_retailer_id": "nqryix03ez", "quantity": 1, "item_price": 5, "currency": "USD"}]}},
          {"from": "16505551234", "id": "wamid.system", "timestamp": "1739321024", "type": "system",
           "system": {"body": "User Sheena Nelson changed from 16505551234 to 12195555358",
                      "wa_id": "12195555358", "type": "user_changed_number"}},
          {"from": "16505551234", "id": "wamid.unsupported", "timestamp": "1739321024", "type": "unsupported",
           "errors": [{"code": 131051, "title": "Message type unknown", "message": "Message type unknown",
                       "error_data": {"details": "Message type is currently not supported."}}],
           "unsupported": {"type": "poll_update"}}
        ]
      },
      "field": "messages"
    }]
  }]
}"#;
