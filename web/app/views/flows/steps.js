// The fields of each step type, edited in place on its card: texts with a
// live character count against Meta's limits, buttons (title, reply id,
// where it goes), list sections and rows, a question's attribute and
// check, a branch's cases, and the team, person and label pickers from
// the tenant's directory. Every field is registered under its path in
// the flow document (`steps.greet.buttons[0].title`), which is how the
// editor puts a problem, found here or by the server, beside it.
//
// `ctx` (from editor.js): {flow, id, step, bind(path, parts), changed(),
// redraw(), target(path, get, set, opts), teams, users, labels}.

import { h, uid } from "../../dom.js";
import { button } from "../../ui.js";
import { LIMITS, length } from "./limits.js";
import { freeReplyId } from "./model.js";

/**
 * A labelled input, textarea or select bound to `path`: `get()` reads the
 * value, `set(value)` writes it. `limit` shows "12/20" as you type.
 * `optional`: an empty value removes the key instead of storing "".
 */
export function fieldOf(ctx, path, { label, get, set, kind = "text", limit, hint, options, rows = 2, attrs = {}, compact = false }) {
  const id = uid("ff");
  const errorId = uid("ff-err");
  const countId = limit ? uid("ff-count") : null;
  const hintId = hint ? uid("ff-hint") : null;
  let input;
  if (kind === "textarea") {
    input = h("textarea", { id, rows, dir: "auto", ...attrs });
    input.value = get() ?? "";
  } else if (kind === "select") {
    const value = get() ?? "";
    const offered = value === "" || options.some(([v]) => v === value);
    input = h("select", { id, ...attrs }, options.map(([v, text]) => h("option", { value: v }, text)), offered ? null : h("option", { value }, `${value} (not available)`));
    input.value = value;
  } else {
    input = h("input", { id, type: kind, dir: kind === "text" ? "auto" : null, ...attrs });
    input.value = get() ?? "";
  }
  const count = limit ? h("span", { class: "ff-count", id: countId }) : null;
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const describe = (withError) => [hintId, countId, withError ? errorId : null].filter(Boolean).join(" ");
  if (describe(false)) input.setAttribute("aria-describedby", describe(false));
  const recount = () => {
    if (!count) return;
    const n = length(input.value);
    count.textContent = `${n}/${limit}`;
    count.classList.toggle("over", n > limit);
  };
  recount();
  input.addEventListener(kind === "select" ? "change" : "input", () => {
    set(input.value);
    recount();
    ctx.changed(path);
  });
  const wrap = h(
    "div",
    { class: { ff: true, "ff-compact": compact }, dataset: { path } },
    h("div", { class: "ff-top" }, h("label", { for: id, class: "ff-label" }, label), count),
    input,
    hint ? h("p", { class: "ff-hint", id: hintId }, hint) : null,
    error,
  );
  ctx.bind(path, {
    wrap,
    show(message, severity) {
      error.textContent = message || "";
      error.hidden = !message;
      error.classList.toggle("is-warning", severity === "warning");
      input.setAttribute("aria-invalid", message && severity !== "warning" ? "true" : "false");
      const ids = describe(Boolean(message));
      if (ids) input.setAttribute("aria-describedby", ids);
    },
  });
  wrap.input = input;
  return wrap;
}

/** A group (buttons, rows, cases) whose own problems show under its legend. */
function groupOf(ctx, path, legend, ...children) {
  const error = h("p", { class: "field-error", hidden: true });
  const el = h("fieldset", { class: "ff-group", dataset: { path } }, h("legend", null, legend), error, children);
  ctx.bind(path, {
    wrap: el,
    show(message, severity) {
      error.textContent = message || "";
      error.hidden = !message;
      error.classList.toggle("is-warning", severity === "warning");
    },
  });
  return el;
}

/** Reads/writes an optional key: "" removes it. */
const opt = (obj, key) => ({
  get: () => obj[key] ?? "",
  set: (v) => {
    if (v === "") delete obj[key];
    else obj[key] = v;
  },
});
const req = (obj, key) => ({ get: () => obj[key] ?? "", set: (v) => (obj[key] = v) });

