//! The chatbot builder: a manager starts a flow from the list, turns its
//! greeting into reply buttons, is told at once that a button title is
//! over Meta's 20 characters (and the server refuses to save it), fixes
//! it, adds a message step and an `assign_team` step, links the buttons
//! to them, walks the draft in "Try it", saves and publishes. The stored
//! flow is then checked over the API, and a customer writing in over a
//! signed webhook gets Meta's reply buttons with the titles typed in the
//! editor and is routed to the team.

use serde_json::{json, Value};

use super::harness::{sign_in, Browser, DESKTOP, PHONE, UI_WAIT};
use crate::support::bot::Customer;
use crate::support::{poll_until, spawn_app, PASSWORD};

/// The input, textarea or select of the field at `path` of the flow.
fn at(path: &str) -> String {
    format!("[data-path=\"{path}\"] :is(input, textarea, select)")
}

/// Replaces the text of the field at `path` by typing `text`.
async fn retype(browser: &Browser, path: &str, text: &str) {
    let css = at(path);
    browser.wait_for(&css).await;
    browser
        .js_with(
            "const i = document.querySelector(arguments[0]); i.value = ''; i.dispatchEvent(new Event('input', { bubbles: true })); return true;",
            vec![json!(css)],
        )
        .await;
    browser.type_into(&css, text).await;
}

/// Picks `value` in the select of the field at `path`.
async fn choose(browser: &Browser, path: &str, value: &str) {
    let css = at(path);
    browser.wait_for(&css).await;
    let picked = browser
        .js_with(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true })); return s.value;",
            vec![json!(css), json!(value)],
        )
        .await;
    assert_eq!(picked, json!(value), "{path} has no option {value:?}");
}

