// The platform admin console: every tenant with its numbers' health, and
// onboarding (the form of `POST /api/admin/tenants`). Secrets go in and
// never come back, so the list shows none. A number that needs a person
// (Meta refused its access token, say) puts its tenant first, says why in
// words, and offers the fix: a new token (`PATCH /api/admin/numbers/{id}`).

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import { icon } from "../icons.js";
import { listTime, plural } from "../format.js";
import { ms } from "../store.js";
import { button, confirmDialog, dialog, emptyState, field, formError, skeletonRows, submitting, toast } from "../ui.js";
import { showFieldErrors } from "./settings.js";

export function adminView() {
  const body = h("div", { class: "admin-body" }, skeletonRows(4));
  const count = h("p", { class: "muted" }, "Every business on this Switchboard, and the health of their numbers.");
  const el = h(
    "div",
    { class: "page" },
    h("header", { class: "page-head page-head-row" }, h("div", null, h("h1", { class: "page-title" }, "Tenants"), count), button({ text: "Onboard a tenant", iconName: "plus", kind: "primary", onClick: () => onboard().then((t) => t && load()) })),
    body,
  );

  async function load() {
    try {
      const list = await api.get("/api/admin/tenants");
      const flagged = (t) => (t.numbers || []).some((n) => attentionOf(n));
      const items = (list.items || []).sort((a, b) => flagged(b) - flagged(a) || ms(b.created_at) - ms(a.created_at));
      const attention = items.reduce((n, t) => n + (t.numbers || []).filter((x) => attentionOf(x)).length, 0);
      mount(
        count,
        items.length ? `${plural(items.length, "tenant")} · ${plural(items.reduce((n, t) => n + (t.numbers || []).length, 0), "number")}` : "Every business on this Switchboard, and the health of their numbers.",
        attention ? h("span", { class: "attention-count" }, icon("alert", { size: 14 }), `${plural(attention, "number")} ${attention === 1 ? "needs" : "need"} attention`) : null,
      );
      if (!items.length) {
        mount(body, emptyState({ iconName: "building", title: "No tenants yet", body: "Onboard the first business: you need its WhatsApp number's ids from Meta and an email for its manager.", action: button({ text: "Onboard a tenant", iconName: "plus", kind: "primary", onClick: () => onboard().then((t) => t && load()) }) }));
        return;
      }
      mount(body, h("ul", { class: "tenant-list" }, items.map((t) => tenantCard(t, load))));
    } catch (e) {
      mount(body, emptyState({ iconName: "offline", title: "Couldn't load tenants", body: api.describe(e), action: button({ text: "Try again", iconName: "refresh", onClick: load }) }));
    }
  }

  document.title = "Tenants · Switchboard";
  load();
  return { el };
}

const dateOnly = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });

function sinceDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : dateOnly.format(d);
}

function tenantCard(t, reload) {
  const suspended = Boolean(t.suspended);
  const numbers = t.numbers || [];
  const attention = numbers.some((n) => attentionOf(n));
  return h(
    "li",
    { class: { card: true, tenant: true, "tenant-attention": attention && !suspended } },
    h(
      "div",
      { class: "tenant-head" },
      h("span", { class: "avatar avatar-md avatar-team", "aria-hidden": "true" }, icon("building", { size: 16 })),
      h("div", { class: "tenant-title" }, h("h2", { class: "card-title", dir: "auto" }, t.name), h("p", { class: "muted" }, t.created_at ? `Since ${sinceDate(t.created_at)}` : "")),
      h("span", { class: { chip: true, "chip-open": !suspended && !attention, "chip-warn": attention && !suspended, "chip-closed": suspended } }, suspended ? "Suspended" : attention ? "Needs attention" : "Active"),
      api.features.suspend === false ? null : button({ text: suspended ? "Resume" : "Suspend", kind: suspended ? "secondary" : "ghost", size: "sm", onClick: () => toggleSuspend(t, reload) }),
    ),
    numbers.length
      ? h(
          "table",
          { class: "table table-compact table-stack" },
          h("thead", null, h("tr", null, ["Number", "Phone number id", "Last webhook", "Chats", "Health"].map((x) => h("th", { scope: "col" }, x)))),
          h("tbody", null, numbers.map((n) => numberRow(n, reload))),
        )
      : h("p", { class: "muted" }, "No numbers."),
  );
}

/** Why a number needs a person, if it does (a reason, or true). */
function attentionOf(n) {
  return n.needs_attention || n.health?.needs_attention || null;
}

function numberRow(n, reload) {
  const seen = n.health?.last_webhook_at || n.last_webhook_at;
  const why = attentionOf(n);
  const chats = n.health?.conversations;
  const health = why
    ? h(
        "div",
        { class: "attention" },
        h("span", { class: "chip chip-warn" }, icon("alert", { size: 12 }), h("span", null, "Needs attention")),
        typeof why === "string" ? h("p", { class: "attention-reason" }, why) : null,
        button({ text: "New access token", iconName: "lock", kind: "secondary", size: "sm", onClick: () => newToken(n).then((done) => done && reload()) }),
      )
    : h("span", { class: "chip chip-open" }, "OK");
  return h(
    "tr",
    { class: { "row-attention": Boolean(why) } },
    h("td", { dir: "ltr", "data-label": "Number" }, n.display_phone_number),
    h("td", { class: "mono", "data-label": "Phone number id" }, n.phone_number_id),
    h("td", { "data-label": "Last webhook" }, seen ? listTime(seen) : "None yet"),
    h("td", { "data-label": "Chats" }, chats === undefined ? "—" : String(chats), n.health?.outbox_pending ? h("span", { class: "muted" }, ` · ${n.health.outbox_pending} sending`) : null),
    h("td", { "data-label": "Health" }, health),
  );
}

