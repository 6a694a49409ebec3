//! Switchboard's actor tree: the only owner of the sled store.
//!
//! ```text
//! RootSupervisor                    root.rs (façade: ActorSystem)
//! ├── Directory                     directory/    tenants, numbers, users, sessions,
//! │                                               teams, labels, canned replies
//! ├── Hub                           hub/          WebSocket sessions, live events,
//! │                                               presence.rs, visibility.rs
//! ├── TeamActor (per team)          team/         routing.rs: round robin, balanced
//! └── NumberActor (per number)      number/       index.rs: summaries + filters
//!     │                                           orders.rs: its orders, filtered
//!     ├── ConversationActor (per    conversation/ record.rs: what is stored
//!     │   customer, on demand)                    window.rs: the 24-hour window
//!     │                                           workflow.rs: assign, close, labels...
//!     │                                           order.rs + commerce.rs: carts -> orders
//!     │                                           recovery.rs: commits a crash cut short
//!     ├── Outbox                    number/outbox.rs  durable, rate-limited sends
//!     └── CatalogActor              number/catalog/   the WhatsApp catalog copy,
//!                                                     search.rs: search and sets
//! ```
//!
//! Supervision: the root respawns a failed Directory, Hub or NumberActor
//! from persisted state; a NumberActor respawns its Outbox and
//! CatalogActor at once and a conversation on its next message. Each supervisor caps restarts
//! (supervision.rs) and escalates past the cap.
//!
//! Shared plumbing: store/ (sled, codec, keys, the group-commit
//! flusher thread, the low-priority thread for derived writes), routes.rs (the
//! routing snapshot), ctx.rs, intake.rs (webhooks in flight: admission,
//! and sends yielding to a burst), ask.rs (calls with timeouts), view.rs
//! (API shapes), metrics.rs, settings.rs, clock.rs, error.rs.

mod ask;
pub mod clock;
pub mod conversation;
mod ctx;
pub mod directory;
pub mod error;
pub mod hub;
pub mod intake;
pub mod metrics;
pub mod number;
pub mod root;
mod routes;
pub mod settings;
mod store;
pub mod supervision;
pub mod team;
pub mod view;

pub use conversation::commerce::OrderUpdate;
pub use conversation::order::{OrderRecord, OrderStatus};
pub use conversation::record::{ConversationRecord, ConversationStatus};
pub use conversation::record::{Event, EventActor, EventKind};
pub use conversation::{Assignment, ConversationRef, Expect, InboundOutcome, Outbound, SendRequest, Sweep};
pub use directory::{AgentInfo, DirectoryHandle, Principal};
pub use error::ActorError;
pub use hub::{Connected, HubHandle, Presence, Viewer};
pub use intake::{Admitted, Intake};
pub use metrics::Metrics;
pub use number::catalog::{Catalog, CatalogSnapshot, CatalogStatus, ProductPage};
pub use number::index::{cursor_of, AssigneeFilter, Counts, Cursor, ListFilter};
pub use number::orders::OrderFilter;
pub use number::{NumberHandle, NumberHealth};
pub use root::{ActorSystem, NumberEntry};
pub use settings::ActorSettings;
pub use store::{GroupCommit, StoreOptions};
pub use team::{Dispatch, TeamHandle};
pub use view::{event_json, ConversationView, MessageView};
