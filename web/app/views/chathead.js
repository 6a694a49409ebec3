// The chat's header and label row: who the customer is, where the chat
// stands (open or closed, whose it is, bot on), and the actions: assign,
// close or reopen, transfer, the chatbot switch and labels. An action the
// server lacks is hidden (`api.features`), and disappears on its first 404.

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import { icon } from "../icons.js";
import { customerName, phone } from "../format.js";
import * as store from "../store.js";
import { avatar, button, labelChip, toast } from "../ui.js";
import { assignDialog, labelsDialog, transferDialog } from "./dialogs.js";

/** Shows an action only while the server has not said it lacks it. */
export function has(feature) {
  return api.features[feature] !== false;
}

/** Stores a conversation a workflow call answered with. */
export function apply(updated) {
  if (updated && updated.id) store.upsertConversation(updated, { force: true });
}

/**
 * Runs a workflow call (`POST /api/conversations/{id}/{path}`), stores the
 * conversation it answers with and says how it went. Returns false when
 * the server lacks it.
 */
export async function act(id, feature, path, body, done, method = "POST") {
  try {
    const updated = await api.optional(feature, () =>
      api.request(method, `/api/conversations/${encodeURIComponent(id)}/${path}`, { body: body === undefined ? {} : body }),
    );
    apply(updated);
    if (done) toast(done, { kind: "success", timeout: 2500 });
    return true;
  } catch (e) {
    toast(api.describe(e), { kind: "error" });
    return e.code !== "not_available";
  }
}

/**
 * The header; `render(conv)` redraws it, `setBack(href)` moves the back
 * link; `extraActions(conv)` adds buttons before the "More" menu.
 */
