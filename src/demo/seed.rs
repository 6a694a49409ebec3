//! Seeds the demo tenant through the public HTTP API on loopback — the
//! same calls any client makes, never the store — and returns the sign-in
//! details to print. Idempotent: every step looks first and only creates
//! what is missing, so a restart on the same data dir reuses the tenant.
//!
//! "Demo Shop" gets the sandbox number, a manager, two staff, Sales and
//! Support teams, labels, canned replies, business hours, a few
//! conversations written by simulated customers through signed webhooks
//! (one in Arabic, one closed), and the published "Main menu" flow.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};

use super::{
    CustomerInput, Demo, Loopback, Reply, ADMIN_EMAIL, ADMIN_PASSWORD, APP_SECRET, DISPLAY_NUMBER,
    MANAGER_EMAIL, MANAGER_PASSWORD, PHONE_NUMBER_ID, STAFF, STAFF_PASSWORD, TENANT_NAME, WABA_ID,
};

/// The flow the demo ships, with `TEAM_SALES`, `TEAM_SUPPORT` and
/// `DEMO_NUMBER` to fill in.
const MAIN_MENU: &str = include_str!("../../chatbot/examples/main_menu.json");
/// How long to wait for the server to show the effect of a call.
const SETTLE: Duration = Duration::from_secs(15);

const LABELS: [(&str, &str); 3] =
    [("Hot Lead", "#e8590c"), ("Call Back Request", "#1d6fe0"), ("VIP", "#9c36b5")];
const CANNED: [(&str, &str); 3] = [
    ("thanks", "Thank you for contacting Demo Shop! Is there anything else we can help you with?"),
    ("hours", "We're open Monday to Friday, 09:00 to 17:00 (London time)."),
    ("shipping", "Orders ship within one business day; delivery takes 2 to 4 days."),
];

/// The body of a successful reply, or an error naming the call.
fn body(reply: Reply, what: &str) -> anyhow::Result<Value> {
    if reply.ok() {
        Ok(reply.body)
    } else {
        bail!("{what}: HTTP {} {}", reply.status, reply.body)
    }
}

fn items(value: &Value) -> Vec<Value> {
    value["items"].as_array().cloned().unwrap_or_default()
}

fn id(value: &Value) -> anyhow::Result<String> {
    value["id"].as_str().map(str::to_string).ok_or_else(|| anyhow!("no id in {value}"))
}

async fn sign_in(server: &Loopback, email: &str, password: &str) -> anyhow::Result<Loopback> {
    let reply = server.post("/api/auth/login", &json!({"email": email, "password": password})).await?;
    let body = body(reply, &format!("signing in as {email}"))?;
    let token = body["token"].as_str().ok_or_else(|| anyhow!("no token"))?;
    Ok(server.with_token(token))
}

/// Seeds everything missing; returns the text to print.
pub async fn run(demo: &Demo, server: &Loopback) -> anyhow::Result<String> {
    let admin = sign_in(server, ADMIN_EMAIL, ADMIN_PASSWORD).await.context("the demo platform admin")?;
    let number_id = ensure_tenant(&admin).await?;
    let manager = sign_in(server, MANAGER_EMAIL, MANAGER_PASSWORD).await?;
    let staff = ensure_staff(&manager).await?;
    let (sales, support) = ensure_teams(&manager, &staff).await?;
    ensure_labels_and_canned(&manager).await?;
    body(
        manager
            .put(
                "/api/settings/business-hours",
                &json!({"time_zone": "Europe/London",
                        "weekly": [[[540, 1020]], [[540, 1020]], [[540, 1020]], [[540, 1020]], [[540, 1020]], [], []],
                        "holidays": []}),
            )
            .await?,
        "business hours",
    )?;
    let fresh = conversation_count(&manager).await? == 0;
    if fresh {
        seed_conversations(demo, &manager, &sales, &support).await?;
    }
    ensure_flow(&manager, &number_id, &sales, &support).await?;
    if fresh {
        seed_bot_conversation(demo, &manager).await?;
    }
    Ok(details(&server.base_url()))
}

/// The sign-in details, printed once seeding is done.
fn details(base: &str) -> String {
    let mut out = String::new();
    out.push_str(&format!("\nSwitchboard demo is ready: {base}/\n"));
    out.push_str(&format!("  manager         {MANAGER_EMAIL}  password: {MANAGER_PASSWORD}\n"));
    for (email, _, team) in STAFF {
        out.push_str(&format!("  staff ({team:<7}) {email}  password: {STAFF_PASSWORD}\n"));
    }
    out.push_str(&format!("  platform admin  {ADMIN_EMAIL}  password: {ADMIN_PASSWORD}\n"));
    out.push_str(&format!("  customer simulator: {base}/demo/simulator\n"));
    out.push_str("  (messages go to a built-in WhatsApp sandbox, nothing leaves this machine)");
    out
}

