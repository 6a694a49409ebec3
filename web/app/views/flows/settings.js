// The flow's own settings, on the card above the steps: its name, what
// starts it (a new conversation, a keyword, a reopened chat), the numbers
// it runs on, the first step, and what happens when a customer's answer
// fits no option (retries, the retry text, the handover text).

import { h, uid } from "../../dom.js";
import { fieldOf } from "./steps.js";
import { cardOrder, typeName } from "./model.js";

const TRIGGERS = [
  ["new_conversation", "A new conversation starts"],
  ["keyword", "The customer sends a keyword"],
  ["reopen", "A closed chat is written to again"],
];

/** The settings card of the flow on `ed`. */
export function settingsCard(ed) {
  const flow = ed.flow;
  flow.settings ||= {};
  const ctx = { bind: ed.bind, changed: ed.changed };
  const redraw = () => ed.renderAll();
  const keywords =
    flow.trigger.on === "keyword"
      ? fieldOf(ctx, "trigger.keywords", {
          label: "Keywords",
          hint: "Separated by commas; a message that is exactly one of them (any case) starts the flow.",
          get: () => (flow.trigger.keywords || []).join(", "),
          set: (v) => (flow.trigger.keywords = v.split(",").map((k) => k.trim()).filter(Boolean)),
          attrs: { placeholder: "menu, start" },
        })
      : null;
  const trigger = fieldOf(ctx, "trigger.on", {
    label: "Starts when",
    kind: "select",
    options: TRIGGERS,
    get: () => flow.trigger.on,
    set: (v) => {
      flow.trigger.on = v;
      queueMicrotask(redraw);
    },
  });
  const start = fieldOf(ctx, "start", {
    label: "First step",
    kind: "select",
    options: [["", "Choose…"], ...cardOrder(flow).map((id) => [id, `${id} · ${typeName(flow.steps[id].type)}`])],
    get: () => flow.start,
    set: (v) => {
      flow.start = v;
      queueMicrotask(redraw);
    },
  });
  return h(
    "section",
    { class: "card flow-settings", "aria-labelledby": "flow-settings-title" },
    h("h2", { class: "card-title", id: "flow-settings-title" }, "Flow"),
    h(
      "div",
      { class: "flow-settings-grid" },
      fieldOf(ctx, "name", { label: "Name", limit: 100, get: () => flow.name, set: (v) => (flow.name = v) }),
      trigger,
      keywords,
      start,
    ),
    numbersGroup(ed, ctx),
    h(
      "details",
      { class: "ff-more" },
      h("summary", null, "When an answer fits no option"),
      h(
        "div",
        { class: "flow-settings-grid" },
        fieldOf(ctx, "settings.retries", {
          label: "Ask again this many times",
          kind: "number",
          attrs: { min: 0, max: 10, inputmode: "numeric" },
          hint: "Then a person takes over (the chat goes to Not assigned).",
          get: () => flow.settings.retries ?? 2,
          set: (v) => (flow.settings.retries = v === "" ? 2 : Number(v)),
        }),
        fieldOf(ctx, "settings.retry_text", {
          label: "Before asking again",
          kind: "textarea",
          attrs: { placeholder: "Please choose one of the options below." },
          ...optional(flow.settings, "retry_text"),
        }),
        fieldOf(ctx, "settings.handover_text", {
          label: "When a person takes over",
          kind: "textarea",
          attrs: { placeholder: "Let me connect you with someone from our team." },
          ...optional(flow.settings, "handover_text"),
        }),
      ),
    ),
  );
}

function optional(obj, key) {
  return {
    get: () => obj[key] ?? "",
    set: (v) => {
      if (v.trim()) obj[key] = v;
      else delete obj[key];
    },
  };
}

/** A checkbox per business number. */
function numbersGroup(ed, ctx) {
  const flow = ed.flow;
  const numbers = ed.numbers();
  const error = h("p", { class: "field-error", hidden: true });
  const boxes = numbers.map((n) => {
    const id = uid("num");
    const box = h("input", { type: "checkbox", id, value: n.id, checked: flow.number_ids.includes(n.id) });
    box.addEventListener("change", () => {
      flow.number_ids = box.checked ? [...new Set([...flow.number_ids, n.id])] : flow.number_ids.filter((x) => x !== n.id);
      ctx.changed("number_ids");
    });
    return h("label", { class: "check-row", for: id }, box, h("span", null, n.display_phone_number || n.phone_number_id || n.id));
  });
  const el = h(
    "fieldset",
    { class: "ff-group flow-numbers", dataset: { path: "number_ids" } },
    h("legend", null, "Runs on these numbers"),
    boxes.length ? boxes : h("p", { class: "muted" }, "This business has no WhatsApp number yet."),
    error,
  );
  ctx.bind("number_ids", {
    wrap: el,
    show(message) {
      error.textContent = message || "";
      error.hidden = !message;
    },
  });
  return el;
}
