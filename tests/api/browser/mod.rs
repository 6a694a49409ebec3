//! The web app, tested in a real headless Chromium (Debian's `chromium`
//! and `chromium-driver`) and, for how it is served, over plain HTTP.
//! Every browser test fails on any uncaught JavaScript error, rejected
//! promise, `console.error`, failed resource load or CSP violation, runs
//! axe-core on the main screens, and saves a desktop and a phone
//! screenshot per scenario under `target/screenshots/`.
//!
//! - [`harness`]: chromedriver, the browser session, waits, screenshots, axe;
//! - `cdn`: catalog pictures answered inside Chromium (no network in tests);
//! - `serving`: headers, caching and the service worker, without a browser;
//! - `signin`: signing in and out, the platform admin console;
//! - `inbox`: live messages, replies, visibility, assignment, closing;
//! - `manage`: labels, filters, the agent monitor, handing a chat to a team;
//! - `phone`: the two-screen layout at 390x844;
//! - `reconnect`: a dropped socket catches up with `since=`; keyboard;
//! - `commerce`: the catalog panel, a cart sent, the order card, orders,
//!   status changes told by text or template, the orders page's days;
//! - `history`: media inline, a quoted reply, a reaction, a failed send;
//! - `flows`: the chatbot builder: build, check limits, try, publish, run;
//! - `simulator`: the demo's customer simulator writing to the inbox.

pub mod harness;

mod cdn;
mod commerce;
mod flows;
mod history;
mod inbox;
mod manage;
mod phone;
mod reconnect;
mod serving;
mod signin;
mod simulator;
