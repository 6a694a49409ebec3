//! What every actor is started with: the store, the media store, metrics,
//! the routing snapshot, the Graph API client, the settings and the
//! webhook intake. Cheap to clone.

use std::sync::Arc;

use whatsapp::GraphApi;

use crate::intake::Intake;
use crate::metrics::Metrics;
use crate::routes::Routes;
use crate::settings::ActorSettings;
use crate::store::{MediaStore, Store};

/// Shared, immutable context of the actor tree, behind one `Arc`: every
/// actor start and every HTTP request (through `ActorSystem`, in the
/// edge's state) clones it, and field by field that was a dozen reference
/// counts and a copy of the media directory's path (0.5% of the server's
/// CPU in the closed loop).
#[derive(Clone)]
pub struct Ctx(Arc<Shared>);

impl Ctx {
    pub(crate) fn new(shared: Shared) -> Self {
        Ctx(Arc::new(shared))
    }
}

impl std::ops::Deref for Ctx {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`Ctx`] holds.
pub struct Shared {
    pub(crate) store: Store,
    pub(crate) media: MediaStore,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) routes: Routes,
    pub(crate) graph: Arc<dyn GraphApi>,
    pub(crate) settings: Arc<ActorSettings>,
    pub(crate) intake: Arc<Intake>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ctx")
    }
}
