// Canned replies in the composer: typing "/" and a shortcut lists the
// matching replies; arrows move, Enter or Tab inserts, Escape closes.
// The list loads on first use (`GET /api/canned-replies`).

import * as api from "../api.js";
import { h, mount } from "../dom.js";

/** `onPick(text)` receives the chosen reply. */
export function cannedPicker(textarea, onPick) {
  let replies = null;
  let active = 0;
  let matches = [];
  const el = h("ul", { class: "canned", role: "listbox", "aria-label": "Canned replies", hidden: true });

  function render() {
    el.hidden = !matches.length;
    mount(
      el,
      matches.map((c, i) =>
        h(
          "li",
          {
            role: "option",
            class: "canned-item",
            "aria-selected": i === active ? "true" : "false",
            onmousedown: (e) => {
              e.preventDefault();
              pick(i);
            },
          },
          h("span", { class: "canned-shortcut" }, `/${c.shortcut}`),
          h("span", { class: "canned-text", dir: "auto" }, c.text),
        ),
      ),
    );
  }

  function pick(i) {
    const c = matches[i];
    if (!c) return;
    matches = [];
    render();
    onPick(c.text);
  }

  return {
    el,
    /** Re-reads the textarea; `enabled` is false in note mode. */
    async update(enabled = true) {
      const m = /^\/(\S*)$/.exec(textarea.value);
      if (!m || !enabled || api.features.canned === false) {
        matches = [];
        render();
        return;
      }
      if (!replies) {
        const body = await api.probe("canned", "/api/canned-replies").catch(() => null);
        replies = body?.items || [];
      }
      const q = m[1].toLowerCase();
      matches = replies.filter((c) => (c.shortcut || "").toLowerCase().startsWith(q)).slice(0, 8);
      active = 0;
      render();
    },
    /** Handles a key while the list is open; true when it used it. */
    handleKey(e) {
      if (el.hidden) return false;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        active = (active + (e.key === "ArrowDown" ? 1 : -1) + matches.length) % matches.length;
        render();
        return true;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pick(active);
        return true;
      }
      if (e.key === "Escape") {
        matches = [];
        render();
        return true;
      }
      return false;
    },
  };
}
