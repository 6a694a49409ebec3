//! Switchboard's edge: turns HTTP, WebSocket and Meta's webhooks into actor
//! messages. The actor tree lives in the `actors` crate; this crate holds
//! no domain state of its own.
//!
//! - `config`: the layered, typed configuration;
//! - `startup` / `shutdown`: bind, serve, and the ordered stop;
//! - `state`: `AppState`, the handles every handler gets;
//! - `auth`: extractors that say who may call a handler;
//! - `routes`: `router()`, every endpoint, grouped by client;
//! - `error`: `ApiError`, the one error envelope;
//! - `web`: the web app (static files embedded in the binary);
//! - `memory`: the allocator (jemalloc) and its gauges for `/metrics`;
//! - `demo`: `--demo`'s Cloud API sandbox, seed and customer simulator.

pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod memory;
pub mod routes;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod web;

pub use config::Settings;
pub use startup::Application;
