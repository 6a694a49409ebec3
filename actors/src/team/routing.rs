//! Who gets the next chat: round robin or balanced, over the members who
//! can take one. Pure, unit tested; the TeamActor gathers the facts
//! (presence, open chats, capacity) and records the explanation in the
//! chat's history.

use tenants::{Routing, UserId};

use crate::hub::Presence;

/// What routing knows about one member.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The member.
    pub user: UserId,
    /// Display name, for the explanation.
    pub name: String,
    /// Online, away or offline.
    pub presence: Presence,
    /// Open chats assigned to them now.
    pub load: u32,
    /// Most open chats they may hold (`None`: unlimited).
    pub capacity: Option<u32>,
    /// Still an active user.
    pub active: bool,
    /// When this team last gave them a chat.
    pub last_assigned_ms: Option<i64>,
}

/// Why a member was passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Deactivated.
    Inactive,
    /// Not connected.
    Offline,
    /// Set themselves away.
    Away,
    /// Holding as many open chats as they may.
    AtCapacity {
        /// Open chats.
        load: u32,
        /// Their limit.
        capacity: u32,
    },
    /// Excluded by the caller, with why (released it, did not reply in time).
    Excluded(&'static str),
}

/// The outcome of one routing decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Who gets it, if anyone can.
    pub pick: Option<UserId>,
    /// Who was passed over and why, in the order considered.
    pub skipped: Vec<(String, Skip)>,
}

/// A member routing must pass over, and why.
pub type Exclude = Option<(UserId, &'static str)>;

fn eligibility(c: &Candidate, exclude: Exclude) -> Result<(), Skip> {
    if let Some((user, why)) = exclude.filter(|(u, _)| *u == c.user) {
        let _ = user;
        return Err(Skip::Excluded(why));
    }
    if !c.active {
        return Err(Skip::Inactive);
    }
    match c.presence {
        Presence::Offline => return Err(Skip::Offline),
        Presence::Away => return Err(Skip::Away),
        Presence::Online => {}
    }
    match c.capacity {
        Some(capacity) if c.load >= capacity => Err(Skip::AtCapacity { load: c.load, capacity }),
        _ => Ok(()),
    }
}

/// Picks a member. Round robin starts after `cursor` (the last member
/// picked) in member order; balanced takes the fewest open chats, ties to
/// the one assigned least recently.
pub fn pick(routing: Routing, members: &[Candidate], cursor: Option<UserId>, exclude: Exclude) -> Decision {
    let mut skipped = Vec::new();
    match routing {
        Routing::RoundRobin => {
            let start = cursor.and_then(|c| members.iter().position(|m| m.user == c)).map_or(0, |i| i + 1);
            for i in 0..members.len() {
                let m = &members[(start + i) % members.len()];
                match eligibility(m, exclude) {
                    Ok(()) => return Decision { pick: Some(m.user), skipped },
                    Err(why) => skipped.push((m.name.clone(), why)),
                }
            }
            Decision { pick: None, skipped }
        }
        Routing::Balanced => {
            let mut best: Option<&Candidate> = None;
            for m in members {
                match eligibility(m, exclude) {
                    Ok(()) => {
                        let better = best.is_none_or(|b| {
                            (m.load, m.last_assigned_ms.unwrap_or(i64::MIN))
                                < (b.load, b.last_assigned_ms.unwrap_or(i64::MIN))
                        });
                        if better {
                            best = Some(m);
                        }
                    }
                    Err(why) => skipped.push((m.name.clone(), why)),
                }
            }
            Decision { pick: best.map(|b| b.user), skipped }
        }
    }
}

/// A sentence for the chat's history: who got it and who was skipped.
pub fn explain(routing: Routing, decision: &Decision, members: &[Candidate]) -> String {
    let how = match routing {
        Routing::RoundRobin => "round robin",
        Routing::Balanced => "balanced",
    };
    let skipped: Vec<String> = decision
        .skipped
        .iter()
        .map(|(name, why)| {
            let why = match why {
                Skip::Inactive => "inactive".to_string(),
                Skip::Offline => "offline".to_string(),
                Skip::Away => "away".to_string(),
                Skip::AtCapacity { load, capacity } => format!("at capacity {load}/{capacity}"),
                Skip::Excluded(why) => (*why).to_string(),
            };
            format!("{name} ({why})")
        })
        .collect();
    let skipped =
        if skipped.is_empty() { String::new() } else { format!("; skipped {}", skipped.join(", ")) };
    match decision.pick.and_then(|u| members.iter().find(|m| m.user == u)) {
        Some(m) => format!("{how}: {}{skipped}", m.name),
        None if members.is_empty() => "queued: the team has no members".to_string(),
        None => format!("queued: nobody available{skipped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, presence: Presence, load: u32, capacity: Option<u32>) -> Candidate {
        Candidate {
            user: UserId::new(),
            name: name.into(),
            presence,
            load,
            capacity,
            active: true,
            last_assigned_ms: None,
        }
    }

    #[test]
    fn round_robin_is_fair_over_many_assignments() {
        let members: Vec<Candidate> =
            ["a", "b", "c"].iter().map(|n| member(n, Presence::Online, 0, None)).collect();
        let mut cursor = None;
        let mut counts = std::collections::HashMap::new();
        for _ in 0..100 {
            let d = pick(Routing::RoundRobin, &members, cursor, None);
            let u = d.pick.unwrap();
            *counts.entry(u).or_insert(0) += 1;
            cursor = Some(u);
        }
        let (min, max) = (counts.values().min().unwrap(), counts.values().max().unwrap());
        assert!(max - min <= 1, "{counts:?}");
    }

    #[test]
    fn round_robin_skips_offline_away_and_full_members_and_says_why() {
        let members = vec![
            member("Ann", Presence::Offline, 0, None),
            member("Bob", Presence::Online, 3, Some(3)),
            member("Cat", Presence::Away, 0, None),
            member("Dan", Presence::Online, 1, Some(3)),
        ];
        let d = pick(Routing::RoundRobin, &members, None, None);
        assert_eq!(d.pick, Some(members[3].user));
        assert_eq!(
            explain(Routing::RoundRobin, &d, &members),
            "round robin: Dan; skipped Ann (offline), Bob (at capacity 3/3), Cat (away)"
        );
        let next = pick(Routing::RoundRobin, &members, Some(members[3].user), None);
        assert_eq!(next.pick, Some(members[3].user), "wraps around to the only available member");
    }

    #[test]
    fn nobody_available_queues() {
        let members = vec![member("Ann", Presence::Offline, 0, None)];
        let d = pick(Routing::RoundRobin, &members, None, None);
        assert_eq!(d.pick, None);
        assert_eq!(
            explain(Routing::Balanced, &d, &members),
            "queued: nobody available; skipped Ann (offline)"
        );
        assert_eq!(
            explain(Routing::RoundRobin, &pick(Routing::RoundRobin, &[], None, None), &[]),
            "queued: the team has no members"
        );
    }

    #[test]
    fn balanced_takes_the_least_loaded_then_least_recent() {
        let mut members = vec![
            member("Ann", Presence::Online, 2, None),
            member("Bob", Presence::Online, 1, None),
            member("Cat", Presence::Online, 1, None),
        ];
        members[1].last_assigned_ms = Some(200);
        members[2].last_assigned_ms = Some(100);
        assert_eq!(pick(Routing::Balanced, &members, None, None).pick, Some(members[2].user));
        assert_eq!(
            pick(Routing::Balanced, &members, None, Some((members[2].user, "released it"))).pick,
            Some(members[1].user)
        );
    }
}
