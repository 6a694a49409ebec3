// Switchboard's web app: start-up, the router (in the URL's #fragment) and
// the shell (navigation rail on a desktop, tab bar on a phone). Views live
// in views/; each is {el, update(route), destroy()}.
//
// Routes: #/signin · #/inbox/<filter>[/<conversation id>] · #/monitor ·
// #/orders · #/flows[/<flow id>] · #/settings/<tab> · #/admin

import * as api from "./api.js";
import { debounce, h, mount } from "./dom.js";
import { icon } from "./icons.js";
import { LiveSocket } from "./live.js";
import * as store from "./store.js";
import { avatar, dialog, button, toast } from "./ui.js";
import { signInView } from "./views/signin.js";
import { inboxView } from "./views/inbox.js";
import { adminView } from "./views/admin.js";
import { settingsView } from "./views/settings.js";
import { monitorView } from "./views/monitor.js";
import { ordersView } from "./views/orders.js";
import { flowsView } from "./views/flows/page.js";
import { notify } from "./notify.js";
import { loadDirectory, roleName } from "./directory.js";

const root = document.getElementById("root");
let live = null;
let current = null; // {name, view}

// ---- routing ---------------------------------------------------------------

export function parseRoute(hash = location.hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || "", parts: parts.slice(1) };
}

export function navigate(path, { replace = false } = {}) {
  const target = `#/${path}`;
  if (location.hash === target) return render();
  if (replace) {
    history.replaceState(null, "", target);
    render();
  } else {
    location.hash = target;
  }
}

function homeRoute() {
  const me = store.state.me;
  if (!me) return "signin";
  if (me.role === "platform_admin") return "admin";
  return me.role === "manager" ? "inbox/unassigned" : "inbox/mine";
}

function allowed(name) {
  const me = store.state.me;
  if (!me) return name === "signin";
  if (me.role === "platform_admin") return name === "admin";
  if (name === "inbox") return true;
  if (name === "monitor" || name === "settings") return me.role === "manager";
  if (name === "orders") return me.role === "manager" && api.features.orders !== false;
  if (name === "flows") return me.role === "manager" && api.features.flows !== false;
  return false;
}

function render() {
  const route = parseRoute();
  if (!allowed(route.name)) {
    navigate(homeRoute(), { replace: true });
    return;
  }
  if (route.name === "signin") {
    showView("signin", () => signInView({ onSignedIn: start }), route, { shell: false });
    return;
  }
  const makers = { inbox: inboxView, admin: adminView, settings: settingsView, monitor: monitorView, orders: ordersView, flows: flowsView };
  showView(route.name, () => makers[route.name]({ navigate, live: () => live }), route, { shell: true });
}

function showView(name, make, route, { shell }) {
  if (current?.name !== name) {
    current?.view.destroy?.();
    const view = make();
    current = { name, view };
    if (shell) {
      mount(root, buildShell(name, view.el));
    } else {
      mount(root, view.el);
    }
  }
  current.view.update?.(route);
  updateNav(name);
}

// ---- the shell ---------------------------------------------------------------

const navItems = () => {
  const me = store.state.me;
  if (!me) return [];
  if (me.role === "platform_admin") return [{ name: "admin", text: "Tenants", iconName: "building", href: "#/admin" }];
  const items = [{ name: "inbox", text: "Inbox", iconName: "inbox", href: `#/${homeRoute()}` }];
  if (me.role === "manager") {
    items.push({ name: "monitor", text: "Agents", iconName: "activity", href: "#/monitor" });
    if (api.features.orders !== false) items.push({ name: "orders", text: "Orders", iconName: "cart", href: "#/orders" });
    if (api.features.flows !== false) items.push({ name: "flows", text: "Chatbot", iconName: "bot", href: "#/flows" });
    items.push({ name: "settings", text: "Settings", iconName: "settings", href: "#/settings/users" });
  }
  return items;
};

