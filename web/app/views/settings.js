// Settings for managers: people (create, deactivate, capacity), teams,
// labels, canned replies, inbox rules and business hours, and the catalog
// each number sells from. A
// section whose endpoint the server does not
// have yet says so instead of failing.

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import { icon } from "../icons.js";
import * as store from "../store.js";
import { avatar, button, dataTable, dialog, emptyState, field, formError, labelChip, skeletonRows, toast } from "../ui.js";
import { loadDirectory, roleName } from "../directory.js";
import { catalogSettings } from "./catalogsettings.js";
import { inboxSettings } from "./inboxsettings.js";

const TABS = [
  { id: "users", text: "People", iconName: "users" },
  { id: "teams", text: "Teams", iconName: "users" },
  { id: "labels", text: "Labels", iconName: "tag" },
  { id: "canned", text: "Canned replies", iconName: "zap" },
  { id: "inbox", text: "Inbox rules", iconName: "clock" },
  { id: "catalog", text: "Catalog", iconName: "cart" },
];

export function settingsView() {
  let tab = null;
  const nav = h("nav", { class: "tabs settings-tabs", "aria-label": "Settings sections" });
  const body = h("div", { class: "settings-body" });
  const el = h("div", { class: "page" }, h("header", { class: "page-head" }, h("h1", { class: "page-title" }, "Settings"), h("p", { class: "muted" }, "Your team, how chats are organised, and shortcuts for common answers.")), nav, body);
  const off = store.on("directory", () => tab && renderTab());

  function renderNav() {
    mount(nav, TABS.map((t) => h("a", { class: "tab", href: `#/settings/${t.id}`, "aria-current": t.id === tab ? "page" : null }, h("span", null, t.text))));
  }

  async function renderTab() {
    const render = { users, teams, labels, canned, inbox: (b) => inboxSettings(b, section), catalog: (b) => catalogSettings(b, section) }[tab];
    await render(body);
  }

  return {
    el,
    update(route) {
      const next = TABS.some((t) => t.id === route.parts[0]) ? route.parts[0] : "users";
      if (next === tab) return;
      tab = next;
      document.title = `${TABS.find((t) => t.id === tab).text} · Settings · Switchboard`;
      renderNav();
      mount(body, skeletonRows(4));
      renderTab();
    },
    destroy: off,
  };
}

function section(title, description, action, content) {
  return h("section", { class: "card" }, h("div", { class: "card-head" }, h("div", null, h("h2", { class: "card-title" }, title), h("p", { class: "muted" }, description)), action), content);
}

function unavailable(body, what) {
  mount(body, section(what, "", null, emptyState({ iconName: "settings", title: `${what} aren't available yet`, body: "This server doesn't offer this yet. It appears here as soon as it does." })));
}

// ---- people ------------------------------------------------------------------------

async function users(body) {
  const people = [...store.state.users.values()].sort((a, b) => a.name.localeCompare(b.name));
  const canEdit = api.features.userUpdate !== false;
  const rows = people.map((u) => {
    const active = u.active !== false;
    const cap = h("input", {
      type: "number",
      min: 0,
      max: 999,
      class: "cap-input",
      "aria-label": `Most open chats for ${u.name}`,
      value: u.max_open_chats ?? "",
      placeholder: "No limit",
      disabled: !canEdit,
      onchange: () => update(u, { max_open_chats: cap.value === "" ? null : Number(cap.value) }),
    });
    return h(
      "tr",
      { class: { "row-inactive": !active } },
      h("td", null, h("span", { class: "person" }, avatar(u.name, { size: "sm", key: u.id }), h("span", null, h("span", { class: "person-name", dir: "auto" }, u.name), h("span", { class: "muted person-email" }, u.email)))),
      h("td", null, roleName(u.role)),
      h("td", null, h("span", { class: { chip: true, "chip-open": active, "chip-closed": !active } }, active ? "Active" : "Deactivated")),
      h("td", null, cap),
      h("td", { class: "cell-actions" }, u.id === store.state.me?.id || !canEdit ? null : button({ text: active ? "Deactivate" : "Activate", kind: active ? "ghost" : "secondary", size: "sm", onClick: () => update(u, { active: !active }) })),
    );
  });
  mount(
    body,
    section(
      "People",
      "Everyone who can sign in to this inbox. Capacity limits how many open chats round-robin gives a person.",
      button({ text: "Add person", iconName: "userPlus", kind: "primary", onClick: () => addUser().then((u) => u && reloadDirectory()) }),
      people.length
        ? dataTable(["Name", "Role", "Status", "Max open chats", ""], rows)
        : emptyState({ iconName: "users", title: "Just you so far", body: "Add your agents so they can answer chats." }),
    ),
  );
}

