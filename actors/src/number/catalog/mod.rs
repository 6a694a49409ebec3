//! The CatalogActor: keeps one number's copy of its WhatsApp catalog.
//!
//! A child of the NumberActor. It syncs the catalog connected to the
//! number's WABA (or the one a manager chose) from Meta's Commerce API:
//! when the number first starts, when asked (`POST .../catalog/sync`, or a
//! manager choosing a catalog) and every `catalog_sync_every`. The fetch
//! runs in a task and reports back; one sync runs at a time, and a request
//! arriving meanwhile runs one more afterwards.
//!
//! The copy is kept in sled (`Tree::Catalogs`) so it survives restarts. A
//! sync that fails keeps the last good copy and records why (a missing
//! permission, no catalog connected...), for managers to see.
//!
//! After every change it hands its parent a [`CatalogSnapshot`]: an
//! immutable, searchable [`Catalog`] behind an `Arc` and the sync status.
//! Searches run on that snapshot in the caller's task; this actor is never
//! on the path of a read. If it fails, the NumberActor respawns it and it
//! reloads from sled.

pub mod search;

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::{Deserialize, Serialize};
use tenants::Number;
use whatsapp::{GraphApi, NumberAuth, Product};

use crate::ask::reply;
use crate::clock::now_ms;
use crate::ctx::Ctx;
use crate::error::ActorError;
use crate::number::NumberMsg;
use crate::store::{key, Batch, Tree};
pub use search::{Catalog, ProductPage, StoredSet, UnknownSet};

/// CatalogActor requests (built only by the NumberActor).
pub enum CatalogMsg {
    /// Sync from Meta now (or right after the sync in progress).
    Sync,
    /// A manager chose the catalog to use (`None`: the WABA's own); syncs.
    Choose(Option<String>, RpcReplyPort<Result<CatalogStatus, ActorError>>),
    /// A sync finished.
    Synced(Box<Result<Fetched, String>>),
}

/// What a sync brought back.
pub struct Fetched {
    /// The catalog synced.
    catalog_id: String,
    /// Its products.
    products: Vec<Product>,
    /// Its sets with their members.
    sets: Vec<StoredSet>,
}

/// The stored copy of a number's catalog.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct CatalogRecord {
    /// The catalog a manager chose, if any.
    chosen_id: Option<String>,
    /// The catalog of the last good sync.
    catalog_id: Option<String>,
    /// Its products.
    products: Vec<Product>,
    /// Its sets.
    sets: Vec<StoredSet>,
    /// When the last good sync finished (Unix ms).
    synced_at_ms: Option<i64>,
    /// When the last sync finished, good or not.
    attempted_at_ms: Option<i64>,
    /// Why the last sync failed (`None`: it did not).
    last_error: Option<String>,
}

/// How a number's catalog copy is doing, for managers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CatalogStatus {
    /// The catalog in use (`None`: none synced yet).
    pub catalog_id: Option<String>,
    /// The catalog a manager chose (`None`: the WABA's own).
    pub chosen_catalog_id: Option<String>,
    /// Products in the copy.
    pub products: usize,
    /// Product sets in the copy.
    pub sets: usize,
    /// When the copy was last synced (RFC 3339).
    pub synced_at: Option<String>,
    /// When a sync last finished, good or not (RFC 3339).
    pub attempted_at: Option<String>,
    /// Why the last sync failed; the copy is the last good one.
    pub last_error: Option<String>,
    /// A sync is running.
    pub syncing: bool,
}

/// The searchable catalog and its status, as the NumberActor hands it out.
#[derive(Debug, Clone, Default)]
pub struct CatalogSnapshot {
    /// The products and sets.
    pub catalog: Arc<Catalog>,
    /// The sync status.
    pub status: CatalogStatus,
}

/// How a CatalogActor starts.
pub struct CatalogArgs {
    pub(crate) ctx: Ctx,
    pub(crate) number: Number,
    pub(crate) auth: Arc<NumberAuth>,
    pub(crate) parent: ActorRef<NumberMsg>,
}

/// The CatalogActor's state.
pub struct CatalogState {
    /// Shared context.
    ctx: Ctx,
    /// The business number (its tenant, id and WABA).
    number: Number,
    /// Its Graph API credentials.
    auth: Arc<NumberAuth>,
    /// The NumberActor, which gets every new snapshot.
    parent: ActorRef<NumberMsg>,
    /// The stored copy.
    record: CatalogRecord,
    /// The searchable form of `record`.
    catalog: Arc<Catalog>,
    /// A sync is running.
    syncing: bool,
    /// Another sync was asked for while one ran.
    again: bool,
}

/// The CatalogActor.
pub struct CatalogActor;

impl Actor for CatalogActor {
    type Msg = CatalogMsg;
    type State = CatalogState;
    type Arguments = CatalogArgs;

    async fn pre_start(
        &self,
        me: ActorRef<CatalogMsg>,
        a: CatalogArgs,
    ) -> Result<CatalogState, ActorProcessingErr> {
        let record: CatalogRecord =
            a.ctx.store.get(Tree::Catalogs, &record_key(&a.number))?.unwrap_or_default();
        let catalog =
            Arc::new(Catalog::new(record.catalog_id.clone(), record.products.clone(), &record.sets));
        let mut s = CatalogState {
            ctx: a.ctx,
            number: a.number,
            auth: a.auth,
            parent: a.parent,
            record,
            catalog,
            syncing: false,
            again: false,
        };
        let every = s.ctx.settings.catalog_sync_every;
        let stale = match s.record.attempted_at_ms {
            None => true, // a number just connected: fetch its catalog
            Some(at) => !every.is_zero() && now_ms() - at >= every.as_millis() as i64,
        };
        if stale {
            start_sync(&me, &mut s);
        }
        if !every.is_zero() {
            crate::clock::every(&me, every, || CatalogMsg::Sync);
        }
        publish(&s);
        Ok(s)
    }