/** The fields of the step on `ctx`'s card. */
export function stepFields(ctx) {
  const { step, id } = ctx;
  const p = `steps.${id}`;
  const text = (label, { limit = LIMITS.text, optional = false, hint } = {}) =>
    fieldOf(ctx, `${p}.text`, { label, kind: "textarea", limit, hint, rows: 3, ...(optional ? opt(step, "text") : req(step, "text")) });
  const next = () => ctx.target(`${p}.next`, () => step.next, (v) => (v ? (step.next = v) : delete step.next), { label: "Then go to", optional: true });
  const note = () => fieldOf(ctx, `${p}.note`, { label: "Note in the chat history", hint: "Why the bot did this; a default names the flow.", ...opt(step, "note") });
  const placeholders = "{{email}} puts in a saved answer; {{next_opening}} when you open next.";
  switch (step.type) {
    case "message":
      return [text("Message", { hint: placeholders }), next()];
    case "buttons":
      return [text("Text", { limit: LIMITS.body }), buttonsGroup(ctx, p), moreOptions(ctx, p, step)];
    case "list":
      return [
        text("Text", { limit: LIMITS.body }),
        fieldOf(ctx, `${p}.button`, { label: "Button that opens the list", limit: LIMITS.listButton, ...req(step, "button") }),
        sectionsGroup(ctx, p),
        moreOptions(ctx, p, step),
      ];
    case "ask":
      return askFields(ctx, p, step, text("Question", { hint: placeholders }), next());
    case "branch":
      return branchFields(ctx, p, step);
    case "label": {
      const list = h("datalist", { id: uid("labels") }, ctx.labels.map((l) => h("option", { value: l.name })));
      return [fieldOf(ctx, `${p}.label`, { label: "Label", limit: LIMITS.name, attrs: { list: list.id }, hint: "One of your labels, or a new name.", ...req(step, "label") }), list, next()];
    }
    case "assign_team":
      return [teamPicker(ctx, p, step, false), text("Tell the customer (optional)", { optional: true }), note()];
    case "assign_user":
      return [
        fieldOf(ctx, `${p}.user_id`, {
          label: "Person",
          kind: "select",
          options: [["", "Choose a person…"], ...ctx.users.filter((u) => u.active !== false || u.id === step.user_id).map((u) => [u.id, u.active === false ? `${u.name} (deactivated)` : u.name])],
          ...req(step, "user_id"),
        }),
        text("Tell the customer (optional)", { optional: true }),
        note(),
      ];
    case "handover":
      return [teamPicker(ctx, p, step, true), text("Tell the customer (optional)", { optional: true }), note()];
    case "close":
      return [text("Tell the customer (optional)", { optional: true })];
    case "wait":
      return [
        fieldOf(ctx, `${p}.minutes`, {
          label: "Minutes to wait",
          kind: "number",
          attrs: { min: 1, max: 10080, inputmode: "numeric" },
          get: () => step.minutes ?? "",
          set: (v) => (step.minutes = v === "" ? 0 : Number(v)),
          hint: "1 to 10080 (a week). The timer survives restarts.",
        }),
        next(),
      ];
    default:
      return [h("p", { class: "muted" }, "This step type is not known to the builder; it is kept as it is.")];
  }
}

function teamPicker(ctx, p, step, optional) {
  return fieldOf(ctx, `${p}.team_id`, {
    label: optional ? "Team (or Not assigned)" : "Team",
    kind: "select",
    options: [["", optional ? "Not assigned" : "Choose a team…"], ...ctx.teams.map((t) => [t.id, t.name])],
    hint: ctx.teams.length ? null : "No teams yet: create one in Settings › Teams.",
    ...(optional ? opt(step, "team_id") : req(step, "team_id")),
  });
}

/** Header, footer and the retry text, folded away. */
function moreOptions(ctx, p, step) {
  const has = step.header || step.footer || step.retry;
  return h(
    "details",
    { class: "ff-more", open: has ? true : null },
    h("summary", null, "Header, footer and retry text"),
    fieldOf(ctx, `${p}.header`, { label: "Header (optional)", limit: LIMITS.header, ...opt(step, "header") }),
    fieldOf(ctx, `${p}.footer`, { label: "Footer (optional)", limit: LIMITS.footer, ...opt(step, "footer") }),
    fieldOf(ctx, `${p}.retry`, { label: "When the answer fits no option (optional)", kind: "textarea", hint: "Sent before the options again; the flow's setting otherwise.", ...opt(step, "retry") }),
  );
}

