// Orders (API.md, "Commerce"): a customer's cart as an order card (in the
// chat, where the order message sits, and in the side panel's history),
// the dialog that moves its status and may tell the customer, and the
// managers' orders page with filters by status and date.
//
// Statuses move as the server allows (orders.rs): forward only, any step
// may be skipped, cancel until delivered. The dialog offers exactly those.

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import { icon } from "../icons.js";
import { fullStamp, listTime, money, plural } from "../format.js";
import * as store from "../store.js";
import { button, dataTable, dialog, emptyState, formError, skeletonRows, spinner, toast } from "../ui.js";

const STATUSES = ["received", "confirmed", "paid", "shipped", "delivered", "canceled"];

const STATUS_TEXT = {
  received: "Received",
  confirmed: "Confirmed",
  paid: "Paid",
  shipped: "Shipped",
  delivered: "Delivered",
  canceled: "Canceled",
};

/** What the customer is told by default when an order reaches a status. */
const NOTICE = {
  confirmed: "Your order is confirmed. Thank you!",
  paid: "We have received your payment. Thank you!",
  shipped: "Your order is on its way.",
  delivered: "Your order has been delivered. Enjoy!",
  canceled: "Your order has been canceled. Write to us if you have any questions.",
};

/** The statuses an order may move to from `status` (mirrors the server). */
export function nextStatuses(status) {
  if (status === "delivered" || status === "canceled") return [];
  const at = STATUSES.indexOf(status);
  return STATUSES.filter((s, i) => s === "canceled" || (i > at && s !== "canceled"));
}

/** A status as a chip. */
export function statusChip(status) {
  return h("span", { class: `chip order-status order-${status}`, dataset: { status } }, STATUS_TEXT[status] || status);
}

/** Items count: 2 lines of 3 and 1 are "4 items". */
function itemCount(order) {
  return (order.items || []).reduce((n, i) => n + (i.quantity || 0), 0);
}

/**
 * An order as a card: its lines, total and status, and (for whoever may
 * change it) the button that moves the status.
 */
export function orderCard(order, { compact = false } = {}) {
  const lines = (order.items || []).map((i) =>
    h(
      "li",
      { class: "order-line" },
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
    { class: { "order-card": true, "order-compact": compact }, dataset: { order: order.id, status: order.status } },
    h(
      "div",
      { class: "order-head" },
      icon("cart", { size: 16 }),
      h("span", { class: "order-title" }, `Order · ${plural(itemCount(order), "item")}`),
      statusChip(order.status),
    ),
    compact ? null : h("ul", { class: "order-lines" }, lines),
    order.text && !compact ? h("p", { class: "order-note", dir: "auto" }, order.text) : null,
    h(
      "div",
      { class: "order-foot" },
      h("span", { class: "muted" }, compact ? listTime(order.created_at) : "Total"),
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
  return { id: m.id, conversation_id: m.conversation_id, items, total, currency: items[0]?.currency, status: "received", text: m.content?.text, created_at: m.created_at };
}

/** Asks for the next status (and what to tell the customer), then PATCHes it. */
export function orderStatusDialog(order) {
  const choices = nextStatuses(order.status);
  return dialog({
    title: "Update the order",
    description: `${plural(itemCount(order), "item")} · ${money(order.total, order.currency)} · now ${STATUS_TEXT[order.status].toLowerCase()}`,
    render: (close) => {
      let chosen = choices[0];
      const error = formError();
      const tell = h("input", { type: "checkbox", id: "order-notify", checked: true });
      const text = h("textarea", { class: "input", rows: 3, "aria-label": "Message to the customer", dir: "auto" });
      text.value = NOTICE[chosen] || "";
      tell.addEventListener("change", () => {
        text.disabled = !tell.checked;
      });
      const group = h("div", { class: "status-choices", role: "radiogroup", "aria-label": "New status" });
      for (const s of choices) {
        const radio = h("input", { type: "radio", name: "order-status", value: s, checked: s === chosen });
        radio.addEventListener("change", () => {
          chosen = s;
          text.value = NOTICE[s] || "";
        });
        group.append(h("label", { class: "status-choice" }, radio, statusChip(s)));
      }
      const save = button({
        text: "Save",
        kind: "primary",
        type: "submit",
      });
      const form = h(
        "form",
        {
          class: "form",
          onsubmit: async (e) => {
            e.preventDefault();
            const body = { status: chosen };
            if (tell.checked && text.value.trim()) body.notify = { type: "text", text: text.value.trim() };
            save.disabled = true;
            try {
              const updated = await api.patch(`/api/orders/${encodeURIComponent(order.id)}`, body);
              store.upsertOrder(updated);
              toast(body.notify ? `Order ${STATUS_TEXT[chosen].toLowerCase()}; the customer was told` : `Order ${STATUS_TEXT[chosen].toLowerCase()}`, { kind: "success" });
              close(updated);
            } catch (err) {
              error.show(api.describe(err));
              save.disabled = false;
            }
          },
        },
        error,
        group,
        h("label", { class: "check-row" }, tell, h("span", null, "Tell the customer on WhatsApp")),
        text,
        h("p", { class: "field-hint" }, "Outside the 24-hour window WhatsApp only takes templates: save without the message then."),
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close(undefined) }), save),
      );
      return form;
    },
  });
}

