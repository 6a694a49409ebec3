// The "Try it" panel: walks the flow being edited, right here in the
// browser, as a customer would meet it. It shows the bot's messages,
// buttons and lists, lets the tester tap a button or row or type an
// answer, checks `ask` answers as the server does (email, phone, number,
// a pattern), retries and hands over as the flow's settings say, and
// follows `next`. Steps that act on the chat (branch, label, assign,
// handover, close, wait) say what would happen and go on: a branch is
// decided on this run's answers and labels and the business hours; a
// wait is skipped.
//
// The choice: a client-side walk, not the demo sandbox. It runs the
// unsaved draft on any server (no --demo, no number, no published
// version needed), sends nothing to anyone, and answers at once, which is
// what a manager wants while building. The server remains the reference:
// when the server runs in --demo mode (GET /demo/api/customers answers
// 200), the panel also links to the demo's customer simulator, where the
// *published* flow runs for real on the demo number, through webhooks,
// the bot and the fake Graph API.

import * as api from "../../api.js";
import { h } from "../../dom.js";
import { button } from "../../ui.js";
import { typeName } from "./model.js";

/** How many steps may run without waiting before the walk stops. */
const STEP_BUDGET = 50;

const RETRY_TEXT = "Please choose one of the options below.";
const HANDOVER_TEXT = "Let me connect you with someone from our team.";
const ASK_RETRY = {
  email: "That doesn't look like an email address. Please try again.",
  phone: "That doesn't look like a phone number. Please try again, e.g. +49 151 2345678.",
  number: "Please answer with a number.",
};

let demo = null;
/** Whether this server runs the demo sandbox (asked once per page). */
function demoAvailable() {
  demo ||= api
    .get("/demo/api/customers")
    .then(() => true)
    .catch(() => false);
  return demo;
}

