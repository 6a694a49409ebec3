//! Criterion micro benchmarks of the hot pieces, through public APIs only:
//!
//! - `webhook/parse+verify`: `whatsapp::parse_notification` and
//!   `verify_signature` on one signed text-message body (what the edge does
//!   to every POST before any actor sees it).
//! - `routing/pick`: `actors::team::routing::pick`, round robin over a
//!   20-member team where most members are skipped.
//! - `index/filter`: `actors::number::index::Index::list` over 100,000
//!   summaries (Not Assigned, a label, a text search), first page of 50.
//! - `store/*`: the store is private to `actors`, so append + group commit
//!   is measured through the nearest public API: `NumberHandle::inbound`
//!   (NumberActor -> ConversationActor -> one journaled batch) followed by
//!   `GroupCommit::durable`, one writer at a time and 64 at once; plus an
//!   empty `durable()` (the flusher's round trip alone).
//! - `catalog/*`: `actors::number::catalog::Catalog::search` over 10,000
//!   products in 20 sets (what `GET .../catalog/products` runs per
//!   request): a rare word, two words, one set browsed, the first page.
//!
//! `cargo bench -p switchboard-bench --bench micro` (add `-- <filter>`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use actors::hub::{Presence, Viewer};
use actors::number::catalog::{Catalog, StoredSet};
use actors::number::index::{AssigneeFilter, Index, ListFilter};
use actors::team::routing::{pick, Candidate};
use actors::{ActorSystem, ConversationRecord, ConversationStatus, NumberHandle};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use switchboard_bench::webhook::{self, NumberSpec};
use tenants::{ConversationId, NumberId, Role, Routing, TenantId, UserId};
use whatsapp::{InboundMessage, Product, ProductSet};

fn number() -> NumberSpec {
    NumberSpec {
        phone_number_id: "1000000001".into(),
        display_phone_number: "+1 555 000 0001".into(),
        waba_id: "2000000001".into(),
        app_secret: "bench-app-secret-0123456789".into(),
    }
}

fn webhook_parse_verify(c: &mut Criterion) {
    let n = number();
    let body = webhook::body(&n, &webhook::wa_id(7, 42), "micro", 42, 123_456_789, 1_700_000_000);
    let signature = whatsapp::sign(&n.app_secret, &body);
    let mut g = c.benchmark_group("webhook");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("parse+verify", |b| {
        b.iter(|| {
            let parsed = whatsapp::parse_notification(black_box(&body)).expect("parses");
            whatsapp::verify_signature(&n.app_secret, black_box(&body), Some(&signature)).expect("verifies");
            parsed
        })
    });
    g.bench_function("parse", |b| b.iter(|| whatsapp::parse_notification(black_box(&body)).expect("parses")));
    g.bench_function("verify", |b| {
        b.iter(|| {
            whatsapp::verify_signature(&n.app_secret, black_box(&body), Some(&signature)).expect("verifies")
        })
    });
    g.finish();
}

fn routing_pick(c: &mut Criterion) {
    let members: Vec<Candidate> = (0..20)
        .map(|i| Candidate {
            user: UserId::new(),
            name: format!("Agent {i}"),
            // Only every fifth member can take a chat.
            presence: if i % 5 == 4 { Presence::Online } else { Presence::Offline },
            load: i,
            capacity: Some(25),
            active: true,
            last_assigned_ms: Some(i64::from(i)),
        })
        .collect();
    let cursor = Some(members[6].user);
    c.bench_function("routing/pick round robin, 20 members", |b| {
        b.iter(|| pick(Routing::RoundRobin, black_box(&members), cursor, None))
    });
    c.bench_function("routing/pick balanced, 20 members", |b| {
        b.iter(|| pick(Routing::Balanced, black_box(&members), cursor, None))
    });
}

