//! Sends an older build left in the outbox tree. Before a send was durable
//! as its message plus its id in the summary row, each send also wrote an
//! `OutboxEntry` row, and a deployment stopped with sends in flight still
//! has those rows. The Outbox takes them up at its start: each is sent
//! once, and its outcome removes the row.
//!
//! The rows are laid out by hand exactly as that build's journaled send
//! commit wrote them (message, event, summary, outbox row), in a running
//! system; then the NumberActor is crashed, so its respawn reads them from
//! sled with no clean-stop mark, the path a crash takes.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tenants::{ConversationId, MessageId, Number};
use whatsapp::{Content, InboundMessage, Sandbox};

use crate::clock::now_ms;
use crate::conversation::record::{
    Body, ConversationRecord, Direction, Event, EventActor, EventKind, EventRun, MessageRecord,
    MessageStatus, OutboxEntry, SummaryRow,
};
use crate::conversation::{message_key, outbox_key, record_key, request_of};
use crate::number::search;
use crate::store::{key, seq, Batch, Store, Tree};
use crate::{ActorSettings, ActorSystem, NumberHandle};

const CUSTOMER: &str = "16505551234";

/// A running system on a temp directory, with one tenant, its number and
/// one chat, sending to the demo sandbox (which keeps a transcript).
struct World {
    _dir: tempfile::TempDir,
    system: ActorSystem,
    sandbox: Arc<Sandbox>,
    number: Number,
    conversation: ConversationId,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sandbox = Arc::new(Sandbox::new("app-secret"));
    let mut settings = ActorSettings::with_path(dir.path().join("data"));
    // After a crash a send found may have left already, and waits this
    // long for Meta's status before it goes (none comes here).
    settings.outbox_ambiguous_grace = Duration::from_millis(100);
    let system = ActorSystem::start(settings, sandbox.clone()).await.expect("the system starts");
    let new: tenants::NewTenant = serde_json::from_value(json!({
        "name": "Acme",
        "number": {
            "phone_number_id": "106540352242922",
            "display_phone_number": "+1 555 010 0001",
            "waba_id": "102290129340398",
            "access_token": "EAAGtest",
            "verify_token": "verify-me",
        },
        "manager": {"email": "manager@acme.test", "name": "Acme Manager", "password": "a long enough password"},
    }))
    .expect("a tenant body");
    let (tenant, number, manager) = new.into_records(now_ms()).expect("valid records");
    system.directory().create_tenant(tenant, number.clone(), manager).await.expect("onboarded");
    system.start_number(number.clone()).await.expect("the number starts");
    let hello = InboundMessage {
        wamid: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdBQzM4RjU2MEI0NEE4".into(),
        from: CUSTOMER.into(),
        timestamp: now_ms() / 1000,
        context: None,
        referral: None,
        content: Content::Text { body: "hello".into() },
    };
    let handle = number_handle(&system, &number);
    handle.inbound(CUSTOMER.into(), Some("Sheena".into()), vec![hello]).await.expect("stored");
    system.commit().durable().await.expect("durable");
    let prefix = key(&[&number.tenant_id.to_bytes(), &number.id.to_bytes()]);
    let rows = system.store().scan_prefix::<SummaryRow>(Tree::Conversations, &prefix).expect("summaries");
    let conversation = rows.first().expect("the chat's summary").1.record.id;
    World { _dir: dir, system, sandbox, number, conversation }
}

fn number_handle(system: &ActorSystem, number: &Number) -> NumberHandle {
    system.number(number.id).expect("a live number")
}

/// How the older build stored the chat's summary.
#[derive(Clone, Copy)]
enum Summary {
    /// As it wrote it itself: the plain record.
    AsItWroteIt,
    /// Rewritten since by this build (a row listing no send of its own).
    Rewritten,
}

