//! `switchboard [--config FILE] [--demo]`: loads configuration, starts the
//! server and prints `listening on http://ADDR` once it accepts
//! connections. `--demo` swaps Meta for the built-in sandbox, keeps its
//! data in `./data-demo` (unless `storage.path` is configured), seeds the
//! demo tenant and prints its sign-in details (see `switchboard::demo`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use switchboard::demo::{self, Demo};
use switchboard::{Application, Settings};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal: escape codes in a log
        // file or a pipe are noise to every tool that reads it.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    switchboard::memory::purge_in_background();
    tracing::info!(settings = switchboard::memory::settings().unwrap_or("unknown"), "allocator: jemalloc");
    let mut args = std::env::args().skip(1);
    let mut config = None;
    let mut demo_mode = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => match args.next() {
                Some(file) => config = Some(PathBuf::from(file)),
                None => refuse_to_start("--config needs a FILE; usage: switchboard [--config FILE] [--demo]"),
            },
            "--demo" => demo_mode = true,
            other => refuse_to_start(&format!(
                "unknown argument {other:?}; usage: switchboard [--config FILE] [--demo]"
            )),
        }
    }
    let mut settings = Settings::load(config.as_deref()).unwrap_or_else(|e| refuse_to_start(&e));
    if demo_mode {
        if settings.storage.path == Path::new("data") {
            settings.storage.path = PathBuf::from("data-demo");
        }
        let demo = Demo::new();
        let admin = Some((demo::ADMIN_EMAIL.to_string(), demo::ADMIN_PASSWORD.to_string()));
        let app = Application::build_with_graph(settings, admin, demo.graph()).await?.with_demo(demo.clone());
        let addr = app.local_addr()?;
        println!("listening on http://{addr}");
        demo.start(addr);
        return app.run_until_stopped().await;
    }
    let admin = match (std::env::var("SWITCHBOARD_ADMIN_EMAIL"), std::env::var("SWITCHBOARD_ADMIN_PASSWORD"))
    {
        (Ok(email), Ok(password)) => Some((email, password)),
        _ => None,
    };
    let app = Application::build(settings, admin).await?;
    println!("listening on http://{}", app.local_addr()?);
    app.run_until_stopped().await
}

/// A command line or configuration that cannot be served: says why on
/// stderr and exits with status 2 (a usage error, not a crash), before
/// anything was opened or bound.
fn refuse_to_start(why: &str) -> ! {
    eprintln!("switchboard: {why}");
    std::process::exit(2)
}
