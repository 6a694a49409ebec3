// One card per step, and what ties the cards together: the "goes to"
// picker of every target with its "→ step" link that jumps to (and
// flashes) the card it names, the "from" line listing the steps that lead
// to a card, the step's counts once published, and the dialogs to add and
// rename steps.
//
// `ed` (from editor.js): {flow, bind, changed, redrawCard(id), renderAll(),
// jumpTo(id), addStep({link}), deleteStep(id), setStart(id),
// renameStep(id), changeType(id, type), refreshLinks(), stats, teams,
// users, labels}.

import { h, mount, uid } from "../../dom.js";
import { icon } from "../../icons.js";
import { button, dialog, field, formError } from "../../ui.js";
import { plural } from "../../format.js";
import { STEP_ID, STEP_TYPES, freeId, incoming, reachable, typeName } from "./model.js";
import { stepFields } from "./steps.js";

/** The select value that opens "add a step" and links it. */
const NEW_STEP = "+new"; // never a step id: ids are [A-Za-z0-9_-]

/**
 * A target picker for `path`: a select of every step (plus "end here"
 * when `optional`, and "New step…") and a link to the chosen card.
 */
export function targetField(ed, path, get, set, { label, optional = false }) {
  const id = uid("tg");
  const errorId = uid("tg-err");
  const ids = Object.keys(ed.flow.steps).sort();
  const current = get() || "";
  const select = h(
    "select",
    { id, class: "target-select" },
    h("option", { value: "" }, optional ? "End the flow here" : "Choose a step…"),
    ids.map((s) => h("option", { value: s }, `${s} · ${typeName(ed.flow.steps[s].type)}`)),
    current && !ed.flow.steps[current] ? h("option", { value: current }, `${current} (missing)`) : null,
    h("option", { value: NEW_STEP }, "New step…"),
  );
  select.value = current;
  const link = h("button", { type: "button", class: "step-link" });
  const showLink = () => {
    const target = get();
    link.hidden = !target || !ed.flow.steps[target];
    link.replaceChildren(h("span", { class: "step-arrow", "aria-hidden": "true" }, "→"), target || "");
    link.setAttribute("aria-label", `Show step ${target || ""}`);
  };
  link.addEventListener("click", () => ed.jumpTo(get()));
  showLink();
  select.addEventListener("change", async () => {
    if (select.value === NEW_STEP) {
      select.value = get() || "";
      const created = await ed.addStep({ link: (newId) => set(newId), from: path });
      if (!created) select.focus();
      return;
    }
    set(select.value);
    showLink();
    ed.refreshLinks();
    ed.changed(path);
  });
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const wrap = h(
    "div",
    { class: "ff ff-target", dataset: { path } },
    h("div", { class: "ff-top" }, h("label", { for: id, class: "ff-label" }, label)),
    h("div", { class: "target-row" }, select, link),
    error,
  );
  ed.bind(path, {
    wrap,
    show(message) {
      error.textContent = message || "";
      error.hidden = !message;
      select.setAttribute("aria-invalid", message ? "true" : "false");
      if (message) select.setAttribute("aria-describedby", errorId);
      else select.removeAttribute("aria-describedby");
    },
  });
  return wrap;
}

/** The card of step `id`: {el, from, stats}. */
export function stepCard(ed, id) {
  const flow = ed.flow;
  const step = flow.steps[id];
  const isStart = flow.start === id;
  const titleId = `step-title-${id}`;
  const ctx = {
    flow,
    id,
    step,
    bind: ed.bind,
    changed: ed.changed,
    redraw: () => ed.redrawCard(id),
    target: (path, get, set, opts) => targetField(ed, path, get, set, opts),
    teams: ed.teams,
    users: ed.users,
    labels: ed.labels,
  };
  const from = h("p", { class: "card-from" });
  const stats = h("p", { class: "card-stats", hidden: true });
  const error = h("p", { class: "field-error card-error", hidden: true });
  const typeId = uid("type");
  const type = h(
    "select",
    { id: typeId, onchange: () => ed.changeType(id, type.value) },
    STEP_TYPES.map((t) => h("option", { value: t.type }, t.name)),
  );
  type.value = step.type;
  const el = h(
    "section",
    { class: { "flow-card": true, "is-start": isStart }, id: `step-${id}`, tabindex: "-1", "aria-labelledby": titleId, dataset: { step: id, type: step.type } },
    h(
      "div",
      { class: "flow-card-head" },
      h(
        "h3",
        { class: "flow-card-title", id: titleId },
        h("span", { class: "step-type" }, typeName(step.type)),
        h("span", { class: "sr-only" }, " step "),
        h("code", { class: "step-id" }, id),
      ),
      isStart ? h("span", { class: "chip chip-open" }, "Start") : null,
      h(
        "div",
        { class: "flow-card-actions" },
        isStart ? null : button({ text: "Start here", kind: "ghost", size: "sm", attrs: { "aria-label": `Start here, at ${id}` }, onClick: () => ed.setStart(id) }),
        button({ iconName: "note", label: `Rename step ${id}`, kind: "ghost", size: "sm", onClick: () => ed.renameStep(id) }),
        button({ iconName: "x", label: `Delete step ${id}`, kind: "ghost", size: "sm", onClick: () => ed.deleteStep(id) }),
      ),
    ),
    from,
    stats,
    error,
    h("div", { class: "ff ff-type", dataset: { path: `steps.${id}.type` } }, h("label", { for: typeId, class: "ff-label" }, "Step type"), type),
    stepFields(ctx),
  );
  ed.bind(`steps.${id}`, {
    wrap: el,
    show(message, severity) {
      error.textContent = message || "";
      error.hidden = !message;
      error.classList.toggle("is-warning", severity === "warning");
    },
  });
  const card = { el, from, stats };
  showFrom(ed, id, card);
  showStats(ed, id, card);
  return card;
}