    async fn handle(
        &self,
        me: ActorRef<CatalogMsg>,
        msg: CatalogMsg,
        s: &mut CatalogState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            CatalogMsg::Sync => sync(&me, s),
            CatalogMsg::Choose(id, r) => reply(r, choose(&me, s, id)),
            CatalogMsg::Synced(result) => synced(&me, s, *result)?,
        }
        Ok(())
    }
}

fn record_key(number: &Number) -> Vec<u8> {
    key(&[&number.tenant_id.to_bytes(), &number.id.to_bytes()])
}

fn status(s: &CatalogState) -> CatalogStatus {
    let r = &s.record;
    CatalogStatus {
        catalog_id: r.catalog_id.clone(),
        chosen_catalog_id: r.chosen_id.clone(),
        products: s.catalog.len(),
        sets: s.catalog.sets().count(),
        synced_at: r.synced_at_ms.map(crate::clock::rfc3339),
        attempted_at: r.attempted_at_ms.map(crate::clock::rfc3339),
        last_error: r.last_error.clone(),
        syncing: s.syncing,
    }
}

/// Hands the parent the current snapshot.
fn publish(s: &CatalogState) {
    let snapshot = CatalogSnapshot { catalog: s.catalog.clone(), status: status(s) };
    let _ = s.parent.cast(NumberMsg::Commerce(super::CommerceMsg::CatalogChanged(Box::new(snapshot))));
}

fn sync(me: &ActorRef<CatalogMsg>, s: &mut CatalogState) {
    if s.syncing {
        s.again = true;
    } else {
        start_sync(me, s);
        publish(s);
    }
}

fn choose(
    me: &ActorRef<CatalogMsg>,
    s: &mut CatalogState,
    id: Option<String>,
) -> Result<CatalogStatus, ActorError> {
    s.record.chosen_id = id.filter(|id| !id.trim().is_empty());
    save(s)?;
    sync(me, s);
    Ok(status(s))
}

/// Records a finished sync: a good one replaces the copy, a failed one
/// keeps it and says why.
fn synced(
    me: &ActorRef<CatalogMsg>,
    s: &mut CatalogState,
    result: Result<Fetched, String>,
) -> Result<(), ActorError> {
    s.syncing = false;
    let now = now_ms();
    s.record.attempted_at_ms = Some(now);
    match result {
        Ok(f) => {
            tracing::info!(number.id = %s.number.id, products = f.products.len(), sets = f.sets.len(), "catalog synced");
            s.catalog = Arc::new(Catalog::new(Some(f.catalog_id.clone()), f.products.clone(), &f.sets));
            s.record.catalog_id = Some(f.catalog_id);
            s.record.products = f.products;
            s.record.sets = f.sets;
            s.record.synced_at_ms = Some(now);
            s.record.last_error = None;
        }
        Err(why) => {
            tracing::warn!(number.id = %s.number.id, error = %why, "catalog sync failed; keeping the last good copy");
            s.record.last_error = Some(why);
        }
    }
    // A cache: sled's background flush is durable enough, nothing waits on it.
    save(s)?;
    if std::mem::take(&mut s.again) {
        start_sync(me, s);
    }
    publish(s);
    Ok(())
}

fn save(s: &CatalogState) -> Result<(), ActorError> {
    let mut batch = Batch::default();
    batch.put(Tree::Catalogs, record_key(&s.number), &s.record)?;
    s.ctx.store.write(batch)
}

/// Fetches the catalog in a task; the result comes back as `Synced`.
fn start_sync(me: &ActorRef<CatalogMsg>, s: &mut CatalogState) {
    s.syncing = true;
    let (graph, auth, me) = (s.ctx.graph.clone(), s.auth.clone(), me.clone());
    let (waba, chosen) = (s.number.waba_id.clone(), s.record.chosen_id.clone());
    tokio::spawn(async move {
        let result = fetch(graph.as_ref(), &auth, &waba, chosen).await;
        let _ = me.cast(CatalogMsg::Synced(Box::new(result)));
    });
}

/// The whole catalog from Meta: which one, its products, its sets and
/// their members. Any failure fails the whole sync.
async fn fetch(
    graph: &dyn GraphApi,
    auth: &NumberAuth,
    waba_id: &str,
    chosen: Option<String>,
) -> Result<Fetched, String> {
    let catalog_id = match chosen {
        Some(id) => id,
        None => graph
            .product_catalogs(auth, waba_id)
            .await
            .map_err(|e| e.reason())?
            .into_iter()
            .next()
            .map(|c| c.id)
            .ok_or("no catalog is connected to this WhatsApp Business Account")?,
    };
    let products = graph.catalog_products(auth, &catalog_id).await.map_err(|e| e.reason())?;
    let mut sets = Vec::new();
    for set in graph.product_sets(auth, &catalog_id).await.map_err(|e| e.reason())? {
        let retailer_ids = graph.product_set_products(auth, &set.id).await.map_err(|e| e.reason())?;
        sets.push(StoredSet { set, retailer_ids });
    }
    Ok(Fetched { catalog_id, products, sets })
}
