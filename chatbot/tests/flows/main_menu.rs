//! The shipped "Main menu": greeting, Sales with an email, Support, and
//! opening hours in and out of hours; retries and the handover; the run
//! stored in bincode between every input.

use chatbot::{advance, start, Action, Context, Input, Outcome, Run, TriggerOn};
use whatsapp::outbound::{ButtonsMessage, ReplyButton};

use super::{at, main_menu, utc};

/// A Wednesday morning in winter: 10:00 in Berlin.
fn open() -> i64 {
    utc("2025-01-15", 9, 0)
}

/// The run as the actor would store and load it.
fn stored(run: &Run) -> Run {
    let config = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(run, config).unwrap();
    let (back, used): (Run, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
    assert_eq!(used, bytes.len());
    back
}

fn text(actions: &[Action]) -> Vec<&str> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::SendText(t) => Some(t.as_str()),
            Action::SendButtons(b) => Some(b.body.as_str()),
            _ => None,
        })
        .collect()
}

fn greeting() -> ButtonsMessage {
    let button = |id: &str, title: &str| ReplyButton { id: id.into(), title: title.into() };
    ButtonsMessage {
        header: None,
        body: "Hi! \u{1F44B} Welcome to Switchboard Demo. How can we help you today?".into(),
        footer: None,
        buttons: vec![
            button("sales", "Sales"),
            button("support", "Support"),
            button("hours", "Opening hours"),
        ],
    }
}

#[test]
fn a_new_chat_is_greeted_with_the_menu() {
    let (flow, ids) = main_menu();
    assert!(flow.is_triggered(ids.number, TriggerOn::NewConversation, "hello"));
    assert!(!flow.is_triggered(tenants::NumberId::new(), TriggerOn::NewConversation, "hello"));
    let Outcome { run, actions } = start(&flow, "flow-1", 3, &at(open()));
    assert_eq!(actions, [Action::Entered("greet".into()), Action::SendButtons(greeting())]);
    assert_eq!((run.flow_id.as_str(), run.version, run.step.as_str()), ("flow-1", 3, "greet"));
    assert!(!run.finished);
}

#[test]
fn the_support_button_routes_to_the_support_team() {
    let (flow, ids) = main_menu();
    let ctx = at(open());
    let run = start(&flow, "f", 1, &ctx).run;
    let Outcome { run, actions } =
        advance(&flow, &stored(&run), Input::ButtonReply { id: "support".into() }, &ctx);
    assert_eq!(
        actions,
        [
            Action::Answered("greet".into()),
            Action::Entered("support".into()),
            Action::SendText("Connecting you to Support, one moment please.".into()),
            Action::AssignTeam {
                team_id: ids.support,
                note: "Chatbot \"Main menu\" routed the chat to a team at step \"support\"".into()
            },
            Action::Finished,
        ]
    );
    assert!(run.finished);
    assert_eq!(run.answer.as_deref(), Some("support"));
    assert_eq!(advance(&flow, &run, Input::CustomerText("hello?".into()), &ctx).actions, []);
}

#[test]
fn typing_a_title_or_its_number_counts_as_the_button() {
    let (flow, ids) = main_menu();
    let ctx = at(open());
    let run = start(&flow, "f", 1, &ctx).run;
    for typed in ["support", "  SUPPORT ", "2"] {
        let actions = advance(&flow, &run, Input::CustomerText(typed.into()), &ctx).actions;
        assert!(actions.contains(&Action::Answered("greet".into())), "{typed}");
        assert!(
            actions
                .iter()
                .any(|a| matches!(a, Action::AssignTeam { team_id, .. } if *team_id == ids.support)),
            "{typed}"
        );
    }
}

#[test]
fn sales_asks_for_an_email_again_until_it_is_one() {
    let (flow, ids) = main_menu();
    let ctx = at(open());
    let run = start(&flow, "f", 1, &ctx).run;
    let Outcome { run, actions } =
        advance(&flow, &stored(&run), Input::ButtonReply { id: "sales".into() }, &ctx);
    assert_eq!(
        actions,
        [
            Action::Answered("greet".into()),
            Action::Entered("ask_email".into()),
            Action::SendText(
                "Great! What's your email address? Our sales team will send you an offer.".into()
            ),
        ]
    );
    let Outcome { run, actions } =
        advance(&flow, &stored(&run), Input::CustomerText("ana at example".into()), &ctx);
    assert_eq!(
        actions,
        [Action::SendText(
            "That doesn't look like an email address. Please type it like name@example.com.".into()
        )]
    );
    assert_eq!((run.step.as_str(), run.retries), ("ask_email", 1));
    let Outcome { run, actions } =
        advance(&flow, &stored(&run), Input::CustomerText(" Ana@Example.com ".into()), &ctx);
    assert_eq!(
        actions,
        [
            Action::SaveAttribute { name: "email".into(), value: "ana@example.com".into() },
            Action::Answered("ask_email".into()),
            Action::Entered("thanks".into()),
            Action::SendText("Thanks! We'll write to ana@example.com.".into()),
            Action::Entered("sales".into()),
            Action::SendText("Connecting you to Sales, one moment please.".into()),
            Action::AssignTeam {
                team_id: ids.sales,
                note: "Chatbot \"Main menu\" routed the chat to a team at step \"sales\"".into()
            },
            Action::Finished,
        ]
    );
    assert_eq!(run.attribute("email"), Some("ana@example.com"));
    assert_eq!(run.retries, 0);
    assert!(run.finished);
}