/** Asks for a number's new access token and saves it; resolves true when saved. */
function newToken(n) {
  return dialog({
    title: `New access token for ${n.display_phone_number}`,
    description: "Paste a system user token with whatsapp_business_messaging from Meta's Business Settings. The number starts sending again at once.",
    render: (close) => {
      const tokenField = field({ label: "Access token", input: h("input", { type: "password", required: true, autocomplete: "new-password", spellcheck: "false" }) });
      const error = formError();
      const submit = button({ text: "Save token", kind: "primary", type: "submit" });
      return h(
        "form",
        {
          onsubmit: async (e) => {
            e.preventDefault();
            await submitting(
              submit,
              async () => {
                await api.request("PATCH", `/api/admin/numbers/${encodeURIComponent(n.id)}`, { body: { access_token: tokenField.querySelector("input").value.trim() } });
                toast(`${n.display_phone_number} has its new token`, { kind: "success" });
                close(true);
              },
              (err) => showFieldErrors(err, { access_token: tokenField }, error),
            );
          },
        },
        error,
        tokenField,
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close(false) }), submit),
      );
    },
  });
}

async function toggleSuspend(t, reload) {
  const suspending = !t.suspended;
  const ok = await confirmDialog({
    title: suspending ? `Suspend ${t.name}?` : `Resume ${t.name}?`,
    body: suspending ? "Its people can't sign in and its numbers stop answering until you resume it. Nothing is deleted." : "Its people can sign in again and its numbers answer again.",
    confirm: suspending ? "Suspend" : "Resume",
    danger: suspending,
  });
  if (!ok) return;
  try {
    await api.optional("suspend", () => api.post(`/api/admin/tenants/${encodeURIComponent(t.id)}/${suspending ? "suspend" : "resume"}`, {}));
    toast(suspending ? "Tenant suspended" : "Tenant resumed", { kind: "success" });
  } catch (e) {
    toast(api.describe(e), { kind: "error" });
  }
  reload();
}

function onboard() {
  return dialog({
    title: "Onboard a tenant",
    description: "The business, its WhatsApp Business number from Meta's app dashboard, and its first manager.",
    wide: true,
    render: (close) => {
      const input = (attrs = {}) => h("input", { type: "text", autocomplete: "off", spellcheck: "false", ...attrs });
      const f = {
        name: field({ label: "Business name", input: input({ required: true, dir: "auto" }) }),
        "number.display_phone_number": field({ label: "Phone number", input: input({ required: true, placeholder: "+1 555 010 0001", inputmode: "tel" }) }),
        "number.phone_number_id": field({ label: "Phone number id", input: input({ required: true, inputmode: "numeric" }) }),
        "number.waba_id": field({ label: "WhatsApp Business Account id", input: input({ required: true, inputmode: "numeric" }) }),
        "number.access_token": field({ label: "Access token", input: input({ type: "password", required: true, autocomplete: "new-password" }), hint: "A system user token with whatsapp_business_messaging." }),
        "number.app_secret": field({ label: "App secret (optional)", input: input({ type: "password", autocomplete: "new-password" }), hint: "Leave empty when this deployment's own Meta app signs the webhooks." }),
        "number.verify_token": field({ label: "Webhook verify token", input: input({ required: true }) }),
        "manager.name": field({ label: "Manager's name", input: input({ required: true, dir: "auto" }) }),
        "manager.email": field({ label: "Manager's email", input: input({ type: "email", required: true }) }),
        "manager.password": field({ label: "Manager's first password", input: input({ type: "password", required: true, autocomplete: "new-password" }), hint: "At least 8 characters. Share it privately." }),
      };
      const value = (k) => f[k].querySelector("input").value.trim();
      const error = formError();
      const submit = button({ text: "Onboard", kind: "primary", type: "submit" });
      return h(
        "form",
        {
          class: "onboard",
          onsubmit: async (e) => {
            e.preventDefault();
            const number = {
              phone_number_id: value("number.phone_number_id"),
              display_phone_number: value("number.display_phone_number"),
              waba_id: value("number.waba_id"),
              access_token: value("number.access_token"),
              verify_token: value("number.verify_token"),
            };
            if (value("number.app_secret")) number.app_secret = value("number.app_secret");
            const body = { name: value("name"), number, manager: { name: value("manager.name"), email: value("manager.email"), password: f["manager.password"].querySelector("input").value } };
            await submitting(
              submit,
              async () => {
                const created = await api.post("/api/admin/tenants", body);
                toast(`${created.name} is on board. ${created.manager?.email || "The manager"} can sign in now.`, { kind: "success", timeout: 8000 });
                close(created);
              },
              (err) => showFieldErrors(err, f, error),
            );
          },
        },
        error,
        h("fieldset", { class: "form-section" }, h("legend", null, "Business"), f.name),
        h("fieldset", { class: "form-section form-grid" }, h("legend", null, "WhatsApp number"), f["number.display_phone_number"], f["number.phone_number_id"], f["number.waba_id"], f["number.verify_token"], f["number.access_token"], f["number.app_secret"]),
        h("fieldset", { class: "form-section form-grid" }, h("legend", null, "First manager"), f["manager.name"], f["manager.email"], f["manager.password"]),
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close() }), submit),
      );
    },
  });
}