/// The demo tenant, created if missing; returns its number's id.
async fn ensure_tenant(admin: &Loopback) -> anyhow::Result<String> {
    let tenants = body(admin.get("/api/admin/tenants").await?, "listing tenants")?;
    let existing = items(&tenants).into_iter().find(|t| t["name"] == TENANT_NAME);
    let tenant = match existing {
        Some(t) => t,
        None => body(
            admin
                .post(
                    "/api/admin/tenants",
                    &json!({"name": TENANT_NAME,
                            "number": {"phone_number_id": PHONE_NUMBER_ID, "display_phone_number": DISPLAY_NUMBER,
                                       "waba_id": WABA_ID, "access_token": "sandbox-access-token",
                                       "app_secret": APP_SECRET, "verify_token": "switchboard-demo"},
                            "manager": {"email": MANAGER_EMAIL, "name": "Maya Lopez", "password": MANAGER_PASSWORD}}),
                )
                .await?,
            "creating the demo tenant",
        )?,
    };
    let number = tenant["numbers"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["phone_number_id"] == PHONE_NUMBER_ID))
        .ok_or_else(|| anyhow!("the demo tenant has no sandbox number"))?;
    id(number)
}

/// The two staff (created if missing), as (email, user id).
async fn ensure_staff(manager: &Loopback) -> anyhow::Result<Vec<(String, String)>> {
    let users = items(&body(manager.get("/api/users").await?, "listing users")?);
    let mut out = Vec::new();
    for (email, name, _) in STAFF {
        let user = match users.iter().find(|u| u["email"] == email) {
            Some(u) => u.clone(),
            None => body(
                manager
                    .post(
                        "/api/users",
                        &json!({"email": email, "name": name, "password": STAFF_PASSWORD, "role": "staff"}),
                    )
                    .await?,
                "creating a staff member",
            )?,
        };
        out.push((email.to_string(), id(&user)?));
    }
    Ok(out)
}

/// Sales and Support (created if missing); returns their ids.
async fn ensure_teams(manager: &Loopback, staff: &[(String, String)]) -> anyhow::Result<(String, String)> {
    let teams = items(&body(manager.get("/api/teams").await?, "listing teams")?);
    let mut ids = Vec::new();
    for (i, (_, _, team)) in STAFF.iter().enumerate() {
        let found = teams.iter().find(|t| t["name"] == *team);
        let team = match found {
            Some(t) => t.clone(),
            None => body(
                manager.post("/api/teams", &json!({"name": team, "member_ids": [staff[i].1]})).await?,
                "creating a team",
            )?,
        };
        ids.push(id(&team)?);
    }
    Ok((ids[0].clone(), ids[1].clone()))
}

async fn ensure_labels_and_canned(manager: &Loopback) -> anyhow::Result<()> {
    let labels = items(&body(manager.get("/api/labels").await?, "listing labels")?);
    for (name, color) in LABELS {
        if !labels.iter().any(|l| l["name"] == name) {
            body(
                manager.post("/api/labels", &json!({"name": name, "color": color})).await?,
                "creating a label",
            )?;
        }
    }
    let canned = items(&body(manager.get("/api/canned-replies").await?, "listing canned replies")?);
    for (shortcut, text) in CANNED {
        if !canned.iter().any(|c| c["shortcut"] == shortcut) {
            body(
                manager.post("/api/canned-replies", &json!({"shortcut": shortcut, "text": text})).await?,
                "creating a canned reply",
            )?;
        }
    }
    Ok(())
}

/// The "Main menu" flow, created and published if missing.
async fn ensure_flow(manager: &Loopback, number_id: &str, sales: &str, support: &str) -> anyhow::Result<()> {
    let flows = items(&body(manager.get("/api/flows").await?, "listing flows")?);
    let flow = match flows.into_iter().find(|f| f["name"] == "Main menu") {
        Some(f) => f,
        None => {
            let doc = MAIN_MENU
                .replace("TEAM_SALES", sales)
                .replace("TEAM_SUPPORT", support)
                .replace("DEMO_NUMBER", number_id)
                .replace("Switchboard Demo", TENANT_NAME);
            let doc: Value = serde_json::from_str(&doc).context("chatbot/examples/main_menu.json")?;
            body(manager.post("/api/flows", &doc).await?, "creating the Main menu flow")?
        }
    };
    if flow["published_version"].as_u64().unwrap_or(0) == 0 {
        let flow_id = id(&flow)?;
        body(
            manager.post(&format!("/api/flows/{flow_id}/publish"), &json!({})).await?,
            "publishing the flow",
        )?;
    }
    Ok(())
}

async fn conversation_count(manager: &Loopback) -> anyhow::Result<usize> {
    let mut n = 0;
    for status in ["open", "closed"] {
        let list = body(manager.get(&format!("/api/conversations?status={status}")).await?, "listing chats")?;
        n += items(&list).len();
    }
    Ok(n)
}

