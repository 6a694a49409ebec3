// Shared pieces of interface: buttons, avatars, chips, empty and loading
// states, toasts (announced politely to screen readers) and modal dialogs
// built on <dialog> (focus trap and Escape come with it).

import { add, h, uid } from "./dom.js";
import { icon } from "./icons.js";
import { hueOf, initials } from "./format.js";

/** A button; `label` is its accessible name when it only shows an icon. */
export function button({ text, iconName, label, kind = "secondary", size, onClick, type = "button", attrs = {} }) {
  return h(
    "button",
    {
      type,
      class: { btn: true, [`btn-${kind}`]: true, [`btn-${size}`]: Boolean(size), "btn-icon": !text },
      "aria-label": text ? null : label,
      title: !text ? label : null,
      onclick: onClick,
      ...attrs,
    },
    iconName ? icon(iconName) : null,
    text ? h("span", null, text) : null,
  );
}

/** A round avatar with initials. */
export function avatar(name, { size = "md", key } = {}) {
  return h(
    "span",
    { class: `avatar avatar-${size}`, style: { "--hue": hueOf(key || name) }, "aria-hidden": "true" },
    initials(name),
  );
}

/** A label chip coloured by the label's colour, when known. */
export function labelChip(name, color, { onRemove } = {}) {
  const chip = h("span", { class: "chip chip-label", style: { "--chip": color || null } }, h("span", { class: "chip-dot", "aria-hidden": "true" }), h("span", { dir: "auto" }, name));
  if (onRemove) {
    chip.append(
      h("button", { type: "button", class: "chip-remove", "aria-label": `Remove label ${name}`, onclick: onRemove }, icon("x", { size: 12 })),
    );
  }
  return chip;
}

/** A centred message saying what is (not) here and what to do. */
export function emptyState({ iconName = "inbox", title, body, action }) {
  return h(
    "div",
    { class: "empty" },
    h("div", { class: "empty-icon" }, icon(iconName, { size: 28 })),
    h("p", { class: "empty-title" }, title),
    body ? h("p", { class: "empty-body" }, body) : null,
    action || null,
  );
}

export function spinner(label = "Loading") {
  return h("div", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { class: "sr-only" }, label));
}

/** Placeholder rows while a list loads. */
export function skeletonRows(n = 6) {
  return h(
    "div",
    { class: "skeleton-list", "aria-hidden": "true" },
    Array.from({ length: n }, () =>
      h("div", { class: "skeleton-row" }, h("span", { class: "sk sk-avatar" }), h("span", { class: "sk-lines" }, h("span", { class: "sk sk-line" }), h("span", { class: "sk sk-line short" }))),
    ),
  );
}

// ---- toasts ----------------------------------------------------------------------

let toastRegion = null;

function region() {
  if (!toastRegion || !toastRegion.isConnected) {
    toastRegion = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(toastRegion);
  }
  return toastRegion;
}

/** Toasts on screen at once: older ones make room. */
const MAX_TOASTS = 2;

/** A short message at the bottom of the screen. kind: info | success | error. */
export function toast(message, { kind = "info", action, timeout = kind === "success" ? 3000 : 6000 } = {}) {
  const el = h(
    "div",
    { class: `toast toast-${kind}` },
    icon(kind === "error" ? "alert" : kind === "success" ? "check" : "bell"),
    h("span", { class: "toast-text" }, message),
    action ? h("button", { type: "button", class: "toast-action", onclick: () => { action.run(); el.remove(); } }, action.text) : null,
    h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", onclick: () => el.remove() }, icon("x", { size: 14 })),
  );
  const r = region();
  r.append(el);
  while (r.children.length > MAX_TOASTS) r.firstElementChild.remove();
  if (timeout) setTimeout(() => el.remove(), timeout);
  return el;
}

/** A table with column `headers` and body `rows` (<tr> nodes), scrolling sideways when narrow. */
export function dataTable(headers, rows, cls = "") {
  return h(
    "div",
    { class: "table-wrap" },
    h("table", { class: `table ${cls}`.trim() }, h("thead", null, h("tr", null, headers.map((t) => h("th", { scope: "col" }, t)))), h("tbody", null, rows)),
  );
}

// ---- dialogs -----------------------------------------------------------------------

/**
 * A modal dialog. `render(close)` returns the body; returns a promise of
 * the value passed to `close` (undefined when dismissed).
 */
export function dialog({ title, description, render, wide = false }) {
  return new Promise((resolve) => {
    const titleId = uid("dlg-title");
    const descId = description ? uid("dlg-desc") : null;
    const el = h("dialog", { class: { dialog: true, "dialog-wide": wide }, "aria-labelledby": titleId, "aria-describedby": descId });
    let result;
    const close = (value) => {
      result = value;
      el.close();
    };
    add(
      el,
      h(
        "div",
        { class: "dialog-head" },
        h("h2", { id: titleId, class: "dialog-title" }, title),
        h("button", { type: "button", class: "btn btn-ghost btn-icon", "aria-label": "Close", onclick: () => close(undefined) }, icon("x")),
      ),
      description ? h("p", { id: descId, class: "dialog-desc" }, description) : null,
      h("div", { class: "dialog-body" }, render(close)),
    );
    el.addEventListener("close", () => {
      el.remove();
      resolve(result);
    });
    el.addEventListener("click", (e) => {
      if (e.target === el) close(undefined); // a click on the backdrop
    });
    document.body.append(el);
    el.showModal();
    const first = el.querySelector("[autofocus], input, select, textarea, .dialog-body button");
    first?.focus();
  });
}

/** A yes/no question. */
export function confirmDialog({ title, body, confirm = "Confirm", danger = false }) {
  return dialog({
    title,
    render: (close) =>
      h(
        "div",
        null,
        h("p", { class: "dialog-text" }, body),
        h(
          "div",
          { class: "dialog-actions" },
          button({ text: "Cancel", kind: "ghost", onClick: () => close(false) }),
          button({ text: confirm, kind: danger ? "danger" : "primary", onClick: () => close(true) }),
        ),
      ),
  });
}

/** A labelled form field. */
export function field({ label, input, hint, error }) {
  const id = input.id || uid("f");
  input.id = id;
  const hintId = hint ? uid("hint") : null;
  const errorId = uid("err");
  if (hintId) input.setAttribute("aria-describedby", hintId);
  const err = h("p", { class: "field-error", id: errorId, hidden: !error }, error || "");
  const wrap = h("div", { class: "field" }, h("label", { for: id, class: "field-label" }, label), input, hint ? h("p", { class: "field-hint", id: hintId }, hint) : null, err);
  wrap.setError = (message) => {
    err.textContent = message || "";
    err.hidden = !message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
    const ids = [hintId, message ? errorId : null].filter(Boolean).join(" ");
    if (ids) input.setAttribute("aria-describedby", ids);
    else input.removeAttribute("aria-describedby");
  };
  return wrap;
}

/**
 * Runs a form's `action` with its `submit` button disabled, so a second
 * click cannot send it twice; a failure goes to `onError`.
 */
export async function submitting(submit, action, onError) {
  submit.disabled = true;
  try {
    await action();
  } catch (err) {
    onError(err);
  } finally {
    submit.disabled = false;
  }
}

/** A form-level error banner. */
export function formError() {
  const el = h("div", { class: "form-error", role: "alert", hidden: true });
  el.show = (message) => {
    el.replaceChildren(icon("alert"), h("span", null, message));
    el.hidden = !message;
  };
  return el;
}