#[test]
fn an_answer_that_fits_no_button_is_retried_then_handed_over() {
    let (flow, _) = main_menu();
    let ctx = at(open());
    let mut run = start(&flow, "f", 1, &ctx).run;
    for retry in 1..=2 {
        let outcome = advance(&flow, &stored(&run), Input::CustomerText("pizza".into()), &ctx);
        assert_eq!(
            outcome.actions,
            [
                Action::SendText("Please choose one of the options below.".into()),
                Action::SendButtons(greeting())
            ]
        );
        run = outcome.run;
        assert_eq!((run.step.as_str(), run.retries), ("greet", retry));
    }
    // A tap on a button of another message is no better.
    let Outcome { run, actions } =
        advance(&flow, &stored(&run), Input::ButtonReply { id: "no".into() }, &ctx);
    assert_eq!(
        actions,
        [
            Action::SendText("Let me connect you with someone from our team.".into()),
            Action::Dropped("greet".into()),
            Action::Handover {
                team_id: None,
                note: "Chatbot \"Main menu\" stopped at step \"greet\": no valid answer after 2 retries"
                    .into()
            },
            Action::Finished,
        ]
    );
    assert!(run.finished);
}

#[test]
fn a_good_answer_resets_the_retries() {
    let (flow, _) = main_menu();
    let ctx = at(open());
    let run = start(&flow, "f", 1, &ctx).run;
    let run = advance(&flow, &run, Input::CustomerText("pizza".into()), &ctx).run;
    let run = advance(&flow, &run, Input::CustomerText("pizza".into()), &ctx).run;
    let run = advance(&flow, &run, Input::CustomerText("sales".into()), &ctx).run;
    assert_eq!((run.step.as_str(), run.retries), ("ask_email", 0));
    let run = advance(&flow, &run, Input::CustomerText("nope".into()), &ctx).run;
    assert_eq!((run.step.as_str(), run.retries, run.finished), ("ask_email", 1, false));
}

#[test]
fn opening_hours_in_hours_offers_to_talk() {
    let (flow, _) = main_menu();
    // 07:30 UTC on a summer Wednesday is 09:30 in Berlin (CEST): open.
    let ctx = at(utc("2025-07-16", 7, 30));
    let run = start(&flow, "f", 1, &ctx).run;
    let Outcome { run, actions } = advance(&flow, &run, Input::ButtonReply { id: "hours".into() }, &ctx);
    assert_eq!(
        actions[..3],
        [Action::Answered("greet".into()), Action::Entered("hours".into()), Action::Entered("open".into())]
    );
    assert_eq!(run.step, "open");
    let Outcome { actions, .. } = advance(&flow, &run, Input::CustomerText("No, thanks".into()), &ctx);
    assert_eq!(text(&actions), ["Have a nice day!"]);
    assert!(actions.ends_with(&[Action::Close, Action::Finished]));
}

#[test]
fn opening_hours_out_of_hours_takes_a_message_and_says_when_we_open() {
    let (flow, _) = main_menu();
    // The same 07:30 UTC in winter is 08:30 in Berlin (CET): closed.
    let ctx = at(utc("2025-01-15", 7, 30));
    let run = start(&flow, "f", 1, &ctx).run;
    let Outcome { run, actions } = advance(&flow, &run, Input::CustomerText("opening hours".into()), &ctx);
    assert_eq!(run.step, "closed");
    assert!(actions.contains(&Action::Entered("closed".into())));
    assert_eq!(
        text(&actions),
        ["We're closed right now and open today at 09:00 (Monday to Friday, 09:00 to 17:00). \
          Leave us a message and we'll reply then."]
    );
    // Friday evening, the week the clocks go back: Monday at 09:00.
    let ctx = Context { now_ms: utc("2025-10-24", 16, 0), ..ctx };
    let Outcome { run, actions } = advance(&flow, &run, Input::CustomerText("My order is late".into()), &ctx);
    assert_eq!(
        actions,
        [
            Action::SaveAttribute { name: "message".into(), value: "My order is late".into() },
            Action::Answered("closed".into()),
            Action::Entered("noted".into()),
            Action::SendText("Thanks, we've got your message. Someone will reply on Monday at 09:00.".into()),
            Action::Handover {
                team_id: None,
                note: "Chatbot \"Main menu\" handed the chat over at step \"noted\"".into()
            },
            Action::Finished,
        ]
    );
    assert!(run.finished);
}

#[test]
fn a_run_round_trips_through_bincode() {
    let run = Run {
        flow_id: "0192f0a1-b2c3-7d4e-8f90-a1b2c3d4e5f6".into(),
        version: 7,
        step: "ask_email".into(),
        retries: 2,
        waiting_until_ms: Some(1_736_931_600_000),
        attributes: vec![("email".into(), "ana@example.com".into()), ("name".into(), "Ana".into())],
        answer: Some("sales".into()),
        finished: false,
    };
    assert_eq!(stored(&run), run);
    let fresh = Run::new("f", 1, "greet");
    assert_eq!(stored(&fresh), fresh);
    let json = serde_json::to_string(&run).unwrap();
    assert_eq!(serde_json::from_str::<Run>(&json).unwrap(), run);
}
