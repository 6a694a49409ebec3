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

/// The window at `now_ms` given the customer's last message time.
pub fn window(last_customer_at_ms: Option<i64>, now_ms: i64) -> Window {
    match last_customer_at_ms {
        Some(t) => Window { open: now_ms < t + WINDOW_MS, expires_at_ms: Some(t + WINDOW_MS) },
        None => Window { open: false, expires_at_ms: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_for_24_hours_after_the_customer_wrote() {
        let t = 1_000_000;
        assert!(window(Some(t), t).open);
        assert!(window(Some(t), t + WINDOW_MS - 1).open);
        assert!(!window(Some(t), t + WINDOW_MS).open);
        assert_eq!(window(Some(t), t).expires_at_ms, Some(t + WINDOW_MS));
    }

    #[test]
    fn closed_when_the_customer_never_wrote() {
        assert_eq!(window(None, 5), Window { open: false, expires_at_ms: None });
    }
}
