//! Agent availability. Pure rules: a user is online while at least one of
//! their sockets is connected (several tabs and devices count as one) or
//! within a short grace after the last one closed (so a page reload does
//! not flap), unless they set themselves away or offline by hand.

use serde::Serialize;

/// What colleagues and routing see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Connected and taking chats.
    Online,
    /// Connected but not taking new chats.
    Away,
    /// Not connected (or appearing offline).
    Offline,
}

impl Presence {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }
}

/// One user's connection state.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// Open sockets.
    pub sockets: u32,
    /// Within the grace period after the last socket closed.
    pub in_grace: bool,
    /// Set by hand: `Away` or `Offline` (`None`: automatic).
    pub manual: Option<Presence>,
    /// Bumped on every disconnect, so a stale grace timer is ignored.
    pub generation: u64,
    /// The status last announced.
    pub published: Option<Presence>,
}

/// The effective status.
pub fn effective(c: &Connection) -> Presence {
    match c.manual {
        Some(Presence::Away) => Presence::Away,
        Some(Presence::Offline) => Presence::Offline,
        _ if c.sockets > 0 || c.in_grace => Presence::Online,
        _ => Presence::Offline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_while_connected_or_in_grace_unless_set_by_hand() {
        let mut c = Connection::default();
        assert_eq!(effective(&c), Presence::Offline);
        c.sockets = 2;
        assert_eq!(effective(&c), Presence::Online);
        c.sockets = 0;
        c.in_grace = true;
        assert_eq!(effective(&c), Presence::Online, "a reload does not flap");
        c.in_grace = false;
        assert_eq!(effective(&c), Presence::Offline);
        c.sockets = 1;
        c.manual = Some(Presence::Away);
        assert_eq!(effective(&c), Presence::Away);
        c.manual = Some(Presence::Offline);
        assert_eq!(effective(&c), Presence::Offline);
    }
}
