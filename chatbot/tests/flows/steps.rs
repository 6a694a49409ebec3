//! The other step types: wait and its timer, lists, branches on
//! attributes, labels and answers, resumes, the loop guard, abandon,
//! keyword triggers and API.md's own example document.

use chatbot::{abandon, advance, start, Action, Context, Flow, Input, Outcome, TriggerOn, STEP_BUDGET};
use serde_json::json;
use tenants::NumberId;

use super::flow;

const MINUTE: i64 = 60_000;

fn ctx(now_ms: i64) -> Context {
    Context { now_ms, ..Context::default() }
}

fn feedback() -> Flow {
    flow(json!({
        "name": "Feedback", "trigger": {"on": "reopen"}, "start": "hello",
        "steps": {
            "hello": {"type": "message", "text": "We'll check back in half an hour.", "next": "pause"},
            "pause": {"type": "wait", "minutes": 30, "next": "check"},
            "check": {"type": "message", "text": "All good?", "next": "bye"},
            "bye":   {"type": "close"}
        }
    }))
}

#[test]
fn a_wait_step_goes_on_when_its_timer_fires() {
    let flow = feedback();
    let t0 = 1_700_000_000_000;
    let until_ms = t0 + 30 * MINUTE;
    let Outcome { run, actions } = start(&flow, "f", 1, &ctx(t0));
    assert_eq!(
        actions,
        [
            Action::Entered("hello".into()),
            Action::SendText("We'll check back in half an hour.".into()),
            Action::Entered("pause".into()),
            Action::StartTimer { until_ms },
        ]
    );
    assert_eq!(run.waiting_until_ms, Some(until_ms));
    // The customer writes meanwhile: the bot keeps waiting.
    let later = advance(&flow, &run, Input::CustomerText("hello?".into()), &ctx(t0 + MINUTE));
    assert_eq!((later.actions, &later.run), (vec![], &run));
    // A timer that fires early (a restart), or a resume, arms it again.
    for input in [Input::TimerFired, Input::Resume] {
        let early = advance(&flow, &run, input, &ctx(t0 + 10 * MINUTE));
        assert_eq!((early.actions, &early.run), (vec![Action::StartTimer { until_ms }], &run));
    }
    let Outcome { run, actions } = advance(&flow, &run, Input::TimerFired, &ctx(until_ms));
    assert_eq!(
        actions,
        [
            Action::Entered("check".into()),
            Action::SendText("All good?".into()),
            Action::Entered("bye".into()),
            Action::Close,
            Action::Finished,
        ]
    );
    assert_eq!((run.finished, run.waiting_until_ms), (true, None));
}

#[test]
fn a_stale_timer_is_ignored_and_a_resume_shows_the_question_again() {
    let flow = flow(json!({
        "name": "Ask", "trigger": {"on": "new_conversation"}, "start": "name",
        "steps": {"name": {"type": "ask", "text": "Your name?", "save_as": "name", "next": "hi"},
                  "hi": {"type": "message", "text": "Hi {{name}}!"}}
    }));
    let run = start(&flow, "f", 1, &ctx(0)).run;
    assert_eq!(advance(&flow, &run, Input::TimerFired, &ctx(1)).actions, []);
    assert_eq!(advance(&flow, &run, Input::Resume, &ctx(1)).actions, [Action::SendText("Your name?".into())]);
    let Outcome { run, actions } = advance(&flow, &run, Input::CustomerText("Ana".into()), &ctx(2));
    assert_eq!(actions[3..], [Action::SendText("Hi Ana!".into()), Action::Finished]);
    assert!(run.finished, "a message without next ends the flow");
}

#[test]
fn lists_take_a_row_reply_or_a_typed_title() {
    let flow = flow(json!({
        "name": "Shop", "trigger": {"on": "keyword", "keywords": ["Menu", "start"]}, "start": "pick",
        "steps": {
            "pick": {"type": "list", "text": "What are you after?", "button": "Departments",
                     "sections": [{"title": "Plants", "rows": [
                         {"id": "cacti", "title": "Cacti", "description": "Spiky", "next": "tag"},
                         {"id": "ferns", "title": "Ferns", "next": "tag"}]},
                                  {"title": "Other", "rows": [{"id": "pots", "title": "Pots", "next": "tag"}]}]},
            "tag": {"type": "label", "label": "Shop", "next": "route"},
            "route": {"type": "branch", "on": "answer",
                      "cases": [{"equals": "POTS", "next": "pots"}, {"matches": "^c", "next": "cacti"}],
                      "default": "other"},
            "pots": {"type": "close", "text": "pots"},
            "cacti": {"type": "close", "text": "cacti"},
            "other": {"type": "close", "text": "other"}
        }
    }));
    let number = NumberId::new();
    let flow = Flow { number_ids: vec![number], ..flow };
    assert!(flow.is_triggered(number, TriggerOn::Keyword, " menu "));
    assert!(!flow.is_triggered(number, TriggerOn::Keyword, "menu please"));
    assert!(!flow.is_triggered(number, TriggerOn::NewConversation, "menu"));
    let Outcome { run, actions } = start(&flow, "f", 1, &ctx(0));
    let Action::SendList(list) = &actions[1] else { panic!("{actions:?}") };
    assert_eq!(
        (list.button.as_str(), list.sections[0].rows[0].description.as_deref()),
        ("Departments", Some("Spiky"))
    );
    let chose = |input| {
        let actions = advance(&flow, &run, input, &ctx(1)).actions;
        actions.iter().find_map(|a| match a {
            Action::SendText(t) => Some(t.clone()),
            _ => None,
        })
    };
    assert_eq!(chose(Input::ListReply { id: "pots".into() }).as_deref(), Some("pots"));
    assert_eq!(chose(Input::CustomerText("cacti".into())).as_deref(), Some("cacti"));
    assert_eq!(chose(Input::CustomerText("2".into())).as_deref(), Some("other"));
    let actions = advance(&flow, &run, Input::ListReply { id: "ferns".into() }, &ctx(1)).actions;
    assert_eq!(
        actions[..4],
        [
            Action::Answered("pick".into()),
            Action::Entered("tag".into()),
            Action::AddLabel("Shop".into()),
            Action::Entered("route".into()),
        ]
    );
}