/** The panel: {el, restart(), destroy()}. `flow()` gives the draft. */
export function tryPanel({ flow, known, onClose, jumpTo }) {
  const log = h("div", { class: "try-log", role: "log", "aria-live": "polite", "aria-label": "Conversation preview" });
  const input = h("input", { type: "text", id: "try-input", autocomplete: "off", placeholder: "Type as the customer…", dir: "auto" });
  const send = button({ text: "Send", kind: "primary", type: "submit", size: "sm" });
  const compose = h(
    "form",
    {
      class: "try-compose",
      onsubmit: (e) => {
        e.preventDefault();
        const text = input.value.trim();
        if (!text || !waiting) return;
        input.value = "";
        typed(text);
      },
    },
    h("label", { for: "try-input", class: "sr-only" }, "Reply as the customer"),
    input,
    send,
  );
  const demoSlot = h("div", { class: "try-demo" });
  const el = h(
    "aside",
    { class: "try-panel card", "aria-labelledby": "try-title" },
    h(
      "div",
      { class: "try-head" },
      h("h2", { class: "card-title", id: "try-title" }, "Try it"),
      button({ text: "Restart", iconName: "refresh", kind: "ghost", size: "sm", onClick: () => restart() }),
      button({ iconName: "x", label: "Close Try it", kind: "ghost", size: "sm", onClick: onClose }),
    ),
    h("p", { class: "muted try-note" }, "Walks this draft as a customer would, in your browser: nothing is saved or sent."),
    demoSlot,
    log,
    compose,
  );
  demoAvailable().then((yes) => {
    if (!yes) return;
    demoSlot.replaceChildren(
      h("a", { class: "btn btn-secondary btn-sm", href: "/demo/simulator", target: "_blank", rel: "noopener" }, "Try it with the demo customer"),
      h("p", { class: "ff-hint" }, "Opens the demo's customer simulator in a new tab: the published version runs there on the demo number."),
    );
  });

  let waiting = null; // the step id the customer is expected to answer
  let answers = new Map();
  let labels = [];
  let lastAnswer = null;
  let retries = 0;
  let hours = undefined; // the tenant's business hours, once asked
  let generation = 0;

  const steps = () => flow().steps || {};
  const settings = () => flow().settings || {};

  async function restart() {
    const mine = ++generation;
    log.replaceChildren();
    answers = new Map();
    labels = [];
    lastAnswer = null;
    retries = 0;
    setWaiting(null);
    if (hours === undefined) {
      hours = await api
        .get("/api/settings")
        .then((s) => s?.business_hours || null)
        .catch(() => null);
      if (mine !== generation) return;
    }
    const trigger = flow().trigger || {};
    const how = trigger.on === "keyword" ? `sends "${(trigger.keywords || [])[0] || "a keyword"}"` : trigger.on === "reopen" ? "writes to a closed chat" : "starts a new conversation";
    if (trigger.on === "keyword") customer((trigger.keywords || [])[0] || "menu");
    system(`A customer ${how}.`);
    if (!steps()[flow().start]) return end("Choose the flow's first step to try it.");
    run(flow().start);
  }

  // ---- the log ----------------------------------------------------------------

  function stepTag(id) {
    return id ? h("button", { type: "button", class: "step-link try-step", "aria-label": `Show step ${id} in the editor`, onclick: () => jumpTo(id) }, id) : null;
  }

  function bot(text, id, extra) {
    log.append(h("div", { class: "try-msg try-bot" }, h("div", { class: "try-bubble" }, text ? h("p", { class: "try-text", dir: "auto" }, text) : null, extra), stepTag(id)));
    log.scrollTop = log.scrollHeight;
  }

  function customer(text) {
    log.append(h("div", { class: "try-msg try-customer" }, h("div", { class: "try-bubble" }, h("p", { class: "try-text", dir: "auto" }, text))));
    log.scrollTop = log.scrollHeight;
  }

  function system(text, id) {
    log.append(h("div", { class: "try-msg try-system" }, h("p", null, text), stepTag(id)));
    log.scrollTop = log.scrollHeight;
  }

  function setWaiting(id) {
    waiting = id;
    input.disabled = send.disabled = !id;
    input.placeholder = id ? "Type as the customer…" : "The flow has ended: restart to try again";
    if (!id) for (const b of log.querySelectorAll(".try-choice")) b.disabled = true;
  }

  /** `{{email}}` and `{{next_opening}}` filled as well as the preview can. */
  function fill(text) {
    return String(text || "").replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name) => (name === "next_opening" ? "[your next opening time]" : answers.get(name) ?? ""));
  }

  // ---- the walk ----------------------------------------------------------------

  /** Runs from step `id` until a step waits for the customer or the flow ends. */
  function run(id) {
    for (let budget = STEP_BUDGET; id; budget--) {
      if (budget <= 0) return end("Stopped: the flow goes round without waiting for the customer.");
      const step = steps()[id];
      if (!step) return end(`There is no step "${id}": the flow stops here.`);
      const at = id;
      id = undefined;
      switch (step.type) {
        case "message":
          bot(fill(step.text), at);
          id = step.next;
          if (!id) return end("The flow ends here; the chat stays as it is.");
          break;
        case "buttons":
        case "list":
          return show(at, step);
        case "ask":
          bot(fill(step.text), at);
          return setWaiting(at);
        case "branch": {
          const { next, why } = branch(step);
          system(`Branch: ${why} → ${next || "nowhere"}`, at);
          id = next;
          if (!id) return end("The branch names no step.");
          break;
        }
        case "label":
          labels.push(step.label);
          system(`Label "${step.label}" goes on the chat.`, at);
          id = step.next;
          if (!id) return end("The flow ends here; the chat stays as it is.");
          break;
        case "assign_team":
          if (step.text) bot(fill(step.text), at);
          return end(`The chat goes to the team ${teamName(step.team_id)}, whose routing picks an agent. The flow ends.`, at);
        case "assign_user":
          if (step.text) bot(fill(step.text), at);
          return end(`The chat goes to ${known().users.find((u) => u.id === step.user_id)?.name || "the chosen person"}. The flow ends.`, at);
        case "handover":
          if (step.text) bot(fill(step.text), at);
          return end(`The bot turns off; the chat goes to ${step.team_id ? `the team ${teamName(step.team_id)}` : "Not assigned"}.`, at);
        case "close":
          if (step.text) bot(fill(step.text), at);
          return end("The conversation is closed. The flow ends.", at);
        case "wait":
          system(`Waits ${step.minutes} minutes (skipped here).`, at);
          id = step.next;
          if (!id) return end("The flow ends here; the chat stays as it is.");
          break;
        default:
          return end(`A ${typeName(step.type)} step: the preview stops here.`, at);
      }
    }
    return end("The flow ends here.");
  }

  function end(why, id) {
    system(why, id);
    setWaiting(null);
  }

  function teamName(id) {
    return known().teams.find((t) => t.id === id)?.name || "(choose a team)";
  }

  /** A buttons or list step: its message with tappable options. */
  function show(id, step) {
    for (const b of log.querySelectorAll(".try-choice")) b.disabled = true;
    const choice = (c, i, description) =>
      h(
        "button",
        { type: "button", class: "try-choice", dataset: { id: c.id }, onclick: () => picked(id, i, c.title) },
        h("span", { dir: "auto" }, c.title || "(no title)"),
        description ? h("span", { class: "try-choice-desc", dir: "auto" }, description) : null,
      );
    let extra;
    if (step.type === "buttons") {
      extra = h("div", { class: "try-choices" }, (step.buttons || []).map((b, i) => choice(b, i)));
    } else {
      let i = 0;
      extra = h(
        "div",
        { class: "try-list" },
        h("p", { class: "try-list-button" }, `☰ ${step.button || "Options"}`),
        (step.sections || []).map((s) => h("div", { class: "try-choices" }, s.title ? h("p", { class: "try-section" }, s.title) : null, (s.rows || []).map((r) => choice(r, i++, r.description)))),
      );
    }
    bot(
      null,
      id,
      h("div", null, step.header ? h("p", { class: "try-header", dir: "auto" }, step.header) : null, h("p", { class: "try-text", dir: "auto" }, fill(step.text)), step.footer ? h("p", { class: "try-footer", dir: "auto" }, step.footer) : null, extra),
    );
    setWaiting(id);
  }

  function choicesOf(step) {
    if (step.type === "buttons") return step.buttons || [];
    if (step.type === "list") return (step.sections || []).flatMap((s) => s.rows || []);
    return [];
  }

  /** The option `i` of the waiting step was tapped. */
  function picked(id, i, title) {
    if (waiting !== id) return;
    customer(title);
    const c = choicesOf(steps()[id])[i];
    if (c) answered(c.id, c.next);
  }

  /** Typed text: an option's title or number, or an `ask` answer. */
  function typed(text) {
    customer(text);
    const step = steps()[waiting];
    if (!step) return end("This step no longer exists.");
    if (step.type === "ask") {
      const value = valid(step.validate, text);
      if (value === null) return wrong(step);
      answers.set(step.save_as, value);
      system(`Saved ${step.save_as}: ${value}`, waiting);
      return answered(value, step.next);
    }
    const options = choicesOf(step);
    const t = text.trim().toLowerCase();
    let n = options.findIndex((c) => String(c.title || "").trim().toLowerCase() === t);
    if (n < 0 && /^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= options.length) n = Number(t) - 1;
    if (n < 0) return wrong(step);
    answered(options[n].id, options[n].next);
  }

  function answered(value, next) {
    lastAnswer = value;
    retries = 0;
    for (const b of log.querySelectorAll(".try-choice")) b.disabled = true;
    setWaiting(null);
    if (next) run(next);
    else end("The flow ends here; the chat stays as it is.");
  }

  function wrong(step) {
    const max = settings().retries ?? 2;
    if (retries >= max) {
      bot(fill(settings().handover_text || HANDOVER_TEXT));
      return end(`No valid answer after ${max} ${max === 1 ? "retry" : "retries"}: the bot turns off and the chat goes to Not assigned.`);
    }
    retries++;
    const id = waiting;
    if (step.type === "ask") {
      const kind = typeof step.validate === "string" ? step.validate : "";
      bot(fill(step.retry || ASK_RETRY[kind] || "Sorry, I didn't get that. Please try again."), id);
    } else {
      bot(fill(step.retry || settings().retry_text || RETRY_TEXT), id);
      show(id, step);
    }
  }

  /** Which way a branch goes, and why, in words. */
  function branch(step) {
    const cases = step.cases || [];
    const open = isOpen(hours);
    let value = null;
    let what = "";
    if (step.on === "answer") [value, what] = [lastAnswer, `the last answer (${lastAnswer ?? "none"})`];
    else if (step.on === "attribute") [value, what] = [answers.get(step.attribute) ?? null, `${step.attribute} (${answers.get(step.attribute) ?? "not known in the preview"})`];
    else if (step.on === "label") what = labels.length ? `labels ${labels.join(", ")}` : "no labels";
    else what = hours ? (open ? "open now" : "closed now") : "always open (no business hours set)";
    const holds = (c) => {
      if (step.on === "business_hours") return c.in_hours === open;
      if (step.on === "label") return labels.some((l) => caseHolds(c, l));
      return value !== null && caseHolds(c, value);
    };
    const hit = cases.findIndex(holds);
    return hit >= 0 ? { next: cases[hit].next, why: `${what}, case ${hit + 1}` } : { next: step.default, why: `${what}, otherwise` };
  }

  return {
    el,
    restart,
    destroy() {
      generation++;
    },
  };
}

