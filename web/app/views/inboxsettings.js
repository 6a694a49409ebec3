// Settings › Inbox (managers): the business's inbox rules. Whether staff
// see (and may pick up) the Not Assigned queue, how many open chats an
// agent gets by default (people may have their own number), and business
// hours, which chatbot flows branch on: a time zone, one opening interval
// per weekday (or closed) and closed dates.

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import { button, emptyState, formError, spinner, toast } from "../ui.js";

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** "09:30" <-> minutes of the day. */
const toMinutes = (hhmm) => {
  const [hh, mm] = hhmm.split(":").map(Number);
  return hh * 60 + mm;
};
const toClock = (minutes) => (minutes >= 1440 ? "23:59" : `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`);

/** Renders the tab into `body`, given the card helper of the settings page. */
export async function inboxSettings(body, section) {
  mount(body, spinner("Loading settings"));
  let settings;
  try {
    settings = await api.get("/api/settings");
  } catch (e) {
    mount(body, emptyState({ iconName: "alert", title: "Couldn't load the settings", body: api.describe(e) }));
    return;
  }
  mount(body, rulesCard(settings, section), hoursCard(settings.business_hours, section));
}

function rulesCard(settings, section) {
  const error = formError();
  const staffSee = h("input", { type: "checkbox", id: "staff-see-unassigned", checked: Boolean(settings.staff_see_unassigned) });
  const capacity = h("input", { type: "number", min: 0, max: 999, id: "default-capacity", placeholder: "No limit", value: settings.default_max_open_chats ?? "" });
  const form = h(
    "form",
    {
      class: "form",
      onsubmit: async (e) => {
        e.preventDefault();
        error.show("");
        try {
          await api.patch("/api/settings", {
            staff_see_unassigned: staffSee.checked,
            default_max_open_chats: capacity.value === "" ? null : Number(capacity.value),
          });
          toast("Inbox rules saved", { kind: "success" });
        } catch (err) {
          error.show(api.describe(err));
        }
      },
    },
    error,
    h("label", { class: "check-row" }, staffSee, h("span", null, "Staff see the Not assigned queue and can pick chats up from it")),
    h("label", { class: "field-label", for: "default-capacity" }, "Open chats per agent (round robin stops giving more)"),
    capacity,
    h("div", { class: "dialog-actions" }, button({ text: "Save", kind: "primary", type: "submit" })),
  );
  return section("Inbox rules", "Who sees what, and how many chats one person handles at once.", null, form);
}

function hoursCard(hours, section) {
  const error = formError();
  const zone = h("input", { type: "text", id: "hours-zone", placeholder: "Europe/Berlin", value: hours?.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone || "" });
  const rows = DAYS.map((day, i) => {
    const interval = hours?.weekly?.[i]?.[0];
    const open = h("input", { type: "checkbox", checked: hours ? Boolean(interval) : i < 5, "aria-label": `Open on ${day}` });
    const from = h("input", { type: "time", value: interval ? toClock(interval[0]) : "09:00", "aria-label": `${day} opens at` });
    const to = h("input", { type: "time", value: interval ? toClock(interval[1]) : "17:00", "aria-label": `${day} closes at` });
    const sync = () => {
      from.disabled = to.disabled = !open.checked;
    };
    open.addEventListener("change", sync);
    sync();
    return { day, open, from, to, el: h("div", { class: "hours-row" }, h("label", { class: "check-row" }, open, h("span", null, day)), from, to) };
  });
  const holidays = h("input", { type: "text", id: "hours-holidays", placeholder: "2026-12-25, 2027-01-01", value: (hours?.holidays || []).join(", ") });
  let card = null;
  const describe = (set) => (set ? "Chatbot flows can answer differently outside these hours." : "Not set: the business counts as always open.");
  const save = async (value) => {
    error.show("");
    try {
      await api.put("/api/settings/business-hours", value);
      toast(value ? "Business hours saved" : "Always open now", { kind: "success" });
      const note = card?.querySelector(".card-head .muted");
      if (note) note.textContent = describe(Boolean(value));
    } catch (err) {
      const details = (err.details || []).map((d) => `${d.path}: ${d.message}`).join("; ");
      error.show(details || api.describe(err));
    }
  };
  const form = h(
    "form",
    {
      class: "form",
      onsubmit: (e) => {
        e.preventDefault();
        save({
          time_zone: zone.value.trim(),
          weekly: rows.map((r) => (r.open.checked ? [[toMinutes(r.from.value), toMinutes(r.to.value)]] : [])),
          holidays: holidays.value.split(",").map((d) => d.trim()).filter(Boolean),
        });
      },
    },
    error,
    h("label", { class: "field-label", for: "hours-zone" }, "Time zone"),
    zone,
    h("div", { class: "hours-grid" }, rows.map((r) => r.el)),
    h("label", { class: "field-label", for: "hours-holidays" }, "Closed on (dates)"),
    holidays,
    h("div", { class: "dialog-actions" }, button({ text: "Always open", kind: "ghost", onClick: () => save(null) }), button({ text: "Save hours", kind: "primary", type: "submit" })),
  );
  card = section("Business hours", describe(Boolean(hours)), null, form);
  return card;
}
