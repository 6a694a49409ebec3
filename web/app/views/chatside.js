// The chat's side panel: who the customer is (number, labels, and the
// contact attributes the chatbot collected), the catalog (search, sets,
// cart, send) and the customer's order history. Beside the chat on a desktop, a bottom sheet
// on a phone (phone.css); Escape or the close button hides it. Built on
// first open, kept while the chat is open so a half-filled cart survives
// switching tabs.

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import { icon } from "../icons.js";
import { customerName, fullStamp, phone } from "../format.js";
import { catalogPanel } from "./catalog.js";
import { orderHistory } from "./orders.js";

const TABS = [
  ["contact", "Contact"],
  ["catalog", "Catalog"],
  ["orders", "Orders"],
];

/** The customer: name, number, since when, and what the bot collected. */
function contactCard(conv) {
  const attributes = Object.entries(conv.attributes || {});
  const row = (term, value, attrs) => [h("dt", null, term), h("dd", { dir: "auto", ...attrs }, value)];
  return h(
    "div",
    { class: "contact" },
    h("h3", { class: "contact-name", dir: "auto" }, customerName(conv)),
    h(
      "dl",
      { class: "contact-facts" },
      row("WhatsApp", phone(conv.customer?.wa_id), { dir: "ltr" }),
      conv.created_at ? row("First message", fullStamp(conv.created_at)) : null,
    ),
    h("h4", { class: "field-label" }, "Collected by the chatbot"),
    attributes.length
      ? h("dl", { class: "contact-facts contact-attributes" }, attributes.flatMap(([k, v]) => row(k, String(v), { dataset: { attribute: k } })))
      : h("p", { class: "muted" }, "Nothing yet: answers to the chatbot's questions (an email, a phone number...) appear here."),
  );
}

/**
 * `getConv()` gives the chat as last known; `canSend()` and `onSent` are
 * the catalog's (see catalog.js).
 */
export function chatSide({ id, getConv, canSend, onSent, onToggle }) {
  let tab = "contact";
  let catalog = null;
  let orders = null;
  const body = h("div", { class: "side-body" });
  const tabs = h("div", { class: "tabs side-tabs", role: "tablist", "aria-label": "Commerce" });
  const el = h(
    "aside",
    { class: "chat-side", "aria-label": "Catalog and orders", hidden: true, onkeydown: (e) => e.key === "Escape" && close() },
    h("div", { class: "side-head" }, tabs, h("button", { type: "button", class: "btn btn-ghost btn-icon", "aria-label": "Close the panel", onclick: () => close() }, icon("x"))),
    body,
  );

  function renderTabs() {
    mount(
      tabs,
      TABS.map(([name, text]) =>
        h("button", { type: "button", class: "tab", role: "tab", "aria-selected": String(name === tab), dataset: { tab: name }, onclick: () => open(name) }, text),
      ),
    );
  }

  function show(name) {
    const conv = getConv();
    if (!conv) return;
    tab = name;
    renderTabs();
    if (name === "contact") {
      mount(body, contactCard(conv));
    } else if (name === "catalog") {
      catalog ??= catalogPanel({ conv, canSend, onSent });
      mount(body, catalog.el);
      catalog.focus();
    } else {
      orders ??= orderHistory(id);
      mount(body, orders.el);
    }
  }

  function open(name = tab) {
    el.hidden = false;
    show(name);
    onToggle?.(true);
  }

  function close() {
    el.hidden = true;
    onToggle?.(false);
  }

  return {
    el,
    /** Whether the server has the catalog at all. */
    available: () => api.features.catalog !== false,
    /** The open tab, when the panel is open. */
    tab: () => (el.hidden ? null : tab),
    isOpen: () => !el.hidden,
    open,
    close,
    toggle(name) {
      if (!el.hidden && (!name || name === tab)) close();
      else open(name);
    },
    /** The chat changed: the contact card and the cart's Send button follow. */
    refresh() {
      catalog?.refresh();
      const conv = getConv();
      if (!el.hidden && tab === "contact" && conv) mount(body, contactCard(conv));
    },
    destroy() {
      orders?.destroy();
    },
  };
}
