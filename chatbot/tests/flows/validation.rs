//! Broken flows: every problem at once, each with its path; the shipped
//! example with and without its placeholders.

use chatbot::{has_errors, parse_flow, validate, ChatbotError, Severity};
use serde_json::json;

use super::{flow, MAIN_MENU};

fn problems(json: serde_json::Value) -> Vec<String> {
    validate(&flow(json)).iter().map(ToString::to_string).collect()
}

#[test]
fn a_broken_flow_lists_every_problem_with_its_path() {
    let found = problems(json!({
        "name": " ", "trigger": {"on": "keyword"}, "start": "nowhere",
        "settings": {"retries": 11},
        "steps": {
            "greet": {"type": "buttons", "text": "", "header": "h".repeat(61), "buttons": [
                {"id": "a", "title": "Twenty-one characters", "next": "ask"},
                {"id": "a", "title": "B", "next": "missing"},
                {"id": "c", "title": "C", "next": "ask"},
                {"id": "d", "title": "D", "next": "ask"}]},
            "menu": {"type": "list", "text": "b".repeat(1025), "button": "A label far too long for Meta",
                     "sections": [{"rows": [
                        {"id": "r1", "title": "A row title that is too long", "description": "d".repeat(73), "next": "ask"},
                        {"id": "r1", "title": "Two", "next": "ask"}]}]},
            "ask": {"type": "ask", "text": "Zip?", "save_as": "", "validate": {"regex": "([0-9]"}, "next": "spin"},
            "spin": {"type": "branch", "on": "attribute", "cases": [
                        {"equals": "x", "matches": "y", "next": "tag"},
                        {"in_hours": true, "next": "tag"}], "default": "tag"},
            "tag": {"type": "label", "label": "", "next": "spin"},
            "hours": {"type": "branch", "on": "business_hours", "cases": [{"equals": "open", "next": "nap"}], "default": ""},
            "nap": {"type": "wait", "minutes": 0, "next": "bye"},
            "bye": {"type": "close", "text": ""},
            "bad id!": {"type": "message", "text": "hi", "next": "bye"}
        }
    }));
    assert_eq!(
        found,
        [
            "name: must not be empty",
            "trigger.keywords: a keyword trigger needs at least one keyword",
            "settings.retries: at most 10, got 11",
            "start: unknown step \"nowhere\"",
            "steps.ask.save_as: must not be empty",
            "steps.ask.validate.regex: not a valid regular expression: unclosed group",
            "steps.bad id!: a step id is 1 to 64 letters, digits, '_' or '-'",
            "steps.bye.text: must not be empty",
            "steps.greet.buttons: 1 to 3 reply buttons (Meta's limit), got 4",
            "steps.greet.buttons[0].title: at most 20 characters (Meta's limit), got 21",
            "steps.greet.buttons[1].id: \"a\" appears twice; must be unique within the message",
            "steps.greet.header: at most 60 characters (Meta's limit), got 61",
            "steps.greet.text: must not be empty",
            "steps.greet.buttons[1].next: unknown step \"missing\"",
            "steps.hours.cases[0].in_hours: required for on: business_hours (true or false)",
            "steps.hours.cases[0]: on: business_hours takes in_hours, not equals or matches",
            "steps.hours.default: must name a step",
            "steps.menu.button: at most 20 characters (Meta's limit), got 29",
            "steps.menu.sections[0].rows[0].title: at most 24 characters (Meta's limit), got 28",
            "steps.menu.sections[0].rows[0].description: at most 72 characters (Meta's limit), got 73",
            "steps.menu.sections[0].rows[1].id: \"r1\" appears twice; must be unique within the message",
            "steps.menu.text: at most 1024 characters (Meta's limit), got 1025",
            "steps.nap.minutes: 1 to 10080 (a week), got 0",
            "steps.spin.attribute: required for on: attribute",
            "steps.spin.cases[0]: needs exactly one of equals or matches",
            "steps.spin.cases[1].in_hours: only for on: business_hours",
            "steps.spin.cases[1]: needs exactly one of equals or matches",
            "steps.tag.label: must not be empty",
            "steps.spin: loops forever without waiting for the customer: spin -> tag -> spin; \
         put a buttons, list, ask or wait step in the loop",
        ]
    );
}

#[test]
fn unreachable_steps_are_warnings() {
    let doc = json!({
        "name": "Lonely", "trigger": {"on": "new_conversation"}, "start": "hi",
        "steps": {"hi": {"type": "close", "text": "Bye"},
                  "orphan": {"type": "message", "text": "Never sent", "next": "hi"}}
    });
    let found = validate(&flow(doc.clone()));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].to_string(), "steps.orphan: no step leads here from start: it never runs (warning)");
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(!has_errors(&found));
    assert!(parse_flow(&doc.to_string()).is_ok());
}

#[test]
fn loops_through_a_step_that_waits_are_fine() {
    assert_eq!(
        problems(json!({
            "name": "Menu", "trigger": {"on": "new_conversation"}, "start": "menu",
            "steps": {
                "menu": {"type": "buttons", "text": "Pick", "buttons": [
                    {"id": "again", "title": "Again", "next": "note"},
                    {"id": "done", "title": "Done", "next": "bye"}]},
                "note": {"type": "message", "text": "Once more", "next": "menu"},
                "bye": {"type": "close"}
            }
        })),
        Vec::<String>::new()
    );
}

#[test]
fn the_shipped_example_is_valid_once_its_ids_are_filled_in() {
    let (flow, ids) = super::main_menu();
    assert_eq!(flow.name, "Main menu");
    assert_eq!(flow.number_ids, [ids.number]);
    assert!(validate(&flow).is_empty(), "{:?}", validate(&flow));
    // The placeholders themselves are not ids: refused, with the path.
    let err = parse_flow(MAIN_MENU).unwrap_err();
    assert!(matches!(&err, ChatbotError::Json { path, .. } if path == "number_ids[0]"), "{err}");
    let problems = err.problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].severity, Severity::Error);
    // Invalid documents come back as every problem.
    let broken = MAIN_MENU
        .replace("\"title\": \"Sales\"", "\"title\": \"\"")
        .replace("DEMO_NUMBER", "0192f0a1-b2c3-7d4e-8f90-a1b2c3d4e5f6");
    let broken = broken
        .replace("TEAM_SALES", "0192f0a1-b2c3-7d4e-8f90-a1b2c3d4e5f7")
        .replace("TEAM_SUPPORT", "0192f0a1-b2c3-7d4e-8f90-a1b2c3d4e5f8");
    let ChatbotError::Invalid(problems) = parse_flow(&broken).unwrap_err() else { panic!() };
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["steps.greet.buttons[0].title", "steps.open.buttons[0].title"]);
}

#[test]
fn a_document_of_the_wrong_shape_names_where() {
    let err = parse_flow(
        r#"{"name": "x", "trigger": {"on": "new_conversation"}, "start": "a",
            "steps": {"a": {"type": "teleport", "next": "a"}}}"#,
    )
    .unwrap_err();
    assert_eq!(err.problems()[0].path, "steps.a.type");
    assert!(err.to_string().starts_with("steps.a.type: unknown variant `teleport`"), "{err}");
    let err = parse_flow(r#"{"name": "x", "trigger": {"on": "sometimes"}}"#).unwrap_err();
    assert_eq!(err.problems()[0].path, "trigger.on");
    let err = parse_flow("not json").unwrap_err();
    assert!(err.to_string().starts_with("flow: expected"), "{err}");
}
