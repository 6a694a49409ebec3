// The app's state: conversations and messages as the server last told us
// (REST pages and live events both write here, keyed by id, so neither
// can double anything), the tenant's directory (users, teams, labels) and a
// tiny publish/subscribe so views redraw what changed.

const listeners = new Map();

/** Subscribes to a topic; returns the unsubscribe function. */
export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(fn);
  return () => listeners.get(topic)?.delete(fn);
}

export function emit(topic, payload) {
  for (const fn of [...(listeners.get(topic) || [])]) {
    try {
      fn(payload);
    } catch (e) {
      // One broken view must not stop the others; still make it loud.
      console.error(e);
    }
  }
}

export const state = {
  /** The signed-in user. */
  me: null,
  /** id -> conversation. */
  conversations: new Map(),
  /** conversation id -> {items: [message], hasMore, loaded} */
  messages: new Map(),
  /** id -> user */
  users: new Map(),
  /** id -> team */
  teams: new Map(),
  /** name -> label */
  labels: new Map(),
  /** id -> order (a customer's cart, API.md "Commerce"). */
  orders: new Map(),
  /** `GET /api/conversations/counts`, when the server has it. */
  counts: null,
  /** "connecting" | "live" | "offline" */
  live: "connecting",
};

export function reset() {
  state.me = null;
  state.conversations.clear();
  state.messages.clear();
  state.users.clear();
  state.teams.clear();
  state.labels.clear();
  state.orders.clear();
  state.counts = null;
}

// ---- conversations ---------------------------------------------------------

/**
 * Milliseconds of an RFC 3339 time (0 when missing). Times are compared as
 * numbers, never as text: "…:03.08Z" and "…:03.081Z" sort wrongly as text.
 */
