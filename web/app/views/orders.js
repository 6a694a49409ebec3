// Orders (API.md, "Commerce"): a customer's cart as an order card (in the
// chat, where the order message sits, and in the side panel's history,
// paged), and the managers' orders page with filters by status and by the
// manager's own calendar days. The statuses and the dialog that moves
// them are in orderstatus.js.

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import { icon } from "../icons.js";
import { fullStamp, listTime, money, plural } from "../format.js";
import * as store from "../store.js";
import { button, dataTable, emptyState, skeletonRows, spinner } from "../ui.js";
import { productPicture } from "./catalog.js";
import { STATUSES, STATUS_TEXT, itemCount, nextStatuses, orderStatusDialog, statusChip } from "./orderstatus.js";

/**
 * An order as a card: its lines (each with the product's picture from the
 * catalog), total and status, and (for whoever may change it) the button
 * that moves the status. `dated` shows when it was placed (the history;
 * in the chat the message's own time says it).
 */
export function orderCard(order, { dated = false } = {}) {
  const lines = (order.items || []).map((i) =>
    h(
      "li",
      { class: "order-line", dataset: { retailerId: i.retailer_id } },
      productPicture(i, { small: true }),
      h("span", { class: "order-qty" }, `${i.quantity}×`),
      h("span", { class: "order-name", dir: "auto" }, i.name || i.retailer_id),
      h("span", { class: "order-price" }, money(i.subtotal ?? i.item_price * i.quantity, i.currency)),
    ),
  );
  const actions = nextStatuses(order.status).length
    ? button({ text: "Update status", size: "sm", attrs: { "data-action": "order-status" }, onClick: () => orderStatusDialog(order) })
    : null;
  return h(
    "div",
    { class: "order-card", dataset: { order: order.id, status: order.status } },
    h(
      "div",
      { class: "order-head" },
      icon("cart", { size: 16 }),
      h("span", { class: "order-title" }, `Order · ${plural(itemCount(order), "item")}`),
      statusChip(order.status),
    ),
    h("ul", { class: "order-lines" }, lines),
    order.text ? h("p", { class: "order-note", dir: "auto" }, order.text) : null,
    h(
      "div",
      { class: "order-foot" },
      dated ? h("time", { class: "muted", datetime: order.created_at, title: fullStamp(order.created_at) }, listTime(order.created_at)) : h("span", { class: "muted" }, "Total"),
      h("strong", { class: "order-total" }, money(order.total, order.currency)),
    ),
    actions ? h("div", { class: "order-actions" }, actions) : null,
  );
}

/**
 * The order of an order message: the stored record when known, else what
 * the message itself says (ids and prices, no names) until it is.
 */
export function orderOfMessage(m) {
  const known = store.state.orders.get(m.id);
  if (known) return known;
  const items = (m.content?.items || []).map((i) => ({ ...i, name: null }));
  const total = items.reduce((sum, i) => sum + (i.item_price || 0) * (i.quantity || 0), 0);
  const numberId = store.state.conversations.get(m.conversation_id)?.number_id;
  return { id: m.id, conversation_id: m.conversation_id, number_id: numberId, items, total, currency: items[0]?.currency, status: "received", text: m.content?.text, created_at: m.created_at };
}

/** Orders per page of the history: cards are tall, a page fills the panel a few times. */
const HISTORY_PAGE = 20;

/**
 * The side panel's order history of one chat, newest first, live, a page
 * at a time ("Show more" follows the API's cursor). The summary counts and
 * sums only the orders loaded, and says so until every page is in: a
 * customer with years of orders should not cost a fetch of them all to
 * open the panel.
 */