export function chatHeader({ id, back, section, extraActions }) {
  const head = h("header", { class: "chat-head" });
  const labelsRow = h("div", { class: "chat-labels" });
  let conv = null;

  const run = async (...args) => {
    if (!(await act(id, ...args))) render(conv);
  };
  const setLabels = (labels) => run("labels", "labels", { labels }, null, "PUT");
  const editLabels = () => labelsDialog(conv).then((next) => next && setLabels(next));
  const openAssign = () => assignDialog(conv).then(apply);
  const closeChat = () => run("close", "close", undefined, "Conversation closed");
  const reopenChat = () => run("reopen", "reopen", undefined, "Conversation reopened");
  const canAssign = () => has("assign") && (store.isManager() || conv.assignee_id === store.state.me?.id);

  function backButton() {
    return h("a", { class: "btn btn-ghost btn-icon chat-back", href: back, "aria-label": "Back to conversations" }, icon("back"));
  }

  function render(next) {
    conv = next;
    if (!conv) {
      mount(head, backButton(), h("div", { class: "chat-title" }, h("h2", { class: "chat-name" }, "Loading…")));
      return;
    }
    const name = customerName(conv);
    section.setAttribute("aria-label", `Chat with ${name}`);
    const who = conv.assignee_id
      ? `Assigned to ${store.userName(conv.assignee_id)}`
      : conv.team_id
        ? `In ${store.teamName(conv.team_id)}'s queue`
        : "Not assigned";
    const open = conv.status === "open";
    const statusChip = h("span", { class: { chip: true, "chip-open": open, "chip-closed": !open } }, open ? "Open" : "Closed");
    const actions = h("div", { class: "chat-actions" });
    if (conv.assignee_id !== store.state.me?.id && has("assign")) {
      actions.append(button({ text: "Assign to me", iconName: "userPlus", kind: "primary", size: "sm", onClick: () => run("assign", "assign", { to: "me" }, "Assigned to you") }));
    }
    if (canAssign()) {
      actions.append(button({ iconName: "users", label: "Assign…", kind: "ghost", attrs: { class: "btn btn-ghost btn-icon desktop-only" }, onClick: openAssign }));
    }
    if (has(open ? "close" : "reopen")) {
      actions.append(
        open
          ? button({ text: "Close", iconName: "done", attrs: { "data-action": "close", class: "btn btn-secondary btn-sm desktop-only" }, onClick: closeChat })
          : button({ text: "Reopen", iconName: "reopen", attrs: { "data-action": "reopen", class: "btn btn-secondary btn-sm desktop-only" }, onClick: reopenChat }),
      );
    }
    for (const node of extraActions?.(conv) || []) actions.append(node);
    const menu = moreMenu();
    if (menu) actions.append(menu);
    mount(
      head,
      backButton(),
      avatar(name, { key: conv.customer?.wa_id }),
      h(
        "div",
        { class: "chat-title" },
        h("h2", { class: "chat-name", dir: "auto" }, name),
        h(
          "p",
          { class: "chat-sub" },
          // Items, each with its "·" before it in CSS (chat.css): a row never ends on one.
          h("span", { class: "chat-sub-item" }, h("span", { dir: "ltr" }, phone(conv.customer?.wa_id))),
          h("span", { class: { "chat-sub-item": true, "chat-sub-open": open } }, statusChip),
          h("span", { class: "chat-sub-item" }, h("span", { class: "chat-assignee" }, who)),
          conv.bot_enabled
            ? h("span", { class: "chat-sub-item chat-sub-bot" }, h("span", { class: "chip chip-bot", title: "The chatbot answers this chat" }, icon("bot", { size: 12 }), "Bot on"))
            : null,
        ),
      ),
      actions,
    );
    renderLabels();
  }

  function renderLabels() {
    const labels = conv?.labels || [];
    const editable = has("labels");
    labelsRow.hidden = !labels.length && !editable;
    mount(
      labelsRow,
      labels.map((l) => labelChip(l, store.state.labels.get(l)?.color, editable ? { onRemove: () => setLabels(labels.filter((x) => x !== l)) } : {})),
      editable ? h("button", { type: "button", class: "chip chip-add", onclick: editLabels }, icon("tag", { size: 12 }), labels.length ? "Labels" : "Add label") : null,
    );
  }

  function moreMenu() {
    const items = [];
    // On a phone the header has room for one button: the rest live here.
    if (canAssign()) items.push(["users", "Assign…", openAssign, true]);
    if (conv.status === "open" && has("close")) items.push(["done", "Close conversation", closeChat, true]);
    if (conv.status === "closed" && has("reopen")) items.push(["reopen", "Reopen conversation", reopenChat, true]);
    if (has("transfer")) items.push(["transfer", "Transfer with a note", () => transferDialog(conv).then(apply)]);
    if (has("bot")) {
      const on = conv.bot_enabled;
      items.push(["bot", on ? "Turn the chatbot off" : "Turn the chatbot on", () => run("bot", "bot", { enabled: !on }, on ? "Chatbot off for this chat" : "Chatbot on for this chat", "PUT")]);
    }
    if (has("labels")) items.push(["tag", "Edit labels", editLabels]);
    if (!items.length) return null;
    return menu(`menu-${id}`, items);
  }

  return {
    head,
    labelsRow,
    render,
    setBack(href) {
      back = href;
      head.querySelector(".chat-back")?.setAttribute("href", href);
    },
  };
}

/** A "More actions" button and its pop-up list: Escape or a click outside closes it. */
function menu(menuId, items) {
  const pop = h("div", { class: "menu", id: menuId, hidden: true });
  const toggle = h("button", { type: "button", class: "btn btn-ghost btn-icon", "aria-label": "More actions", "aria-expanded": "false", "aria-controls": menuId, title: "More actions" }, icon("more"));
  const close = () => {
    pop.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    document.removeEventListener("click", outside, true);
  };
  const outside = (e) => {
    if (!pop.contains(e.target) && !toggle.contains(e.target)) close();
  };
  toggle.addEventListener("click", () => {
    const open = pop.hidden;
    pop.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) {
      document.addEventListener("click", outside, true);
      [...pop.querySelectorAll("button")].find((b) => b.offsetParent !== null)?.focus();
    }
  });
  pop.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      close();
      toggle.focus();
    }
  });
  for (const [iconName, text, run, phoneOnly] of items) {
    pop.append(
      h(
        "button",
        { type: "button", class: { "menu-item": true, "phone-only": Boolean(phoneOnly) }, onclick: () => { close(); run(); } },
        icon(iconName, { size: 16 }),
        h("span", null, text),
      ),
    );
  }
  return h("div", { class: "menu-wrap" }, toggle, pop);
}