export function ms(iso) {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Newest activity first; ties by id (newest first). */
export function byActivity(a, b) {
  return ms(b.last_message_at) - ms(a.last_message_at) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
}

function newer(a, b) {
  // Prefer the most recent activity; equal times: the later write wins.
  return !b || ms(a.last_message_at) >= ms(b.last_message_at);
}

export function upsertConversation(conv, { force = false } = {}) {
  if (!conv || !conv.id) return;
  const prev = state.conversations.get(conv.id);
  if (!force && prev && !newer(conv, prev)) return;
  state.conversations.set(conv.id, conv);
  emit("conversation", conv);
}

export function removeConversation(id) {
  if (!state.conversations.delete(id)) return;
  emit("conversation.removed", id);
}

/** Does `conv` belong in the list `filter` describes? Mirrors the server. */
export function matches(conv, filter) {
  if (filter.status && conv.status !== filter.status) return false;
  if (filter.assignee === "none" && conv.assignee_id) return false;
  if (filter.assignee === "me" && conv.assignee_id !== state.me?.id) return false;
  if (filter.assignee && !["none", "me"].includes(filter.assignee) && conv.assignee_id !== filter.assignee) return false;
  if (filter.team && conv.team_id !== filter.team) return false;
  if (filter.label && !(conv.labels || []).includes(filter.label)) return false;
  if (filter.unread && !(conv.unread > 0)) return false;
  if (filter.q) {
    const q = filter.q.trim().toLowerCase();
    const hay = [conv.customer?.name, conv.customer?.wa_id, conv.preview].filter(Boolean).join(" ").toLowerCase();
    if (q && !hay.includes(q)) return false;
  }
  return true;
}

/** The known conversations matching `filter`, newest activity first. */
export function listFor(filter) {
  return [...state.conversations.values()]
    .filter((c) => matches(c, filter))
    .sort(byActivity);
}

// ---- messages --------------------------------------------------------------

function byTime(a, b) {
  return ms(a.created_at) - ms(b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function messagesOf(id) {
  if (!state.messages.has(id)) state.messages.set(id, { items: [], hasMore: true, loaded: false });
  return state.messages.get(id);
}

// A delivery status only moves forward: an answer computed before a live
// status event (the POST of a send, say) must not take a tick back.
const STATUS_RANK = { pending: 0, sent: 1, failed: 2, delivered: 3, read: 4 };

function merged(prev, next) {
  if (!prev) return next;
  const out = { ...prev, ...next };
  if ((STATUS_RANK[next.status] ?? 0) < (STATUS_RANK[prev.status] ?? 0)) {
    out.status = prev.status;
    out.error = prev.error;
  }
  return out;
}

/** Merges a page of messages (any order) into a conversation's history. */
export function mergeMessages(conversationId, items, { hasMore } = {}) {
  const box = messagesOf(conversationId);
  const byId = new Map(box.items.map((m) => [m.id, m]));
  for (const m of items) byId.set(m.id, merged(byId.get(m.id), m));
  box.items = [...byId.values()].sort(byTime);
  box.loaded = true;
  if (hasMore !== undefined) box.hasMore = hasMore;
  emit(`messages:${conversationId}`, { kind: "page" });
}

/** One new or changed message. */
export function upsertMessage(m) {
  if (!m?.conversation_id) return;
  const box = state.messages.get(m.conversation_id);
  if (!box) return; // not open: loaded fresh when it is
  const i = box.items.findIndex((x) => x.id === m.id);
  if (i >= 0) {
    box.items[i] = merged(box.items[i], m);
    emit(`messages:${m.conversation_id}`, { kind: "update", message: box.items[i] });
  } else {
    box.items.push(m);
    box.items.sort(byTime);
    emit(`messages:${m.conversation_id}`, { kind: "new", message: m });
  }
}

// ---- orders ----------------------------------------------------------------

/** One new or changed order (its status only moves forward on the server). */
export function upsertOrder(order) {
  if (!order?.id) return;
  const prev = state.orders.get(order.id);
  if (prev && ms(prev.updated_at) > ms(order.updated_at)) return;
  state.orders.set(order.id, order);
  emit("order", order);
}

/** The known orders of a conversation, newest first. */
export function ordersOf(conversationId) {
  return [...state.orders.values()]
    .filter((o) => o.conversation_id === conversationId)
    .sort((a, b) => ms(b.created_at) - ms(a.created_at) || (b.id < a.id ? -1 : 1));
}

// ---- live events -----------------------------------------------------------

// While a REST page is on its way, live events wait: applied after it, they
// are never overwritten by an answer computed before them.
let holding = 0;
const held = [];

/** Holds live events until the returned release function is called. */
export function holdEvents() {
  holding += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holding -= 1;
    if (holding === 0) {
      for (const frame of held.splice(0)) applyEvent(frame);
    }
  };
}

/** Runs `fn` (a promise factory) with live events held. */
export async function withEventsHeld(fn) {
  const release = holdEvents();
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Applies one frame of the live socket. */
export function applyEvent(frame) {
  if (holding > 0) {
    held.push(frame);
    return;
  }
  switch (frame.type) {
    case "conversation.created":
    case "conversation.updated":
      upsertConversation(frame.conversation, { force: true });
      break;
    case "conversation.removed":
      removeConversation(frame.conversation_id || frame.conversation?.id);
      break;
    case "message.created":
    case "message.status":
    case "message.updated": // a reaction, stored media, an edit of its details
      if (frame.conversation) upsertConversation(frame.conversation, { force: true });
      upsertMessage(frame.message);
      break;
    case "notification":
      if (frame.conversation) upsertConversation(frame.conversation, { force: true });
      emit("notification", frame);
      break;
    case "presence":
      emit("presence", frame);
      break;
    case "order.created":
    case "order.updated":
      if (frame.conversation) upsertConversation(frame.conversation, { force: true });
      upsertOrder(frame.order);
      break;
    default:
      emit("event", frame);
  }
  emit("changed", frame);
}

// ---- directory ---------------------------------------------------------------

export function setDirectory({ users, teams, labels }) {
  if (users) {
    state.users.clear();
    for (const u of users) state.users.set(u.id, u);
  }
  if (teams) {
    state.teams.clear();
    for (const t of teams) state.teams.set(t.id, t);
  }
  if (labels) {
    state.labels.clear();
    for (const l of labels) state.labels.set(l.name, l);
  }
  emit("directory");
}

export function userName(id) {
  if (!id) return null;
  if (id === state.me?.id) return "You";
  return state.users.get(id)?.name || "An agent";
}

export function teamName(id) {
  if (!id) return null;
  return state.teams.get(id)?.name || "A team";
}

export const isManager = () => state.me?.role === "manager";
