// The chat's dialogs: assign, transfer with a note, labels, and the
// template picker (its list lives in templates.js). Each resolves with
// what the server answered (or the choice), or undefined when dismissed.

import * as api from "../api.js";
import { h, mount, uid } from "../dom.js";
import { icon } from "../icons.js";
import { customerName } from "../format.js";
import * as store from "../store.js";
import { avatar, button, dialog, field, formError, labelChip, submitting } from "../ui.js";
import { templatePicker } from "./templates.js";

/** Radio options for people and teams; returns {el, value()}. */
function targetPicker({ includeMe = true, includeNobody = false, current = null }) {
  const name = uid("target");
  const options = [];
  const me = store.state.me;
  const option = (value, label, sub, leading) => {
    const input = h("input", { type: "radio", name, value, props: { checked: value === current } });
    options.push(input);
    return h("label", { class: "pick" }, input, leading, h("span", { class: "pick-text" }, h("span", { class: "pick-label", dir: "auto" }, label), sub ? h("span", { class: "pick-sub muted" }, sub) : null));
  };
  const people = [...store.state.users.values()].filter((u) => u.active !== false && u.id !== me?.id);
  const teams = [...store.state.teams.values()];
  const groups = [];
  const mine = [];
  if (includeMe) mine.push(option("me", "Me", me?.email, avatar(me?.name || "Me", { size: "sm", key: me?.id })));
  if (includeNobody) mine.push(option("none", "Nobody", "Back to Not assigned", h("span", { class: "avatar avatar-sm avatar-empty", "aria-hidden": "true" }, "—")));
  if (mine.length) groups.push(h("div", { class: "pick-group" }, mine));
  if (people.length) {
    groups.push(h("fieldset", { class: "pick-group" }, h("legend", null, "People"), people.map((u) => option(`user:${u.id}`, u.name, u.role === "manager" ? "Manager" : "Agent", avatar(u.name, { size: "sm", key: u.id })))));
  }
  if (teams.length) {
    groups.push(h("fieldset", { class: "pick-group" }, h("legend", null, "Teams"), teams.map((t) => option(`team:${t.id}`, t.name, `${(t.member_ids || []).length} members`, h("span", { class: "avatar avatar-sm avatar-team", "aria-hidden": "true" }, icon("users", { size: 14 }))))));
  }
  if (!people.length && !teams.length && !includeMe) {
    groups.push(h("p", { class: "muted" }, "There is nobody to hand this chat to yet. A manager can add people and teams in Settings."));
  }
  const el = h("div", { class: "pick-list", role: "radiogroup", "aria-label": "Assign to" }, groups);
  return {
    el,
    value() {
      const chosen = options.find((o) => o.checked)?.value;
      if (!chosen) return undefined;
      if (chosen === "me") return "me";
      if (chosen === "none") return null;
      const [kind, value] = chosen.split(":");
      return kind === "user" ? { user_id: value } : { team_id: value };
    },
  };
}

export function assignDialog(conv) {
  const current = conv.assignee_id ? (conv.assignee_id === store.state.me?.id ? "me" : `user:${conv.assignee_id}`) : conv.team_id ? `team:${conv.team_id}` : null;
  return dialog({
    title: "Assign conversation",
    description: `Who should handle the chat with ${customerName(conv)}?`,
    render: (close) => {
      const picker = targetPicker({ includeMe: true, includeNobody: store.isManager(), current });
      const error = formError();
      const submit = button({ text: "Assign", kind: "primary", type: "submit" });
      return h(
        "form",
        {
          onsubmit: async (e) => {
            e.preventDefault();
            const to = picker.value();
            if (to === undefined) return error.show("Choose a person or a team.");
            await submitting(
              submit,
              async () => {
                close(await api.optional("assign", () => api.post(`/api/conversations/${encodeURIComponent(conv.id)}/assign`, { to })));
              },
              (err) => error.show(api.describe(err)),
            );
          },
        },
        error,
        picker.el,
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close(undefined) }), submit),
      );
    },
  });
}

export function transferDialog(conv) {
  return dialog({
    title: "Transfer conversation",
    description: "Hand the chat over with a note: it is kept in the history for your team, never sent to the customer.",
    render: (close) => {
      const picker = targetPicker({ includeMe: false });
      const note = h("textarea", { rows: 3, dir: "auto", placeholder: "What should they know?" });
      const error = formError();
      const submit = button({ text: "Transfer", kind: "primary", type: "submit", iconName: "transfer" });
      return h(
        "form",
        {
          onsubmit: async (e) => {
            e.preventDefault();
            const to = picker.value();
            if (!to || to === "me") return error.show("Choose a person or a team to transfer to.");
            await submitting(
              submit,
              async () => {
                close(await api.optional("transfer", () => api.post(`/api/conversations/${encodeURIComponent(conv.id)}/transfer`, { to, note: note.value.trim() })));
              },
              (err) => error.show(api.describe(err)),
            );
          },
        },
        error,
        picker.el,
        field({ label: "Note for the new owner", input: note }),
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close(undefined) }), submit),
      );
    },
  });
}

export function labelsDialog(conv) {
  return dialog({
    title: "Labels",
    description: `Tag the chat with ${customerName(conv)} to find it later.`,
    render: (close) => {
      const chosen = new Set(conv.labels || []);
      const known = new Map(store.state.labels);
      for (const l of chosen) if (!known.has(l)) known.set(l, { name: l });
      const list = h("div", { class: "label-picks" });
      const draw = () =>
        mount(
          list,
          known.size
            ? [...known.values()].map((l) => {
                const input = h("input", { type: "checkbox", value: l.name, props: { checked: chosen.has(l.name) }, onchange: () => (input.checked ? chosen.add(l.name) : chosen.delete(l.name)) });
                return h("label", { class: "pick pick-label-row" }, input, labelChip(l.name, l.color));
              })
            : h("p", { class: "muted" }, "No labels yet. Type one below to create it for this chat."),
        );
      draw();
      const fresh = h("input", { type: "text", placeholder: "New label", dir: "auto", maxlength: 40 });
      const add = () => {
        const name = fresh.value.trim();
        if (!name) return;
        known.set(name, known.get(name) || { name });
        chosen.add(name);
        fresh.value = "";
        draw();
      };
      fresh.addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          add();
        }
      });
      return h(
        "form",
        { onsubmit: (e) => { e.preventDefault(); close([...chosen]); } },
        list,
        h("div", { class: "inline-add" }, field({ label: "Add a label", input: fresh }), button({ text: "Add", iconName: "plus", onClick: add })),
        h("div", { class: "dialog-actions" }, button({ text: "Cancel", kind: "ghost", onClick: () => close(undefined) }), button({ text: "Save labels", kind: "primary", type: "submit" })),
      );
    },
  });
}

/** Picks an approved template and fills its body parameters (templates.js). */
export function templateDialog(conv) {
  return dialog({
    title: "Send a template",
    description: "Outside the 24-hour window WhatsApp only delivers templates Meta approved.",
    wide: true,
    render: (close) => templatePicker(conv.number_id, { onPick: (template) => close(template) }),
  });
}
