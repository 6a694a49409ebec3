// An order's status (API.md, "Commerce"): the statuses and their names,
// the moves the server allows (orders.rs: forward only, any step may be
// skipped, cancel until delivered), and the dialog that makes a move and
// may tell the customer: by text while the chat's 24-hour window is open,
// or by an approved template, the only message WhatsApp delivers outside
// it. The dialog knows the window before it opens, so a closed one never
// turns Save into a surprise 422: "tell the customer" starts unticked and
// offers templates only.

import * as api from "../api.js";
import { h, mount, uid } from "../dom.js";
import { money, plural } from "../format.js";
import * as store from "../store.js";
import { button, dialog, formError, toast } from "../ui.js";
import { filledText, templatePicker } from "./templates.js";

export const STATUSES = ["received", "confirmed", "paid", "shipped", "delivered", "canceled"];

export const STATUS_TEXT = {
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
export function itemCount(order) {
  return (order.items || []).reduce((n, i) => n + (i.quantity || 0), 0);
}

/**
 * Whether the chat's 24-hour window is open now: true, false, or null
 * when it cannot be told (then both kinds of message are offered and the
 * server has the last word). The orders page may not have the chat yet.
 */
async function windowOpen(conversationId) {
  let conv = store.state.conversations.get(conversationId);
  if (!conv?.window) {
    try {
      conv = await api.get(`/api/conversations/${encodeURIComponent(conversationId)}`);
    } catch {
      return null;
    }
  }
  const w = conv?.window;
  if (!w) return null;
  if (w.open === false) return false;
  // The store may not have heard yet that the window ran out.
  return !w.expires_at || Date.parse(w.expires_at) > Date.now();
}

/** A radio with its text, as the dialog's choices show them. */
function choice(name, value, checked, content, onChange) {
  const radio = h("input", { type: "radio", name, value, props: { checked }, onchange: onChange });
  return { radio, label: h("label", { class: "status-choice" }, radio, content) };
}

/** Asks for the next status (and what to tell the customer), then PATCHes it. */
export async function orderStatusDialog(order) {
  let open = await windowOpen(order.conversation_id);
  const choices = nextStatuses(order.status);
  return dialog({
    title: "Update the order",
    description: `${plural(itemCount(order), "item")} · ${money(order.total, order.currency)} · now ${STATUS_TEXT[order.status].toLowerCase()}`,
    render: (close) => {
      let chosen = choices[0];
      let kind = open === false ? "template" : "text";
      let picked = null; // {template, listed}
      let picker = null;
      const error = formError();
      const tell = h("input", { type: "checkbox", id: "order-notify", props: { checked: open !== false }, onchange: draw });
      const text = h("textarea", { class: "input", rows: 3, "aria-label": "Message to the customer", dir: "auto" });
      text.value = NOTICE[chosen] || "";

      const statusName = uid("order-status");
      const group = h(
        "div",
        { class: "status-choices", role: "radiogroup", "aria-label": "New status" },
        choices.map(
          (s) =>
            choice(statusName, s, s === chosen, statusChip(s), () => {
              chosen = s;
              text.value = NOTICE[s] || "";
            }).label,
        ),
      );

      const kindName = uid("notify-kind");
      const byText = choice(kindName, "text", kind === "text", h("span", null, "Text message"), () => setKind("text"));
      const byTemplate = choice(kindName, "template", kind === "template", h("span", null, "Template"), () => setKind("template"));
      const kinds = h("div", { class: "status-choices notify-kinds", role: "radiogroup", "aria-label": "How to tell the customer" }, byText.label, byTemplate.label);
      const templateArea = h("div", { class: "notify-template" });
      const hint = h("p", { class: "field-hint notify-hint" });
      const notifyArea = h("div", { class: "notify" }, kinds, text, templateArea);
      const save = button({ text: "Save", kind: "primary", attrs: { "data-action": "save-order" }, onClick: () => submit() });

      function setKind(next) {
        kind = next;
        draw();
      }

      function draw() {
        if (open === false) kind = "template";
        notifyArea.hidden = !tell.checked;
        // Closed: a template is the only way, no choice to show.
        kinds.hidden = open === false;
        byText.radio.checked = kind === "text";
        byTemplate.radio.checked = kind === "template";
        text.hidden = kind !== "text";
        templateArea.hidden = kind !== "template";
        if (kind === "template" && tell.checked) drawTemplate();
        hint.textContent =
          open === false
            ? "The 24-hour window is closed: WhatsApp only delivers an approved template to this customer now."
            : "A text reaches the customer while the 24-hour window is open; a template, any time.";
        save.querySelector("span").textContent = tell.checked ? "Save and notify" : "Save";
      }

      function drawTemplate() {
        if (picked) {
          mount(
            templateArea,
            h(
              "div",
              { class: "template-card template-chosen", dataset: { template: picked.template.name } },
              h("div", { class: "template-head" }, h("span", { class: "mono" }, picked.template.name), h("span", { class: "chip" }, picked.template.language.code)),
              h("p", { class: "template-text", dir: "auto" }, filledText(picked.template, picked.listed)),
              h("div", { class: "dialog-actions" }, button({ text: "Change", kind: "ghost", size: "sm", onClick: () => ((picked = null), draw()) })),
            ),
          );
          return;
        }
        picker ??= templatePicker(order.number_id, {
          action: "Use template",
          iconName: "check",
          onPick: (template, listed) => {
            picked = { template, listed };
            error.show("");
            draw();
          },
        });
        mount(templateArea, picker);
      }

      async function submit() {
        const body = { status: chosen };
        if (tell.checked && kind === "text") {
          if (!text.value.trim()) return error.show("Write the message, or untick “Tell the customer”.");
          body.notify = { type: "text", text: text.value.trim() };
        } else if (tell.checked) {
          if (!picked) return error.show("Choose a template, or untick “Tell the customer”.");
          body.notify = { type: "template", template: picked.template };
        }
        save.disabled = true;
        try {
          const updated = await api.patch(`/api/orders/${encodeURIComponent(order.id)}`, body);
          store.upsertOrder(updated);
          toast(body.notify ? `Order ${STATUS_TEXT[chosen].toLowerCase()}; the customer was told` : `Order ${STATUS_TEXT[chosen].toLowerCase()}`, { kind: "success" });
          close(updated);
        } catch (err) {
          if (err.code === "outside_service_window") {
            // The window closed while the dialog was open.
            open = false;
            draw();
            error.show("The 24-hour window has just closed: choose a template, or untick “Tell the customer”.");
          } else {
            error.show(api.describe(err));
          }
          save.disabled = false;
        }
      }

      draw();
      return h(
        "div",
        { class: "form order-update" },
        error,
        group,
        h("label", { class: "check-row" }, tell, h("span", null, "Tell the customer on WhatsApp")),
        hint,
        notifyArea,
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close(undefined) }), save),
      );
    },
  });
}
