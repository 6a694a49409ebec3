//! What a conversation stores: its summary record, its messages and its
//! event log (the audit trail). Plain serde types: they are written with
//! bincode 2, so no tagged/untagged enums and no `skip_serializing_if`
//! (TRAPS.md).

use serde::{Deserialize, Serialize};
use tenants::{ConversationId, MessageId, NumberId, TeamId, TenantId, UserId};

/// Open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConversationStatus {
    /// Waiting for or in conversation with an agent.
    Open,
    /// Done; a new customer message reopens it.
    Closed,
}

impl ConversationStatus {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

/// The conversation summary: everything list views and routing need. The
/// NumberActor keeps a copy of each in its index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    /// Conversation id.
    pub id: ConversationId,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// The business number the customer writes to.
    pub number_id: NumberId,
    /// The customer's WhatsApp id.
    pub wa_id: String,
    /// The customer's profile name, as WhatsApp last reported it.
    pub customer_name: Option<Box<str>>,
    /// Open or closed.
    pub status: ConversationStatus,
    /// The agent who has it.
    pub assignee_id: Option<UserId>,
    /// The team whose queue it is in.
    pub team_id: Option<TeamId>,
    /// Label names.
    pub labels: Vec<String>,
    /// Customer messages not yet read by an agent.
    pub unread: u32,
    /// Whether the chatbot may answer.
    pub bot_enabled: bool,
    /// Meta's timestamp of the customer's latest message (the 24-hour
    /// window is counted from it, not from our arrival time).
    pub last_customer_at_ms: Option<i64>,
    /// The wamid of the customer's latest message (read receipts name it).
    pub last_inbound_wamid: Option<Box<str>>,
    /// Latest message in either direction.
    pub last_message_at_ms: i64,
    /// First contact.
    pub created_at_ms: i64,
    /// A short text of the latest message, for list rows and search.
    pub preview: Option<Box<str>>,
    /// Sequence number of the next event in this conversation's log.
    pub next_seq: u64,
    /// When it entered its current queue (team or Not Assigned) while
    /// unassigned: queues hand out the oldest first.
    pub queued_at_ms: Option<i64>,
    /// When the current assignee got it.
    pub assigned_at_ms: Option<i64>,
    /// When an agent last sent the customer a message.
    pub last_agent_reply_at_ms: Option<i64>,
    /// When Meta said the service window was closed (error 131047) although
    /// our clock thought it open; the window reopens with the next customer
    /// message.
    pub window_closed_at_ms: Option<i64>,
    /// Where the chatbot is in its flow (kept after it finishes, for
    /// `restart`). Boxed: most chats have none, and every summary in every index
    /// would otherwise carry its 120 bytes (the same bytes on disk).
    pub bot_run: Option<Box<chatbot::Run>>,
    /// Contact attributes the customer gave (the bot's `ask` steps).
    pub attributes: Vec<(String, String)>,
}

/// Who a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// From the customer.
    In,
    /// From the business.
    Out,
    /// An internal note: seen by the team, never sent to WhatsApp.
    Internal,
}

/// Delivery state of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageStatus {
    /// An inbound message we stored.
    Received,
    /// Accepted, waiting in the outbox.
    Pending,
    /// The Cloud API accepted it.
    Sent,
    /// Delivered to the customer's phone.
    Delivered,
    /// Read by the customer.
    Read,
    /// Could not be sent.
    Failed,
}

impl MessageStatus {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }

    /// Progress order of outbound statuses: a status never moves backwards.
    pub fn rank(self) -> u8 {
        match self {
            Self::Received | Self::Pending => 0,
            Self::Sent => 1,
            Self::Delivered => 2,
            Self::Read => 3,
            Self::Failed => 4,
        }
    }
}

/// What a message says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Body {
    /// Anything a customer sent, as the Cloud API described it.
    Received(whatsapp::Content),
    /// A free-form text reply.
    Text {
        /// The text.
        body: String,
        /// Whether WhatsApp should render a link preview.
        preview_url: bool,
    },
    /// Any other outbound message (media, buttons, list, reaction, product):
    /// Meta's request body, prepared and validated by the edge.
    Prepared {
        /// Meta's message type (`image`, `interactive`, `reaction`...).
        kind: String,
        /// Caption or body text, for previews.
        text: Option<String>,
        /// The request body as JSON text.
        json: String,
    },
    /// A template message; `json` is the template object exactly as Meta's
    /// send API takes it.
    Template {
        /// Template name.
        name: String,
        /// Language code.
        language: String,
        /// The template object as JSON text.
        json: String,
    },
    /// An internal note.
    Note {
        /// The text.
        text: String,
        /// Colleagues notified of it.
        mentions: Vec<UserId>,
    },
}

