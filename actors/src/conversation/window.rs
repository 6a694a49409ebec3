//! The 24-hour customer service window: free-form messages may be sent only
//! within 24 hours of the customer's last message, counted from Meta's
//! timestamp of that message (not from when we received it).

/// How long a window stays open after a customer message.
pub const WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// The window as API.md shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Whether a free-form message may be sent now.
    pub open: bool,
    /// When it closes (or closed); `None` when the customer never wrote.
    pub expires_at_ms: Option<i64>,
}

/// The window at `now_ms` given the customer's last message time and when
/// Meta last told us it was closed (error 131047), if it did.
pub fn window(last_customer_at_ms: Option<i64>, closed_by_meta_at_ms: Option<i64>, now_ms: i64) -> Window {
    match last_customer_at_ms {
        Some(t) if closed_by_meta_at_ms.is_some_and(|c| c >= t) => {
            Window { open: false, expires_at_ms: closed_by_meta_at_ms }
        }
        Some(t) => Window { open: now_ms < t + WINDOW_MS, expires_at_ms: Some(t + WINDOW_MS) },
        None => Window { open: false, expires_at_ms: None },
    }
}

/// Whether a customer message Meta stamped `sent_at_ms` lifts Meta's
/// closing of the window at `closed_at_ms` (when it arrives after it).
///
/// Meta's stamps are whole seconds, our clock's are milliseconds: a
/// message stamped with the very second of the refusal, arriving after
/// it, is newer (Meta refuses only while it sees no newer message); one
/// stamped earlier is a late delivery of an older message.
pub fn reopens(closed_at_ms: i64, sent_at_ms: i64) -> bool {
    sent_at_ms.div_euclid(1000) >= closed_at_ms.div_euclid(1000)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_message_of_the_refusal_s_second_or_later_reopens_it() {
        assert!(reopens(5_999, 5_000), "same second");
        assert!(reopens(5_999, 9_000));
        assert!(!reopens(5_999, 4_000), "an older message delivered late");
    }

    use super::*;

    #[test]
    fn open_for_24_hours_after_the_customer_wrote() {
        let t = 1_000_000;
        assert!(window(Some(t), None, t).open);
        assert!(window(Some(t), None, t + WINDOW_MS - 1).open);
        assert!(!window(Some(t), None, t + WINDOW_MS).open);
        assert_eq!(window(Some(t), None, t).expires_at_ms, Some(t + WINDOW_MS));
    }

    #[test]
    fn metas_word_closes_it_until_the_customer_writes_again() {
        let t = 1_000_000;
        assert!(!window(Some(t), Some(t + 5), t + 10).open, "131047 after the last message closes it");
        assert!(window(Some(t + 20), Some(t + 5), t + 30).open, "a newer customer message reopens it");
    }

    #[test]
    fn closed_when_the_customer_never_wrote() {
        assert_eq!(window(None, None, 5), Window { open: false, expires_at_ms: None });
    }
}