#[test]
fn branches_read_attributes_and_labels() {
    let flow = flow(json!({
        "name": "VIP", "trigger": {"on": "new_conversation"}, "start": "known",
        "steps": {
            "known": {"type": "branch", "on": "attribute", "attribute": "email",
                      "cases": [{"matches": "@", "next": "vip"}], "default": "ask"},
            "ask": {"type": "ask", "text": "Email?", "save_as": "email", "validate": "email", "next": "known"},
            "vip": {"type": "branch", "on": "label", "cases": [{"equals": "vip", "next": "tagged"}], "default": "tag"},
            "tag": {"type": "label", "label": "VIP", "next": "vip"},
            "tagged": {"type": "handover", "text": "Hello {{email}}"}
        }
    }));
    // Unknown email: ask, then loop back through the branch.
    let Outcome { run, .. } = start(&flow, "f", 1, &ctx(0));
    assert_eq!(run.step, "ask");
    let actions = advance(&flow, &run, Input::CustomerText("a@b.co".into()), &ctx(1)).actions;
    assert!(actions.contains(&Action::AddLabel("VIP".into())));
    assert!(actions.contains(&Action::SendText("Hello a@b.co".into())));
    // Known from the contact, already labelled: straight through.
    let known =
        Context { attributes: vec![("email".into(), "x@y.co".into())], labels: vec!["VIP".into()], ..ctx(0) };
    let actions = start(&flow, "f", 1, &known).actions;
    assert!(!actions.iter().any(|a| matches!(a, Action::AddLabel(_))));
    assert!(actions.contains(&Action::SendText("Hello x@y.co".into())));
}

#[test]
fn a_loop_that_never_waits_is_stopped_and_handed_over() {
    let flow = flow(json!({
        "name": "Spin", "trigger": {"on": "new_conversation"}, "start": "a",
        "steps": {"a": {"type": "label", "label": "x", "next": "b"},
                  "b": {"type": "branch", "on": "answer", "cases": [], "default": "a"}}
    }));
    let Outcome { run, actions } = start(&flow, "f", 1, &ctx(0));
    let entered = actions.iter().filter(|a| matches!(a, Action::Entered(_))).count();
    assert_eq!(entered, STEP_BUDGET);
    assert_eq!(
        actions[actions.len() - 3..],
        [
            Action::Dropped("a".into()),
            Action::Handover {
                team_id: None,
                note: "Chatbot \"Spin\" stopped at step \"a\": more than 50 steps without waiting for the customer"
                    .into()
            },
            Action::Finished,
        ]
    );
    assert!(run.finished);
}

#[test]
fn a_missing_step_and_abandon_drop_the_run() {
    let flow = feedback();
    let mut run = start(&flow, "f", 1, &ctx(0)).run;
    run.step = "gone".into();
    let actions = advance(&flow, &run, Input::TimerFired, &ctx(1)).actions;
    assert_eq!(actions[0], Action::Dropped("gone".into()));
    assert!(actions.ends_with(&[Action::Finished]));
    let Outcome { run, actions } = abandon(&start(&flow, "f", 1, &ctx(0)).run);
    assert_eq!(actions, [Action::Dropped("pause".into()), Action::Finished]);
    assert_eq!((run.finished, run.waiting_until_ms), (true, None));
    assert_eq!(abandon(&run).actions, []);
}

#[test]
fn api_mds_example_document_parses() {
    let json = r#"{"name": "Main menu", "number_ids": ["0192f0a1-b2c3-7d4e-8f90-a1b2c3d4e5f6"],
     "trigger": {"on": "keyword", "keywords": ["menu"]},
     "start": "greet",
     "steps": {
       "greet":   {"type": "buttons", "text": "Hi! How can we help?",
                   "buttons": [{"id": "sales", "title": "Sales", "next": "sales"},
                               {"id": "support", "title": "Support", "next": "support"}]},
       "support": {"type": "assign_team", "team_id": "0192f0a1-b2c3-7d4e-8f90-a1b2c3d4e5f7", "text": "Connecting you to Support"},
       "sales":   {"type": "ask", "text": "Your email?", "save_as": "email",
                   "validate": "email", "next": "thanks"},
       "thanks":  {"type": "close", "text": "Thanks!"}}}"#;
    let flow = chatbot::parse_flow(json).unwrap();
    assert_eq!((flow.settings.retries, flow.steps.len()), (2, 4));
    assert_eq!(Flow::from_json(&flow.to_json()).unwrap(), flow);
    let regex = r#"{"type": "ask", "text": "Zip?", "save_as": "zip", "validate": {"regex": "[0-9]{5}"}, "next": "x"}"#;
    let step: chatbot::Step = serde_json::from_str(regex).unwrap();
    assert!(
        matches!(step, chatbot::Step::Ask { validate: chatbot::Validate::Regex(ref p), .. } if p == "[0-9]{5}")
    );
}
