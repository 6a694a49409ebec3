// `#/flows/<id>`: the flow builder. The whole flow at once: its settings
// (name, trigger, numbers, first step, what happens on wrong answers),
// then one card per step in the order a customer meets them, each target
// a "→ step" link to its card. Problems show beside their field as you
// type (limits.js) and, after Save, the server's 422 details land on the
// field their path names. Save keeps a draft (PUT); Publish makes it the
// next live version. The "Try it" panel (preview.js) walks the draft.
//
// Edits change the document in place; a card is rebuilt only when its
// shape changes (a button added, a type changed), so typing never loses
// focus.

import * as api from "../../api.js";
import { h, mount } from "../../dom.js";
import { listTime } from "../../format.js";
import * as store from "../../store.js";
import { button, confirmDialog, emptyState, formError, spinner, toast } from "../../ui.js";
import { addStepDialog, renameDialog, showFrom, showStats, stepCard } from "./cards.js";
import { check, placeOf } from "./limits.js";
import { cardOrder, convertStep, documentOf, incoming, newStep, reachable, renameStep, retarget, triggerText, versionState } from "./model.js";
import { forgetKeptEdits, keepEdits, keptNotice } from "./kept.js";
import { tryPanel } from "./preview.js";
import { settingsCard } from "./settings.js";

