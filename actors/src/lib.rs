//! Switchboard's actor tree: the only owner of the sled store.
//!
//! ```text
//! RootSupervisor                    root.rs (façade: ActorSystem)
//! ├── Directory                     directory.rs  tenants, numbers, users, sessions
//! ├── Hub                           hub/          WebSocket sessions, live events
//! │                                               (visibility.rs: who sees what)
//! └── NumberActor (per number)      number/       index.rs: summaries + filters
//!     ├── ConversationActor (per    conversation/ record.rs: what is stored
//!     │   customer, on demand)                    window.rs: the 24-hour window
//!     └── Outbox                    number/outbox.rs  durable, rate-limited sends
//! ```
//!
//! Supervision: the root respawns a failed Directory, Hub or NumberActor
//! from persisted state; a NumberActor respawns its Outbox at once and a
//! conversation on its next message. Each supervisor caps restarts
//! (supervision.rs) and escalates past the cap.
//!
//! Shared plumbing: store/ (sled, codec, keys, group commit), routes.rs (the
//! routing snapshot), ctx.rs, ask.rs (calls with timeouts), view.rs (API
//! shapes), metrics.rs, settings.rs, clock.rs, error.rs.

mod ask;
pub mod clock;
pub mod conversation;
mod ctx;
pub mod directory;
pub mod error;
pub mod hub;
pub mod metrics;
pub mod number;
pub mod root;
mod routes;
pub mod settings;
mod store;
pub mod supervision;
pub mod view;

pub use conversation::record::{ConversationRecord, ConversationStatus};
pub use conversation::{InboundOutcome, Outbound};
pub use directory::{DirectoryHandle, Principal};
pub use error::ActorError;
pub use hub::{Connected, HubHandle, Viewer};
pub use metrics::Metrics;
pub use number::index::{cursor_of, AssigneeFilter, Cursor, ListFilter};
pub use number::NumberHandle;
pub use root::{ActorSystem, NumberEntry};
pub use settings::ActorSettings;
pub use store::{GroupCommit, StoreOptions};
pub use view::{ConversationView, MessageView};
