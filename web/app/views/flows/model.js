// The flow document as the builder edits it (API.md "Chatbot flows";
// the exact schema is chatbot/src/flow.rs): the step types and what a
// fresh step of each holds, where a step can go next (the same list as
// `Step::targets` on the server, with the same paths), the order cards
// are shown in, renaming a step, and "is the draft live?".

/** Every step type, as a manager reads it. */
export const STEP_TYPES = [
  { type: "message", name: "Message", hint: "Sends a text, then goes on" },
  { type: "buttons", name: "Buttons", hint: "A text with up to 3 reply buttons" },
  { type: "list", name: "List", hint: "A menu of up to 10 rows" },
  { type: "ask", name: "Question", hint: "Asks, checks and saves the answer" },
  { type: "branch", name: "Branch", hint: "Goes one way or another" },
  { type: "label", name: "Label", hint: "Puts a label on the chat" },
  { type: "assign_team", name: "Assign to a team", hint: "The team's routing picks an agent" },
  { type: "assign_user", name: "Assign to a person", hint: "Hands the chat to one agent" },
  { type: "handover", name: "Hand over", hint: "Bot off; a person takes over" },
  { type: "close", name: "Close", hint: "Closes the conversation" },
  { type: "wait", name: "Wait", hint: "Waits some minutes, then goes on" },
];

/** "assign_team" -> "Assign to a team". */
export function typeName(type) {
  return STEP_TYPES.find((t) => t.type === type)?.name || type;
}

/** Step types whose `next` is optional (absent: the flow ends there). */
export const HAS_NEXT = new Set(["message", "ask", "label", "wait"]);

/** Step types that send a text that may be left out. */
const OPTIONAL_TEXT = new Set(["assign_team", "assign_user", "handover", "close"]);

/** Step ids: 1 to 64 letters, digits, "_" or "-" (as the server checks). */
export const STEP_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A fresh step of `type`; `teams`/`users` give a first pick. */
export function newStep(type, { teams = [], users = [] } = {}) {
  switch (type) {
    case "message":
      return { type, text: "" };
    case "buttons":
      return { type, text: "", buttons: [{ id: "option_1", title: "", next: "" }] };
    case "list":
      return { type, text: "", button: "Options", sections: [{ rows: [{ id: "option_1", title: "", next: "" }] }] };
    case "ask":
      return { type, text: "", save_as: "", validate: "text" };
    case "branch":
      return { type, on: "answer", cases: [{ equals: "", next: "" }], default: "" };
    case "label":
      return { type, label: "" };
    case "assign_team":
      return { type, team_id: teams[0]?.id || "" };
    case "assign_user":
      return { type, user_id: users[0]?.id || "" };
    case "wait":
      return { type, minutes: 60 };
    default:
      return { type };
  }
}

/** `step` as another type, keeping its text and `next` where both have one. */
export function convertStep(step, type, pickers) {
  const fresh = newStep(type, pickers);
  if (typeof step.text === "string" && step.text && ("text" in fresh || OPTIONAL_TEXT.has(type))) fresh.text = step.text;
  if (step.next && HAS_NEXT.has(type)) fresh.next = step.next;
  return fresh;
}

/**
 * Where `step` can go: [{path, target, label}], `path` below the step
 * (`buttons[1].next`), as the server's `Step::targets` lists them.
 */
export function targets(step) {
  switch (step.type) {
    case "message":
    case "ask":
    case "label":
    case "wait":
      return step.next ? [{ path: "next", target: step.next, label: "Then" }] : [];
    case "buttons":
      return (step.buttons || []).map((b, i) => ({ path: `buttons[${i}].next`, target: b.next, label: b.title || `Button ${i + 1}` }));
    case "list":
      return (step.sections || []).flatMap((s, si) =>
        (s.rows || []).map((r, ri) => ({ path: `sections[${si}].rows[${ri}].next`, target: r.next, label: r.title || `Row ${ri + 1}` })),
      );
    case "branch":
      return [
        ...(step.cases || []).map((c, i) => ({ path: `cases[${i}].next`, target: c.next, label: `Case ${i + 1}` })),
        { path: "default", target: step.default, label: "Otherwise" },
      ];
    default:
      return [];
  }
}