/// Waits for the conversation of `wa_id` to be listed; returns its id.
async fn conversation_of(manager: &Loopback, wa_id: &str) -> anyhow::Result<String> {
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        for status in ["open", "closed"] {
            let list =
                body(manager.get(&format!("/api/conversations?status={status}")).await?, "listing chats")?;
            if let Some(c) = items(&list).into_iter().find(|c| c["customer"]["wa_id"] == wa_id) {
                return id(&c);
            }
        }
        if tokio::time::Instant::now() > deadline {
            bail!("the conversation of {wa_id} never appeared");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn say(demo: &Demo, wa_id: &str, name: &str, text: &str) -> anyhow::Result<()> {
    demo.customer_says(wa_id, name, CustomerInput::Text(text.into()))
        .await
        .map(|_| ())
        .map_err(|e| anyhow!("a customer message was refused: {e:?}"))
}

async fn reply(manager: &Loopback, conversation: &str, text: &str) -> anyhow::Result<()> {
    let path = format!("/api/conversations/{conversation}/messages");
    body(manager.post(&path, &json!({"type": "text", "text": text})).await?, "replying")?;
    Ok(())
}

/// Waits until the sandbox has sent `count` business messages to `wa_id`.
async fn business_sent(
    demo: &Demo,
    wa_id: &str,
    count: usize,
) -> anyhow::Result<Vec<whatsapp::sandbox::TranscriptEntry>> {
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let sent: Vec<_> = demo
            .sandbox()
            .transcript(PHONE_NUMBER_ID, wa_id)
            .into_iter()
            .filter(|e| e.from == whatsapp::sandbox::Side::Business)
            .collect();
        if sent.len() >= count {
            return Ok(sent);
        }
        if tokio::time::Instant::now() > deadline {
            bail!("the business never wrote to {wa_id}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Three chats from before the bot: a hot lead in Arabic, a call-back
/// request for Support, and a VIP's closed, answered question.
async fn seed_conversations(
    demo: &Demo,
    manager: &Loopback,
    sales: &str,
    support: &str,
) -> anyhow::Result<()> {
    let omar = "971501234567";
    say(demo, omar, "عمر الفاروق", "مرحباً! هل تشحنون إلى دبي؟ أريد أن أطلب ثلاث قطع من التشكيلة الجديدة.")
        .await?;
    let chat = conversation_of(manager, omar).await?;
    workflow(manager, &chat, "assign", json!({"to": {"team_id": sales}})).await?;
    labels(manager, &chat, &["Hot Lead"]).await?;

    let sarah = "447700900123";
    say(
        demo,
        sarah,
        "Sarah Miller",
        "Hi, my order #4821 still hasn't arrived and the tracking hasn't moved since Monday.",
    )
    .await?;
    say(
        demo,
        sarah,
        "Sarah Miller",
        "Could someone call me back this afternoon? My number is the same as this one.",
    )
    .await?;
    let chat = conversation_of(manager, sarah).await?;
    workflow(manager, &chat, "assign", json!({"to": {"team_id": support}})).await?;
    labels(manager, &chat, &["Call Back Request"]).await?;

    let daniel = "5511987654321";
    say(demo, daniel, "Daniel Costa", "Hello! Do you still have the blue running shoes in size 42?").await?;
    let chat = conversation_of(manager, daniel).await?;
    workflow(manager, &chat, "assign", json!({"to": "me"})).await?;
    reply(manager, &chat, "Hi Daniel! Yes, we have two pairs left in size 42. Shall I reserve one for you?")
        .await?;
    business_sent(demo, daniel, 1).await?;
    say(demo, daniel, "Daniel Costa", "Yes please, I'll pick them up tomorrow 👍").await?;
    reply(manager, &chat, "Done! They're reserved under your name until Friday. See you soon!").await?;
    business_sent(demo, daniel, 2).await?;
    labels(manager, &chat, &["VIP"]).await?;
    workflow(manager, &chat, "close", json!({})).await?;
    Ok(())
}

/// A chat the Main menu bot answered: greeting, then "Support" tapped.
async fn seed_bot_conversation(demo: &Demo, manager: &Loopback) -> anyhow::Result<()> {
    let priya = "919812345678";
    say(demo, priya, "Priya Sharma", "Hello, I'd like to return a jacket I bought last week.").await?;
    if let Err(e) = business_sent(demo, priya, 1).await {
        // The chat is there either way; only the bot's part is missing.
        tracing::warn!(error = %e, "demo: the Main menu bot did not greet the seeded customer");
        return Ok(());
    }
    demo.customer_says(
        priya,
        "Priya Sharma",
        CustomerInput::Button { id: "support".into(), title: "Support".into() },
    )
    .await
    .map_err(|e| anyhow!("tapping Support was refused: {e:?}"))?;
    conversation_of(manager, priya).await?;
    Ok(())
}

async fn workflow(manager: &Loopback, chat: &str, action: &str, request: Value) -> anyhow::Result<()> {
    body(manager.post(&format!("/api/conversations/{chat}/{action}"), &request).await?, action)?;
    Ok(())
}

async fn labels(manager: &Loopback, chat: &str, names: &[&str]) -> anyhow::Result<()> {
    body(
        manager.put(&format!("/api/conversations/{chat}/labels"), &json!({ "labels": names })).await?,
        "labels",
    )?;
    Ok(())
}
