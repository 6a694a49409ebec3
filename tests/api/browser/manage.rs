//! A manager at work: creates a label in Settings, labels a chat and
//! filters the inbox by it, looks at the agent monitor, and hands a chat
//! to a team, which an agent's own browser receives live; searches the
//! inbox, narrows it to unread chats or one team while the tab counts
//! follow live; sets up people (capacity, deactivation), teams, canned
//! replies, the inbox rules and business hours.

use serde_json::json;

use super::harness::{sign_in, wait_for_tab_counts, wait_for_text_send, Browser, DESKTOP, PHONE};
use crate::support::{spawn_app, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_labels_filters_and_hands_a_chat_to_a_team() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let staff = acme.create_staff().await;
    let team =
        acme.manager.raw_post("/api/teams", &json!({"name": "Support", "member_ids": [staff.id()]})).await;
    assert_eq!(team.status, 201, "create a team: {}", team.text);
    let team_id = team.body["id"].as_str().expect("team id").to_string();
    let hot = acme
        .receive_text("447700900020", "Farah Haddad", "I want 40 units, what's your best price?")
        .await
        .conversation_id();
    let parcel =
        acme.receive_text("447700900021", "Gus Brown", "Where is my parcel?").await.conversation_id();

    // The agent is online in their own browser, looking at their chats.
    let agent = Browser::open(&app.address).await;
    agent.goto("/").await;
    sign_in(&agent, &staff.email, PASSWORD).await;
    agent.wait_for_text(".empty-title", "No chats assigned to you").await;
    agent
        .wait_until(
            "the agent's live socket",
            "document.querySelector('#live-status')?.dataset.status === 'live'",
        )
        .await;

    let manager = Browser::open(&app.address).await;
    manager.goto("/").await;
    sign_in(&manager, &acme.manager_email, PASSWORD).await;
    manager.wait_for_text(".conv-name", "Farah Haddad").await;

    // A label, created in Settings.
    manager.goto("/#/settings/labels").await;
    manager.wait_for_text(".card-title", "Labels").await;
    manager.click(".card-head .btn-primary").await;
    manager.wait_for("dialog[open] input[type=text]").await;
    manager.type_into("dialog[open] input[type=text]", "Hot lead").await;
    manager.click("dialog[open] button[type=submit]").await;
    manager.wait_for_text(".label-cloud .chip", "Hot lead").await;
    manager.assert_accessible("settings").await;
    manager.screenshots("11-settings-labels").await;
    manager.goto("/#/settings/users").await;
    manager.wait_for_text(".person-name", "A staff").await;
    manager.screenshots("12-settings-people").await;
    manager.goto("/#/monitor").await;
    manager.wait_for_text(".person-name", "A staff").await;
    manager.wait_for_text(".presence", "Online").await;
    // A chat assigned to the agent shows in their load, live.
    let load = "[...document.querySelectorAll('tr')].find((r) => r.textContent.includes('A staff'))?.querySelector('.load')?.textContent";
    manager.wait_until("no load yet", &format!("{load} === '0'")).await;
    acme.manager
        .raw_post(&format!("/api/conversations/{parcel}/assign"), &json!({"to": {"user_id": staff.id()}}))
        .await
        .expect(200);
    manager.wait_until("the agent's load to show the chat", &format!("{load}?.startsWith('1')")).await;
    manager.assert_accessible("agent monitor").await;
    manager.screenshots("13-agents").await;

    // Label a chat, then filter by the label.
    manager.goto(&format!("/#/inbox/open/{hot}")).await;
    manager.wait_for_text(".chat-name", "Farah Haddad").await;
    manager.click(".chat-labels .chip-add").await;
    manager.click("dialog[open] input[type=checkbox][value='Hot lead']").await;
    manager.click("dialog[open] button[type=submit]").await;
    manager.wait_for_text(".chat-labels .chip-label", "Hot lead").await;
    manager.wait_for_text(&format!("a.conv[data-id=\"{hot}\"] .chip-label"), "Hot lead").await;
    manager.wait_for("select[aria-label='Filter by label']").await;
    manager.js("const s = document.querySelector(\"select[aria-label='Filter by label']\"); s.value = 'Hot lead'; s.dispatchEvent(new Event('change')); return true;").await;
    manager.wait_until("only the labelled chat", "document.querySelectorAll('a.conv').length === 1 && document.querySelector('a.conv .conv-name').textContent === 'Farah Haddad'").await;
    let labels = acme.manager.get_conversation(&hot).await.expect(200);
    assert_eq!(labels["labels"], json!(["Hot lead"]));

    // Hand it to the Support team: its only (online) member gets it live.
    manager.click(".chat-actions button[aria-label='Assign…']").await;
    manager.click(&format!("dialog[open] input[type=radio][value='team:{team_id}']")).await;
    manager.click("dialog[open] button[type=submit]").await;
    manager.wait_gone("dialog[open]").await;
    agent.wait_for_text(".conv-name", "Farah Haddad").await;
    agent.screenshots("14-agent-receives-team-chat").await;
    manager.screenshots("15-manager-after-handover").await;

    agent.finish().await;
    manager.finish().await;
}