/** The steps the start reaches, breadth first along each step's targets. */
export function reachable(flow) {
  const steps = flow.steps || {};
  const seen = new Set();
  const queue = steps[flow.start] ? [flow.start] : [];
  while (queue.length) {
    const id = queue.shift();
    if (seen.has(id) || !steps[id]) continue;
    seen.add(id);
    for (const t of targets(steps[id])) queue.push(t.target);
  }
  return seen;
}

/**
 * The order cards are shown in: the start, then breadth first along each
 * step's targets (so the flow reads top to bottom), then whatever the
 * start does not reach, by id.
 */
export function cardOrder(flow) {
  const seen = reachable(flow);
  const rest = Object.keys(flow.steps || {})
    .filter((id) => !seen.has(id))
    .sort();
  return [...seen, ...rest];
}

/** step id -> the ids of the steps that lead to it. */
export function incoming(flow) {
  const from = new Map();
  for (const [id, step] of Object.entries(flow.steps || {})) {
    for (const t of targets(step)) {
      if (!t.target) continue;
      if (!from.has(t.target)) from.set(t.target, []);
      if (!from.get(t.target).includes(id)) from.get(t.target).push(id);
    }
  }
  return from;
}

/** An unused step id from `base` ("ask_email", "ask_email_2"...). */
export function freeId(flow, base) {
  const clean = String(base || "step")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 60) || "step";
  if (!flow.steps?.[clean]) return clean;
  for (let n = 2; ; n++) if (!flow.steps[`${clean}_${n}`]) return `${clean}_${n}`;
}

/** Renames step `from` to `to`, and every `next` and the start with it. */
export function renameStep(flow, from, to) {
  if (from === to || !flow.steps[from] || flow.steps[to]) return;
  const steps = {};
  for (const [id, step] of Object.entries(flow.steps)) steps[id === from ? to : id] = step;
  flow.steps = steps;
  if (flow.start === from) flow.start = to;
  for (const step of Object.values(steps)) retarget(step, from, to);
}

/** Points every target of `step` that is `from` at `to` ("" unlinks). */
export function retarget(step, from, to) {
  const swap = (v) => (v === from ? to : v);
  if (HAS_NEXT.has(step.type) && step.next === from) {
    if (to) step.next = to;
    else delete step.next;
  }
  for (const b of step.buttons || []) b.next = swap(b.next);
  for (const s of step.sections || []) for (const r of s.rows || []) r.next = swap(r.next);
  for (const c of step.cases || []) c.next = swap(c.next);
  if (step.type === "branch") step.default = swap(step.default);
}

/** An unused reply id among `taken` ("option_2"...). */
export function freeReplyId(taken) {
  for (let n = 1; ; n++) if (!taken.includes(`option_${n}`)) return `option_${n}`;
}

/**
 * Is the draft live? The server keeps one draft and a version counter;
 * the builder notes, in the document's free-form `editor` object, which
 * version was live when the draft was last saved: a draft saved while
 * version N was live holds changes N lacks, and publishing makes N + 1.
 * {text, kind: "draft" | "live" | "changed"}
 */
export function versionState(flow) {
  const live = Number(flow.published_version) || 0;
  const savedOn = flow.editor?.saved_on_version;
  if (!live) return { text: "Draft, never published", kind: "draft" };
  if (typeof savedOn === "number" && savedOn >= live) return { text: `Version ${live} live · draft has unpublished changes`, kind: "changed" };
  return { text: `Version ${live} live`, kind: "live" };
}

/** The trigger in words: "New conversation", "Keyword: menu, start". */
export function triggerText(trigger) {
  switch (trigger?.on) {
    case "keyword":
      return `Keyword: ${(trigger.keywords || []).join(", ") || "none yet"}`;
    case "reopen":
      return "A closed chat is written to again";
    default:
      return "A new conversation";
  }
}

/** The document to PUT: the flow without the fields the server derives. */
export function documentOf(flow) {
  const { id, published_version, updated_at, problems, ...doc } = flow;
  return doc;
}