/// Why a message failed, in Meta's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageError {
    /// Meta's error code (0 when the failure was ours, e.g. a timeout).
    pub code: i64,
    /// Meta's message and details.
    pub message: String,
}

/// One message in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// Message id (time-ordered).
    pub id: MessageId,
    /// The conversation it belongs to.
    pub conversation_id: ConversationId,
    /// In or out.
    pub direction: Direction,
    /// What it says.
    pub body: Body,
    /// WhatsApp's id, once known.
    pub wamid: Option<String>,
    /// Delivery state.
    pub status: MessageStatus,
    /// Why it failed, when it did.
    pub error: Option<MessageError>,
    /// The agent who wrote it (outbound).
    pub author_id: Option<UserId>,
    /// When we stored it.
    pub created_at_ms: i64,
    /// Meta's timestamp (inbound).
    pub sent_at_ms: Option<i64>,
    /// The wamid this message replies to.
    pub reply_to: Option<String>,
    /// Reactions to this message, one per reactor (customer wa_id or agent).
    pub reactions: Vec<Reaction>,
    /// The media file, once downloaded and stored.
    pub media: Option<StoredMedia>,
    /// WhatsApp marked it forwarded.
    pub forwarded: bool,
    /// The ad the customer clicked to write (click-to-WhatsApp).
    pub referral: Option<whatsapp::Referral>,
}

/// A reaction to a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    /// The customer's wa_id, or an agent's user id.
    pub from: String,
    /// The emoji.
    pub emoji: String,
}

/// A media file stored content-addressed beside the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMedia {
    /// Its SHA-256 (hex): the file name in the media store.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its MIME type.
    pub mime_type: String,
}

/// A delivery status that arrived before we knew the message's wamid (Meta
/// may answer the send after its first status webhook); applied when the
/// wamid is recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlyStatus {
    /// The status.
    pub status: MessageStatus,
    /// Meta's error, for `failed`.
    pub error: Option<MessageError>,
}

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventActor {
    /// The customer, through WhatsApp.
    Customer,
    /// An agent or manager.
    User(UserId),
    /// Switchboard itself (routing, the outbox, Meta's statuses).
    System,
    /// The chatbot.
    Bot,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EventKind {
    /// The conversation was created by the customer's first message.
    Created,
    /// A closed conversation was reopened.
    Reopened,
    /// The conversation was closed.
    Closed,
    /// The customer's profile name changed.
    CustomerRenamed {
        /// The new name.
        name: String,
    },
    /// A customer message arrived.
    MessageReceived {
        /// The stored message.
        message_id: MessageId,
    },
    /// An agent message was accepted for sending.
    MessageQueued {
        /// The stored message.
        message_id: MessageId,
    },
    /// A message's delivery status changed: a failed send, or a status
    /// Meta reported. Meta's acceptance of a send is not logged: the
    /// message's `wamid` and `sent_at` say it (`outbound::send_result`).
    StatusChanged {
        /// The message.
        message_id: MessageId,
        /// Its new status.
        status: MessageStatus,
    },
    /// The assignee or team changed; `reason` says why (who routing
    /// skipped, a claim, a transfer...).
    Assigned {
        /// The new assignee.
        assignee: Option<UserId>,
        /// The new team.
        team: Option<TeamId>,
        /// Why.
        reason: String,
    },
    /// The chat was transferred (the assignment follows as `Assigned`).
    Transferred {
        /// To this colleague...
        to_user: Option<UserId>,
        /// ...or this team.
        to_team: Option<TeamId>,
    },
    /// An internal note was added.
    NoteAdded {
        /// The note.
        message_id: MessageId,
    },
    /// The labels were replaced.
    LabelsChanged {
        /// The new set.
        labels: Vec<String>,
    },
    /// The chatbot was switched on or off.
    BotToggled {
        /// On or off.
        enabled: bool,
    },
    /// An agent read the chat (unread back to zero).
    Read,
    /// A reaction was set or removed on a message.
    Reacted {
        /// The message reacted to.
        message_id: MessageId,
        /// The emoji (`None`: removed).
        emoji: Option<String>,
    },
    /// A message's media file was stored.
    MediaStored {
        /// The message.
        message_id: MessageId,
    },
    /// The customer placed an order (sent their cart).
    OrderPlaced {
        /// The order.
        order_id: tenants::OrderId,
        /// Its total, in hundredths of its currency.
        total_minor: i64,
    },
    /// An agent moved an order's status.
    OrderStatusChanged {
        /// The order.
        order_id: tenants::OrderId,
        /// Its new status.
        status: super::order::OrderStatus,
    },
}

/// One entry of a conversation's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the log.
    pub seq: u64,
    /// When it happened.
    pub at_ms: i64,
    /// Who did it.
    pub by: EventActor,
    /// What happened.
    pub kind: EventKind,
}