/// Waits until the list shows exactly the customers `names`, in any order.
async fn wait_rows(browser: &Browser, names: &[&str]) {
    let mut sorted: Vec<&str> = names.to_vec();
    sorted.sort_unstable();
    let condition = format!(
        "JSON.stringify([...document.querySelectorAll('a.conv .conv-name')].map((n) => n.textContent).sort()) === {}",
        serde_json::to_string(&serde_json::to_string(&sorted).expect("names")).expect("names")
    );
    browser.wait_until(&format!("the list to show exactly {names:?}"), &condition).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_unread_and_team_filters_narrow_the_inbox_and_the_tab_counts_follow_live() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let staff = acme.create_staff().await;
    let support = acme
        .manager
        .raw_post("/api/teams", &json!({"name": "Support", "member_ids": [staff.id()]}))
        .await
        .expect(201)["id"]
        .as_str()
        .expect("team id")
        .to_string();
    acme.manager.raw_post("/api/teams", &json!({"name": "Sales", "member_ids": []})).await.expect(201);
    let farah = acme
        .receive_text("447700900060", "Farah Haddad", "I want 40 units, what's your best price?")
        .await
        .conversation_id();
    let gus = acme.receive_text("447700900061", "Gus Brown", "Where is my parcel?").await.conversation_id();
    let hiro =
        acme.receive_text("447700900062", "Hiro Tanaka", "Do you ship to Japan?").await.conversation_id();
    // Gus waits in Support's queue: its only member is offline.
    acme.manager
        .raw_post(&format!("/api/conversations/{gus}/assign"), &json!({"to": {"team_id": support}}))
        .await
        .expect(200);

    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    wait_rows(&browser, &["Farah Haddad", "Gus Brown", "Hiro Tanaka"]).await;
    browser
        .wait_until("the live socket", "document.querySelector('#live-status')?.dataset.status === 'live'")
        .await;
    // Three open chats, none assigned to a person, none mine, none closed.
    wait_for_tab_counts(
        &browser,
        &[("unassigned", Some(3)), ("mine", None), ("open", Some(3)), ("closed", None)],
    )
    .await;

    // Search: by what a customer wrote, then by name; a search that
    // finds nothing says so and offers to clear it.
    browser.type_into("input[type=search]", "parcel").await;
    wait_rows(&browser, &["Gus Brown"]).await;
    browser
        .client
        .find(fantoccini::Locator::Css("input[type=search]"))
        .await
        .expect("search")
        .clear()
        .await
        .expect("clear");
    browser.type_into("input[type=search]", "tanaka").await;
    wait_rows(&browser, &["Hiro Tanaka"]).await;
    browser.type_into("input[type=search]", " zzz").await;
    browser.wait_for_text(".empty-title", "No matches").await;
    browser.assert_accessible("inbox without matches").await;
    browser.click_text(".empty button", "Clear filters").await;
    wait_rows(&browser, &["Farah Haddad", "Gus Brown", "Hiro Tanaka"]).await;
    assert_eq!(browser.js("return document.querySelector('input[type=search]').value").await, json!(""));

    // The team filter: only Support's queue.
    let team_select = browser.wait_for("select[aria-label='Filter by team']").await;
    team_select.select_by_label("Support").await.expect("pick Support");
    wait_rows(&browser, &["Gus Brown"]).await;
    browser
        .wait_for("select[aria-label='Filter by team']")
        .await
        .select_by_label("Sales")
        .await
        .expect("pick Sales");
    browser.wait_for_text(".empty-title", "No matches").await;
    browser
        .wait_for("select[aria-label='Filter by team']")
        .await
        .select_by_label("All teams")
        .await
        .expect("all");
    wait_rows(&browser, &["Farah Haddad", "Gus Brown", "Hiro Tanaka"]).await;

    // Reading Farah's chat leaves two unread: the toggle shows just those.
    browser.click(&format!("a.conv[data-id=\"{farah}\"]")).await;
    browser.wait_for_text(".msg-in .msg-text", "best price").await;
    browser
        .wait_until(
            "Farah's chat read",
            &format!("!document.querySelector('a.conv[data-id=\"{farah}\"] .badge')"),
        )
        .await;
    browser.goto("/#/inbox/unassigned").await;
    browser.wait_for_text(".chat-pane .empty-title", "Pick a conversation").await;
    browser.click("button[aria-pressed]").await;
    assert_eq!(
        browser.js("return document.querySelector('button.toggle-chip').getAttribute('aria-pressed')").await,
        json!("true")
    );
    wait_rows(&browser, &["Gus Brown", "Hiro Tanaka"]).await;
    browser.assert_accessible("inbox filtered to unread").await;
    browser.screenshots("30-inbox-filters").await;

    // Live: a new customer writes (unread, so it joins the filtered list),
    // the manager takes Hiro's chat and closes Gus's; the counts follow.
    wait_for_tab_counts(
        &browser,
        &[("unassigned", Some(3)), ("mine", None), ("open", Some(3)), ("closed", None)],
    )
    .await;
    acme.receive_text("447700900063", "Ines Moreau", "Bonjour, vous livrez en France ?").await;
    wait_rows(&browser, &["Gus Brown", "Hiro Tanaka", "Ines Moreau"]).await;
    wait_for_tab_counts(
        &browser,
        &[("unassigned", Some(4)), ("mine", None), ("open", Some(4)), ("closed", None)],
    )
    .await;
    acme.manager
        .raw_post(&format!("/api/conversations/{hiro}/assign"), &json!({"to": "me"}))
        .await
        .expect(200);
    wait_for_tab_counts(
        &browser,
        &[("unassigned", Some(3)), ("mine", Some(1)), ("open", Some(4)), ("closed", None)],
    )
    .await;
    wait_rows(&browser, &["Gus Brown", "Ines Moreau"]).await;
    acme.manager.raw_post(&format!("/api/conversations/{gus}/close"), &json!({})).await.expect(200);
    wait_for_tab_counts(
        &browser,
        &[("unassigned", Some(2)), ("mine", Some(1)), ("open", Some(3)), ("closed", Some(1))],
    )
    .await;
    wait_rows(&browser, &["Ines Moreau"]).await;
    // Off again: every chat not assigned to a person.
    browser.click("button.toggle-chip").await;
    wait_rows(&browser, &["Farah Haddad", "Ines Moreau"]).await;
    // Every tab shows its whole label and count, on a desktop and a phone.
    let cut = "(() => { const bar = document.querySelector('.tabs').getBoundingClientRect(); return [...document.querySelectorAll('.tab')].filter((t) => { const r = t.getBoundingClientRect(); const label = t.firstElementChild; return r.right > bar.right + 1 || label.scrollWidth > label.clientWidth; }).map((t) => `${t.textContent}: ${Math.round(t.getBoundingClientRect().right)}/${Math.round(bar.right)} ${t.firstElementChild.scrollWidth}/${t.firstElementChild.clientWidth}`); })()";
    assert_eq!(browser.js(&format!("return {cut}")).await, json!([]), "tabs cut off on a desktop");
    browser.goto("/#/inbox/unassigned").await;
    browser.viewport(PHONE).await;
    browser.wait_for("a.tab").await;
    assert_eq!(browser.js(&format!("return {cut}")).await, json!([]), "tabs cut off on a phone");
    browser.viewport(DESKTOP).await;
    browser.screenshots("30b-inbox-live-counts").await;
    browser.finish().await;
}