fn summary(tenant: TenantId, number: NumberId, i: u64, agents: &[UserId]) -> ConversationRecord {
    let at = 1_700_000_000_000 + i as i64;
    ConversationRecord {
        id: ConversationId::new(),
        tenant_id: tenant,
        number_id: number,
        wa_id: webhook::wa_id(0, i),
        customer_name: Some(format!("Customer {i}").into()),
        status: if i.is_multiple_of(10) { ConversationStatus::Closed } else { ConversationStatus::Open },
        assignee_id: if i.is_multiple_of(3) { None } else { Some(agents[i as usize % agents.len()]) },
        team_id: None,
        labels: if i.is_multiple_of(7) { vec!["Hot Lead".into()] } else { Vec::new() },
        unread: (i % 4) as u32,
        bot_enabled: false,
        last_customer_at_ms: Some(at),
        last_inbound_wamid: Some(format!("wamid.{i}").into()),
        last_message_at_ms: at,
        created_at_ms: at,
        preview: Some(format!("bench seq={i} t=0").into()),
        next_seq: 3,
        queued_at_ms: Some(at),
        assigned_at_ms: None,
        last_agent_reply_at_ms: None,
        window_closed_at_ms: None,
        bot_run: None,
        attributes: Vec::new(),
    }
}

fn index_filter(c: &mut Criterion) {
    let tenant = TenantId::new();
    let number = NumberId::new();
    let agents: Vec<UserId> = (0..10).map(|_| UserId::new()).collect();
    let mut index = Index::default();
    for i in 0..100_000 {
        index.upsert(summary(tenant, number, i, &agents));
    }
    let viewer = Viewer {
        tenant_id: tenant,
        user_id: agents[0],
        role: Role::Manager,
        team_ids: Vec::new(),
        see_unassigned: true,
    };
    let base = ListFilter {
        viewer,
        status: None,
        assignee: None,
        team: None,
        label: None,
        q: None,
        unread: false,
        labels: Vec::new(),
    };
    let cases = [
        ("all", base.clone()),
        (
            "not assigned",
            ListFilter {
                status: Some(ConversationStatus::Open),
                assignee: Some(AssigneeFilter::Nobody),
                ..base.clone()
            },
        ),
        ("label", ListFilter { label: Some("Hot Lead".into()), ..base.clone() }),
        ("search", ListFilter { q: Some("00001234".into()), ..base.clone() }),
    ];
    let mut g = c.benchmark_group("index/filter 100k");
    g.throughput(Throughput::Elements(100_000));
    for (name, filter) in cases {
        g.bench_function(name, |b| b.iter(|| index.list(black_box(&filter), None, 50, None)));
    }
    g.finish();
}

/// An actor system on a temp dir with one tenant and its number started.
struct Store {
    rt: tokio::runtime::Runtime,
    system: ActorSystem,
    handle: NumberHandle,
    next: std::sync::atomic::AtomicU64,
    _dir: tempfile::TempDir,
}

impl Store {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let (system, handle) = rt.block_on(async {
            let mut settings = switchboard::config::Settings::defaults();
            settings.storage.path = dir.path().join("data");
            let graph: Arc<dyn whatsapp::GraphApi> =
                Arc::new(whatsapp::HttpGraph::new("http://127.0.0.1:9", "v21.0", Duration::from_secs(1)));
            let system = ActorSystem::start(settings.actor_settings(), graph).await.expect("actor system");
            let n = number();
            let new: tenants::NewTenant = serde_json::from_value(serde_json::json!({
                "name": "Micro",
                "number": {"phone_number_id": n.phone_number_id, "display_phone_number": n.display_phone_number,
                           "waba_id": n.waba_id, "access_token": "EAAGmicro", "app_secret": n.app_secret,
                           "verify_token": "micro"},
                "manager": {"email": "boss@micro.bench", "name": "Boss", "password": "micro-bench-password"},
            }))
            .expect("a new tenant");
            let (tenant, number, manager) = new.into_records(actors::clock::now_ms()).expect("records");
            system.directory().create_tenant(tenant, number.clone(), manager).await.expect("tenant");
            system.start_number(number).await.expect("number");
            system.commit().durable().await.expect("durable");
            let handle = system.number_by_phone(&n.phone_number_id).expect("routed").handle;
            (system, handle)
        });
        Self { rt, system, handle, next: 0.into(), _dir: dir }
    }

    /// `count` fresh messages from `customers` customers (new wamids).
    fn messages(&self, count: usize, customers: u64) -> Vec<(String, InboundMessage)> {
        let n = number();
        (0..count)
            .map(|_| {
                let seq = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let wa = webhook::wa_id(0, seq % customers);
                let body = webhook::body(&n, &wa, "micro", seq, 0, webhook::unix_now());
                let parsed = whatsapp::parse_notification(&body).expect("parses");
                let m = parsed.entries[0].changes[0].value.messages[0].clone();
                (wa, m)
            })
            .collect()
    }
}

