//! Switchboard's integration tests: one binary, the real router on a real
//! TCP port (or the real executable), a temp data dir and a fake Graph API
//! per test. `support/` holds the harness; each module below is one topic.

mod support;

mod assignment;
mod auth;
mod bench_smoke;
mod browser;
mod chatbot;
mod cloud_api;
mod commerce;
mod conversations;
mod demo;
mod durability;
mod inbox_restart;
mod inbox_visibility;
mod lifecycle;
mod live;
mod onboarding;
mod ops;
mod organise;
mod outbound;
mod passivation;
mod presence;
mod round_robin;
mod secrecy;
mod teams;
mod webhooks;