/** The editor of flow `flowId`: {el, destroy}. */
export function flowEditor({ flowId }) {
  const banner = formError();
  const body = h("div", { class: "flow-body" }, spinner("Loading the flow"));
  const el = h("div", { class: "page flow-page" }, body);
  let flow = null;
  let numbers = [];
  let stats = null;
  let revision = 0; // bumped by every edit
  let savedRevision = 0;
  let saving = false;
  let serverProblems = [];
  let errorCount = 0; // errors found by the last showProblems()
  let registry = new Map(); // path -> {wrap, show}
  const cards = new Map(); // step id -> {el, from, stats}
  let cardsEl = null;
  let settingsEl = null;
  let statusEl = null;
  let chipEl = null;
  let saveBtn = null;
  let publishBtn = null;
  let tryBtn = null;
  let refreshBtn = null;
  let preview = null;

  const dirty = () => revision !== savedRevision;
  const directory = () => ({
    teams: [...store.state.teams.values()],
    users: [...store.state.users.values()].filter((u) => u.active !== false),
    labels: [...store.state.labels.values()],
  });

  const ed = {
    get flow() {
      return flow;
    },
    get stats() {
      return stats;
    },
    get teams() {
      return directory().teams;
    },
    get users() {
      return [...store.state.users.values()]; // the picker shows the active ones
    },
    get labels() {
      return directory().labels;
    },
    numbers: () => numbers,
    bind: (path, entry) => registry.set(path, entry),
    changed,
    redrawCard,
    renderAll,
    jumpTo,
    refreshLinks,
    addStep,
    deleteStep,
    setStart,
    renameStep: rename,
    changeType,
  };

  // ---- loading -------------------------------------------------------------

  async function load() {
    try {
      const [doc, nums] = await Promise.all([api.get(`/api/flows/${encodeURIComponent(flowId)}`), api.get("/api/numbers").catch(() => ({ items: [] }))]);
      flow = doc;
      numbers = nums?.items || [];
    } catch (e) {
      mount(body, emptyState({ iconName: "alert", title: "Couldn't open this flow", body: api.describe(e), action: h("a", { class: "btn btn-secondary", href: "#/flows" }, "All flows") }));
      return;
    }
    flow.steps ||= {};
    flow.trigger ||= { on: "new_conversation", keywords: [] };
    flow.number_ids ||= [];
    document.title = `${flow.name} · Chatbot · Switchboard`;
    build();
    const notice = keptNotice(flowId, flow.updated_at, (doc) => {
      const { id, published_version, updated_at } = flow;
      flow = { ...doc, id, published_version, updated_at };
      revision++;
      renderAll();
    });
    if (notice) banner.after(notice);
    loadStats();
  }

  async function loadStats() {
    if (!flow?.published_version) {
      stats = null;
    } else {
      try {
        const page = await api.get(`/api/flows/${encodeURIComponent(flowId)}/stats`);
        stats = new Map((page.items || []).map((i) => [i.step, i]));
      } catch {
        stats = null; // counts are a nicety: the builder works without them
      }
    }
    if (refreshBtn) refreshBtn.hidden = !stats;
    for (const [id, card] of cards) showStats(ed, id, card);
  }

  // ---- layout ----------------------------------------------------------------

  function build() {
    statusEl = h("p", { class: "flow-status muted", role: "status" });
    chipEl = h("span", { class: "chip flow-version" });
    saveBtn = button({ text: "Save", iconName: "check", kind: "secondary", onClick: save, attrs: { "data-action": "save-flow" } });
    publishBtn = button({ text: "Publish", iconName: "send", kind: "primary", onClick: publish, attrs: { "data-action": "publish-flow" } });
    tryBtn = button({ text: "Try it", iconName: "chat", kind: "ghost", onClick: () => toggleTry(), attrs: { "aria-expanded": "false", "aria-controls": "flow-try", "data-action": "try-flow" } });
    preview = tryPanel({ flow: () => flow, known: directory, onClose: () => toggleTry(false), jumpTo });
    preview.el.id = "flow-try";
    preview.el.hidden = true;
    cardsEl = h("div", { class: "flow-cards" });
    refreshBtn = button({ iconName: "refresh", label: "Refresh step counts", kind: "ghost", onClick: loadStats });
    refreshBtn.hidden = !flow.published_version;
    settingsEl = h("div");
    const head = h(
      "header",
      { class: "flow-head" },
      h("a", { class: "back-link", href: "#/flows" }, h("span", { "aria-hidden": "true" }, "← "), "Chatbot flows"),
      h(
        "div",
        { class: "flow-head-row" },
        h("div", { class: "flow-head-title" }, h("h1", { class: "page-title", id: "flow-title" }, flow.name), chipEl),
        h("div", { class: "flow-toolbar" }, tryBtn, saveBtn, publishBtn),
      ),
      statusEl,
    );
    const stepsHead = h(
      "div",
      { class: "flow-steps-head" },
      h("div", null, h("h2", { class: "card-title" }, "Steps"), h("p", { class: "muted" }, "In the order a customer meets them. Links (→) jump to the step they name.")),
      h(
        "div",
        { class: "flow-toolbar" },
        refreshBtn,
        button({ text: "Add step", iconName: "plus", kind: "secondary", onClick: () => addStep(), attrs: { "data-action": "add-step" } }),
      ),
    );
    mount(body, head, banner, h("div", { class: "flow-layout" }, h("div", { class: "flow-main" }, settingsEl, stepsHead, cardsEl), preview.el));
    el.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "s") {
        e.preventDefault();
        save();
      }
    });
    renderAll();
  }

  /** Rebuilds the settings and every card, keeping the focused field. */
  function renderAll() {
    const focus = focusedPath();
    registry = new Map();
    const fresh = settingsCard(ed);
    settingsEl.replaceChildren(fresh);
    cards.clear();
    const order = cardOrder(flow);
    mount(
      cardsEl,
      order.map((id) => {
        const card = stepCard(ed, id);
        cards.set(id, card);
        return card.el;
      }),
      order.length ? null : emptyState({ iconName: "bot", title: "No steps yet", body: "Add the first step: a greeting is a good start." }),
    );
    showProblems();
    showState();
    restoreFocus(focus);
  }

  /** Rebuilds the card of step `id` (its shape changed). */
  function redrawCard(id) {
    const old = cards.get(id);
    if (!old || !flow.steps[id]) return renderAll();
    const focus = focusedPath();
    const card = stepCard(ed, id);
    old.el.replaceWith(card.el);
    cards.set(id, card);
    changed();
    refreshLinks();
    restoreFocus(focus);
  }

  /** The field being typed in (by path) and its caret, to keep across a rebuild. */
  function focusedPath() {
    const active = document.activeElement;
    const wrap = active?.closest?.("[data-path]");
    if (!wrap || !el.contains(wrap) || !/^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return null;
    let caret = null;
    try {
      caret = typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
    } catch {
      caret = null; // number inputs have no caret to ask about
    }
    return { path: wrap.dataset.path, caret };
  }

  function restoreFocus(focus) {
    if (!focus) return;
    const wrap = [...el.querySelectorAll("[data-path]")].find((w) => w.dataset.path === focus.path);
    const target = wrap?.querySelector("input, select, textarea");
    if (!target) return;
    target.focus({ preventScroll: true });
    try {
      if (focus.caret) target.setSelectionRange(...focus.caret);
    } catch {
      // not a text field
    }
  }

  /** The "from" lines of every card (a target changed). */
  function refreshLinks() {
    const sources = incoming(flow);
    const live = reachable(flow);
    for (const [id, card] of cards) showFrom(ed, id, card, sources, live);
  }

  // ---- editing -------------------------------------------------------------------

  /** Something at `path` changed: check again and mark the draft unsaved. */
  function changed(path) {
    revision++;
    if (path) serverProblems = serverProblems.filter((p) => p.path !== path && !p.path.startsWith(`${path}.`) && !p.path.startsWith(`${path}[`));
    if (path === "name") {
      document.getElementById("flow-title").textContent = flow.name || "Untitled flow";
    }
    showProblems();
    showState();
  }

  async function addStep({ link } = {}) {
    const picked = await addStepDialog(flow);
    if (!picked) return false;
    flow.steps[picked.id] = newStep(picked.type, directory());
    if (!flow.steps[flow.start]) flow.start = picked.id;
    link?.(picked.id);
    revision++;
    renderAll();
    jumpTo(picked.id, { focusField: true });
    return true;
  }

  async function deleteStep(id) {
    const from = incoming(flow).get(id) || [];
    const ok = await confirmDialog({
      title: `Delete step ${id}?`,
      body: from.length ? `${from.join(", ")} ${from.length === 1 ? "leads" : "lead"} here; those links will need a new step.` : "Nothing leads here.",
      confirm: "Delete step",
      danger: true,
    });
    if (!ok) return;
    delete flow.steps[id];
    for (const step of Object.values(flow.steps)) retarget(step, id, "");
    if (flow.start === id) flow.start = cardOrder(flow)[0] || "";
    revision++;
    renderAll();
  }

  function setStart(id) {
    flow.start = id;
    revision++;
    renderAll();
    jumpTo(id);
  }

  async function rename(id) {
    const next = await renameDialog(flow, id);
    if (!next || next === id) return;
    renameStep(flow, id, next);
    revision++;
    renderAll();
    jumpTo(next);
  }

  function changeType(id, type) {
    flow.steps[id] = convertStep(flow.steps[id], type, directory());
    redrawCard(id);
  }

  /** Scrolls to the card of step `id`, focuses it and flashes it. */
  function jumpTo(id, { focusField = false } = {}) {
    const card = cards.get(id)?.el;
    if (!card) return;
    const still = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    card.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "center" });
    const field = focusField ? card.querySelector(".ff:not(.ff-type) textarea, .ff:not(.ff-type) input, .ff:not(.ff-type) select") : null;
    (field || card).focus({ preventScroll: true });
    card.classList.remove("flash");
    void card.offsetWidth; // restart the animation
    card.classList.add("flash");
  }

  // ---- problems ----------------------------------------------------------------------

  /** Puts every problem (ours and the server's) beside its field. */
  function showProblems() {
    for (const [path, entry] of registry) if (!entry.wrap.isConnected) registry.delete(path);
    const problems = [...check(flow, { teams: store.state.teams, users: store.state.users }), ...serverProblems];
    const byPlace = new Map();
    for (const p of problems) {
      const place = placeOf(p.path, (k) => registry.has(k));
      if (!byPlace.has(place)) byPlace.set(place, []);
      byPlace.get(place).push(p);
    }
    for (const [path, entry] of registry) {
      const here = byPlace.get(path) || [];
      const first = here.find((p) => p.severity === "error") || here[0];
      entry.show(first ? first.message : "", first?.severity);
    }
    for (const [id, card] of cards) {
      const mine = (p) => p.severity === "error" && (p.path === `steps.${id}` || p.path.startsWith(`steps.${id}.`));
      card.el.classList.toggle("has-error", problems.some(mine));
    }
    const loose = (byPlace.get("") || []).filter((p) => p.severity === "error");
    const errors = problems.filter((p) => p.severity === "error").length;
    errorCount = errors;
    if (serverProblems.length) {
      banner.show(`Not saved: ${errors === 1 ? "1 problem" : `${errors} problems`}, marked below.${loose.length ? ` ${loose.map((p) => `${p.path || "flow"}: ${p.message}`).join("; ")}` : ""}`);
    } else if (loose.length) {
      banner.show(loose.map((p) => p.message).join(" "));
    } else {
      banner.show("");
    }
    return errors;
  }

  /** The version chip, the status line and the buttons. */
  function showState() {
    const v = versionState(flow);
    chipEl.textContent = v.text;
    chipEl.className = `chip flow-version ${v.kind === "live" ? "chip-open" : v.kind === "changed" ? "chip-warn" : "chip-closed"}`;
    const errors = errorCount;
    const parts = [];
    if (saving) parts.push("Saving…");
    else if (dirty()) parts.push("Unsaved changes");
    else parts.push(`Saved${flow.updated_at ? ` ${listTime(flow.updated_at)}` : ""}`);
    if (errors) parts.push(errors === 1 ? "1 problem to fix" : `${errors} problems to fix`);
    if (!flow.number_ids.length) parts.push("not on any number yet, so it never starts");
    parts.push(`starts on: ${triggerText(flow.trigger).toLowerCase()}`);
    statusEl.textContent = parts.join(" · ");
    saveBtn.disabled = saving || !dirty();
    // Known to be live as it is: publishing would only repeat the version.
    const upToDate = !dirty() && v.kind === "live" && typeof flow.editor?.saved_on_version === "number";
    publishBtn.disabled = saving || upToDate;
    publishBtn.title = upToDate ? "This draft is the live version" : "";
    publishBtn.querySelector("span").textContent = dirty() ? "Save and publish" : "Publish";
  }

  // ---- save and publish ---------------------------------------------------------------

  /** PUTs the draft; true when saved. 422 details go to their fields. */
  async function save() {
    if (saving) return false;
    if (!dirty()) return true;
    saving = true;
    showState();
    const sent = revision;
    const doc = documentOf(flow);
    doc.editor = { ...(doc.editor || {}), saved_on_version: Number(flow.published_version) || 0 };
    try {
      const saved = await api.put(`/api/flows/${encodeURIComponent(flowId)}`, doc);
      flow.editor = doc.editor;
      flow.published_version = saved.published_version;
      flow.updated_at = saved.updated_at;
      savedRevision = sent;
      serverProblems = [];
      forgetKeptEdits(flowId);
      toast("Draft saved", { kind: "success" });
      return true;
    } catch (e) {
      refused(e);
      return false;
    } finally {
      saving = false;
      showState();
    }
  }

  async function publish() {
    if (!(await save())) return;
    saving = true;
    showState();
    try {
      const published = await api.post(`/api/flows/${encodeURIComponent(flowId)}/publish`);
      flow.published_version = published.published_version;
      const where = flow.number_ids.length ? "New chats use it now; chats already inside the flow finish on their version." : "It runs on no number yet: tick one under Numbers, then publish again.";
      toast(`Version ${published.published_version} published. ${where}`, { kind: flow.number_ids.length ? "success" : "info" });
      loadStats();
    } catch (e) {
      refused(e);
    } finally {
      saving = false;
      showState();
    }
  }

  /** A refused save or publish: a 422's details go beside their fields. */
  function refused(e) {
    if (!(e instanceof api.ApiError && e.status === 422 && e.details.length)) {
      toast(api.describe(e), { kind: "error" });
      return;
    }
    serverProblems = e.details.map((d) => ({ path: String(d.path || ""), message: sentence(d.message), severity: "error" }));
    showProblems();
    const first = serverProblems.map((p) => /^steps\.([^.[]+)/.exec(p.path)?.[1]).find((id) => cards.has(id));
    if (first) jumpTo(first);
  }

  function toggleTry(open = preview.el.hidden) {
    preview.el.hidden = !open;
    tryBtn.setAttribute("aria-expanded", String(open));
    el.classList.toggle("is-trying", open);
    if (open) {
      preview.restart();
      preview.el.scrollIntoView({ block: "nearest" });
    }
  }

  const warnBeforeLeaving = (e) => {
    if (flow && dirty()) {
      e.preventDefault();
      e.returnValue = "";
    }
  };
  window.addEventListener("beforeunload", warnBeforeLeaving);
  const offDirectory = store.on("directory", () => flow && renderAll());
  load();

  return {
    el,
    destroy() {
      if (flow && dirty()) keepEdits(flowId, flow);
      window.removeEventListener("beforeunload", warnBeforeLeaving);
      offDirectory();
      preview?.destroy();
    },
  };
}

/** "at most 20 characters" -> "At most 20 characters." */
function sentence(s) {
  const t = String(s || "Not valid");
  return t.charAt(0).toUpperCase() + t.slice(1);
}