function buildShell(name, content) {
  const me = store.state.me;
  const links = navItems().map((item) =>
    h("a", { class: "nav-link", href: item.href, dataset: { nav: item.name }, title: item.text }, icon(item.iconName, { size: 20 }), h("span", { class: "nav-text" }, item.text)),
  );
  const status = h("span", { class: "live-dot", id: "live-status", role: "img", "aria-label": "Live updates: connecting", title: "Connecting…", dataset: { status: store.state.live } });
  const account = h(
    "button",
    { type: "button", class: "nav-account", title: me?.name ? `Account: ${me.name}` : "Account", onclick: openAccount },
    avatar(me?.name || "?", { size: "sm", key: me?.id }),
    h("span", { class: "nav-text" }, "Account"),
  );
  return h(
    "div",
    { class: "shell", dataset: { view: name } },
    h("a", { class: "skip-link", href: "#main" }, "Skip to content"),
    h(
      "nav",
      { class: "rail", "aria-label": "Main" },
      h("div", { class: "rail-logo", "aria-hidden": "true" }, h("img", { src: "/app/icons/icon.svg", alt: "", width: 32, height: 32 })),
      h("div", { class: "rail-links" }, links),
      h("div", { class: "rail-spacer" }),
      me?.role !== "platform_admin" ? h("div", { class: "rail-status" }, status) : null,
      account,
    ),
    h("main", { class: "main", id: "main", tabindex: "-1" }, content),
  );
}

