//! A tenant's business hours: a time zone, a weekly schedule and holidays,
//! and the two questions a flow asks of them: "are we open at `now`?" and
//! "when do we open next?" (for "we open tomorrow at 09:00").
//!
//! JSON (and bincode: the type is plain, so it can be stored as it is):
//!
//! ```json
//! {"time_zone": "Europe/Berlin",
//!  "weekly": [[[540, 1020]], [[540, 1020]], [[540, 1020]], [[540, 1020]],
//!             [[540, 780], [840, 1020]], [], []],
//!  "holidays": ["2025-12-25", "2025-12-26"]}
//! ```
//!
//! `weekly` has seven days, Monday first; each day is a list of
//! `[start, end)` intervals in minutes after local midnight (540 is 09:00,
//! 1440 is the end of the day). A shift past midnight is two intervals, one
//! on each day. A holiday (a local date) is closed all day. Local time is
//! the IANA zone's, daylight saving included: 09:00 in Berlin is 08:00 UTC
//! in winter and 07:00 UTC in summer. The zone database is compiled in
//! (`chrono-tz`), so nothing is read from the machine at run time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::validate::{Check, Problem};

/// Minutes in a day: the largest `end`.
const DAY: u16 = 1440;
/// How far `next_opening` looks ahead, in days (a year of holidays).
const HORIZON_DAYS: i64 = 400;

/// When a tenant is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// An IANA zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Monday to Sunday, each a list of `(start, end)` minutes of the day.
    pub weekly: [Vec<(u16, u16)>; 7],
    /// Closed dates, `YYYY-MM-DD`, in local time.
    pub holidays: Vec<String>,
}

impl BusinessHours {
    /// Every problem: an unknown zone, intervals outside `0..=1440` or not
    /// `start < end`, overlapping intervals, dates that are not dates.
    pub fn validate(&self) -> Vec<Problem> {
        let mut check = Check::default();
        if self.time_zone.parse::<Tz>().is_err() {
            check.error(
                "time_zone",
                format!("unknown time zone {:?}; use an IANA name such as Europe/Berlin", self.time_zone),
            );
        }
        for (day, intervals) in self.weekly.iter().enumerate() {
            for (i, &(start, end)) in intervals.iter().enumerate() {
                let path = format!("weekly[{day}][{i}]");
                if end > DAY {
                    check.error(&path, format!("minutes run from 0 to 1440, got {end}"));
                } else if start >= end {
                    check.error(&path, format!("must start before it ends, got {start} to {end}"));
                } else if intervals[..i].iter().any(|&(s, e)| start < e && s < end) {
                    check.error(&path, "overlaps an earlier interval of the same day");
                }
            }
        }
        for (i, date) in self.holidays.iter().enumerate() {
            if NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
                check.error(format!("holidays[{i}]"), format!("not a date YYYY-MM-DD: {date:?}"));
            }
        }
        check.problems
    }

    /// Whether the tenant is open at `now_ms` (unix milliseconds).
    pub fn is_open(&self, now_ms: i64) -> bool {
        let tz = self.zone();
        let Some(now) = tz.timestamp_millis_opt(now_ms).single() else { return false };
        let minute = (now.hour() * 60 + now.minute()) as u16;
        !self.is_holiday(now.date_naive())
            && self.day(now.date_naive()).iter().any(|&(start, end)| start <= minute && minute < end)
    }

    /// `now_ms` if open now, else the first instant the tenant opens, or
    /// `None` when the schedule has no opening within about a year.
    pub fn next_opening(&self, now_ms: i64) -> Option<i64> {
        if self.is_open(now_ms) {
            return Some(now_ms);
        }
        let tz = self.zone();
        let today = tz.timestamp_millis_opt(now_ms).single()?.date_naive();
        for offset in 0..HORIZON_DAYS {
            let date = today + Duration::days(offset);
            if self.is_holiday(date) {
                continue;
            }
            let mut intervals = self.day(date).to_vec();
            intervals.sort_unstable();
            for (start, end) in intervals {
                let opening = (start..end.min(DAY)).find_map(|m| local(tz, date, m));
                if let Some(at) = opening.map(|t| t.timestamp_millis()).filter(|&at| at > now_ms) {
                    return Some(at);
                }
            }
        }
        None
    }

    /// [`next_opening`](Self::next_opening) in words for a customer, in the
    /// tenant's local time: "now", "today at 17:00", "tomorrow at 09:00",
    /// "on Monday at 09:00", or "on Monday 5 January at 09:00" beyond a
    /// week; "soon" when no opening is known.
    pub fn next_opening_text(&self, now_ms: i64) -> String {
        let Some(at) = self.next_opening(now_ms) else { return "soon".into() };
        if at == now_ms {
            return "now".into();
        }
        let tz = self.zone();
        let (Some(now), Some(at)) =
            (tz.timestamp_millis_opt(now_ms).single(), tz.timestamp_millis_opt(at).single())
        else {
            return "soon".into();
        };
        let days = (at.date_naive() - now.date_naive()).num_days();
        let time = at.format("%H:%M");
        match days {
            0 => format!("today at {time}"),
            1 => format!("tomorrow at {time}"),
            2..=6 => format!("on {} at {time}", at.format("%A")),
            _ => format!("on {} at {time}", at.format("%A %-d %B")),
        }
    }

    /// The zone; a name that does not parse (refused by `validate`) is UTC.
    fn zone(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    fn is_holiday(&self, date: NaiveDate) -> bool {
        let date = date.format("%Y-%m-%d").to_string();
        self.holidays.iter().any(|h| h.trim() == date)
    }

    fn day(&self, date: NaiveDate) -> &[(u16, u16)] {
        &self.weekly[date.weekday().num_days_from_monday() as usize]
    }
}

