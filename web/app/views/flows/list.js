// `#/flows`: every chatbot flow of the business, with what starts it, the
// numbers it runs on and whether its draft is live; open, publish or
// delete one, or start a new one (a single greeting, opened in the
// builder at once).

import * as api from "../../api.js";
import { h, mount } from "../../dom.js";
import { button, confirmDialog, dataTable, emptyState, skeletonRows, toast } from "../../ui.js";
import { forgetKeptEdits } from "./kept.js";
import { triggerText, versionState } from "./model.js";

/** The smallest flow the server accepts: one greeting, on no number yet. */
function starterFlow(name) {
  return {
    name,
    number_ids: [],
    trigger: { on: "new_conversation", keywords: [] },
    start: "welcome",
    steps: { welcome: { type: "message", text: "Hi! Thanks for writing to us. How can we help?" } },
    editor: { saved_on_version: 0 },
  };
}

/** Whether the draft is known to be the live version already. */
function upToDate(f) {
  return versionState(f).kind === "live" && typeof f.editor?.saved_on_version === "number";
}

/** The list page: {el, destroy}. */
export function flowList({ navigate }) {
  let items = [];
  let numbers = new Map();
  const body = h("div", { class: "flows-body" }, skeletonRows(3));
  const create = button({ text: "New flow", iconName: "plus", kind: "primary", onClick: newFlow, attrs: { "data-action": "new-flow" } });
  const el = h(
    "div",
    { class: "page" },
    h(
      "header",
      { class: "page-head page-head-row" },
      h("div", null, h("h1", { class: "page-title" }, "Chatbot"), h("p", { class: "muted" }, "Flows greet customers, ask what they need and hand them to the right team. A flow runs once it is published and on a number.")),
      create,
    ),
    body,
  );

  async function load() {
    try {
      const [flows, nums] = await Promise.all([api.get("/api/flows"), api.get("/api/numbers").catch(() => ({ items: [] }))]);
      items = (flows?.items || []).sort((a, b) => a.name.localeCompare(b.name));
      numbers = new Map((nums?.items || []).map((n) => [n.id, n]));
      render();
    } catch (e) {
      mount(body, emptyState({ iconName: "alert", title: "Couldn't load the flows", body: api.describe(e), action: button({ text: "Try again", onClick: load }) }));
    }
  }

  function render() {
    if (!items.length) {
      mount(body, h("div", { class: "card" }, emptyState({ iconName: "bot", title: "No flows yet", body: "A flow can greet every new chat, offer buttons like Sales and Support, collect an email and route the chat to a team." })));
      return;
    }
    const rows = items.map((f) => {
      const v = versionState(f);
      const on = (f.number_ids || []).map((id) => numbers.get(id)?.display_phone_number || "a number");
      const href = `#/flows/${encodeURIComponent(f.id)}`;
      return h(
        "tr",
        { dataset: { flow: f.id } },
        h("td", { "data-label": "Flow" }, h("a", { class: "flow-name", href, dir: "auto" }, f.name)),
        h("td", { "data-label": "Starts when" }, triggerText(f.trigger)),
        h("td", { "data-label": "Numbers" }, on.length ? on.join(", ") : h("span", { class: "muted" }, "None yet")),
        h("td", { "data-label": "Version" }, h("span", { class: `chip ${v.kind === "live" ? "chip-open" : v.kind === "changed" ? "chip-warn" : "chip-closed"}` }, v.text)),
        h(
          "td",
          { class: "cell-actions" },
          h(
            "div",
            { class: "flow-actions" },
            h("a", { class: "btn btn-ghost btn-sm", href, "aria-label": `Open ${f.name}` }, "Open"),
            button({ text: "Publish", size: "sm", attrs: { "aria-label": `Publish ${f.name}`, disabled: upToDate(f), title: upToDate(f) ? "This draft is the live version" : null }, onClick: () => publish(f) }),
            button({ iconName: "x", label: `Delete ${f.name}`, kind: "ghost", size: "sm", onClick: () => remove(f) }),
          ),
        ),
      );
    });
    mount(
      body,
      h("div", { class: "card" }, dataTable(["Flow", "Starts when", "Numbers", "Version", ""], rows, "table-stack flows-table")),
    );
  }

  async function newFlow() {
    const taken = new Set(items.map((f) => f.name));
    let name = "New flow";
    for (let n = 2; taken.has(name); n++) name = `New flow ${n}`;
    create.disabled = true;
    try {
      const created = await api.post("/api/flows", starterFlow(name));
      navigate(`flows/${encodeURIComponent(created.id)}`);
    } catch (e) {
      toast(api.describe(e), { kind: "error" });
    } finally {
      create.disabled = false;
    }
  }

  async function publish(f) {
    try {
      const published = await api.post(`/api/flows/${encodeURIComponent(f.id)}/publish`);
      Object.assign(f, { published_version: published.published_version });
      toast(`${f.name}: version ${published.published_version} published`, { kind: "success" });
      render();
    } catch (e) {
      const first = e instanceof api.ApiError ? e.details?.[0] : null;
      toast(first ? `${f.name} can't be published: ${first.path} ${first.message}. Open it to fix.` : api.describe(e), { kind: "error" });
    }
  }

  async function remove(f) {
    const ok = await confirmDialog({
      title: `Delete ${f.name}?`,
      body: "New chats no longer start it; chats already inside it finish. This can't be undone.",
      confirm: "Delete flow",
      danger: true,
    });
    if (!ok) return;
    try {
      await api.request("DELETE", `/api/flows/${encodeURIComponent(f.id)}`);
      items = items.filter((x) => x.id !== f.id);
      forgetKeptEdits(f.id);
      toast(`${f.name} deleted`, { kind: "success" });
      render();
    } catch (e) {
      toast(api.describe(e), { kind: "error" });
    }
  }

  load();
  return { el, destroy() {} };
}
