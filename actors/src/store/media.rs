//! The media store: files content-addressed by SHA-256 in a folder beside
//! the sled data (`<data>/media/ab/abcdef...`). A file is written to a
//! temporary name, synced, then renamed, so a crash never leaves a partial
//! file under a real name; the same content is stored once.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::ActorError;

/// Handle to the media folder; cheap to clone.
#[derive(Clone, Debug)]
pub struct MediaStore {
    root: PathBuf,
}

impl MediaStore {
    /// The store under `data_dir/media`.
    pub(crate) fn new(data_dir: &Path) -> Self {
        Self { root: data_dir.join("media") }
    }

    /// Where the file with this hex SHA-256 lives (whether or not it exists).
    /// `None` for anything that is not a 64-character hex name.
    pub fn path(&self, sha256_hex: &str) -> Option<PathBuf> {
        let valid = sha256_hex.len() == 64 && sha256_hex.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.root.join(&sha256_hex[..2]).join(sha256_hex))
    }

    /// Stores `bytes`; returns their hex SHA-256. Blocking: call from
    /// `spawn_blocking`.
    pub(crate) fn put(&self, bytes: &[u8]) -> Result<String, ActorError> {
        let sha = hex_sha256(bytes);
        let path = self.path(&sha).ok_or_else(|| ActorError::Store("bad media hash".into()))?;
        if path.exists() {
            return Ok(sha);
        }
        let dir = path.parent().ok_or_else(|| ActorError::Store("bad media path".into()))?;
        let io = |e: std::io::Error| ActorError::Store(format!("media store: {e}"));
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(bytes).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(sha)
    }
}

/// Lowercase hex SHA-256.
pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether Meta's `sha256` (hex or base64, as its endpoints differ) names
/// these bytes.
pub(crate) fn matches_meta_sha256(bytes: &[u8], meta: &str) -> bool {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
    meta.eq_ignore_ascii_case(&hex) || meta == b64 || meta.trim_end_matches('=') == b64.trim_end_matches('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_by_content_and_refuses_odd_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let a = store.put(b"hello").unwrap();
        assert_eq!(a, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(store.put(b"hello").unwrap(), a);
        assert_eq!(std::fs::read(store.path(&a).unwrap()).unwrap(), b"hello");
        assert!(store.path("../../etc/passwd").is_none());
    }

    #[test]
    fn meta_hashes_match_in_hex_or_base64() {
        assert!(matches_meta_sha256(
            b"hello",
            "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"
        ));
        assert!(matches_meta_sha256(b"hello", "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="));
        assert!(!matches_meta_sha256(b"hello!", "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="));
    }
}