export function orderHistory(conversationId) {
  const el = h("div", { class: "order-history", "aria-live": "polite" });
  const shown = new Set(); // ids of the orders this list loaded or saw arrive
  let loaded = false;
  let cursor = null; // the next page's, while there is one
  let loadingMore = false;
  let storing = false; // storing a page: its own "order" events are not news
  let error = null;

  function summary(orders) {
    const spent = new Map();
    for (const o of orders.filter((o) => o.status !== "canceled")) spent.set(o.currency, (spent.get(o.currency) || 0) + o.total);
    const amount = [...spent].map(([c, t]) => money(t, c)).join(" + ") || money(0, orders[0].currency);
    return cursor ? `Latest ${plural(orders.length, "order")} · ${amount}` : `${plural(orders.length, "order")} · ${amount} in total`;
  }

  function render() {
    if (error && !loaded) {
      mount(el, emptyState({ iconName: "alert", title: "Couldn't load the orders", body: error, action: button({ text: "Try again", onClick: load }) }));
      return;
    }
    if (!loaded) {
      mount(el, spinner("Loading orders"));
      return;
    }
    const orders = store.ordersOf(conversationId).filter((o) => shown.has(o.id));
    if (!orders.length) {
      mount(el, emptyState({ iconName: "cart", title: "No orders yet", body: "When this customer sends a cart from WhatsApp, it shows here." }));
      return;
    }
    const more = cursor
      ? h(
          "div",
          { class: "load-more" },
          error ? h("p", { class: "form-error", role: "alert" }, error) : null,
          loadingMore ? spinner("Loading older orders") : button({ text: "Show more", size: "sm", attrs: { "data-action": "more-orders" }, onClick: () => page() }),
        )
      : null;
    mount(
      el,
      h("p", { class: "muted order-summary", title: cursor ? "Older orders are not loaded yet: Show more adds them" : "" }, summary(orders)),
      h("ol", { class: "order-list" }, orders.map((o) => h("li", null, orderCard(o, { dated: true })))),
      more,
    );
  }

  /** The next page (the first when nothing is loaded). */
  async function page() {
    if (loadingMore) return;
    loadingMore = true;
    error = null;
    render();
    try {
      const got = await api.get(`/api/conversations/${encodeURIComponent(conversationId)}/orders`, { limit: HISTORY_PAGE, cursor: cursor || "" });
      storing = true;
      for (const o of got.items || []) {
        shown.add(o.id);
        store.upsertOrder(o);
      }
      storing = false;
      cursor = got.next_cursor || null;
      loaded = true;
    } catch (e) {
      error = api.describe(e);
    }
    loadingMore = false;
    render();
  }

  function load() {
    shown.clear();
    cursor = null;
    loaded = false;
    return page();
  }

  const off = store.on("order", (o) => {
    if (storing || o.conversation_id !== conversationId || !loaded) return;
    // A new order joins the list; an older one changed elsewhere waits for
    // its page, so the list never has a gap in it.
    const oldest = store.ordersOf(conversationId).filter((x) => shown.has(x.id)).at(-1);
    if (!cursor || !oldest || Date.parse(o.created_at) >= Date.parse(oldest.created_at)) shown.add(o.id);
    if (shown.has(o.id)) render();
  });
  load();
  return { el, destroy: off };
}

// ---- the managers' orders page ------------------------------------------------------

/**
 * When the day `YYYY-MM-DD` (plus `days`) starts in the browser's time
 * zone, as RFC 3339: a manager in Auckland filtering by "12 March" means
 * their 12 March, not UTC's. `Date` does the calendar (month ends, DST).
 */
function dayStart(day, days = 0) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d + days).toISOString();
}