/// Writes a pending send the older build's way and returns its id.
fn legacy_send(w: &World, summary: Summary, text: &str) -> MessageId {
    let store: &Store = w.system.store();
    let (tenant, number, id) = (w.number.tenant_id, w.number.id, w.conversation);
    let row: SummaryRow = store
        .get_upgrading::<SummaryRow, ConversationRecord>(Tree::Conversations, &record_key(tenant, number, id))
        .expect("readable")
        .expect("the summary");
    let mut record = row.record;
    let message = MessageRecord {
        direction: Direction::Out,
        body: Body::Text { body: text.into(), preview_url: false },
        status: MessageStatus::Pending,
        ..search::tests::message(id, text, now_ms())
    };
    let request = request_of(&message, CUSTOMER).expect("a text has a request");
    let entry = OutboxEntry::of(&message, tenant, number, request);
    let first = record.next_seq;
    record.next_seq += 1;
    let run = EventRun(vec![Event {
        seq: first,
        at_ms: now_ms(),
        by: EventActor::Bot,
        kind: EventKind::MessageQueued { message_id: message.id },
    }]);
    let mut batch = Batch::default();
    let prefix = key(&[&tenant.to_bytes(), &id.to_bytes()]);
    batch.put(Tree::Messages, message_key(tenant, id, message.id), &message).unwrap();
    batch.put(Tree::Events, key(&[&prefix, &seq(first)]), &run).unwrap();
    let summary_key = record_key(tenant, number, id);
    match summary {
        Summary::AsItWroteIt => batch.put(Tree::Conversations, summary_key, &record).unwrap(),
        Summary::Rewritten => batch.put(Tree::Conversations, summary_key, &SummaryRow::from(record)).unwrap(),
    }
    batch.put(Tree::Outbox, outbox_key(tenant, number, message.id), &entry).unwrap();
    store.write(batch).expect("written through the journal");
    message.id
}

/// The business's messages the sandbox received for the customer.
fn sent_texts(w: &World) -> Vec<String> {
    w.sandbox
        .transcript(&w.number.phone_number_id, CUSTOMER)
        .iter()
        .filter_map(|e| e.message["text"]["body"].as_str().map(str::to_string))
        .collect()
}

async fn eventually<T>(what: &str, mut f: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(found) = f().await {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Lays out one legacy send, crashes the number and checks the respawned
/// Outbox sends it once, settles its message and removes its row.
async fn a_legacy_send_is_sent_once_and_its_row_removed(summary: Summary) {
    let w = world().await;
    let id = legacy_send(&w, summary, "left by an older build");
    w.system.commit().durable().await.expect("durable");
    assert!(sent_texts(&w).is_empty(), "nothing sends it before a start reads the row");

    number_handle(&w.system, &w.number).crash().expect("the number crashes");
    let sent = eventually("the legacy send's outcome", async || {
        let handle = w.system.number(w.number.id)?;
        let page = handle.messages(w.conversation, 10, None).await.ok()?;
        page.into_iter().find(|m| m.id == id.to_string() && m.status == "sent")
    })
    .await;
    let wamid = sent.wamid.expect("Meta's id on the settled message");
    let transcript = w.sandbox.transcript(&w.number.phone_number_id, CUSTOMER);
    assert_eq!(transcript.len(), 1, "sent exactly once");
    assert_eq!(transcript[0].wamid, wamid);
    assert_eq!(sent_texts(&w), ["left by an older build"]);
    let row = outbox_key(w.number.tenant_id, w.number.id, id);
    eventually("the outbox row to be removed", async || {
        w.system.store().get::<OutboxEntry>(Tree::Outbox, &row).expect("readable").is_none().then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_builds_outbox_row_under_its_own_summary_is_sent_once_and_removed() {
    a_legacy_send_is_sent_once_and_its_row_removed(Summary::AsItWroteIt).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_builds_outbox_row_under_a_summary_this_build_rewrote_is_sent_once_and_removed() {
    a_legacy_send_is_sent_once_and_its_row_removed(Summary::Rewritten).await;
}