/// The instant `minute` of `date` in `tz`: the earlier of two in the
/// autumn's repeated hour, none in the spring's skipped hour.
fn local(tz: Tz, date: NaiveDate, minute: u16) -> Option<DateTime<Tz>> {
    let time = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)?;
    tz.from_local_datetime(&NaiveDateTime::new(date, time)).earliest()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    /// Unix ms of a UTC date and time.
    fn utc(date: &str, hour: u32, minute: u32) -> i64 {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap();
        Utc.from_utc_datetime(&NaiveDateTime::new(date, time)).timestamp_millis()
    }

    /// Berlin, Monday to Friday 09:00 to 17:00, closed on 2025-12-25.
    fn berlin() -> BusinessHours {
        let day = vec![(540, 1020)];
        BusinessHours {
            time_zone: "Europe/Berlin".into(),
            weekly: [day.clone(), day.clone(), day.clone(), day.clone(), day, vec![], vec![]],
            holidays: vec!["2025-12-25".into()],
        }
    }

    #[test]
    fn open_follows_local_time_across_daylight_saving() {
        let hours = berlin();
        // 07:30 UTC on a Wednesday: 08:30 in winter (CET), 09:30 in summer (CEST).
        assert!(!hours.is_open(utc("2025-01-15", 7, 30)));
        assert!(hours.is_open(utc("2025-07-16", 7, 30)));
        // 16:30 UTC: 17:30 in winter, closed; 15:30 UTC in winter is 16:30, open.
        assert!(!hours.is_open(utc("2025-01-15", 16, 30)));
        assert!(hours.is_open(utc("2025-01-15", 15, 30)));
        // The end is exclusive; weekends and holidays are closed.
        assert!(!hours.is_open(utc("2025-01-15", 16, 0)));
        assert!(!hours.is_open(utc("2025-01-18", 10, 0)));
        assert!(!hours.is_open(utc("2025-12-25", 10, 0)));
        assert!(hours.is_open(utc("2025-12-24", 10, 0)));
    }

    #[test]
    fn next_opening_crosses_weekends_holidays_and_clock_changes() {
        let hours = berlin();
        let open = utc("2025-01-15", 10, 0);
        assert_eq!(hours.next_opening(open), Some(open));
        // Saturday before the spring change: Monday 09:00 CEST is 07:00 UTC.
        assert_eq!(hours.next_opening(utc("2025-03-29", 12, 0)), Some(utc("2025-03-31", 7, 0)));
        // Friday evening before the autumn change: Monday 09:00 CET is 08:00 UTC.
        assert_eq!(hours.next_opening(utc("2025-10-24", 16, 0)), Some(utc("2025-10-27", 8, 0)));
        // Early on a weekday: the same morning. Christmas: the 26th.
        assert_eq!(hours.next_opening(utc("2025-01-15", 5, 0)), Some(utc("2025-01-15", 8, 0)));
        assert_eq!(hours.next_opening(utc("2025-12-24", 17, 0)), Some(utc("2025-12-26", 8, 0)));
        let never = BusinessHours { weekly: Default::default(), ..berlin() };
        assert_eq!(never.next_opening(open), None);
        assert_eq!(never.next_opening_text(open), "soon");
    }

    #[test]
    fn an_opening_in_the_skipped_hour_is_when_the_clock_jumps() {
        // Sunday 2025-03-30: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        let mut hours = berlin();
        hours.weekly[6] = vec![(120, 240)];
        assert_eq!(hours.next_opening(utc("2025-03-29", 23, 0)), Some(utc("2025-03-30", 1, 0)));
        assert!(hours.is_open(utc("2025-03-30", 1, 30)));
    }

    #[test]
    fn next_opening_in_words() {
        let hours = berlin();
        assert_eq!(hours.next_opening_text(utc("2025-01-15", 10, 0)), "now");
        assert_eq!(hours.next_opening_text(utc("2025-01-15", 5, 0)), "today at 09:00");
        assert_eq!(hours.next_opening_text(utc("2025-01-15", 17, 0)), "tomorrow at 09:00");
        assert_eq!(hours.next_opening_text(utc("2025-01-17", 17, 0)), "on Monday at 09:00");
        let mut long = berlin();
        long.holidays = (20..=24).map(|d| format!("2025-01-{d}")).collect();
        assert_eq!(long.next_opening_text(utc("2025-01-17", 17, 0)), "on Monday 27 January at 09:00");
    }

    #[test]
    fn validation_lists_every_problem() {
        let mut hours = berlin();
        hours.time_zone = "Mars/Olympus".into();
        hours.weekly[0] = vec![(540, 1020), (600, 700), (1000, 1441)];
        hours.weekly[2] = vec![(600, 600)];
        hours.holidays.push("2025-13-01".into());
        let problems: Vec<String> = hours.validate().iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "time_zone: unknown time zone \"Mars/Olympus\"; use an IANA name such as Europe/Berlin",
                "weekly[0][1]: overlaps an earlier interval of the same day",
                "weekly[0][2]: minutes run from 0 to 1440, got 1441",
                "weekly[2][0]: must start before it ends, got 600 to 600",
                "holidays[1]: not a date YYYY-MM-DD: \"2025-13-01\"",
            ]
        );
        assert!(berlin().validate().is_empty());
        let json = serde_json::to_value(berlin()).unwrap();
        assert_eq!(json["weekly"][0], serde_json::json!([[540, 1020]]));
        assert_eq!(serde_json::from_value::<BusinessHours>(json).unwrap(), berlin());
    }
}