async function update(user, patch) {
  try {
    await api.optional("userUpdate", () => api.patch(`/api/users/${encodeURIComponent(user.id)}`, patch));
    toast("Saved", { kind: "success", timeout: 2000 });
  } catch (e) {
    toast(api.describe(e), { kind: "error" });
  }
  reloadDirectory();
}

async function reloadDirectory() {
  await loadDirectory();
}

function addUser() {
  return dialog({
    title: "Add a person",
    description: "They sign in with this email and password; ask them to keep the password private.",
    render: (close) => {
      const name = h("input", { type: "text", autocomplete: "off", required: true, dir: "auto" });
      const email = h("input", { type: "email", autocomplete: "off", required: true });
      const password = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 8 });
      const role = h("select", null, h("option", { value: "staff" }, "Agent: answers their own and their teams' chats"), h("option", { value: "manager" }, "Manager: sees everything, manages the team"));
      const fields = { name: field({ label: "Name", input: name }), email: field({ label: "Email", input: email }), password: field({ label: "Password", input: password, hint: "At least 8 characters." }), role: field({ label: "Role", input: role }) };
      const error = formError();
      return h(
        "form",
        {
          onsubmit: async (e) => {
            e.preventDefault();
            try {
              close(await api.post("/api/users", { name: name.value.trim(), email: email.value.trim(), password: password.value, role: role.value }));
              toast("Person added", { kind: "success" });
            } catch (err) {
              showFieldErrors(err, fields, error);
            }
          },
        },
        error,
        Object.values(fields),
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close() }), button({ text: "Add person", kind: "primary", type: "submit" })),
      );
    },
  });
}

/** Puts a 422's `details: [{path, message}]` next to the fields they name. */
export function showFieldErrors(err, fields, formErr) {
  for (const f of Object.values(fields)) f.setError("");
  const details = err instanceof api.ApiError ? err.details : [];
  let placed = false;
  for (const d of details || []) {
    const key = String(d.path || "").split(".").pop();
    const target = fields[d.path] || fields[key];
    if (target) {
      target.setError(d.message);
      placed = true;
    }
  }
  formErr.show(placed ? "Check the highlighted fields." : api.describe(err));
}

// ---- teams -------------------------------------------------------------------------------

async function teams(body) {
  if (api.features.teams === false) return unavailable(body, "Teams");
  const list = [...store.state.teams.values()];
  mount(
    body,
    section(
      "Teams",
      "A team has its own queue: chats handed to a team go to its members in turn.",
      button({ text: "New team", iconName: "plus", kind: "primary", onClick: () => addTeam().then((t) => t && reloadDirectory()) }),
      list.length
        ? h(
            "ul",
            { class: "team-list" },
            list.map((t) =>
              h(
                "li",
                { class: "team" },
                h("span", { class: "avatar avatar-md avatar-team", "aria-hidden": "true" }, icon("users", { size: 16 })),
                h("div", null, h("p", { class: "team-name", dir: "auto" }, t.name), h("p", { class: "muted" }, (t.member_ids || []).map((id) => store.state.users.get(id)?.name || "Someone").join(", ") || "No members yet")),
              ),
            ),
          )
        : emptyState({ iconName: "users", title: "No teams yet", body: "Create Sales or Support teams so chats can be routed to the right people." }),
    ),
  );
}

