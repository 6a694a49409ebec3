//! Building the world a scenario runs in, through the public API only:
//! tenants (one number each, with its own app secret) onboarded by the
//! platform admin, staff created by each manager, and agents signed in for
//! their WebSockets.

use anyhow::{bail, Context};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{json, Value};

use crate::server::{ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::sockets::SocketSpec;
use crate::webhook::NumberSpec;

/// The password of every agent the harness creates.
pub const PASSWORD: &str = "bench-agent-password";

/// Onboardings and sign-ins at once (each hashes or verifies an argon2
/// password on the server: CPU bound, two cores).
const CONCURRENCY: usize = 4;

/// A JSON client of one server.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

/// One onboarded tenant.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Tenant id.
    pub id: String,
    /// Its number as the generator signs for it.
    pub number: NumberSpec,
    /// Switchboard's id of the number.
    pub number_id: String,
    /// The manager's email.
    pub manager_email: String,
}

/// Everything a scenario set up.
#[derive(Debug, Clone)]
pub struct World {
    /// The platform admin's token.
    pub admin_token: String,
    /// Tenants, in index order.
    pub tenants: Vec<Tenant>,
    /// The sockets to open.
    pub sockets: Vec<SocketSpec>,
}

impl World {
    /// Each tenant's number, in tenant order.
    pub fn numbers(&self) -> Vec<NumberSpec> {
        self.tenants.iter().map(|t| t.number.clone()).collect()
    }
}

impl Api {
    /// A client of `base`.
    pub fn new(base: &str) -> Self {
        Self { http: reqwest::Client::new(), base: base.trim_end_matches('/').to_string() }
    }

    /// Sends one JSON request; returns the status and the parsed body
    /// (`Null` when empty or not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.with_context(|| format!("request {path}"))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// Like [`Api::call`] but anything other than `want` is an error.
    pub async fn expect(
        &self,
        want: u16,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let (status, value) = self.call(method, path, token, body).await?;
        if status != want {
            bail!("{path}: expected {want}, got {status}: {value}");
        }
        Ok(value)
    }

    /// `GET path` as text, without a token.
    pub async fn text(&self, path: &str) -> anyhow::Result<String> {
        Ok(self.http.get(format!("{}{path}", self.base)).send().await?.text().await?)
    }

    /// Signs in; returns the session token.
    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let body = json!({"email": email, "password": password});
        let v = self.expect(200, reqwest::Method::POST, "/api/auth/login", None, Some(&body)).await?;
        v["token"].as_str().map(str::to_string).context("no token in the login answer")
    }

    /// Onboards tenant number `i` of this run.
    pub async fn onboard(&self, admin: &str, i: usize, run: &str) -> anyhow::Result<Tenant> {
        let number = NumberSpec {
            phone_number_id: format!("10{i:08}"),
            display_phone_number: format!("+1 555 {:03} {:04}", i / 10_000, i % 10_000),
            waba_id: format!("20{i:08}"),
            app_secret: format!("bench-app-secret-{run}-{i}"),
        };
        let manager_email = format!("manager{i}@tenant{i}.bench");
        let body = json!({
            "name": format!("Bench tenant {i}"),
            "number": {
                "phone_number_id": number.phone_number_id,
                "display_phone_number": number.display_phone_number,
                "waba_id": number.waba_id,
                "access_token": format!("EAAGbench{i}"),
                "app_secret": number.app_secret,
                "verify_token": format!("bench-verify-{i}"),
            },
            "manager": {"email": manager_email, "name": format!("Manager {i}"), "password": PASSWORD},
        });
        let v =
            self.expect(201, reqwest::Method::POST, "/api/admin/tenants", Some(admin), Some(&body)).await?;
        Ok(Tenant {
            id: v["id"].as_str().context("tenant id")?.to_string(),
            number_id: v["numbers"][0]["id"].as_str().context("number id")?.to_string(),
            number,
            manager_email,
        })
    }
}

/// Onboards `tenants` tenants and prepares `sockets` agent sockets: tenant
/// by tenant, its manager then `staff_per_tenant` staff (who see the
/// tenant's unassigned chats), until there are `sockets`.
pub async fn populate(
    api: &Api,
    tenants: usize,
    sockets: usize,
    staff_per_tenant: usize,
    run: &str,
) -> anyhow::Result<World> {
    let admin_token = api.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.context("platform admin sign-in")?;
    let onboarded: Vec<Tenant> = stream::iter(0..tenants)
        .map(|i| {
            let api = api.clone();
            let admin = admin_token.clone();
            let run = run.to_string();
            async move { api.onboard(&admin, i, &run).await }
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let per_tenant = 1 + staff_per_tenant;
    let with_sockets = sockets.div_ceil(per_tenant).min(tenants);
    let agent_sockets: Vec<Vec<SocketSpec>> = stream::iter(0..with_sockets)
        .map(|t| {
            let api = api.clone();
            let tenant = onboarded[t].clone();
            let count = per_tenant.min(sockets - t * per_tenant);
            async move { agents_of(&api, t, &tenant, count).await }
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok(World { admin_token, tenants: onboarded, sockets: agent_sockets.into_iter().flatten().collect() })
}

/// Publishes on every tenant's number a one-step chatbot flow that greets
/// each new conversation, so the load also runs the bot and its replies.
pub async fn publish_greetings(api: &Api, world: &World) -> anyhow::Result<()> {
    stream::iter(world.tenants.iter())
        .map(|tenant| {
            let api = api.clone();
            async move {
                let manager = api.login(&tenant.manager_email, PASSWORD).await?;
                let flow = json!({
                    "name": "Greeting", "number_ids": [tenant.number_id], "trigger": {"on": "new_conversation"},
                    "start": "hi",
                    "steps": {"hi": {"type": "message", "text": "Thanks for writing! An agent will answer soon."}},
                });
                let created =
                    api.expect(201, reqwest::Method::POST, "/api/flows", Some(&manager), Some(&flow)).await?;
                let id = created["id"].as_str().context("flow id")?;
                let path = format!("/api/flows/{id}/publish");
                api.expect(200, reqwest::Method::POST, &path, Some(&manager), Some(&json!({}))).await?;
                anyhow::Ok(())
            }
        })
        .buffered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// Signs in a tenant's manager and creates and signs in `count - 1` staff.
async fn agents_of(api: &Api, t: usize, tenant: &Tenant, count: usize) -> anyhow::Result<Vec<SocketSpec>> {
    let manager = api.login(&tenant.manager_email, PASSWORD).await?;
    let mut specs = vec![SocketSpec { tenant: t, role: "manager", token: manager.clone() }];
    if count > 1 {
        let patch = json!({"staff_see_unassigned": true});
        api.expect(200, reqwest::Method::PATCH, "/api/settings", Some(&manager), Some(&patch)).await?;
    }
    for s in 1..count {
        let email = format!("staff{s}@tenant{t}.bench");
        let body =
            json!({"email": email, "name": format!("Staff {s}"), "password": PASSWORD, "role": "staff"});
        api.expect(201, reqwest::Method::POST, "/api/users", Some(&manager), Some(&body)).await?;
        let token = api.login(&email, PASSWORD).await?;
        specs.push(SocketSpec { tenant: t, role: "staff", token });
    }
    Ok(specs)
}