/// The events of one commit, stored as one row keyed by the first one's
/// seq: a new chat's first message (created, received, the bot's step...)
/// costs one sled insert instead of one per event. Rows written before
/// runs existed hold a single [`Event`] and are read as a run of one.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EventRun(pub Vec<Event>);

impl From<Event> for EventRun {
    fn from(e: Event) -> Self {
        EventRun(vec![e])
    }
}

/// A conversation's summary row: the summary, then the ids of its sends
/// still waiting for an outcome as of this write. A send is durable as its
/// message plus its id here, written in the commit that queues it: a
/// restart finds what to resend in the summaries it reads anyway, and a
/// send costs no outbox row to write and none to delete. The list may
/// still name sends settled since (an outcome leaves the summary alone);
/// their messages say so. Rows written before the list existed are read as
/// a summary with none (`From<ConversationRecord>`).
///
/// The list is kept out of [`ConversationRecord`], which the index holds a
/// million of, at exactly a jemalloc size class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow<R = ConversationRecord, U = Vec<MessageId>> {
    /// The summary.
    pub record: R,
    /// Sends not settled when it was written.
    pub unsettled: U,
}

impl From<ConversationRecord> for SummaryRow {
    fn from(record: ConversationRecord) -> Self {
        SummaryRow { record, unsettled: Vec::new() }
    }
}

/// A send for the Outbox: built from its message when it is queued, and
/// again from the message after a restart (`outbound::request_of`). Builds
/// before the summary row listed sends wrote one of these in the outbox
/// tree as well; the Outbox still reads those, and their outcome deletes
/// them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The message being sent.
    pub message_id: MessageId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The number that sends it.
    pub number_id: NumberId,
    /// The Graph API request body as JSON text.
    pub request_json: String,
    /// When it was accepted.
    pub created_at_ms: i64,
    /// It was read from an outbox row (an older build's), which its
    /// outcome deletes.
    #[serde(skip)]
    pub has_row: bool,
}

impl OutboxEntry {
    /// The send of queued message `m` of `tenant`'s `number`, made by
    /// `request_json`: when it is queued, and again after a restart.
    pub fn of(m: &MessageRecord, tenant_id: TenantId, number_id: NumberId, request_json: String) -> Self {
        OutboxEntry {
            message_id: m.id,
            conversation_id: m.conversation_id,
            tenant_id,
            number_id,
            request_json,
            created_at_ms: m.created_at_ms,
            has_row: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ConversationRecord, SummaryRow};
    use crate::store::Tree;
    use tenants::MessageId;

    #[tokio::test]
    async fn a_summary_row_lists_its_sends_and_an_older_row_reads_with_none() {
        let (_dir, store) = crate::store::temp_store();
        let record = crate::number::index::tests::record(tenants::TenantId::new(), 5, None);
        let sends = [MessageId::new(), MessageId::new()];
        let row = SummaryRow { record: &record, unsettled: &sends[..] };
        store.put(Tree::Conversations, b"new".to_vec(), &row).unwrap();
        store.put(Tree::Conversations, b"old".to_vec(), &record).unwrap();
        let read = |k: &[u8]| {
            store.get_upgrading::<SummaryRow, ConversationRecord>(Tree::Conversations, k).unwrap().unwrap()
        };
        assert_eq!(read(b"new"), SummaryRow { record: record.clone(), unsettled: sends.to_vec() });
        assert_eq!(read(b"old"), SummaryRow { record: record.clone(), unsettled: vec![] });
        assert!(
            store.get::<ConversationRecord>(Tree::Conversations, b"new").is_err(),
            "a new row is not misread as a bare summary"
        );
    }

    /// A million summaries live in the index, each in its own allocation:
    /// at 344 bytes each took jemalloc's 384-byte size class; at 320 or
    /// less the next one down. Its strings are `Box<str>` (16 bytes, not
    /// 24) for this; serde writes both as a `str`, so stored rows read the
    /// same.
    #[test]
    fn a_summary_fits_jemallocs_320_byte_size_class() {
        let size = std::mem::size_of::<ConversationRecord>();
        assert!(size <= 320, "ConversationRecord is {size} bytes");
    }
}
