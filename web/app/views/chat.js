// One conversation: header with the actions, the history (oldest first,
// day separators, infinite scroll back, delivery ticks, notes, order
// cards), the composer (Enter sends, Shift+Enter breaks the line, canned
// replies by "/shortcut", the 24-hour window and a template picker when it
// is shut) and the side panel with the catalog and the customer's orders.

import * as api from "../api.js";
import { add, h, mount, debounce } from "../dom.js";
import { icon } from "../icons.js";
import { dayKey, dayLabel, until } from "../format.js";
import * as store from "../store.js";
import { button, emptyState, spinner, toast } from "../ui.js";
import { templateDialog } from "./dialogs.js";
import { act, apply, chatHeader } from "./chathead.js";
import { cannedPicker } from "./canned.js";
import { knownTemplates, messageItem } from "./message.js";
import { chatSide } from "./chatside.js";

const PAGE = 50;

export function chatView({ id, navigate, backHref }) {
  const offs = [];
  let conv = store.state.conversations.get(id) || null;
  let loadingOlder = false;
  let historyError = null;
  let mode = "reply"; // or "note"
  let destroyed = false;
  let back = backHref;
  const pending = new Map(); // local id -> {message, body, key}
  const rendered = new Map(); // message id -> {sig, el}


  // ---- history -------------------------------------------------------------------
  const topStatus = h("div", { class: "history-top" });
  const list = h("ol", { class: "messages" });
  const scroller = h(
    "div",
    { class: "chat-scroll", role: "log", "aria-label": "Messages", "aria-live": "polite", tabindex: "0" },
    topStatus,
    list,
  );
  const jump = h(
    "button",
    { type: "button", class: "jump-new", hidden: true, onclick: () => scrollToBottom(true) },
    icon("chevronDown", { size: 16 }),
    h("span", null, "New messages"),
  );

  // ---- composer ------------------------------------------------------------------
  const banner = h("div", { class: "composer-banner", hidden: true });
  const textarea = h("textarea", {
    class: "composer-input",
    rows: 1,
    "aria-label": "Message",
    placeholder: "Write a reply…",
    dir: "auto",
    oninput: () => {
      autosize();
      canned.update(mode === "reply");
      updateSend();
    },
    onkeydown: onComposerKey,
  });
  const sendBtn = h(
    "button",
    { type: "submit", class: "btn btn-primary btn-send", "aria-label": "Send", title: "Send (Enter)", disabled: true },
    icon("send", { size: 18 }),
  );
  const templateBtn = button({ iconName: "template", label: "Send a template", kind: "ghost", onClick: () => openTemplates() });
  const fileInput = h("input", {
    type: "file",
    class: "sr-only",
    tabindex: "-1",
    "aria-hidden": "true",
    accept: "image/*,video/*,audio/*,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt,.csv",
    onchange: () => {
      const file = fileInput.files?.[0];
      fileInput.value = "";
      if (file) sendFile(file);
    },
  });
  const attachBtn = button({ iconName: "paperclip", label: "Attach a file", kind: "ghost", onClick: () => fileInput.click() });
  const shopBtn = button({ iconName: "cart", label: "Send products from the catalog", kind: "ghost", attrs: { "data-action": "catalog" }, onClick: () => side.open("catalog") });
  const modeReply = h("button", { type: "button", class: "mode", "aria-pressed": "true", onclick: () => setMode("reply") }, "Reply");
  const modeNote = h("button", { type: "button", class: "mode", "aria-pressed": "false", onclick: () => setMode("note") }, icon("note", { size: 14 }), h("span", null, "Internal note"));
  const modes = h("div", { class: "modes", role: "group", "aria-label": "Message kind" }, modeReply, modeNote);
  const canned = cannedPicker(textarea, (text) => {
    textarea.value = text;
    autosize();
    updateSend();
    textarea.focus();
  });
  const hint = h("span", { class: "composer-hint muted" }, "Enter to send · Shift+Enter for a new line");
  const form = h(
    "form",
    { class: "composer", onsubmit: (e) => { e.preventDefault(); send(); } },
    banner,
    h("div", { class: "composer-top" }, modes, hint),
    canned.el,
    h("div", { class: "composer-row" }, templateBtn, attachBtn, shopBtn, fileInput, textarea, sendBtn),
  );

  const el = h("section", { class: "chat", "aria-label": "Chat" });
  const side = chatSide({
    id,
    getConv: () => conv,
    canSend: () => {
      const state = canReply();
      const reasons = { assign: "Assign this chat to yourself to send products.", window: "The 24-hour window is closed: only templates can be sent." };
      return state.ok ? state : { ok: false, reason: reasons[state.why] || "Not now." };
    },
    onSent: (sent) => {
      store.mergeMessages(id, [sent]);
      scrollToBottom();
    },
    onToggle: (open) => {
      el.classList.toggle("chat-with-side", open);
      renderHead();
    },
  });
  const sideButtons = () => [
    button({ iconName: "user", label: "Contact details", kind: "ghost", attrs: { "aria-expanded": String(side.tab() === "contact"), "data-action": "contact" }, onClick: () => side.toggle("contact") }),
    side.available()
      ? button({ iconName: "cart", label: "Catalog and orders", kind: "ghost", attrs: { "aria-expanded": String(side.tab() === "catalog" || side.tab() === "orders"), "data-action": "commerce" }, onClick: () => side.toggle(side.tab() === "orders" ? "orders" : "catalog") })
      : null,
  ].filter(Boolean);
  const header = chatHeader({ id, back, section: el, extraActions: sideButtons });
  el.append(header.head, header.labelsRow, h("div", { class: "chat-columns" }, h("div", { class: "chat-main" }, h("div", { class: "chat-body" }, scroller, jump), form), side.el));
  const renderHead = () => header.render(conv);

  // ---- rendering: history -----------------------------------------------------------------
  function allMessages() {
    const box = store.messagesOf(id);
    return [...box.items, ...[...pending.values()].map((p) => p.message)];
  }

  function renderTop() {
    const box = store.messagesOf(id);
    if (historyError) {
      mount(topStatus, h("div", { class: "history-error" }, h("span", null, historyError), button({ text: "Try again", size: "sm", onClick: () => loadOlder() })));
    } else if (!box.loaded || loadingOlder) {
      mount(topStatus, spinner("Loading messages"));
    } else if (box.hasMore) {
      mount(topStatus, h("div", { class: "history-more", "aria-hidden": "true" }));
    } else {
      mount(topStatus, h("p", { class: "history-start" }, "The conversation starts here"));
    }
  }

  function renderMessages() {
    const items = allMessages();
    const box = store.messagesOf(id);
    renderTop();
    if (box.loaded && !items.length) {
      mount(list, h("li", { class: "messages-empty" }, emptyState({ iconName: "chat", title: "No messages yet", body: conv?.window?.open === false ? "Send an approved template to start the conversation." : "Say hello: your reply goes to the customer on WhatsApp." })));
      rendered.clear();
      return;
    }
    const byWamid = new Map(items.filter((m) => m.wamid).map((m) => [m.wamid, m]));
    const nodes = [];
    let lastDay = null;
    let prev = null;
    for (const m of items) {
      const day = dayKey(m.created_at);
      if (day !== lastDay) {
        nodes.push(h("li", { class: "day" }, h("span", null, dayLabel(m.created_at))));
        lastDay = day;
        prev = null;
      }
      const grouped = prev && prev.direction === m.direction && prev.type !== "note" && m.type !== "note" && prev.author_id === m.author_id && new Date(m.created_at) - new Date(prev.created_at) < 5 * 60000;
      const quoted = m.reply_to ? byWamid.get(m.reply_to) : null;
      const sig = JSON.stringify([m.status, m.text, m.error, m.type, grouped, quoted?.id, store.state.users.size, m.local, m.reactions, m.media_url, m.type === "order" ? store.state.orders.get(m.id)?.updated_at : null, m.type === "template" ? knownTemplates.size : 0]);
      let entry = rendered.get(m.id);
      if (!entry || entry.sig !== sig) {
        entry = { sig, el: messageItem(m, { grouped, quoted, onRetry: m.local && pending.get(m.id)?.body ? () => retry(m.id) : null }) };
        rendered.set(m.id, entry);
      }
      nodes.push(entry.el);
      prev = m;
    }
    list.replaceChildren(...nodes);
    if (items.some((m) => m.type === "template")) loadTemplates();
  }

  /** Lists the number's templates once, so template messages show their text. */
  let templatesAsked = false;
  async function loadTemplates() {
    if (templatesAsked || !conv?.number_id || api.features.templates === false) return;
    templatesAsked = true;
    const list = await api.probe("templates", `/api/numbers/${encodeURIComponent(conv.number_id)}/templates`).catch(() => null);
    let added = false;
    for (const t of list?.items || []) {
      const key = `${conv.number_id}|${t.name}|${t.language?.code || t.language}`;
      if (!knownTemplates.has(key)) added = true;
      knownTemplates.set(key, t);
    }
    if (added && !destroyed) renderMessages();
  }

  // ---- scrolling ----------------------------------------------------------------------------
  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  }

  function scrollToBottom(smooth = false) {
    scroller.scrollTo({ top: scroller.scrollHeight, behavior: smooth ? "smooth" : "auto" });
    jump.hidden = true;
  }

  scroller.addEventListener("scroll", () => {
    if (nearBottom()) jump.hidden = true;
  });

  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) loadOlder();
    },
    { root: scroller, rootMargin: "300px 0px 0px 0px" },
  );
  observer.observe(topStatus);

  // ---- loading ------------------------------------------------------------------------------
  async function loadConversation() {
    try {
      const fresh = await store.withEventsHeld(async () => {
        const c = await api.get(`/api/conversations/${encodeURIComponent(id)}`);
        store.upsertConversation(c);
        return c;
      });
      if (destroyed) return;
      conv = store.state.conversations.get(id) || fresh;
      renderHead();
      updateComposer();
      markRead();
    } catch (e) {
      if (destroyed) return;
      mount(el, h("a", { class: "btn btn-ghost btn-icon chat-back", href: back, "aria-label": "Back to conversations" }, icon("back")), emptyState({ iconName: "alert", title: e.status === 404 ? "This conversation isn't available" : "Couldn't open this conversation", body: e.status === 404 ? "It may have been handed to someone else. Go back to the list to pick another." : api.describe(e), action: h("a", { class: "btn btn-secondary", href: back }, "Back to conversations") }));
    }
  }

  async function loadLatest({ keepScroll = false } = {}) {
    const box = store.messagesOf(id);
    const stick = !keepScroll || nearBottom();
    try {
      await store.withEventsHeld(async () => {
        const page = await api.get(`/api/conversations/${encodeURIComponent(id)}/messages`, { limit: PAGE });
        store.mergeMessages(id, page.items || [], { hasMore: (page.items || []).length >= PAGE && (box.hasMore ?? true) });
      });
      historyError = null;
    } catch (e) {
      historyError = api.describe(e);
      box.loaded = true;
      box.hasMore = true;
    }
    if (destroyed) return;
    renderMessages();
    if (stick) scrollToBottom();
    loadOrders();
    // A short history does not scroll, so the top never comes into view:
    // fetch older pages until it does or there are none.
    if (box.hasMore && scroller.scrollHeight <= scroller.clientHeight) loadOlder();
  }

  /** Order cards show names and status from the order records: fetch them once the history has orders we lack. */
  let ordersLoaded = false;
  async function loadOrders() {
    const missing = store.messagesOf(id).items.some((m) => m.type === "order" && !store.state.orders.get(m.id));
    if (!missing || ordersLoaded || api.features.orders === false) return;
    ordersLoaded = true;
    try {
      const page = await api.get(`/api/conversations/${encodeURIComponent(id)}/orders`);
      for (const o of page.items || []) store.upsertOrder(o);
    } catch {
      ordersLoaded = false; // the cards show what the messages say meanwhile
    }
  }

  async function loadOlder() {
    const box = store.messagesOf(id);
    if (!box.loaded || !box.hasMore || loadingOlder || destroyed) return;
    if (historyError) {
      historyError = null;
      if (!box.items.length) return loadLatest();
    }
    const oldest = box.items[0];
    if (!oldest) return;
    loadingOlder = true;
    renderTop();
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    try {
      await store.withEventsHeld(async () => {
        const page = await api.get(`/api/conversations/${encodeURIComponent(id)}/messages`, { limit: PAGE, before: oldest.id });
        store.mergeMessages(id, page.items || [], { hasMore: (page.items || []).length >= PAGE });
      });
    } catch (e) {
      historyError = api.describe(e);
    } finally {
      loadingOlder = false;
    }
    if (destroyed) return;
    renderMessages();
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
    if (box.hasMore && !historyError && scroller.scrollHeight <= scroller.clientHeight) loadOlder();
  }

  const markRead = debounce(async () => {
    if (!conv || !(conv.unread > 0) || document.visibilityState !== "visible" || api.features.read === false) return;
    try {
      const updated = await api.optional("read", () => api.post(`/api/conversations/${encodeURIComponent(id)}/read`, {}));
      if (updated?.id) apply(updated);
      else store.upsertConversation({ ...conv, unread: 0 }, { force: true });
    } catch {
      // Not critical: the badge stays.
    }
  }, 400);

  // ---- composer -------------------------------------------------------------------------------
  function setMode(next) {
    mode = next;
    modeReply.setAttribute("aria-pressed", String(mode === "reply"));
    modeNote.setAttribute("aria-pressed", String(mode === "note"));
    form.classList.toggle("composer-note", mode === "note");
    textarea.setAttribute("aria-label", mode === "note" ? "Internal note" : "Message");
    updateComposer();
    textarea.focus();
  }

  function canReply() {
    if (!conv) return { ok: false };
    const me = store.state.me;
    if (me?.role === "staff" && conv.assignee_id !== me.id) return { ok: false, why: "assign" };
    if (conv.window && conv.window.open === false) return { ok: false, why: "window" };
    return { ok: true };
  }

  function updateComposer() {
    modeNote.hidden = api.features.notes === false;
    if (api.features.notes === false && mode === "note") mode = "reply";
    const state = canReply();
    banner.hidden = true;
    banner.replaceChildren();
    templateBtn.hidden = api.features.templates === false || mode === "note";
    attachBtn.hidden = api.features.media === false || mode === "note" || !state.ok;
    shopBtn.hidden = !side.available() || mode === "note" || !state.ok;
    side.refresh();
    if (mode === "note") {
      textarea.disabled = false;
      textarea.placeholder = "Write a note only your team can see…";
      hint.textContent = "Notes are never sent to the customer";
    } else if (state.why === "assign") {
      banner.hidden = false;
      banner.className = "composer-banner banner-info";
      add(banner, icon("userPlus", { size: 16 }), h("span", null, "Assign this chat to yourself to reply."), api.features.assign !== false ? button({ text: "Assign to me", kind: "primary", size: "sm", onClick: () => act(id, "assign", "assign", { to: "me" }, "Assigned to you") }) : null);
      textarea.disabled = true;
      textarea.placeholder = "Assign the chat to yourself to reply";
      hint.textContent = "";
    } else if (state.why === "window") {
      banner.hidden = false;
      banner.className = "composer-banner banner-warn";
      add(banner, icon("clock", { size: 16 }), h("span", null, "The 24-hour window is closed. Until the customer writes again, you can only send an approved template."), api.features.templates !== false ? button({ text: "Choose template", iconName: "template", kind: "primary", size: "sm", onClick: () => openTemplates() }) : null);
      textarea.disabled = true;
      textarea.placeholder = "Templates only for now";
      hint.textContent = "";
    } else {
      textarea.disabled = false;
      textarea.placeholder = "Write a reply…";
      hint.textContent = conv?.window?.expires_at ? `Window closes in ${until(conv.window.expires_at)} · Enter to send` : "Enter to send · Shift+Enter for a new line";
    }
    updateSend();
  }

  function updateSend() {
    sendBtn.disabled = textarea.disabled || !textarea.value.trim();
  }

  function autosize() {
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight, 180)}px`;
  }

  function onComposerKey(e) {
    if (canned.handleKey(e)) return;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  }

  async function send() {
    const text = textarea.value.trim();
    if (!text || textarea.disabled) return;
    if (mode === "note") return sendNote(text);
    const key = api.randomId();
    const local = {
      id: `local-${key}`,
      local: true,
      conversation_id: id,
      direction: "out",
      type: "text",
      text,
      status: "pending",
      author_id: store.state.me?.id,
      created_at: new Date().toISOString(),
    };
    pending.set(local.id, { message: local, body: { type: "text", text }, key });
    textarea.value = "";
    autosize();
    updateSend();
    renderMessages();
    scrollToBottom();
    await deliver(local.id);
  }

  async function deliver(localId) {
    const p = pending.get(localId);
    if (!p) return;
    p.message = { ...p.message, status: "pending", error: null };
    renderMessages();
    try {
      const sent = await api.post(`/api/conversations/${encodeURIComponent(id)}/messages`, p.body, { headers: { "Idempotency-Key": p.key } });
      pending.delete(localId);
      store.mergeMessages(id, [sent]);
    } catch (e) {
      if (e.code === "outside_service_window") {
        pending.delete(localId);
        textarea.value = p.body.text || "";
        autosize();
        conv = { ...conv, window: { open: false, expires_at: null } };
        store.upsertConversation(conv, { force: true });
        toast("The 24-hour window has closed: send an approved template instead.", { kind: "error" });
      } else {
        p.message = { ...p.message, status: "failed", error: { message: api.describe(e) } };
      }
    }
    if (!destroyed) {
      renderMessages();
      scrollToBottom();
    }
  }

  /** Uploads a file to the number, then sends it (the composer's text as its caption). */
  async function sendFile(file) {
    if (!conv || !canReply().ok) return;
    const kind = file.type.startsWith("image/") ? "image" : file.type.startsWith("video/") ? "video" : file.type.startsWith("audio/") ? "audio" : "document";
    const caption = kind === "audio" ? "" : textarea.value.trim();
    const key = api.randomId();
    const local = { id: `local-${key}`, local: true, conversation_id: id, direction: "out", type: kind, text: caption || (kind === "document" ? file.name : null), status: "pending", author_id: store.state.me?.id, created_at: new Date().toISOString() };
    pending.set(local.id, { message: local, body: null, key });
    if (caption) {
      textarea.value = "";
      autosize();
      updateSend();
    }
    renderMessages();
    scrollToBottom();
    try {
      const uploaded = await api.optional("media", () => api.upload(`/api/numbers/${encodeURIComponent(conv.number_id)}/media`, file));
      const body = { type: kind, media_id: uploaded.id };
      if (caption) body.caption = caption;
      if (kind === "document") body.filename = file.name;
      pending.get(local.id).body = body;
      await deliver(local.id);
    } catch (e) {
      const p = pending.get(local.id);
      if (p) p.message = { ...p.message, status: "failed", error: { message: api.describe(e) } };
      renderMessages();
      if (e.code === "not_available") updateComposer();
    }
  }

  function retry(localId) {
    if (!pending.get(localId)?.body) return; // an upload that failed: attach the file again
    deliver(localId);
  }

  async function sendNote(text) {
    textarea.disabled = true;
    try {
      const note = await api.optional("notes", () => api.post(`/api/conversations/${encodeURIComponent(id)}/notes`, { text }));
      textarea.value = "";
      if (note?.id) store.mergeMessages(id, [note]);
      renderMessages();
      scrollToBottom();
    } catch (e) {
      toast(api.describe(e), { kind: "error" });
      if (e.code === "not_available") setMode("reply");
    } finally {
      textarea.disabled = false;
      autosize();
      updateComposer();
      textarea.focus();
    }
  }

  async function openTemplates() {
    if (!conv) return;
    const template = await templateDialog(conv);
    if (!template) {
      updateComposer();
      return;
    }
    const key = api.randomId();
    const local = { id: `local-${key}`, local: true, conversation_id: id, direction: "out", type: "template", template, text: null, status: "pending", author_id: store.state.me?.id, created_at: new Date().toISOString() };
    pending.set(local.id, { message: local, body: { type: "template", template }, key });
    renderMessages();
    scrollToBottom();
    await deliver(local.id);
  }

  // ---- live -------------------------------------------------------------------------------------
  offs.push(
    store.on("conversation", (c) => {
      if (c.id !== id) return;
      const before = conv;
      conv = c;
      renderHead();
      updateComposer();
      if (before && c.unread > (before.unread || 0)) markRead();
    }),
  );
  offs.push(
    store.on("conversation.removed", (removedId) => {
      if (removedId !== id) return;
      toast("This chat is no longer in your view: it was handed to someone else.", { kind: "info" });
      navigate(back.replace(/^#\//, ""));
    }),
  );
  offs.push(
    store.on(`messages:${id}`, (change) => {
      const stick = nearBottom();
      if (change.kind === "new" && change.message.direction === "out") {
        // Our own send came back through the socket: drop its local copy.
        for (const [localId, p] of pending) {
          if (p.message.text === change.message.text && p.message.status === "pending" && change.message.author_id === store.state.me?.id) {
            pending.delete(localId);
            break;
          }
        }
      }
      renderMessages();
      if (change.kind === "new") {
        if (stick || change.message.author_id === store.state.me?.id) scrollToBottom();
        else jump.hidden = false;
      }
    }),
  );
  offs.push(
    store.on("hello", ({ first, resync }) => {
      // As in the list: refresh once after the first hello and after a resync.
      if (first || resync) {
        loadConversation();
        loadLatest({ keepScroll: true });
      }
    }),
  );
  offs.push(store.on("directory", () => renderHead()));
  offs.push(
    store.on("order", (order) => {
      if (order.conversation_id === id) renderMessages();
    }),
  );
  const onVisible = () => {
    if (document.visibilityState === "visible") markRead();
  };
  document.addEventListener("visibilitychange", onVisible);

  // ---- start ------------------------------------------------------------------------------------
  renderHead();
  updateComposer();
  const box = store.messagesOf(id);
  if (box.loaded) {
    renderMessages();
    queueMicrotask(() => scrollToBottom());
  } else {
    renderMessages();
  }
  loadConversation();
  loadLatest();

  return {
    el,
    focus() {
      // Keyboard users land in the composer; on touch screens this would
      // pop the keyboard over the history, so only with a fine pointer.
      if (matchMedia("(pointer: fine)").matches) requestAnimationFrame(() => (textarea.disabled ? scroller : textarea).focus({ preventScroll: true }));
    },
    setBack(href) {
      back = href;
      header.setBack(href);
    },
    destroy() {
      destroyed = true;
      observer.disconnect();
      side.destroy();
      document.removeEventListener("visibilitychange", onVisible);
      for (const off of offs) off();
    },
  };
}