function caseHolds(c, value) {
  if (c.equals !== undefined) return String(c.equals).trim().toLowerCase() === String(value).trim().toLowerCase();
  try {
    return new RegExp(c.matches, "u").test(String(value));
  } catch {
    return false;
  }
}

/** The value an `ask` saves for `text`, or null when it is not valid (as chatbot/src/answer.rs). */
export function valid(validate, text) {
  const t = String(text).trim();
  if (!t) return null;
  if (validate && typeof validate === "object") {
    try {
      return new RegExp(`^(?:${validate.regex})$`, "u").test(t) ? t : null;
    } catch {
      return null;
    }
  }
  switch (validate) {
    case "email":
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(t) ? t.toLowerCase() : null;
    case "phone": {
      const compact = t.replace(/[\s\-.()]/g, "");
      const m = /^(\+|00)?(\d+)$/.exec(compact);
      return m && m[2].length >= 7 && m[2].length <= 15 ? `${m[1] ? "+" : ""}${m[2]}` : null;
    }
    case "number": {
      const v = t.includes(".") ? t : t.replace(",", ".");
      return /^[-+]?\d+(\.\d+)?$/.test(v) ? v : null;
    }
    default:
      return t;
  }
}

/** Whether the business is open now, by its hours (null: always open). */
export function isOpen(hours, now = new Date()) {
  if (!hours) return true;
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: hours.time_zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "short", hourCycle: "h23" }).formatToParts(now);
    const get = (type) => parts.find((p) => p.type === type)?.value;
    if ((hours.holidays || []).includes(`${get("year")}-${get("month")}-${get("day")}`)) return false;
    const day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday"));
    const minute = (Number(get("hour")) % 24) * 60 + Number(get("minute"));
    return (hours.weekly?.[day] || []).some(([from, to]) => from <= minute && minute < to);
  } catch {
    return true;
  }
}
