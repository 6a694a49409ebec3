//! Wall-clock time as unix milliseconds, the unit every record stores,
//! and the periodic ticks actors ask for.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// RFC 3339 in UTC with exactly three fractional digits, so timestamps
/// also sort correctly as text.
///
/// Every live event and list row formats several times, so the years
/// 0000 to 9999 are written by hand (the days-to-date step of Howard
/// Hinnant's `civil_from_days`), about a tenth of the `time` crate's
/// formatter's cost; any other instant goes through `time`.
pub fn rfc3339(ms: i64) -> String {
    /// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in unix ms.
    const FIRST: i64 = -62_167_219_200_000;
    const END: i64 = 253_402_300_800_000;
    if !(FIRST..END).contains(&ms) {
        return rfc3339_slow(ms);
    }
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    let mut out = String::with_capacity(24);
    let fields = [
        (year, 4, '-'),
        (month, 2, '-'),
        (day, 2, 'T'),
        (secs / 3600, 2, ':'),
        (secs / 60 % 60, 2, ':'),
        (secs % 60, 2, '.'),
        (ms_of_day % 1000, 3, 'Z'),
    ];
    for (n, width, then) in fields {
        for p in (0..width).rev() {
            out.push(char::from(b'0' + (n / 10_i64.pow(p) % 10) as u8));
        }
        out.push(then);
    }
    out
}

/// `rfc3339` through the `time` crate, for years outside 0000..=9999.
fn rfc3339_slow(ms: i64) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(FORMAT).unwrap_or_default()
}

/// Year, month (1-12) and day (1-31) of `days` since 1970-01-01 in the
/// proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
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

    #[test]
    fn the_hand_written_format_is_the_time_crates() {
        // Every day of four centuries (leap years of every kind), at
        // instants across the day; the edges of the fast range; before 1970.
        let day = 86_400_000;
        let mut samples: Vec<i64> =
            (-200 * 366..200 * 366_i64).map(|d| d * day + (d.rem_euclid(7919)) * 10_903).collect();
        samples.extend([0, -1, 1, day - 1, -62_167_219_200_000, 253_402_300_800_000 - 1, 951_782_400_000]);
        for ms in samples {
            assert_eq!(super::rfc3339(ms), super::rfc3339_slow(ms), "{ms}");
        }
        assert_eq!(
            super::rfc3339(253_402_300_800_000),
            super::rfc3339_slow(253_402_300_800_000),
            "past 9999"
        );
    }
}
