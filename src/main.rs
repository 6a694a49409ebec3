//! `switchboard [--config FILE]`: loads configuration, starts the server
//! and prints `listening on http://ADDR` once it accepts connections.

use std::path::PathBuf;

use switchboard::{Application, Settings};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let mut config = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => config = args.next().map(PathBuf::from),
            other => anyhow::bail!("unknown argument {other:?}; usage: switchboard [--config FILE]"),
        }
    }
    let settings = match Settings::load(config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("switchboard: {e}");
            std::process::exit(2);
        }
    };
    let admin = match (std::env::var("SWITCHBOARD_ADMIN_EMAIL"), std::env::var("SWITCHBOARD_ADMIN_PASSWORD"))
    {
        (Ok(email), Ok(password)) => Some((email, password)),
        _ => None,
    };
    let app = Application::build(settings, admin).await?;
    println!("listening on http://{}", app.local_addr()?);
    app.run_until_stopped().await
}
