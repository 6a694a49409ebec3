//! Wall-clock time as unix milliseconds, the unit every record stores,
//! and the periodic ticks actors ask for.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// RFC 3339 in UTC with exactly three fractional digits, so timestamps
/// also sort correctly as text.
pub fn rfc3339(ms: i64) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(FORMAT).unwrap_or_default()
}

/// Runs `tick` every `period` (first after one period) until it returns
/// false: the one periodic timer, for actors ([`every`]) and the edge's
/// housekeeping alike.
pub fn repeat(period: std::time::Duration, mut tick: impl FnMut() -> bool + Send + 'static) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            if !tick() {
                return;
            }
        }
    });
}

/// Casts `make()` to `actor` every `period` (first after one period), for
/// as long as the actor lives: the timers of passivation rounds and
/// catalog syncs.
pub(crate) fn every<M: ractor::Message>(
    actor: &ractor::ActorRef<M>,
    period: std::time::Duration,
    make: impl Fn() -> M + Send + 'static,
) {
    let actor = actor.clone();
    repeat(period, move || actor.cast(make()).is_ok());
}

/// Unix milliseconds of an RFC 3339 time, or of midnight UTC of a
/// `YYYY-MM-DD` date (filters take either).
pub fn parse_time(text: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Some((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    let date = time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() * 1000)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_times_and_dates() {
        assert_eq!(super::parse_time("2023-11-14T22:13:20.123Z"), Some(1_700_000_000_123));
        assert_eq!(super::parse_time("2023-11-14T23:13:20+01:00"), Some(1_700_000_000_000));
        assert_eq!(super::parse_time("1970-01-02"), Some(86_400_000));
        assert_eq!(super::parse_time("yesterday"), None);
    }

    #[test]
    fn formats_rfc3339_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(super::rfc3339(1_700_000_000_080), "2023-11-14T22:13:20.080Z");
    }
}