fn store_append_commit(c: &mut Criterion) {
    let store = Store::start();
    let mut g = c.benchmark_group("store");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("empty durable() round trip", |b| {
        b.to_async(&store.rt).iter(|| async { store.system.commit().durable().await.expect("durable") })
    });
    // Existing conversations: 100 customers, warmed up first.
    let warm = store.messages(100, 100);
    store.rt.block_on(async {
        for (wa, m) in warm {
            store.handle.inbound(wa, None, vec![m]).await.expect("inbound");
        }
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("inbound + durable, one writer", |b| {
        b.iter_batched(
            || store.messages(1, 100).pop().expect("one"),
            |(wa, m)| {
                store.rt.block_on(async {
                    store.handle.inbound(wa, None, vec![m]).await.expect("inbound");
                    store.system.commit().durable().await.expect("durable");
                })
            },
            BatchSize::SmallInput,
        )
    });
    g.throughput(Throughput::Elements(64));
    g.bench_function("inbound + durable, 64 writers at once", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let batch = store.messages(64, 100);
                let started = Instant::now();
                store.rt.block_on(async {
                    let writes = batch.into_iter().map(|(wa, m)| {
                        let handle = store.handle.clone();
                        let commit = store.system.commit().clone();
                        async move {
                            handle.inbound(wa, None, vec![m]).await.expect("inbound");
                            commit.durable().await.expect("durable");
                        }
                    });
                    futures::future::join_all(writes).await;
                });
                total += started.elapsed();
            }
            total
        })
    });
    g.finish();
}

/// Products in the catalog searched.
const CATALOG_PRODUCTS: usize = 10_000;
/// Its sets (each product is in one).
const CATALOG_SETS: usize = 20;

/// A 10,000-product catalog: names of three words from small vocabularies
/// (so words recur, as in a real shop), a description, 20 sets.
fn catalog() -> Catalog {
    const COLOURS: [&str; 8] = ["red", "blue", "green", "black", "white", "grey", "olive", "sand"];
    const KINDS: [&str; 10] =
        ["tee", "hoodie", "cap", "jacket", "scarf", "sock", "mug", "tote", "poster", "pin"];
    const FITS: [&str; 5] = ["classic", "slim", "oversized", "kids", "limited"];
    let products: Vec<Product> = (0..CATALOG_PRODUCTS)
        .map(|i| Product {
            id: format!("{}", 7_000_000 + i),
            retailer_id: format!("SKU-{i:05}"),
            name: format!("{} {} {} {i}", FITS[i % 5], COLOURS[(i / 5) % 8], KINDS[(i / 40) % 10]),
            description: format!("Organic cotton, printed in Lisbon, batch {}", i % 97),
            price: format!("${}.00", 5 + i % 60),
            currency: "USD".into(),
            image_url: format!("https://cdn.example/p/{i}.jpg"),
            availability: "in stock".into(),
        })
        .collect();
    let sets: Vec<StoredSet> = (0..CATALOG_SETS)
        .map(|s| StoredSet {
            set: ProductSet { id: format!("set-{s}"), name: format!("Collection {s}") },
            retailer_ids: (0..CATALOG_PRODUCTS)
                .filter(|i| i % CATALOG_SETS == s)
                .map(|i| format!("SKU-{i:05}"))
                .collect(),
        })
        .collect();
    Catalog::new(Some("900000000000001".into()), products, &sets)
}

fn catalog_search(c: &mut Criterion) {
    let catalog = catalog();
    let mut g = c.benchmark_group("catalog");
    g.throughput(Throughput::Elements(1));
    g.bench_function("search-rare-word-10k", |b| {
        b.iter(|| catalog.search(black_box("SKU-09999"), None, 0, 30).expect("search"))
    });
    g.bench_function("search-two-words-10k", |b| {
        b.iter(|| catalog.search(black_box("slim hoodie"), None, 0, 30).expect("search"))
    });
    g.bench_function("browse-set-10k", |b| {
        b.iter(|| catalog.search(black_box(""), Some("set-7"), 0, 30).expect("browse"))
    });
    g.bench_function("first-page-10k", |b| {
        b.iter(|| catalog.search(black_box(""), None, 0, 30).expect("page"))
    });
    g.finish();
}

criterion_group!(
    benches,
    webhook_parse_verify,
    routing_pick,
    index_filter,
    store_append_commit,
    catalog_search
);
criterion_main!(benches);