/** "From greet, open": links to the steps that lead to card `id`. */
export function showFrom(ed, id, card, sources = incoming(ed.flow), live = reachable(ed.flow)) {
  const list = sources.get(id) || [];
  const isStart = ed.flow.start === id;
  const orphan = !live.has(id);
  card.from.classList.toggle("is-orphan", orphan);
  if (!list.length) {
    card.from.replaceChildren(isStart ? "Customers begin here." : "No step leads here yet: customers never see it.");
    return;
  }
  card.from.replaceChildren(
    isStart ? "Customers begin here; also from " : "From ",
    ...list.flatMap((s, i) => [i ? ", " : "", h("button", { type: "button", class: "step-link step-link-from", "aria-label": `Show step ${s}`, onclick: () => ed.jumpTo(s) }, h("span", { class: "step-arrow", "aria-hidden": "true" }, "←"), s)]),
    orphan ? " (the start never gets here)" : "",
  );
}

/** "12 entered · 9 answered · 3 dropped", once the flow is published. */
export function showStats(ed, id, card) {
  const c = ed.stats?.get(id);
  card.stats.hidden = !ed.stats;
  if (!ed.stats) return;
  const counts = c || { entered: 0, answered: 0, dropped: 0 };
  const rate = counts.entered ? Math.round((counts.dropped / counts.entered) * 100) : 0;
  mount(
    card.stats,
    icon("activity", { size: 14 }),
    h("span", null, `${plural(counts.entered, "customer")} entered · ${counts.answered} answered · ${counts.dropped} dropped`),
    counts.dropped ? h("span", { class: "chip chip-warn" }, `${rate}% drop`) : null,
  );
}

/** Asks for a new step's type and id: {type, id} or undefined. */
export function addStepDialog(flow) {
  return dialog({
    title: "Add a step",
    render: (close) => {
      let chosen = "message";
      const idInput = h("input", { type: "text", required: true, class: "mono", autocomplete: "off", spellcheck: "false", pattern: "[A-Za-z0-9_\\-]{1,64}" });
      idInput.value = freeId(flow, chosen);
      let edited = false;
      idInput.addEventListener("input", () => (edited = true));
      const idField = field({ label: "Step id", input: idInput, hint: "Letters, digits, _ and -; other steps name it." });
      const error = formError();
      const group = h("div", { class: "type-choices", role: "radiogroup", "aria-label": "Step type" });
      for (const t of STEP_TYPES) {
        const radio = h("input", { type: "radio", name: "step-type", value: t.type, checked: t.type === chosen });
        radio.addEventListener("change", () => {
          chosen = t.type;
          if (!edited) idInput.value = freeId(flow, t.type);
        });
        group.append(h("label", { class: "type-choice" }, radio, h("span", null, h("strong", null, t.name), h("span", { class: "muted" }, t.hint))));
      }
      return h(
        "form",
        {
          class: "form",
          onsubmit: (e) => {
            e.preventDefault();
            const id = idInput.value.trim();
            const problem = idProblem(flow, id);
            idField.setError(problem);
            if (!problem) close({ type: chosen, id });
          },
        },
        error,
        group,
        idField,
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close() }), button({ text: "Add step", kind: "primary", type: "submit" })),
      );
    },
  });
}

/** Asks for a new id for step `id`: the id or undefined. */
export function renameDialog(flow, id) {
  return dialog({
    title: `Rename step ${id}`,
    description: "Every link to it follows the new name.",
    render: (close) => {
      const input = h("input", { type: "text", required: true, class: "mono", autocomplete: "off", spellcheck: "false" });
      input.value = id;
      const idField = field({ label: "Step id", input });
      return h(
        "form",
        {
          class: "form",
          onsubmit: (e) => {
            e.preventDefault();
            const next = input.value.trim();
            const problem = next === id ? "" : idProblem(flow, next);
            idField.setError(problem);
            if (!problem) close(next);
          },
        },
        idField,
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close() }), button({ text: "Rename", kind: "primary", type: "submit" })),
      );
    },
  });
}

function idProblem(flow, id) {
  if (!STEP_ID.test(id)) return "1 to 64 letters, digits, _ or -.";
  if (flow.steps[id]) return "A step has this id already.";
  return "";
}
