//! Typed ids: one newtype per kind of thing, so a `UserId` can never be
//! passed where a `TenantId` is expected.
//!
//! All are UUID v7 (time-ordered). `to_bytes` gives the 16 big-endian bytes
//! used as sled key prefixes: byte order is creation order. Serde writes a
//! hyphenated string in human-readable formats (JSON) and 16 raw bytes in
//! binary ones (bincode); `uuid`'s own impl already does both and is verified
//! to round-trip through bincode 2 by the tests below.

use crate::TenantError;
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use uuid::Uuid;

/// Declares one id newtype with its constructors, conversions and traits.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Eq, PartialEq, Ord, PartialOrd, Hash, Debug, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        // A fresh id is not a "default" value, so there is no `Default`.
        #[allow(clippy::new_without_default)]
        impl $name {
            /// A new, time-ordered (v7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID.
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// The 16 big-endian bytes, fixed width (a sled key prefix).
            pub fn to_bytes(&self) -> [u8; 16] {
                *self.0.as_bytes()
            }

            /// The inverse of [`Self::to_bytes`].
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = TenantError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| TenantError::InvalidId(s.chars().take(64).collect()))
            }
        }
    };
}

id_type!(
    /// A tenant: one business with its numbers, users, teams and labels.
    TenantId
);
id_type!(
    /// A user: a platform admin, manager or staff member.
    UserId
);
id_type!(
    /// A WhatsApp business number registered to a tenant.
    NumberId
);
id_type!(
    /// A team of users inside a tenant.
    TeamId
);
id_type!(
    /// A label a tenant puts on conversations.
    LabelId
);
id_type!(
    /// A conversation between one business number and one customer.
    ConversationId
);
id_type!(
    /// One message in a conversation.
    MessageId
);
id_type!(
    /// A canned reply of a tenant.
    CannedReplyId
);
id_type!(
    /// A chatbot flow of a tenant.
    FlowId
);
id_type!(
    /// A customer's order: the same UUID as the `order` message it came in.
    OrderId
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;

    fn round_trips<T>(id: T)
    where
        T: Serialize + DeserializeOwned + PartialEq + fmt::Debug + fmt::Display + FromStr,
        <T as FromStr>::Err: fmt::Debug,
    {
        let config = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&id, config).unwrap();
        let (back, used): (T, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!(back, id);
        assert_eq!(used, bytes.len());
        assert_eq!(bytes.len(), 17, "one length byte, then the 16 uuid bytes");

        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), id);
        assert_eq!(id.to_string().parse::<T>().unwrap(), id);
    }

    #[test]
    fn every_id_round_trips_through_bincode_json_and_strings() {
        round_trips(TenantId::new());
        round_trips(UserId::new());
        round_trips(NumberId::new());
        round_trips(TeamId::new());
        round_trips(LabelId::new());
        round_trips(ConversationId::new());
        round_trips(MessageId::new());
    }

    #[test]
    fn bytes_round_trip_and_sort_in_creation_order() {
        let first = ConversationId::new();
        let second = ConversationId::new();
        assert_eq!(ConversationId::from_bytes(first.to_bytes()), first);
        assert!(first.to_bytes() < second.to_bytes());
        assert!(first < second);
        assert_eq!(first.as_uuid().get_version_num(), 7);
    }

    #[test]
    fn display_is_lowercase_hyphenated() {
        let uuid = Uuid::parse_str("0192F0A1-B2C3-7D4E-8F90-A1B2C3D4E5F6").unwrap();
        let id = TeamId::from_uuid(uuid);
        assert_eq!(id.to_string(), "0192f0a1-b2c3-7d4e-8f90-a1b2c3d4e5f6");
        assert_eq!(id.as_uuid(), uuid);
    }

    #[test]
    fn garbage_is_an_invalid_id() {
        let err = "not-a-uuid".parse::<UserId>().unwrap_err();
        assert!(matches!(err, TenantError::InvalidId(s) if s == "not-a-uuid"));
        assert!(serde_json::from_str::<UserId>("\"nope\"").is_err());
    }
}
