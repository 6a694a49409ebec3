//! What every actor is started with: the store, the media store, metrics,
//! the routing snapshot, the Graph API client and the settings. Cheap to
//! clone.

use std::sync::Arc;

use whatsapp::GraphApi;

use crate::metrics::Metrics;
use crate::routes::Routes;
use crate::settings::ActorSettings;
use crate::store::{MediaStore, Store};

/// Shared, immutable context of the actor tree.
#[derive(Clone)]
pub struct Ctx {
    pub(crate) store: Store,
    pub(crate) media: MediaStore,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) routes: Routes,
    pub(crate) graph: Arc<dyn GraphApi>,
    pub(crate) settings: Arc<ActorSettings>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ctx")
    }
}
