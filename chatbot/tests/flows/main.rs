//! The chatbot driven as the ConversationActor drives it: flows from JSON,
//! customers' inputs one by one, and the actions and run state after each.
//!
//! - `main_menu`: the shipped "Main menu" example, end to end.
//! - `steps`: the other step types, loops and resumes.
//! - `validation`: broken flows, every problem with its path.

mod main_menu;
mod steps;
mod validation;

use chatbot::{BusinessHours, Context, Flow};
use chrono::{NaiveDate, TimeZone, Utc};
use tenants::{NumberId, TeamId};

/// The shipped example, as text.
const MAIN_MENU: &str = include_str!("../../examples/main_menu.json");

/// The ids the example's placeholders stand for.
struct Ids {
    number: NumberId,
    sales: TeamId,
    support: TeamId,
}

/// The example with its placeholders replaced by fresh ids.
fn main_menu() -> (Flow, Ids) {
    let ids = Ids { number: NumberId::new(), sales: TeamId::new(), support: TeamId::new() };
    let json = MAIN_MENU
        .replace("DEMO_NUMBER", &ids.number.to_string())
        .replace("TEAM_SALES", &ids.sales.to_string())
        .replace("TEAM_SUPPORT", &ids.support.to_string());
    (chatbot::parse_flow(&json).expect("the example is valid"), ids)
}

/// Unix ms of a UTC date and time.
fn utc(date: &str, hour: u32, minute: u32) -> i64 {
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    Utc.from_utc_datetime(&date.and_hms_opt(hour, minute, 0).unwrap()).timestamp_millis()
}

/// Berlin, Monday to Friday 09:00 to 17:00.
fn berlin() -> BusinessHours {
    let day = vec![(540, 1020)];
    BusinessHours {
        time_zone: "Europe/Berlin".into(),
        weekly: [day.clone(), day.clone(), day.clone(), day.clone(), day, vec![], vec![]],
        holidays: vec![],
    }
}

/// A context at `now_ms` with Berlin's hours.
fn at(now_ms: i64) -> Context {
    Context { now_ms, hours: Some(berlin()), ..Context::default() }
}

/// A flow from a JSON literal, not validated.
fn flow(json: serde_json::Value) -> Flow {
    serde_json::from_value(json).expect("a flow")
}