/// Adds a step of `kind` called `id` through the "Add a step" dialog.
async fn add_step(browser: &Browser, kind: &str, id: &str) {
    browser.click("[data-action=add-step]").await;
    browser.click(&format!("dialog[open] input[type=radio][value={kind}]")).await;
    let input = "dialog[open] input[type=text]";
    browser
        .js_with("document.querySelector(arguments[0]).value = ''; return true;", vec![json!(input)])
        .await;
    browser.type_into(input, id).await;
    browser.click("dialog[open] button[type=submit]").await;
    browser.wait_gone("dialog[open]").await;
    browser.wait_for(&format!("#step-{id}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_builds_tries_and_publishes_a_flow_that_customers_then_get() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let agent = acme.create_staff().await;
    let support = acme.create_team("Support", &[&agent], "round_robin").await;
    let number = acme.number().id.clone();

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    // "Try it" asks once whether this server runs the demo; it does not.
    browser.expect_api_status("/demo/api/customers", 404);

    // The Chatbot page, empty, then a new flow opened in the builder.
    browser.click("a.nav-link[data-nav=flows]").await;
    browser.wait_for_text(".empty-title", "No flows yet").await;
    browser.assert_accessible("empty flow list").await;
    browser.click("[data-action=new-flow]").await;
    browser.wait_for("#step-welcome").await;
    let id = browser.js("return decodeURIComponent(location.hash.split('/')[2])").await;
    let id = id.as_str().expect("the flow id in the route").to_string();
    browser.wait_for_text(".flow-version", "Draft, never published").await;

    // Its name and number; the greeting becomes reply buttons, renamed.
    retype(&browser, "name", "Front desk").await;
    browser.click(".flow-numbers input[type=checkbox]").await;
    browser.click("button[aria-label='Rename step welcome']").await;
    browser
        .js("const i = document.querySelector('dialog[open] input[type=text]'); i.value = ''; return true;")
        .await;
    browser.type_into("dialog[open] input[type=text]", "greet").await;
    browser.click("dialog[open] button[type=submit]").await;
    browser.wait_for("#step-greet").await;
    choose(&browser, "steps.greet.type", "buttons").await;
    browser.wait_for(&at("steps.greet.buttons[0].title")).await;
    retype(&browser, "steps.greet.text", "Hi! What can we do for you?").await;

    // A title over Meta's 20 characters is flagged as it is typed, and the
    // server refuses to save the draft until it is fixed.
    let title_error = "[data-path=\"steps.greet.buttons[0].title\"] .field-error";
    retype(&browser, "steps.greet.buttons[0].title", "Talk to our sales team").await;
    browser.wait_for_text(title_error, "At most 20 characters (Meta's limit), now 22").await;
    browser.wait_for_text("[data-path=\"steps.greet.buttons[0].title\"] .ff-count.over", "22/20").await;
    browser.expect_api_status("/api/flows/", 422);
    browser.click("[data-action=save-flow]").await;
    browser.wait_for_text(".form-error", "Not saved").await;
    browser
        .wait_until(
            "the card marked",
            "document.querySelector('#step-greet').classList.contains('has-error')",
        )
        .await;
    retype(&browser, "steps.greet.buttons[0].title", "Talk to sales").await;
    browser
        .wait_until("the error gone", &format!("document.querySelector({}).hidden", json!(title_error)))
        .await;
    browser.click_text("#step-greet button", "Add button").await;
    retype(&browser, "steps.greet.buttons[1].title", "Get support").await;
    retype(&browser, "steps.greet.buttons[1].id", "support").await;
    retype(&browser, "steps.greet.buttons[0].id", "sales").await;

    // A message for sales, the Support team for support, linked from the buttons.
    add_step(&browser, "message", "sales").await;
    retype(&browser, "steps.sales.text", "Our sales team will write to you within the hour.").await;
    add_step(&browser, "assign_team", "support").await;
    let team = browser
        .js(&format!("return document.querySelector({}).value", json!(at("steps.support.team_id"))))
        .await;
    assert_eq!(team, json!(support), "the team picker offers the tenant's team");
    retype(&browser, "steps.support.text", "Connecting you to Support.").await;
    choose(&browser, "steps.greet.buttons[0].next", "sales").await;
    choose(&browser, "steps.greet.buttons[1].next", "support").await;
    browser.wait_for_text("#step-support .card-from", "greet").await;
    browser.click("[data-path=\"steps.greet.buttons[1].next\"] .step-link").await;
    browser
        .wait_until(
            "the support card flashed",
            "document.querySelector('#step-support').classList.contains('flash')",
        )
        .await;
    browser.wait_until("no problem left", "!document.querySelector('.flow-card.has-error')").await;
    browser.assert_accessible("flow editor").await;

    // Try it: tap a button, see the next step's text.
    browser.click("[data-action=try-flow]").await;
    browser.wait_for_text(".try-bot .try-text", "Hi! What can we do for you?").await;
    browser.click_text(".try-choice", "Talk to sales").await;
    browser.wait_for_text(".try-bot .try-text", "Our sales team will write to you within the hour.").await;
    browser.wait_for_text(".try-system", "The flow ends here").await;
    browser.click_text(".try-head button", "Restart").await;
    browser.wait_until("one greeting again", "document.querySelectorAll('.try-bot').length === 1").await;
    browser.type_into("#try-input", "get SUPPORT\u{E007}").await;
    browser.wait_for_text(".try-bot .try-text", "Connecting you to Support.").await;
    browser.wait_for_text(".try-system", "Support").await;
    browser.assert_accessible("flow editor trying it").await;
    browser.screenshots("25-flow-editor").await;
    // On a phone the cards stack in one column, nothing runs off the side.
    browser.viewport(PHONE).await;
    browser
        .wait_until(
            "one column of cards within 390 px",
            "new Set([...document.querySelectorAll('.flow-card')].map((c) => Math.round(c.getBoundingClientRect().left))).size === 1
             && document.querySelector('.flow-page').scrollWidth <= 390 && document.documentElement.scrollWidth <= 390",
        )
        .await;
    browser.assert_accessible("flow editor on a phone").await;
    browser.viewport(DESKTOP).await;

    // Save, then publish.
    browser.click("[data-action=save-flow]").await;
    browser.wait_for_text(".flow-status", "Saved").await;
    browser.click("[data-action=publish-flow]").await;
    browser.wait_for_text(".flow-version", "Version 1 live").await;
    browser.wait_for_text("#step-greet .card-stats", "0 customers entered").await;
    assert_eq!(browser.stray_text().await, Vec::<String>::new());

    // Stored as built.
    let stored = acme.manager.get_flow(&id).await.expect(200);
    assert_eq!(stored["published_version"], 1, "{stored}");
    assert_eq!(
        (&stored["name"], &stored["start"], &stored["number_ids"], &stored["trigger"]["on"]),
        (&json!("Front desk"), &json!("greet"), &json!([number]), &json!("new_conversation")),
        "{stored}"
    );
    assert_eq!(
        stored["steps"],
        json!({
            "greet": {"type": "buttons", "text": "Hi! What can we do for you?", "buttons": [
                {"id": "sales", "title": "Talk to sales", "next": "sales"},
                {"id": "support", "title": "Get support", "next": "support"},
            ]},
            "sales": {"type": "message", "text": "Our sales team will write to you within the hour."},
            "support": {"type": "assign_team", "team_id": support, "text": "Connecting you to Support."},
        }),
        "{stored}"
    );

    // A customer writes: the greeting goes out as Meta's reply buttons.
    let mut customer = Customer::new(&acme, &app.graph, "Priya");
    customer.says("hello").await;
    let sends = customer.expect(&["Hi! What can we do for you?"]).await;
    let interactive = &sends[0].body["interactive"];
    assert_eq!(interactive["type"], "button", "{interactive}");
    let titles: Vec<&Value> = interactive["action"]["buttons"]
        .as_array()
        .expect("buttons")
        .iter()
        .map(|b| &b["reply"]["title"])
        .collect();
    assert_eq!(titles, [&json!("Talk to sales"), &json!("Get support")], "{interactive}");
    customer.taps("support", "Get support").await;
    customer.expect(&["Connecting you to Support."]).await;
    let routed = acme
        .wait_conversation(&customer.conversation_id().await, "routed to Support", |c| {
            c["team_id"] == json!(support)
        })
        .await;
    assert_eq!(routed["team_id"], json!(support), "{routed}");
    // The builder counts who entered and answered each step.
    let counts = "document.querySelector('#step-greet .card-stats')?.textContent || ''";
    poll_until(UI_WAIT, "the greeting's counts", || async {
        browser.click("button[aria-label='Refresh step counts']").await;
        let text = browser.js(&format!("return {counts}")).await;
        text.as_str().filter(|t| t.contains("1 customer entered · 1 answered")).map(str::to_string)
    })
    .await;
    browser.wait_for_text("#step-support .card-stats", "1 customer entered").await;

    // The list shows it live.
    browser.goto("/#/flows").await;
    browser.wait_for_text(".flow-name", "Front desk").await;
    browser.wait_for_text(".flows-table .chip", "Version 1 live").await;
    browser.assert_accessible("flow list").await;
    browser.screenshots("28-flow-list").await;
    browser.finish().await;
}

/// A flow with a step of every type, on `number`, for `team` and `user`.
fn every_step(number: &str, team: &str, user: &str) -> Value {
    json!({
        "name": "Every step",
        "number_ids": [number],
        "trigger": {"on": "keyword", "keywords": ["menu"]},
        "start": "greet",
        "steps": {
            "greet": {"type": "buttons", "text": "Sales or support?", "header": "Acme", "footer": "Reply any time",
                      "buttons": [{"id": "sales", "title": "Sales", "next": "email"},
                                  {"id": "support", "title": "Support", "next": "menu"}]},
            "email": {"type": "ask", "text": "Your email?", "save_as": "email", "validate": "email", "next": "zip"},
            "zip": {"type": "ask", "text": "Your postcode?", "save_as": "zip", "validate": {"regex": "[0-9]{5}"}, "next": "thanks"},
            "thanks": {"type": "message", "text": "Thanks! We'll write to {{email}}.", "next": "tag"},
            "tag": {"type": "label", "label": "Lead", "next": "later"},
            "later": {"type": "wait", "minutes": 5, "next": "to_ann"},
            "to_ann": {"type": "assign_user", "user_id": user, "text": "Ann will take it from here."},
            "menu": {"type": "list", "text": "What is it about?", "button": "Topics", "sections": [
                {"title": "Orders", "rows": [{"id": "late", "title": "Late parcel", "description": "It did not arrive", "next": "hours"}]},
                {"title": "Other", "rows": [{"id": "other", "title": "Something else", "next": "human"}]}]},
            "hours": {"type": "branch", "on": "business_hours", "cases": [{"in_hours": true, "next": "team"}], "default": "bye"},
            "team": {"type": "assign_team", "team_id": team},
            "human": {"type": "handover", "text": "A person will answer."},
            "bye": {"type": "close", "text": "We're closed, write again tomorrow."}
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_step_type_is_edited_tried_and_refused_where_the_server_says() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let ann = acme.staff_named("Ann").await;
    let support = acme.create_team("Support", &[&ann], "round_robin").await;
    let flow = every_step(&acme.number().id, &support, ann.id());
    let created = acme.manager.create_flow(&flow).await.expect(201);
    let id = created["id"].as_str().expect("flow id").to_string();

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    // "Try it" asks once whether this server runs the demo; it does not.
    browser.expect_api_status("/demo/api/customers", 404);
    browser.goto(&format!("/#/flows/{id}")).await;
    browser.wait_for("#step-bye").await;
    let order =
        browser.js("return [...document.querySelectorAll('.flow-card')].map((c) => c.dataset.step)").await;
    assert_eq!(
        order,
        json!([
            "greet", "email", "menu", "zip", "hours", "human", "thanks", "team", "bye", "tag", "later",
            "to_ann"
        ]),
        "cards in the order customers meet them"
    );
    browser.wait_for_text("#step-menu .ff-group legend", "Rows (2 of 10)").await;
    browser.wait_for_text("#step-hours .card-from", "menu").await;
    browser.wait_until("no problem shown", "!document.querySelector('.flow-card.has-error')").await;
    browser.assert_accessible("every step type").await;

    // Try it: a wrong email is asked again, the answers fill the texts.
    browser.click("[data-action=try-flow]").await;
    browser.wait_for_text(".try-customer", "menu").await;
    browser.click_text(".try-choice", "Sales").await;
    browser.wait_for_text(".try-bot .try-text", "Your email?").await;
    browser.type_into("#try-input", "not an email\u{E007}").await;
    browser
        .wait_for_text(".try-bot .try-text", "That doesn't look like an email address. Please try again.")
        .await;
    browser.type_into("#try-input", "Ann@Example.com\u{E007}").await;
    browser.wait_for_text(".try-bot .try-text", "Your postcode?").await;
    browser.type_into("#try-input", "12345\u{E007}").await;
    browser.wait_for_text(".try-bot .try-text", "Thanks! We'll write to ann@example.com.").await;
    browser.wait_for_text(".try-system", "Label \"Lead\"").await;
    browser.wait_for_text(".try-bot .try-text", "Ann will take it from here.").await;
    browser.wait_for_text(".try-system", "The chat goes to Ann").await;
    // ... and the other way: the list, then the business-hours branch.
    browser.click_text(".try-head button", "Restart").await;
    browser.click_text(".try-choice", "Support").await;
    browser.click_text(".try-choice", "Late parcel").await;
    browser.wait_for_text(".try-system", "always open").await;
    browser.wait_for_text(".try-system", "The chat goes to the team Support").await;
    browser.assert_accessible("trying every step type").await;

    // A pattern JavaScript takes but the server's regex engine does not:
    // the server's 422 lands on the pattern's field.
    let pattern_error = "[data-path=\"steps.zip.validate.regex\"] .field-error";
    browser.expect_api_status("/api/flows/", 422);
    retype(&browser, "steps.zip.validate.regex", "(?=[0-9])[0-9]{5}").await;
    browser
        .wait_until("no inline error", &format!("document.querySelector({}).hidden", json!(pattern_error)))
        .await;
    browser.click("[data-action=save-flow]").await;
    browser.wait_for_text(".form-error", "Not saved").await;
    browser.wait_for_text(pattern_error, "Not a valid regular expression").await;
    retype(&browser, "steps.zip.validate.regex", "[0-9]{5}").await;
    browser
        .wait_until("the error gone", &format!("document.querySelector({}).hidden", json!(pattern_error)))
        .await;
    browser.click("[data-action=save-flow]").await;
    browser.wait_for_text(".flow-status", "Saved").await;
    browser.wait_until("the banner gone", "document.querySelector('.form-error').hidden").await;

    // Deleting a step leaves the link to it to choose again.
    browser.click("button[aria-label='Delete step bye']").await;
    browser.click("dialog[open] .btn-danger").await;
    browser.wait_gone("#step-bye").await;
    browser.wait_for_text("[data-path=\"steps.hours.default\"] .field-error", "Choose the next step").await;
    browser.wait_for_text(".flow-status", "1 problem to fix").await;
    let stored = acme.manager.get_flow(&id).await.expect(200);
    assert_eq!(stored["steps"]["zip"]["validate"], json!({"regex": "[0-9]{5}"}), "{stored}");
    assert!(stored["steps"]["bye"].is_object(), "not saved yet: {stored}");
    browser.screenshots("29-flow-every-step").await;
    // Saved anyway, the server refuses it: nothing changes.
    browser.click("[data-action=save-flow]").await;
    browser.wait_for_text(".form-error", "Not saved").await;
    assert!(acme.manager.get_flow(&id).await.expect(200)["steps"]["bye"].is_object());

    // Leaving keeps the unsaved edits; coming back offers them again.
    browser.click("a.back-link").await;
    browser.wait_for_text(".toast", "Unsaved changes to Every step are kept").await;
    browser.click_text(".flow-name", "Every step").await;
    browser.wait_for("#step-bye").await;
    browser.assert_accessible("unsaved changes offered back").await;
    browser.click_text(".flow-kept button", "Get them back").await;
    browser.wait_gone("#step-bye").await;
    browser.wait_for_text(".flow-status", "Unsaved changes").await;

    // The list deletes a flow, once asked.
    browser.click("a.back-link").await;
    browser.click("button[aria-label='Delete Every step']").await;
    browser.click("dialog[open] .btn-danger").await;
    browser.wait_for_text(".empty-title", "No flows yet").await;
    assert_eq!(acme.manager.list_flows().await.expect(200)["items"], json!([]));
    browser.finish().await;
}
