//! Passwords and session tokens.
//!
//! Passwords are hashed with argon2id (`Argon2::default()`, a random salt,
//! stored as a PHC string). Hashing is deliberately slow (tens of
//! milliseconds): callers run it in `spawn_blocking`, never in an actor's
//! `handle`.
//!
//! Session tokens are 32 random bytes, base64url without padding, prefixed
//! `sb_` so they are easy to spot in a leaked paste. Only their SHA-256
//! ([`TokenHash`]) is stored: a stolen database (or backup) then holds no
//! live sessions, because the hash cannot be turned back into a token. A
//! fast hash is enough here, unlike for passwords, because a token carries
//! 256 random bits and cannot be guessed.

use crate::TenantError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password, in characters (bounds the hashing work).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Hashes `password` with argon2id and a fresh random salt; returns the PHC
/// string to store. Slow on purpose: call it from `spawn_blocking`.
pub fn hash_password(password: &str) -> Result<String, TenantError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| TenantError::Hash(err.to_string()))
}

/// True when `password` matches the stored PHC string. A malformed `phc`
/// is simply "no match". Slow on purpose: call it from `spawn_blocking`.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

/// The password policy: 8 to 1024 characters, not all whitespace.
pub fn check_password_policy(password: &str) -> Result<(), TenantError> {
    let chars = password.chars().count();
    let why = if chars < MIN_PASSWORD_CHARS {
        "must be at least 8 characters"
    } else if chars > MAX_PASSWORD_CHARS {
        "must be at most 1024 characters"
    } else if password.trim().is_empty() {
        "must not be only whitespace"
    } else {
        return Ok(());
    };
    Err(TenantError::WeakPassword(why.to_owned()))
}

/// Makes session tokens; see the module doc for why only hashes are kept.
#[derive(Debug)]
pub struct SessionToken;

impl SessionToken {
    /// The prefix every token starts with.
    pub const PREFIX: &'static str = "sb_";

    /// A new token, to hand to the client once, and its hash, to store.
    pub fn generate() -> (String, TokenHash) {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let token = format!("{}{}", Self::PREFIX, URL_SAFE_NO_PAD.encode(bytes));
        let hash = TokenHash::of(&token);
        (token, hash)
    }
}

/// SHA-256 of a session token string: the key sessions are stored under.
/// `Debug` shows only a short hex prefix, enough to tell sessions apart in a
/// log and not enough to look one up.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The hash of `token` (whatever the client presented, verbatim).
    pub fn of(token: &str) -> TokenHash {
        TokenHash(Sha256::digest(token.as_bytes()).into())
    }

    /// The 32 hash bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Wraps 32 bytes read back from the store.
    pub fn from_bytes(bytes: [u8; 32]) -> TokenHash {
        TokenHash(bytes)
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", hex::encode(&self.0[..4]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong horse", &phc));
        assert!(!verify_password("correct horse", "not a phc string"));
        assert_ne!(hash_password("correct horse").unwrap(), phc, "salted");
    }

    #[test]
    fn password_policy() {
        assert!(check_password_policy("12345678").is_ok());
        assert!(check_password_policy(&"x".repeat(1024)).is_ok());
        for bad in ["", "1234567", "        ", "\t\n\t\n\t\n\t\n"] {
            assert!(matches!(check_password_policy(bad), Err(TenantError::WeakPassword(_))));
        }
        assert!(check_password_policy(&"x".repeat(1025)).is_err());
        // Characters, not bytes: eight two-byte letters are enough.
        assert!(check_password_policy("éééééééé").is_ok());
    }

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let (token, hash) = SessionToken::generate();
        assert!(token.starts_with("sb_"));
        assert_eq!(token.len(), 3 + 43);
        assert!(token[3..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(TokenHash::of(&token), hash);
        let (other, other_hash) = SessionToken::generate();
        assert_ne!(token, other);
        assert_ne!(hash, other_hash);
    }

    #[test]
    fn token_hash_is_sha256_and_debug_is_short() {
        let hash = TokenHash::of("abc");
        assert_eq!(
            hex::encode(hash.as_bytes()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(format!("{hash:?}"), "TokenHash(ba7816bf…)");
        assert_eq!(TokenHash::from_bytes(*hash.as_bytes()), hash);
    }

    #[test]
    fn token_hash_round_trips_through_bincode() {
        let hash = TokenHash::of("sb_x");
        let config = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(hash, config).unwrap();
        let (back, used): (TokenHash, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!((back, used), (hash, bytes.len()));
        assert_eq!(bytes.len(), 32);
    }
}
