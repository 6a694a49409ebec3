// The inbox: the conversation list (filters, search, live updates, paging)
// beside the open chat. On a phone the two are separate screens: the list,
// or the chat with a back button.
//
// The list shows what the server returned for the current filter, kept
// current by live events (a conversation that now matches joins, one that
// no longer does leaves), sorted by latest activity.

import * as api from "../api.js";
import { debounce, h, mount } from "../dom.js";
import { icon } from "../icons.js";
import { customerName, listTime, plural } from "../format.js";
import * as store from "../store.js";
import { avatar, emptyState, labelChip, skeletonRows, button } from "../ui.js";
import { chatView } from "./chat.js";

/** The tabs: id, label and the server query. */
const FILTERS = [
  { id: "unassigned", text: "Not assigned", query: { status: "open", assignee: "none" }, countKeys: ["unassigned", "not_assigned", "none"] },
  { id: "mine", text: "Mine", query: { status: "open", assignee: "me" }, countKeys: ["mine", "me"] },
  { id: "open", text: "Open", query: { status: "open" }, countKeys: ["open"] },
  { id: "closed", text: "Closed", query: { status: "closed" }, countKeys: ["closed"] },
];

const EMPTY = {
  unassigned: ["Nothing waiting", "New conversations that nobody has picked up appear here as customers write in."],
  mine: ["No chats assigned to you", "Pick one from Not assigned, or wait for a teammate to hand one over."],
  open: ["No open conversations", "When customers write to your WhatsApp number, their chats show up here."],
  closed: ["No closed conversations", "Chats you close are kept here. A customer writing again reopens theirs."],
};