function updateNav(name) {
  setLiveStatus(store.state.live);
  for (const link of root.querySelectorAll(".nav-link")) {
    if (link.dataset.nav === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const shell = root.querySelector(".shell");
  if (shell) shell.dataset.view = name;
}

function setLiveStatus(status) {
  store.state.live = status;
  store.emit("live", status);
  const dot = document.getElementById("live-status");
  if (!dot) return;
  const text = { live: "Live", connecting: "Reconnecting…", offline: "Offline: changes will appear when the connection is back" }[status];
  dot.dataset.status = status;
  dot.setAttribute("aria-label", `Live updates: ${text}`);
  dot.title = text;
}

function openAccount() {
  const me = store.state.me;
  dialog({
    title: "Your account",
    render: (close) => {
      const rows = h(
        "div",
        { class: "account" },
        h("div", { class: "account-who" }, avatar(me.name, { size: "lg", key: me.id }), h("div", null, h("p", { class: "account-name", dir: "auto" }, me.name), h("p", { class: "muted" }, me.email), h("p", { class: "muted" }, roleName(me.role)))),
      );
      const actions = h("div", { class: "dialog-actions" });
      const status = me.role !== "platform_admin" && api.features.presence !== false ? presencePicker() : null;
      if ("Notification" in window && me.role !== "platform_admin") {
        const state = Notification.permission;
        actions.append(
          button({
            text: state === "granted" ? "Desktop notifications on" : "Turn on desktop notifications",
            iconName: "bell",
            kind: "ghost",
            attrs: { disabled: state !== "default" },
            onClick: async () => {
              await Notification.requestPermission();
              close();
            },
          }),
        );
      }
      actions.append(button({ text: "Sign out", iconName: "logout", kind: "danger", onClick: () => close("signout") }));
      return h("div", null, rows, status, actions);
    },
  }).then((value) => {
    if (value === "signout") signOut();
  });
}

/** "Online / Away / Offline": whether round robin gives me new chats. */
function presencePicker() {
  const choices = [
    ["online", "Online", "Taking new chats"],
    ["away", "Away", "No new chats for now"],
    ["offline", "Appear offline", "No new chats, shown offline"],
  ];
  const hint = h("p", { class: "muted presence-hint", role: "status" });
  const group = h("div", { class: "modes presence-modes", role: "group", "aria-label": "Your status" });
  const set = async (value, button) => {
    try {
      await api.put("/api/presence", { status: value });
      for (const b of group.children) b.setAttribute("aria-pressed", String(b === button));
      hint.textContent = choices.find((c) => c[0] === value)[2];
    } catch (e) {
      hint.textContent = api.describe(e);
    }
  };
  for (const [value, text] of choices) {
    const b = h("button", { type: "button", class: "mode", "aria-pressed": "false" }, text);
    b.addEventListener("click", () => set(value, b));
    group.append(b);
  }
  api
    .get("/api/presence")
    .then((list) => {
      const mine = (list.items || []).find((p) => p.user_id === store.state.me?.id);
      const value = mine?.status === "away" || mine?.status === "offline" ? mine.status : "online";
      const i = choices.findIndex((c) => c[0] === value);
      group.children[i]?.setAttribute("aria-pressed", "true");
      hint.textContent = choices[i][2];
    })
    .catch(() => {
      // Managers only, or not there yet: the buttons still work.
    });
  return h("div", { class: "account-status" }, h("p", { class: "field-label" }, "Your status"), group, hint);
}

// ---- session -------------------------------------------------------------------

async function signOut({ expired = false } = {}) {
  const hadToken = Boolean(api.getSession()?.token);
  if (hadToken && !expired) {
    try {
      await api.post("/api/auth/logout");
    } catch {
      // Signing out locally is what matters.
    }
  }
  stopSession();
  if (expired) sessionStorage.setItem("switchboard.notice", "Your session has ended. Sign in again.");
  navigate("signin", { replace: true });
}

function stopSession() {
  live?.stop();
  live = null;
  api.setSession(null);
  store.reset();
  current?.view.destroy?.();
  current = null;
  document.title = "Switchboard";
}

api.onUnauthorized(() => {
  if (store.state.me) signOut({ expired: true });
});

/** After sign-in or on reload with a stored token. */
async function start() {
  const session = api.getSession();
  if (!session) {
    navigate("signin", { replace: true });
    return;
  }
  mount(root, h("div", { class: "boot" }, h("img", { src: "/app/icons/icon.svg", alt: "", width: 48, height: 48 }), h("p", { class: "muted", role: "status" }, "Opening Switchboard…")));
  let me;
  try {
    me = await api.get("/api/auth/me");
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) {
      stopSession();
      navigate("signin", { replace: true });
      return;
    }
    me = session.user; // offline: use what we know
    toast(api.describe(e), { kind: "error" });
  }
  store.state.me = { ...session.user, ...me };
  await api.discover();
  if (store.state.me.role !== "platform_admin") {
    await loadDirectory();
    live = new LiveSocket(() => api.getSession()?.token, {
      onStatus: (status) => {
        setLiveStatus(status);
        if (status === "offline") checkSession();
      },
      onHello: (hello) => store.emit("hello", hello),
      onEvent: (frame) => {
        store.applyEvent(frame);
        if (frame.type === "notification") notify(frame, navigate);
      },
    });
    live.start();
  }
  watchDirectory();
  current = null;
  const route = parseRoute();
  if (!route.name || route.name === "signin" || !allowed(route.name)) navigate(homeRoute(), { replace: true });
  else render();
}

/** Reloads people, teams and labels when a chat names one we don't know. */
let directoryWatch = null;
function watchDirectory() {
  directoryWatch?.();
  let last = 0;
  const refresh = debounce(() => {
    last = Date.now();
    loadDirectory();
  }, 300);
  directoryWatch = store.on("conversation", (conv) => {
    const s = store.state;
    const unknown =
      (conv.assignee_id && !s.users.has(conv.assignee_id)) ||
      (conv.team_id && !s.teams.has(conv.team_id)) ||
      (api.features.labelsList && (conv.labels || []).some((l) => !s.labels.has(l)));
    if (unknown && Date.now() - last > 5000) refresh();
  });
}

let checking = false;
async function checkSession() {
  if (checking) return;
  checking = true;
  try {
    await api.get("/api/auth/me");
  } catch {
    // 401 signs out (onUnauthorized); anything else: keep retrying the socket.
  } finally {
    checking = false;
  }
}

// ---- boot ------------------------------------------------------------------------

window.addEventListener("hashchange", () => {
  if (store.state.me || parseRoute().name === "signin") render();
});

if ("serviceWorker" in navigator && window.isSecureContext) {
  navigator.serviceWorker.register("/sw.js").catch(() => {
    // The app works without it; only installing and offline start need it.
  });
}

start();