function buttonsGroup(ctx, p) {
  const { step } = ctx;
  step.buttons ||= [];
  const items = step.buttons.map((b, i) =>
    h(
      "div",
      { class: "ff-item", dataset: { path: `${p}.buttons[${i}]` } },
      h(
        "div",
        { class: "ff-item-head" },
        h("span", { class: "ff-item-title" }, `Button ${i + 1}`),
        button({ iconName: "x", label: `Remove button ${i + 1}`, kind: "ghost", size: "sm", attrs: { disabled: step.buttons.length <= 1 }, onClick: () => (step.buttons.splice(i, 1), ctx.redraw()) }),
      ),
      h(
        "div",
        { class: "ff-row" },
        fieldOf(ctx, `${p}.buttons[${i}].title`, { label: "Title", limit: LIMITS.buttonTitle, compact: true, ...req(b, "title") }),
        fieldOf(ctx, `${p}.buttons[${i}].id`, { label: "Reply id", compact: true, attrs: { class: "mono", autocomplete: "off", spellcheck: "false" }, ...req(b, "id") }),
      ),
      ctx.target(`${p}.buttons[${i}].next`, () => b.next, (v) => (b.next = v), { label: "Goes to" }),
    ),
  );
  const add =
    step.buttons.length < LIMITS.buttons
      ? button({ text: "Add button", iconName: "plus", kind: "ghost", size: "sm", onClick: () => (step.buttons.push({ id: freeReplyId(step.buttons.map((b) => b.id)), title: "", next: "" }), ctx.redraw()) })
      : h("p", { class: "ff-hint" }, "WhatsApp shows at most 3 buttons; use a list for more.");
  return groupOf(ctx, `${p}.buttons`, "Buttons", items, add);
}

function sectionsGroup(ctx, p) {
  const { step } = ctx;
  step.sections ||= [];
  const total = step.sections.reduce((n, s) => n + (s.rows || []).length, 0);
  const allIds = () => step.sections.flatMap((s) => (s.rows || []).map((r) => r.id));
  const sections = step.sections.map((s, si) => {
    s.rows ||= [];
    const sp = `${p}.sections[${si}]`;
    const rows = s.rows.map((r, ri) =>
      h(
        "div",
        { class: "ff-item", dataset: { path: `${sp}.rows[${ri}]` } },
        h(
          "div",
          { class: "ff-item-head" },
          h("span", { class: "ff-item-title" }, `Row ${ri + 1}`),
          button({ iconName: "x", label: `Remove row ${ri + 1} of section ${si + 1}`, kind: "ghost", size: "sm", attrs: { disabled: total <= 1 }, onClick: () => (s.rows.splice(ri, 1), ctx.redraw()) }),
        ),
        h(
          "div",
          { class: "ff-row" },
          fieldOf(ctx, `${sp}.rows[${ri}].title`, { label: "Title", limit: LIMITS.rowTitle, compact: true, ...req(r, "title") }),
          fieldOf(ctx, `${sp}.rows[${ri}].id`, { label: "Reply id", compact: true, attrs: { class: "mono", autocomplete: "off", spellcheck: "false" }, ...req(r, "id") }),
        ),
        fieldOf(ctx, `${sp}.rows[${ri}].description`, { label: "Description (optional)", limit: LIMITS.description, compact: true, ...opt(r, "description") }),
        ctx.target(`${sp}.rows[${ri}].next`, () => r.next, (v) => (r.next = v), { label: "Goes to" }),
      ),
    );
    return groupOf(
      ctx,
      `${sp}.rows`,
      `Section ${si + 1}`,
      fieldOf(ctx, `${sp}.title`, { label: step.sections.length > 1 ? "Section title" : "Section title (optional)", limit: LIMITS.sectionTitle, compact: true, ...opt(s, "title") }),
      rows,
      h(
        "div",
        { class: "ff-actions" },
        total < LIMITS.rows ? button({ text: "Add row", iconName: "plus", kind: "ghost", size: "sm", onClick: () => (s.rows.push({ id: freeReplyId(allIds()), title: "", next: "" }), ctx.redraw()) }) : null,
        step.sections.length > 1 ? button({ text: "Remove section", kind: "ghost", size: "sm", onClick: () => (step.sections.splice(si, 1), ctx.redraw()) }) : null,
      ),
    );
  });
  return groupOf(
    ctx,
    `${p}.sections`,
    `Rows (${total} of ${LIMITS.rows})`,
    sections,
    total < LIMITS.rows ? button({ text: "Add section", iconName: "plus", kind: "ghost", size: "sm", onClick: () => (step.sections.push({ title: "", rows: [{ id: freeReplyId(allIds()), title: "", next: "" }] }), ctx.redraw()) }) : h("p", { class: "ff-hint" }, "WhatsApp lists hold at most 10 rows."),
  );
}

const CHECKS = [
  ["text", "Any text"],
  ["email", "An email address"],
  ["phone", "A phone number"],
  ["number", "A number"],
  ["regex", "Matches a pattern"],
];

