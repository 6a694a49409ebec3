// The template picker: a number's approved WhatsApp templates, each with
// its body text and a field per {{n}} parameter. Outside the 24-hour window
// a template is the only message WhatsApp delivers, so both the composer
// (dialogs.js, `templateDialog`) and the order-status dialog (orders.js)
// offer this same list; what a pick produces is the `template` object
// `POST .../messages` takes (API.md, "Messages").

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import { button, field, spinner } from "../ui.js";

/**
 * The list for `numberId`. A pick calls `onPick(template, listed)`: the
 * send shape (`name`, `language`, filled `components`) and the template as
 * listed (for showing what the customer will read). `action` and
 * `iconName` make each card's button.
 */
export function templatePicker(numberId, { onPick, action = "Send template", iconName = "send" }) {
  const el = h("div", { class: "templates" }, spinner("Loading templates"));
  load();

  async function load() {
    try {
      const list = await api.probe("templates", `/api/numbers/${encodeURIComponent(numberId)}/templates`);
      if (!list) {
        mount(el, h("p", { class: "muted" }, "This server can't list templates yet. Ask your administrator to sync the number's templates."));
        return;
      }
      const items = (list.items || []).filter((t) => !t.status || String(t.status).toUpperCase() === "APPROVED");
      if (!items.length) {
        mount(el, h("p", { class: "muted" }, "This number has no approved templates. Create one in WhatsApp Manager, then try again."));
        return;
      }
      mount(el, items.map((t) => templateCard(t, { onPick, action, iconName })));
    } catch (e) {
      mount(el, h("p", { class: "form-error", role: "alert" }, api.describe(e)));
    }
  }

  return el;
}

/** The body text of a listed template ("" when it has none). */
export function templateBody(listed) {
  const body = (listed?.components || []).find((c) => String(c.type).toUpperCase() === "BODY");
  return body?.text || "";
}

/** The body text as the customer reads it, with the picked parameters filled in. */
export function filledText(template, listed) {
  const values = template.components?.[0]?.parameters?.map((p) => p.text) || [];
  return templateBody(listed).replace(/\{\{(\d+)\}\}/g, (whole, n) => values[Number(n) - 1] ?? whole);
}

function templateCard(t, { onPick, action, iconName }) {
  const text = templateBody(t);
  const count = new Set([...text.matchAll(/\{\{(\d+)\}\}/g)].map((m) => m[1])).size;
  const inputs = Array.from({ length: count }, (_, i) => h("input", { type: "text", dir: "auto", required: true, placeholder: `Value for {{${i + 1}}}` }));
  const language = t.language?.code || t.language || "en_US";
  return h(
    "form",
    {
      class: "template-card",
      dataset: { template: t.name },
      onsubmit: (e) => {
        e.preventDefault();
        e.stopPropagation();
        if (inputs.some((i) => !i.value.trim())) {
          inputs.find((i) => !i.value.trim())?.focus();
          return;
        }
        const template = { name: t.name, language: { code: language } };
        if (inputs.length) template.components = [{ type: "body", parameters: inputs.map((i) => ({ type: "text", text: i.value.trim() })) }];
        onPick(template, t);
      },
    },
    h("div", { class: "template-head" }, h("span", { class: "mono" }, t.name), h("span", { class: "chip" }, String(language)), t.category ? h("span", { class: "chip" }, String(t.category).toLowerCase()) : null),
    text ? h("p", { class: "template-text", dir: "auto" }, text) : null,
    inputs.map((input, i) => field({ label: `Parameter ${i + 1}`, input })),
    h("div", { class: "dialog-actions" }, button({ text: action, kind: "primary", type: "submit", iconName })),
  );
}