function addTeam() {
  return dialog({
    title: "New team",
    render: (close) => {
      const name = h("input", { type: "text", required: true, dir: "auto" });
      const boxes = [...store.state.users.values()].filter((u) => u.active !== false).map((u) => h("label", { class: "pick" }, h("input", { type: "checkbox", value: u.id }), avatar(u.name, { size: "sm", key: u.id }), h("span", { class: "pick-label", dir: "auto" }, u.name)));
      const fields = { name: field({ label: "Team name", input: name }) };
      const error = formError();
      return h(
        "form",
        {
          onsubmit: async (e) => {
            e.preventDefault();
            const member_ids = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
            try {
              close(await api.post("/api/teams", { name: name.value.trim(), member_ids }));
              toast("Team created", { kind: "success" });
            } catch (err) {
              showFieldErrors(err, fields, error);
            }
          },
        },
        error,
        fields.name,
        h("fieldset", { class: "pick-group" }, h("legend", null, "Members"), boxes.length ? boxes : h("p", { class: "muted" }, "Add people first.")),
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close() }), button({ text: "Create team", kind: "primary", type: "submit" })),
      );
    },
  });
}

// ---- labels -------------------------------------------------------------------------------

async function labels(body) {
  if (api.features.labelsList === false) return unavailable(body, "Labels");
  const list = [...store.state.labels.values()];
  mount(
    body,
    section(
      "Labels",
      "Tag chats (Hot lead, Refund, VIP) to filter the inbox by them.",
      button({ text: "New label", iconName: "plus", kind: "primary", onClick: () => addLabel().then((l) => l && reloadDirectory()) }),
      list.length ? h("div", { class: "label-cloud" }, list.map((l) => labelChip(l.name, l.color))) : emptyState({ iconName: "tag", title: "No labels yet", body: "Create a few labels your team agrees on." }),
    ),
  );
}

function addLabel() {
  return dialog({
    title: "New label",
    render: (close) => {
      const name = h("input", { type: "text", required: true, dir: "auto", maxlength: 40 });
      const color = h("input", { type: "color", value: "#0f7b6c" });
      const fields = { name: field({ label: "Name", input: name }), color: field({ label: "Colour", input: color }) };
      const error = formError();
      return h(
        "form",
        {
          onsubmit: async (e) => {
            e.preventDefault();
            try {
              close(await api.post("/api/labels", { name: name.value.trim(), color: color.value }));
              toast("Label created", { kind: "success" });
            } catch (err) {
              showFieldErrors(err, fields, error);
            }
          },
        },
        error,
        Object.values(fields),
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close() }), button({ text: "Create label", kind: "primary", type: "submit" })),
      );
    },
  });
}

// ---- canned replies --------------------------------------------------------------------------

async function canned(body) {
  const list = await api.probe("canned", "/api/canned-replies").catch((e) => {
    mount(body, emptyState({ iconName: "alert", title: "Couldn't load canned replies", body: api.describe(e) }));
    return undefined;
  });
  if (list === undefined) return;
  if (!list) return unavailable(body, "Canned replies");
  const items = list.items || [];
  mount(
    body,
    section(
      "Canned replies",
      "Type / and the shortcut in the composer to insert one.",
      button({ text: "New reply", iconName: "plus", kind: "primary", onClick: () => addCanned().then((c) => c && canned(body)) }),
      items.length
        ? h("ul", { class: "canned-admin" }, items.map((c) => h("li", null, h("span", { class: "mono canned-shortcut" }, `/${c.shortcut}`), h("span", { class: "canned-text", dir: "auto" }, c.text))))
        : emptyState({ iconName: "zap", title: "No canned replies yet", body: "Save the answers you type every day: opening hours, delivery times, return policy." }),
    ),
  );
}

function addCanned() {
  return dialog({
    title: "New canned reply",
    render: (close) => {
      const shortcut = h("input", { type: "text", required: true, pattern: "[A-Za-z0-9_\\-]+", placeholder: "hours" });
      const text = h("textarea", { rows: 4, required: true, dir: "auto" });
      const fields = { shortcut: field({ label: "Shortcut", input: shortcut, hint: "Letters, digits, - and _. Typed after /." }), text: field({ label: "Text", input: text }) };
      const error = formError();
      return h(
        "form",
        {
          onsubmit: async (e) => {
            e.preventDefault();
            try {
              close(await api.post("/api/canned-replies", { shortcut: shortcut.value.trim().replace(/^\//, ""), text: text.value.trim() }));
              toast("Canned reply saved", { kind: "success" });
            } catch (err) {
              showFieldErrors(err, fields, error);
            }
          },
        },
        error,
        Object.values(fields),
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close() }), button({ text: "Save", kind: "primary", type: "submit" })),
      );
    },
  });
}
