// The agent monitor for managers: who is online, how many chats each has
// open against their capacity, live: statuses from `presence` events, loads
// re-read (debounced) whenever a chat is created, assigned, moved or closed.

import * as api from "../api.js";
import { debounce, h, mount } from "../dom.js";
import * as store from "../store.js";
import { avatar, dataTable, emptyState, skeletonRows, button } from "../ui.js";
import { roleName } from "../directory.js";

const STATUS = { online: "Online", available: "Online", away: "Away", busy: "Busy", offline: "Offline" };

export function monitorView() {
  const body = h("div", { class: "settings-body" }, skeletonRows(4));
  const el = h(
    "div",
    { class: "page" },
    h("header", { class: "page-head" }, h("h1", { class: "page-title" }, "Agents"), h("p", { class: "muted" }, "Who is online and how busy they are, live.")),
    body,
  );
  const presence = new Map(); // user id -> entry

  async function load() {
    try {
      const data = await api.probe("presence", "/api/presence");
      if (!data) {
        mount(body, emptyState({ iconName: "activity", title: "The agent monitor isn't available yet", body: "This server doesn't report agents' presence yet. It appears here as soon as it does." }));
        return;
      }
      presence.clear();
      for (const p of data.items || []) presence.set(p.user_id || p.id, p);
      render();
    } catch (e) {
      mount(body, emptyState({ iconName: "offline", title: "Couldn't load agents", body: api.describe(e), action: button({ text: "Try again", iconName: "refresh", onClick: load }) }));
    }
  }

  function render() {
    const people = [...store.state.users.values()].filter((u) => u.active !== false);
    const rows = people
      .map((u) => ({ u, p: presence.get(u.id) || {} }))
      .sort((a, b) => rank(a.p) - rank(b.p) || a.u.name.localeCompare(b.u.name))
      .map(({ u, p }) => {
        const status = String(p.status || (p.online ? "online" : "offline")).toLowerCase();
        const open = p.open_chats ?? p.open ?? 0;
        const cap = p.max_open_chats ?? u.max_open_chats ?? null;
        const pct = cap ? Math.min(100, Math.round((open / cap) * 100)) : null;
        return h(
          "tr",
          null,
          h("td", null, h("span", { class: "person" }, avatar(u.name, { size: "sm", key: u.id }), h("span", null, h("span", { class: "person-name", dir: "auto" }, u.name), h("span", { class: "muted person-email" }, roleName(u.role))))),
          h("td", null, h("span", { class: `presence presence-${status}` }, h("span", { class: "presence-dot", "aria-hidden": "true" }), STATUS[status] || status)),
          h("td", null, h("span", { class: "load" }, h("span", null, cap ? `${open} of ${cap}` : String(open)), pct !== null ? h("span", { class: "meter", role: "meter", "aria-label": `${u.name}'s load`, "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": pct }, h("span", { class: "meter-fill", style: { width: `${pct}%` } })) : null)),
        );
      });
    const online = people.filter((u) => rank(presence.get(u.id) || {}) < 3).length;
    const open = people.reduce((n, u) => n + ((presence.get(u.id) || {}).open_chats || 0), 0);
    mount(
      body,
      h(
        "section",
        { class: "card" },
        h("div", { class: "card-head" }, h("div", null, h("h2", { class: "card-title" }, "Your team now"), h("p", { class: "muted" }, `${online} of ${people.length} online · ${open} open ${open === 1 ? "chat" : "chats"} assigned`))),
        people.length
          ? dataTable(["Agent", "Status", "Open chats"], rows)
          : emptyState({ iconName: "users", title: "No agents yet", body: "Add people in Settings." }),
      ),
    );
  }

  const offs = [
    store.on("presence", (frame) => {
      const p = frame.presence || frame;
      const key = p.user_id || p.id;
      if (!key) return;
      presence.set(key, { ...presence.get(key), ...p });
      if (api.features.presence) render();
    }),
    store.on("directory", () => api.features.presence && render()),
    // A chat changing hands changes someone's load: ask again, at most
    // every half second however busy the inbox is.
    store.on("changed", (frame) => {
      if (api.features.presence && /^conversation\./.test(frame.type || "")) reloadLoads();
    }),
  ];
  const reloadLoads = debounce(load, 500);

  document.title = "Agents · Switchboard";
  load();
  return { el, destroy: () => offs.forEach((off) => off()) };
}

function rank(p) {
  const s = String(p.status || "").toLowerCase();
  return s === "online" || s === "available" ? 0 : s === "busy" ? 1 : s === "away" ? 2 : 3;
}