function askFields(ctx, p, step, question, next) {
  const isRegex = () => step.validate && typeof step.validate === "object";
  const kind = fieldOf(ctx, `${p}.validate`, {
    label: "The answer must be",
    kind: "select",
    options: CHECKS,
    get: () => (isRegex() ? "regex" : step.validate || "text"),
    set: (v) => {
      step.validate = v === "regex" ? { regex: "" } : v;
      ctx.redraw();
    },
  });
  return [
    question,
    fieldOf(ctx, `${p}.save_as`, {
      label: "Save the answer as",
      hint: "A contact attribute agents see beside the chat, e.g. email.",
      attrs: { class: "mono", autocomplete: "off", spellcheck: "false" },
      ...req(step, "save_as"),
    }),
    kind,
    isRegex()
      ? fieldOf(ctx, `${p}.validate.regex`, {
          label: "Pattern (the whole answer must match)",
          attrs: { class: "mono", spellcheck: "false", placeholder: "^[0-9]{5}$" },
          get: () => step.validate.regex,
          set: (v) => (step.validate.regex = v),
        })
      : null,
    fieldOf(ctx, `${p}.retry`, { label: "When the answer is not valid (optional)", kind: "textarea", hint: "A default that fits the check is sent otherwise.", ...opt(step, "retry") }),
    next,
  ];
}

const BRANCH_ON = [
  ["answer", "The last answer (or button, row chosen)"],
  ["attribute", "A contact attribute"],
  ["label", "The chat's labels"],
  ["business_hours", "Business hours"],
];

function branchFields(ctx, p, step) {
  step.cases ||= [];
  const on = fieldOf(ctx, `${p}.on`, {
    label: "Go by",
    kind: "select",
    options: BRANCH_ON,
    get: () => step.on,
    set: (v) => {
      step.on = v;
      if (v !== "attribute") delete step.attribute;
      step.cases = step.cases.map((c) => (v === "business_hours" ? { in_hours: c.in_hours ?? true, next: c.next } : { equals: c.equals ?? c.matches ?? "", next: c.next }));
      ctx.redraw();
    },
  });
  const cases = step.cases.map((c, i) => {
    const cp = `${p}.cases[${i}]`;
    let condition;
    if (step.on === "business_hours") {
      condition = fieldOf(ctx, `${cp}.in_hours`, {
        label: "When",
        kind: "select",
        compact: true,
        options: [
          ["true", "Open"],
          ["false", "Closed"],
        ],
        get: () => String(c.in_hours ?? true),
        set: (v) => (c.in_hours = v === "true"),
      });
    } else {
      const matches = c.matches !== undefined;
      condition = h(
        "div",
        { class: "ff-row" },
        fieldOf(ctx, `${cp}.kind`, {
          label: "When it",
          kind: "select",
          compact: true,
          options: [
            ["equals", "is"],
            ["matches", "matches the pattern"],
          ],
          get: () => (matches ? "matches" : "equals"),
          set: (v) => {
            const value = c.equals ?? c.matches ?? "";
            delete c.equals;
            delete c.matches;
            c[v] = value;
            ctx.redraw();
          },
        }),
        fieldOf(ctx, `${cp}.${matches ? "matches" : "equals"}`, { label: matches ? "Pattern" : "Value", compact: true, ...req(c, matches ? "matches" : "equals") }),
      );
    }
    return h(
      "div",
      { class: "ff-item", dataset: { path: cp } },
      h(
        "div",
        { class: "ff-item-head" },
        h("span", { class: "ff-item-title" }, `Case ${i + 1}`),
        button({ iconName: "x", label: `Remove case ${i + 1}`, kind: "ghost", size: "sm", onClick: () => (step.cases.splice(i, 1), ctx.redraw()) }),
      ),
      condition,
      ctx.target(`${cp}.next`, () => c.next, (v) => (c.next = v), { label: "Goes to" }),
    );
  });
  return [
    on,
    step.on === "attribute" ? fieldOf(ctx, `${p}.attribute`, { label: "Attribute", attrs: { class: "mono", spellcheck: "false" }, ...req(step, "attribute") }) : null,
    groupOf(
      ctx,
      `${p}.cases`,
      "Cases, tested in order",
      cases,
      button({ text: "Add case", iconName: "plus", kind: "ghost", size: "sm", onClick: () => (step.cases.push(step.on === "business_hours" ? { in_hours: false, next: "" } : { equals: "", next: "" }), ctx.redraw()) }),
    ),
    ctx.target(`${p}.default`, () => step.default, (v) => (step.default = v), { label: "Otherwise go to" }),
  ];
}
