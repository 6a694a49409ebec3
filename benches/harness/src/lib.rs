//! Switchboard's performance instruments (issue 6).
//!
//! The load harness drives the real `switchboard` executable from outside,
//! as Meta and the agents' browsers do: signed webhooks over keep-alive
//! HTTP, agent WebSockets, the admin and agent REST API. It measures with
//! HdrHistogram and reads the server's RSS and CPU from `/proc`. The
//! criterion micro benchmarks live in `benches/micro.rs`.
//!
//! - [`scenario`]: `closed`, `open`, `baseline`, `scale`, `outbound`, and
//!   `smoke` (all of them tiny, run by `cargo test`).
//! - [`load`]: the webhook generator, open or closed loop.
//! - [`sockets`]: the agents' WebSocket readers and the delivery check.
//! - [`webhook`]: signed bodies carrying a nanosecond stamp.
//! - [`setup`]: tenants, agents and sign-ins through the API.
//! - [`server`]: the server under test as a child process.
//! - [`baseline`]: the bare axum webhook receiver ours is compared with.
//! - [`fake_graph`]: the local Graph API of the outbound scenario.
//! - [`stats`]: histograms, the stamp clock, `/proc` sampling.
//! - [`report`]: the table and the JSON.
//! - [`cli`]: the command line.

pub mod baseline;
pub mod cli;
pub mod fake_graph;
pub mod load;
pub mod report;
pub mod scenario;
pub mod server;
pub mod setup;
pub mod sockets;
pub mod stats;
pub mod webhook;

pub use scenario::smoke::{run as smoke, Smoke};