export function inboxView({ navigate }) {
  let filterId = null;
  let selectedId; // undefined until the first route: null means "none open"
  let extra = { q: "", team: "", label: "", unread: false };
  let ids = new Set();
  let cursor = null;
  let loading = false;
  let loadError = null;
  let generation = 0;
  let chat = null;
  const rows = new Map(); // id -> li

  // ---- list pane -----------------------------------------------------------------
  const search = h("input", {
    type: "search",
    class: "search-input",
    placeholder: "Search name, number or messages",
    "aria-label": "Search conversations",
    autocomplete: "off",
    oninput: debounce(() => {
      extra.q = search.value.trim();
      reload();
    }, 250),
  });
  const unreadToggle = h(
    "button",
    {
      type: "button",
      class: "toggle-chip",
      "aria-pressed": "false",
      title: "Show only chats with unread messages",
      onclick: () => {
        extra.unread = !extra.unread;
        unreadToggle.setAttribute("aria-pressed", String(extra.unread));
        reload();
      },
    },
    h("span", { class: "toggle-dot", "aria-hidden": "true" }),
    "Unread only",
  );
  const tabs = h("nav", { class: "tabs", "aria-label": "Conversation filters" });
  const subfilters = h("div", { class: "subfilters" });
  const list = h("ul", { class: "conv-list", "aria-label": "Conversations" });
  const sentinel = h("div", { class: "list-sentinel", "aria-hidden": "true" });
  const listBody = h("div", { class: "list-body", id: "conversation-list" });
  const status = h("p", { class: "sr-only", role: "status" });

  const liveBanner = h(
    "div",
    { class: "live-banner", hidden: true },
    icon("offline", { size: 14 }),
    h("span", null, "Reconnecting… new messages appear as soon as the connection is back."),
  );
  const listPane = h(
    "section",
    { class: "list-pane", "aria-label": "Conversation list" },
    h(
      "header",
      { class: "list-head" },
      h("div", { class: "list-title-row" }, h("h1", { class: "list-title" }, "Inbox"), unreadToggle),
      h("div", { class: "search" }, icon("search", { size: 16 }), search),
      tabs,
      subfilters,
    ),
    liveBanner,
    listBody,
    status,
  );

  const chatPane = h("section", { class: "chat-pane", "aria-label": "Conversation" });
  const el = h("div", { class: "inbox", dataset: { pane: "list" } }, listPane, chatPane);

  function currentFilter() {
    const f = FILTERS.find((x) => x.id === filterId) || FILTERS[0];
    return { ...f.query, q: extra.q, team: extra.team, label: extra.label, unread: extra.unread };
  }

  function serverQuery() {
    const f = currentFilter();
    return { status: f.status, assignee: f.assignee, team: f.team, label: f.label, q: f.q, unread: f.unread ? "true" : "", limit: 50 };
  }

  function renderTabs() {
    const counts = store.state.counts;
    mount(
      tabs,
      FILTERS.map((f) => {
        const count = counts ? f.countKeys.map((k) => counts[k]).find((v) => typeof v === "number") : undefined;
        const selected = f.id === filterId;
        return h(
          "a",
          {
            class: "tab",
            href: `#/inbox/${f.id}`,
            "aria-current": selected ? "page" : null,
            dataset: { filter: f.id },
          },
          h("span", null, f.text),
          count !== undefined && (count > 0 || selected) ? h("span", { class: "tab-count" }, String(count)) : null,
        );
      }),
    );
  }

  function renderSubfilters() {
    const parts = [];
    if (store.state.teams.size) {
      const select = h(
        "select",
        { class: "mini-select", "aria-label": "Filter by team", onchange: () => { extra.team = select.value; reload(); } },
        h("option", { value: "" }, "All teams"),
        [...store.state.teams.values()].map((t) => h("option", { value: t.id, props: { selected: t.id === extra.team } }, t.name)),
      );
      parts.push(select);
    }
    if (store.state.labels.size) {
      const select = h(
        "select",
        { class: "mini-select", "aria-label": "Filter by label", onchange: () => { extra.label = select.value; reload(); } },
        h("option", { value: "" }, "All labels"),
        [...store.state.labels.values()].map((l) => h("option", { value: l.name, props: { selected: l.name === extra.label } }, l.name)),
      );
      parts.push(select);
    }
    subfilters.hidden = !parts.length;
    mount(subfilters, parts);
  }

  function rowFor(conv) {
    const name = customerName(conv);
    const selected = conv.id === selectedId;
    const assignee = conv.assignee_id ? store.userName(conv.assignee_id) : conv.team_id ? store.teamName(conv.team_id) : null;
    const labels = conv.labels || [];
    const meta = [];
    for (const l of labels.slice(0, 2)) meta.push(labelChip(l, store.state.labels.get(l)?.color));
    if (labels.length > 2) meta.push(h("span", { class: "chip chip-more" }, `+${labels.length - 2}`));
    if (conv.status === "closed") meta.push(h("span", { class: "chip chip-closed" }, "Closed"));
    if (assignee) meta.push(h("span", { class: "conv-assignee" }, icon(conv.assignee_id ? "user" : "users", { size: 12 }), h("span", { dir: "auto" }, assignee)));
    const unread = conv.unread > 0;
    const li = h(
      "li",
      { dataset: { id: conv.id } },
      h(
        "a",
        {
          class: { conv: true, "conv-unread": unread, "conv-selected": selected },
          href: `#/inbox/${filterId}/${encodeURIComponent(conv.id)}`,
          "aria-current": selected ? "true" : null,
          dataset: { id: conv.id },
        },
        avatar(name, { key: conv.customer?.wa_id }),
        h(
          "span",
          { class: "conv-main" },
          h("span", { class: "conv-top" }, h("span", { class: "conv-name", dir: "auto" }, name), h("time", { class: "conv-time", datetime: conv.last_message_at }, listTime(conv.last_message_at))),
          h(
            "span",
            { class: "conv-bottom" },
            h("span", { class: "conv-preview", dir: "auto" }, conv.preview || (conv.window?.open === false ? "Waiting for the customer" : "No messages yet")),
            unread ? h("span", { class: "badge" }, conv.unread > 99 ? "99+" : String(conv.unread), h("span", { class: "sr-only" }, " unread")) : null,
          ),
          meta.length ? h("span", { class: "conv-meta" }, meta) : null,
        ),
      ),
    );
    li.sig = signature(conv, selected);
    return li;
  }

  function signature(conv, selected) {
    return JSON.stringify([conv.last_message_at, conv.preview, conv.unread, conv.labels, conv.assignee_id, conv.team_id, conv.status, conv.customer, selected, filterId, store.state.users.size]);
  }

  function visible() {
    const f = { ...currentFilter(), q: "" };
    return [...ids]
      .map((id) => store.state.conversations.get(id))
      .filter((c) => c && store.matches(c, f))
      .sort(store.byActivity);
  }

  function renderList() {
    const items = visible();
    if (!items.length) {
      rows.clear();
      list.replaceChildren();
      if (loading) mount(listBody, skeletonRows());
      else if (loadError) mount(listBody, emptyState({ iconName: "offline", title: "Couldn't load conversations", body: loadError, action: button({ text: "Try again", iconName: "refresh", onClick: () => reload() }) }));
      else if (extra.q || extra.team || extra.label || extra.unread) mount(listBody, emptyState({ iconName: "search", title: "No matches", body: "No conversation matches these filters. Try another search or clear the filters.", action: button({ text: "Clear filters", onClick: clearFilters }) }));
      else {
        const [title, body] = EMPTY[filterId] || EMPTY.open;
        mount(listBody, emptyState({ iconName: "inbox", title, body }));
      }
      return;
    }
    if (list.parentNode !== listBody) mount(listBody, list, sentinel);
    const focusedId = document.activeElement?.closest?.(".conv")?.dataset.id;
    const seen = new Set();
    let prev = null;
    for (const conv of items) {
      seen.add(conv.id);
      let li = rows.get(conv.id);
      const sig = signature(conv, conv.id === selectedId);
      if (!li || li.sig !== sig) {
        const fresh = rowFor(conv);
        if (li) li.replaceWith(fresh);
        li = fresh;
        rows.set(conv.id, li);
      }
      const want = prev ? prev.nextSibling : list.firstChild;
      if (want !== li) list.insertBefore(li, want);
      prev = li;
    }
    for (const [id, li] of rows) {
      if (!seen.has(id)) {
        li.remove();
        rows.delete(id);
      }
    }
    if (focusedId && !document.activeElement?.closest?.(".conv")) rows.get(focusedId)?.querySelector(".conv")?.focus();
    updateTitle();
  }

  function updateTitle() {
    let unread = 0;
    for (const c of store.state.conversations.values()) {
      if (c.status === "open" && (c.assignee_id === store.state.me?.id || !c.assignee_id)) unread += c.unread || 0;
    }
    document.title = `${unread ? `(${unread}) ` : ""}Inbox · Switchboard`;
  }

  function clearFilters() {
    extra = { q: "", team: "", label: "", unread: false };
    search.value = "";
    unreadToggle.setAttribute("aria-pressed", "false");
    renderSubfilters();
    reload();
  }

  /** Loads the first page; `quiet` keeps the current rows until it comes. */
  async function reload({ quiet = false } = {}) {
    const gen = ++generation;
    loading = true;
    loadError = null;
    if (!quiet) {
      ids = new Set();
      cursor = null;
      renderList();
    }
    try {
      const page = await store.withEventsHeld(async () => {
        const body = await api.get("/api/conversations", serverQuery());
        if (gen === generation) for (const c of body.items || []) store.upsertConversation(c);
        return body;
      });
      if (gen !== generation) return;
      ids = new Set((page.items || []).map((c) => c.id));
      cursor = page.next_cursor || null;
    } catch (e) {
      if (gen !== generation) return;
      loadError = api.describe(e);
    } finally {
      if (gen === generation) {
        loading = false;
        renderList();
        status.textContent = loadError ? loadError : `${plural(ids.size, "conversation")} loaded`;
      }
    }
    refreshCounts();
  }

  async function loadMore() {
    if (!cursor || loading) return;
    const gen = generation;
    loading = true;
    try {
      const page = await store.withEventsHeld(async () => {
        const body = await api.get("/api/conversations", { ...serverQuery(), cursor });
        if (gen === generation) for (const c of body.items || []) store.upsertConversation(c);
        return body;
      });
      if (gen !== generation) return;
      for (const c of page.items || []) ids.add(c.id);
      cursor = page.next_cursor || null;
    } catch {
      // The sentinel asks again when scrolled to.
    } finally {
      if (gen === generation) loading = false;
      renderList();
    }
  }

  const refreshCounts = debounce(async () => {
    const counts = await api.probe("counts", "/api/conversations/counts").catch(() => null);
    if (counts) {
      store.state.counts = counts;
      renderTabs();
    }
  }, 300);

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore();
  }, { root: listBody, rootMargin: "200px" });
  observer.observe(sentinel);

  // ---- live ----------------------------------------------------------------------
  const offs = [];
  offs.push(
    store.on("conversation", (conv) => {
      const f = currentFilter();
      const withoutQ = { ...f, q: "" };
      if (!store.matches(conv, withoutQ)) ids.delete(conv.id);
      else if (ids.has(conv.id) || !f.q || store.matches(conv, f)) ids.add(conv.id);
      scheduleRender();
    }),
  );
  offs.push(
    store.on("conversation.removed", (id) => {
      ids.delete(id);
      scheduleRender();
    }),
  );
  offs.push(store.on("changed", () => refreshCounts()));
  // A short blip is not worth a banner; a drop of a few seconds is.
  let bannerTimer = null;
  offs.push(
    store.on("live", (status) => {
      clearTimeout(bannerTimer);
      if (status === "live") liveBanner.hidden = true;
      else bannerTimer = setTimeout(() => (liveBanner.hidden = store.state.live === "live"), 3000);
    }),
  );
  offs.push(
    store.on("hello", ({ first, resync }) => {
      // The first hello: anything between our first page and the socket
      // is not replayed, so refresh once. A resync: the server no longer
      // holds everything we missed. A plain reconnect needs nothing: the
      // replay after `since` brought every event.
      if (first || resync) reload({ quiet: true });
    }),
  );
  offs.push(
    store.on("directory", () => {
      renderSubfilters();
      rows.clear();
      list.replaceChildren();
      renderList();
    }),
  );

  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      renderList();
    });
  }

  // ---- keyboard ------------------------------------------------------------------
  function onKey(e) {
    if (e.altKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      const items = visible();
      if (!items.length) return;
      const i = items.findIndex((c) => c.id === selectedId);
      const next = e.key === "ArrowDown" ? Math.min(items.length - 1, i + 1) : Math.max(0, i < 0 ? 0 : i - 1);
      navigate(`inbox/${filterId}/${encodeURIComponent(items[next].id)}`);
    } else if (e.key === "/" && !isTyping(e.target)) {
      e.preventDefault();
      search.focus();
    }
  }
  document.addEventListener("keydown", onKey);

  // ---- routing -------------------------------------------------------------------
  function update(route) {
    const [f, id] = route.parts;
    const nextFilter = FILTERS.some((x) => x.id === f) ? f : store.isManager() ? "unassigned" : "mine";
    if (nextFilter !== filterId) {
      filterId = nextFilter;
      renderTabs();
      renderSubfilters();
      reload();
    }
    const nextId = id || null;
    if (nextId !== selectedId) {
      selectedId = nextId;
      chat?.destroy();
      chat = null;
      if (selectedId) {
        chat = chatView({ id: selectedId, navigate, backHref: `#/inbox/${filterId}` });
        mount(chatPane, chat.el);
        chat.focus?.();
      } else {
        mount(chatPane, emptyState({ iconName: "chat", title: "Pick a conversation", body: "Choose a chat on the left to read it and reply. Alt+↓ and Alt+↑ move between chats." }));
      }
      renderList();
    } else if (chat) {
      chat.setBack(`#/inbox/${filterId}`);
    }
    el.dataset.pane = selectedId ? "chat" : "list";
  }

  function destroy() {
    clearTimeout(bannerTimer);
    observer.disconnect();
    document.removeEventListener("keydown", onKey);
    for (const off of offs) off();
    chat?.destroy();
  }

  return { el, update, destroy };
}

function isTyping(target) {
  return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}