/** The side panel's order history of one chat, newest first, live. */
export function orderHistory(conversationId) {
  const el = h("div", { class: "order-history", "aria-live": "polite" });
  let loaded = false;
  let error = null;

  function render() {
    if (error) {
      mount(el, emptyState({ iconName: "alert", title: "Couldn't load the orders", body: error, action: button({ text: "Try again", onClick: load }) }));
      return;
    }
    if (!loaded) {
      mount(el, spinner("Loading orders"));
      return;
    }
    const orders = store.ordersOf(conversationId);
    if (!orders.length) {
      mount(el, emptyState({ iconName: "cart", title: "No orders yet", body: "When this customer sends a cart from WhatsApp, it shows here." }));
      return;
    }
    const spent = new Map();
    for (const o of orders.filter((o) => o.status !== "canceled")) spent.set(o.currency, (spent.get(o.currency) || 0) + o.total);
    mount(
      el,
      h("p", { class: "muted order-summary" }, `${plural(orders.length, "order")} · ${[...spent].map(([c, t]) => money(t, c)).join(" + ") || money(0, orders[0].currency)} in total`),
      h("ol", { class: "order-list" }, orders.map((o) => h("li", null, orderCard(o)))),
    );
  }

  async function load() {
    error = null;
    render();
    try {
      const page = await api.get(`/api/conversations/${encodeURIComponent(conversationId)}/orders`);
      for (const o of page.items || []) store.upsertOrder(o);
      loaded = true;
    } catch (e) {
      error = api.describe(e);
    }
    render();
  }

  const off = store.on("order", (o) => {
    if (o.conversation_id === conversationId && loaded) render();
  });
  load();
  return { el, destroy: off };
}

// ---- the managers' orders page ------------------------------------------------------

/** `#/orders`: every order of the business, filtered by status and dates. */
export function ordersView({ navigate }) {
  const filter = { status: "", from: "", to: "" };
  let items = [];
  let cursor = null;
  let loading = false;
  let paging = false; // storing a page: its own "order" events are not news
  let generation = 0;
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
    // `to` is a day: the whole day counts.
    const end = filter.to ? new Date(Date.parse(`${filter.to}T00:00:00Z`) + 86400000 - 1).toISOString() : "";
    return { status: filter.status, from: filter.from, to: end, limit: 50, ...extra };
  }

  async function reload() {
    const mine = ++generation;
    items = [];
    cursor = null;
    mount(body, skeletonRows(5));
    await more(mine);
  }

  async function more(mine = generation) {
    if (loading && mine === generation) return;
    loading = true;
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
      loading = false;
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
    else if (!filter.to && (!filter.status || filter.status === o.status)) items.unshift(o); // a new order
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
