//! Start-up: open the store and the actor tree, make sure a platform admin
//! exists, bind (port 0 allowed), then serve. `main` and the tests build
//! the same `Application`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actors::ActorSystem;
use anyhow::Context;
use rand::distributions::{Alphanumeric, DistString};
use tokio::net::TcpListener;
use tokio::sync::watch;
use whatsapp::{GraphApi, HttpGraph};

use crate::config::Settings;
use crate::routes::router;
use crate::shutdown;
use crate::state::AppState;

/// A bound, ready server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    stop: watch::Sender<bool>,
}

impl Application {
    /// Starts everything but the HTTP loop. `admin` is the first platform
    /// admin's (email, password); without it, and with no admin yet, a
    /// random password is generated and logged once.
    pub async fn build(settings: Settings, admin: Option<(String, String)>) -> anyhow::Result<Self> {
        let graph: Arc<dyn GraphApi> = Arc::new(HttpGraph::new(
            &settings.whatsapp.graph_api_base,
            &settings.whatsapp.graph_api_version,
            Duration::from_secs(settings.whatsapp.request_timeout_secs),
        ));
        Self::build_with_graph(settings, admin, graph).await
    }

    /// [`Application::build`] with the given Graph API (the demo's sandbox).
    pub async fn build_with_graph(
        settings: Settings,
        admin: Option<(String, String)>,
        graph: Arc<dyn GraphApi>,
    ) -> anyhow::Result<Self> {
        // `main` validated what it loaded; settings built in code (tests,
        // the bench harness) are held to the same rules.
        settings.validate().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        let system = ActorSystem::start(settings.actor_settings(), graph)
            .await
            .with_context(|| format!("opening storage at {}", settings.storage.path.display()))?;
        bootstrap_admin(&system, admin).await?;
        let listener = TcpListener::bind(&settings.server.bind)
            .await
            .with_context(|| format!("binding {}", settings.server.bind))?;
        let (stop, stopped) = watch::channel(false);
        let state = AppState::new(system, settings, stopped);
        crate::state::LoginLimits::forget_idle_periodically(&state.login_limits);
        Ok(Self { listener, state, stop })
    }

    /// Demo mode: mounts the customer simulator and keeps the demo's
    /// devices in the state (see `crate::demo`).
    pub fn with_demo(mut self, demo: Arc<crate::demo::Demo>) -> Self {
        self.state.demo = Some(demo);
        self
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or_default()
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The actor tree (tests use it for fault injection).
    pub fn system(&self) -> ActorSystem {
        self.state.system.clone()
    }

    /// Serves until SIGTERM/ctrl-c, then runs the shutdown sequence.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let stopping = &self.state.settings.server;
        let unready = Duration::from_millis(stopping.shutdown_unready_ms);
        let grace = unready + Duration::from_secs(stopping.shutdown_grace_secs);
        let app = router(self.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let signal = shutdown::signal(self.state.system.clone(), self.stop.clone(), unready);
        let server = axum::serve(self.listener, app).with_graceful_shutdown(signal);
        shutdown::drain_then_stop(server, grace, &self.state.system, self.stop).await
    }
}

async fn bootstrap_admin(system: &ActorSystem, admin: Option<(String, String)>) -> anyhow::Result<()> {
    let generated = admin.is_none();
    let (email, password) = admin.unwrap_or_else(|| {
        ("admin@switchboard.local".to_string(), Alphanumeric.sample_string(&mut rand::thread_rng(), 20))
    });
    let now = actors::clock::now_ms();
    let user = tokio::task::spawn_blocking(move || {
        tenants::new_platform_admin(&email, &password, now).map(|u| (u, password))
    })
    .await?
    .map_err(|e| anyhow::anyhow!("SWITCHBOARD_ADMIN_EMAIL / SWITCHBOARD_ADMIN_PASSWORD: {e}"))?;
    let (user, password) = user;
    let email = user.email.as_str().to_string();
    if system.directory().ensure_admin(user).await? {
        system.commit().durable().await?;
        if generated {
            tracing::warn!(%email, %password, "created the first platform admin with a generated password; shown once, change it");
        } else {
            tracing::info!(%email, "created the first platform admin");
        }
    }
    Ok(())
}