/// Fills the field of the open dialog whose label is `label`.
async fn fill(browser: &Browser, label: &str, value: &str) {
    let id = browser
        .js_with(
            "const l = [...document.querySelectorAll('dialog[open] label')].find((l) => l.textContent === arguments[0]); return l ? l.htmlFor : null;",
            vec![label.into()],
        )
        .await;
    let id = id.as_str().unwrap_or_else(|| panic!("no field labelled {label:?}")).to_string();
    browser.type_into(&format!("#{id}"), value).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_sets_up_people_teams_and_canned_replies_then_uses_them() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let chat = acme
        .receive_text("447700900040", "Jamal Idris", "What are your opening hours?")
        .await
        .conversation_id();
    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;

    // A person.
    browser.goto("/#/settings/users").await;
    browser.click(".card-head .btn-primary").await;
    browser.wait_for("dialog[open]").await;
    fill(&browser, "Name", "Zoë Agent").await;
    fill(&browser, "Email", "zoe@acme.test").await;
    fill(&browser, "Password", PASSWORD).await;
    browser.click("dialog[open] button[type=submit]").await;
    browser.wait_for_text(".person-name", "Zoë Agent").await;
    // Capacity, then deactivate and activate again.
    browser.type_into("input[aria-label='Most open chats for Zoë Agent']", "5\t").await;
    browser.wait_for_text(".toast", "Saved").await;
    let users = acme.manager.raw_get("/api/users").await.body;
    let zoe = users["items"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["name"] == "Zoë Agent")
        .cloned()
        .expect("Zoë");
    assert_eq!(zoe["max_open_chats"], 5, "{zoe}");
    let zoe_row = "[...document.querySelectorAll('tr')].find((r) => r.textContent.includes('Zoë Agent'))";
    browser
        .js(&format!("[...{zoe_row}.querySelectorAll('button')].find((b) => b.textContent === 'Deactivate').click(); return true;"))
        .await;
    browser.wait_until("Zoë deactivated", &format!("{zoe_row}?.textContent.includes('Deactivated')")).await;
    let zoe_id = zoe["id"].as_str().expect("id").to_string();
    assert_eq!(acme.manager.raw_get(&format!("/api/users/{zoe_id}")).await.body["active"], false);
    browser
        .js(&format!("[...{zoe_row}.querySelectorAll('button')].find((b) => b.textContent === 'Activate').click(); return true;"))
        .await;
    browser.wait_until("Zoë active again", &format!("{zoe_row}?.textContent.includes('Active')")).await;
    assert_eq!(acme.manager.raw_get(&format!("/api/users/{zoe_id}")).await.body["active"], true);

    // A team with her in it.
    browser.goto("/#/settings/teams").await;
    browser.click(".card-head .btn-primary").await;
    browser.wait_for("dialog[open]").await;
    fill(&browser, "Team name", "Sales").await;
    browser
        .click(&format!("dialog[open] input[type=checkbox][value='{}']", zoe["id"].as_str().expect("id")))
        .await;
    browser.click("dialog[open] button[type=submit]").await;
    browser.wait_for_text(".team-name", "Sales").await;
    browser.wait_for_text(".team .muted", "Zoë Agent").await;

    // A canned reply.
    browser.goto("/#/settings/canned").await;
    browser.click(".card-head .btn-primary").await;
    browser.wait_for("dialog[open]").await;
    fill(&browser, "Shortcut", "hours").await;
    fill(&browser, "Text", "We're open 9:00 to 18:00, Monday to Saturday.").await;
    browser.click("dialog[open] button[type=submit]").await;
    browser.wait_for_text(".canned-admin", "/hours").await;
    browser.assert_accessible("canned replies").await;

    // Use it: "/ho" then Enter inserts it; Enter again sends it.
    browser.goto(&format!("/#/inbox/open/{chat}")).await;
    browser.wait_for_text(".msg-in .msg-text", "opening hours").await;
    browser.wait_until("the composer", "!document.querySelector('textarea.composer-input').disabled").await;
    browser.type_into("textarea.composer-input", "/ho").await;
    browser.wait_for_text(".canned-item", "/hours").await;
    browser.screenshots("17-canned-reply").await;
    browser.type_into("textarea.composer-input", "\u{E007}").await;
    browser
        .wait_until(
            "the reply inserted",
            "document.querySelector('textarea.composer-input').value.startsWith(\"We're open\")",
        )
        .await;
    browser.type_into("textarea.composer-input", "\u{E007}").await;
    wait_for_text_send(&app.graph, "We're open 9:00 to 18:00, Monday to Saturday.").await;

    // The chatbot switch and a transfer with a note, from the menu.
    let bot_was_on = acme.manager.get_conversation(&chat).await.expect(200)["bot_enabled"] == true;
    browser.click(".chat-actions button[aria-label='More actions']").await;
    browser.click_text(".menu-item", "chatbot").await;
    let chip_shown = if bot_was_on {
        "!document.querySelector('.chat-sub .chip-bot')"
    } else {
        "document.querySelector('.chat-sub .chip-bot')"
    };
    browser.wait_until("the chatbot switch to flip", chip_shown).await;
    assert_eq!(acme.manager.get_conversation(&chat).await.expect(200)["bot_enabled"] == true, !bot_was_on);
    browser.click(".chat-actions button[aria-label='More actions']").await;
    browser.click_text(".menu-item", "Transfer").await;
    browser.wait_for("dialog[open]").await;
    browser
        .click(&format!("dialog[open] input[type=radio][value='user:{}']", zoe["id"].as_str().expect("id")))
        .await;
    fill(&browser, "Note for the new owner", "Asked about hours; answered. Follow up on the order.").await;
    browser.assert_accessible("transfer dialog").await;
    browser.click("dialog[open] button[type=submit]").await;
    browser.wait_gone("dialog[open]").await;
    browser.wait_for_text(".chat-assignee", "Zoë Agent").await;
    let conv = acme.manager.get_conversation(&chat).await.expect(200);
    assert_eq!(conv["assignee_id"], zoe["id"], "{conv}");
    browser.screenshots("18-after-transfer").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_sets_the_inbox_rules_and_business_hours() {
    let app = spawn_app().await;
    let acme = app.onboard_tenant("Acme").await;
    let browser = Browser::open(&app.address).await;
    browser.goto("/").await;
    sign_in(&browser, &acme.manager_email, PASSWORD).await;
    browser.goto("/#/settings/inbox").await;
    browser.wait_for("#staff-see-unassigned").await;
    assert_eq!(
        browser.js("return document.querySelector('#staff-see-unassigned').checked").await,
        json!(false)
    );

    // Staff may pick up Not assigned chats; three open chats each.
    browser.click("#staff-see-unassigned").await;
    browser.type_into("#default-capacity", "3").await;
    browser.click_text("button[type=submit]", "Save").await;
    browser.wait_for_text(".toast", "Inbox rules saved").await;
    let settings = acme.manager.raw_get("/api/settings").await.expect(200);
    assert_eq!(
        (settings["staff_see_unassigned"].clone(), settings["default_max_open_chats"].clone()),
        (json!(true), json!(3))
    );

    // Business hours: Berlin, weekdays 9 to 17 (the form's default), a holiday.
    browser
        .js("const z = document.querySelector('#hours-zone'); z.value = 'Europe/Berlin'; return true;")
        .await;
    browser.type_into("#hours-holidays", "2026-12-25").await;
    browser.click_text("button[type=submit]", "Save hours").await;
    browser.wait_for_text(".toast", "Business hours saved").await;
    let hours = acme.manager.raw_get("/api/settings").await.expect(200)["business_hours"].clone();
    assert_eq!(hours["time_zone"], "Europe/Berlin");
    assert_eq!(hours["weekly"][0], json!([[540, 1020]]), "Monday 9:00-17:00");
    assert_eq!(hours["weekly"][6], json!([]), "closed on Sunday");
    assert_eq!(hours["holidays"], json!(["2026-12-25"]));

    // A zone that does not exist is refused with the reason, and nothing changes.
    browser.expect_api_status("/api/settings/business-hours", 422);
    browser
        .js("const z = document.querySelector('#hours-zone'); z.value = 'Mars/Olympus'; return true;")
        .await;
    browser.click_text("button[type=submit]", "Save hours").await;
    browser.wait_for_text(".form-error", "time_zone").await;
    assert_eq!(
        acme.manager.raw_get("/api/settings").await.expect(200)["business_hours"]["time_zone"],
        "Europe/Berlin"
    );
    browser.assert_accessible("inbox rules").await;
    browser.screenshots("23-inbox-rules").await;
    browser.finish().await;
}
