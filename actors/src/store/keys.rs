//! Key layout. Every key starts with the tenant id (16 bytes, big-endian,
//! fixed width) so one prefix scan is one tenant; ids are UUIDv7, so keys
//! under one prefix sort by creation time.

/// Platform-level records (platform admins) live under the all-zero tenant.
pub(crate) const NO_TENANT: [u8; 16] = [0; 16];

/// Concatenates fixed-width key parts.
pub(crate) fn key(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.extend_from_slice(part);
    }
    out
}

/// A sequence number as a key part that sorts numerically.
pub(crate) fn seq(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_keys_sort_numerically() {
        let a = key(&[&NO_TENANT, &seq(2)]);
        let b = key(&[&NO_TENANT, &seq(10)]);
        assert!(a < b);
        assert_eq!(a.len(), 24);
    }
}