/** `#/orders`: every order of the business, filtered by status and dates. */
export function ordersView({ navigate }) {
  const filter = { status: "", from: "", to: "" };
  let items = [];
  let cursor = null;
  let loading = 0; // the generation whose page is on its way, 0 when none
  let paging = false; // storing a page: its own "order" events are not news
  let generation = 0; // one per set of filters: an older one's page is dropped
  const statusSelect = h(
    "select",
    { class: "input", "aria-label": "Status", onchange: () => set("status", statusSelect.value) },
    h("option", { value: "" }, "Any status"),
    STATUSES.map((s) => h("option", { value: s }, STATUS_TEXT[s])),
  );
  const from = h("input", { type: "date", class: "input", "aria-label": "From", onchange: () => set("from", from.value) });
  const to = h("input", { type: "date", class: "input", "aria-label": "To", onchange: () => set("to", to.value) });
  const body = h("div", { class: "orders-body" });
  const el = h(
    "div",
    { class: "page" },
    h("header", { class: "page-head" }, h("h1", { class: "page-title" }, "Orders"), h("p", { class: "muted" }, "Carts your customers sent on WhatsApp, newest first.")),
    h("div", { class: "orders-filters" }, field("Status", statusSelect), field("From", from), field("To", to)),
    body,
  );

  function field(label, input) {
    return h("label", { class: "filter-field" }, h("span", { class: "field-label" }, label), input);
  }

  function set(key, value) {
    filter[key] = value;
    reload();
  }

  function query(extra) {
    // Days are the manager's own, from local midnight; `to` is the whole
    // day, so the server (which takes "placed before") gets the next one's start.
    const from = filter.from ? dayStart(filter.from) : "";
    const to = filter.to ? dayStart(filter.to, 1) : "";
    return { status: filter.status, from, to, limit: 50, ...extra };
  }

  /** Whether a live order passes the filters, as the server would judge it. */
  function matches(o) {
    const { from, to, status } = query({});
    const at = Date.parse(o.created_at);
    return (!from || at >= Date.parse(from)) && (!to || at < Date.parse(to)) && (!status || status === o.status);
  }

  async function reload() {
    const mine = ++generation;
    items = [];
    cursor = null;
    mount(body, skeletonRows(5));
    await more(mine);
  }

  async function more(mine = generation) {
    // One page at a time per set of filters ("Show more" clicked twice);
    // new filters never wait on the page of old ones, which is dropped.
    if (loading === mine) return;
    loading = mine;
    try {
      const page = await api.get("/api/orders", query({ cursor: cursor || "" }));
      if (mine !== generation) return;
      items = items.concat(page.items || []);
      cursor = page.next_cursor || null;
      paging = true;
      for (const o of page.items || []) store.upsertOrder(o);
      paging = false;
      render();
    } catch (e) {
      if (mine === generation) mount(body, emptyState({ iconName: "alert", title: "Couldn't load orders", body: api.describe(e), action: button({ text: "Try again", onClick: reload }) }));
    } finally {
      if (loading === mine) loading = 0;
    }
  }

  function render() {
    if (!items.length) {
      mount(body, emptyState({ iconName: "cart", title: "No orders", body: filter.status || filter.from || filter.to ? "No order matches these filters." : "Orders appear here when customers send a cart from your WhatsApp catalog." }));
      return;
    }
    const rows = items.map((o) => {
      const order = store.state.orders.get(o.id) || o;
      return h(
        "tr",
        { dataset: { order: order.id } },
        h("td", null, h("time", { datetime: order.created_at, title: fullStamp(order.created_at) }, listTime(order.created_at))),
        h("td", { dir: "auto" }, order.customer?.name || order.customer?.wa_id || ""),
        h("td", null, plural(itemCount(order), "item")),
        h("td", { class: "num" }, money(order.total, order.currency)),
        h("td", null, statusChip(order.status)),
        h(
          "td",
          { class: "cell-actions" },
          nextStatuses(order.status).length ? button({ text: "Update", size: "sm", kind: "ghost", onClick: () => orderStatusDialog(order) }) : null,
          button({ iconName: "chat", label: "Open the chat", kind: "ghost", onClick: () => navigate(`inbox/open/${encodeURIComponent(order.conversation_id)}`) }),
        ),
      );
    });
    mount(
      body,
      h("div", { class: "card" }, dataTable(["Placed", "Customer", "Items", "Total", "Status", ""], rows, "orders-table")),
      cursor ? h("div", { class: "load-more" }, button({ text: "Show more", onClick: () => more() })) : null,
    );
  }

  const off = store.on("order", (o) => {
    if (paging) return;
    const i = items.findIndex((x) => x.id === o.id);
    if (i >= 0) items[i] = o;
    else if (matches(o)) items.unshift(o); // a new order
    else return;
    render();
  });

  return {
    el,
    update() {
      document.title = "Orders · Switchboard";
      if (!generation) reload();
    },
    destroy: off,
  };
}
