// The builder's own check of a flow, run on every keystroke so a problem
// shows beside its field before Save: Meta's limits (body 1024, button
// title 20, row title 24, description 72, header and footer 60, list
// button 20, 1 to 3 buttons, at most 10 rows), required fields, and
// targets that name no step. Paths are the server's
// (`steps.greet.buttons[0].title`), so its 422 details land on the same
// fields. The server stays the judge: this only says it sooner.
//
// Lengths count characters as Meta and the server do (code points), so
// an emoji is one character, not two UTF-16 units.

import { STEP_ID, targets } from "./model.js";

export const LIMITS = {
  body: 1024,
  text: 4096,
  buttonTitle: 20,
  rowTitle: 24,
  description: 72,
  header: 60,
  footer: 60,
  listButton: 20,
  sectionTitle: 24,
  buttons: 3,
  rows: 10,
  sections: 10,
  name: 64,
};

/** Characters as Meta counts them. */
export const length = (s) => [...String(s ?? "")].length;

/**
 * Every problem of `flow`: [{path, message, severity: "error"}], each one
 * the server would refuse the flow for. (A step nothing leads to is only
 * a warning there; its card says so in its "from" line instead.)
 * `known`: {teams: Map, users: Map} to check the pickers against.
 */
export function check(flow, known = {}) {
  const out = [];
  const error = (path, message) => out.push({ path, message, severity: "error" });
  const required = (path, value, what = "Required") => {
    if (!String(value ?? "").trim()) {
      error(path, what);
      return false;
    }
    return true;
  };
  const max = (path, value, limit, meta = true) => {
    const n = length(value);
    if (n > limit) error(path, `At most ${limit} characters${meta ? " (Meta's limit)" : ""}, now ${n}`);
  };
  const text = (path, value, limit, what) => {
    if (required(path, value, what)) max(path, value, limit);
  };
  const optional = (path, value, limit) => {
    if (value !== undefined && value !== null) max(path, value, limit);
  };
  const unique = (items, key, path, what) => {
    const seen = new Map();
    items.forEach((item, i) => {
      const v = String(item[key] ?? "").trim().toLowerCase();
      if (!v) return;
      if (seen.has(v)) error(path(i), `Two ${what} are the same`);
      else seen.set(v, i);
    });
  };

  text("name", flow.name, 100, "Give the flow a name");
  if (flow.trigger?.on === "keyword" && !(flow.trigger.keywords || []).length) error("trigger.keywords", "Add at least one keyword");
  (flow.trigger?.keywords || []).forEach((k, i) => max(`trigger.keywords[${i}]`, k, LIMITS.name, false));
  const retries = flow.settings?.retries;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= 10)) error("settings.retries", "0 to 10");
  optional("settings.retry_text", flow.settings?.retry_text, LIMITS.text);
  optional("settings.handover_text", flow.settings?.handover_text, LIMITS.text);
  const steps = flow.steps || {};
  if (!Object.keys(steps).length) error("steps", "A flow needs at least one step");
  else if (!steps[flow.start]) error("start", "Choose the first step");

  for (const [id, step] of Object.entries(steps)) {
    const p = `steps.${id}`;
    if (!STEP_ID.test(id)) error(p, "A step id is 1 to 64 letters, digits, _ or -");
    switch (step.type) {
      case "message":
        text(`${p}.text`, step.text, LIMITS.text, "Write the message");
        break;
      case "buttons": {
        text(`${p}.text`, step.text, LIMITS.body, "Write the text above the buttons");
        optional(`${p}.header`, step.header, LIMITS.header);
        optional(`${p}.footer`, step.footer, LIMITS.footer);
        const buttons = step.buttons || [];
        if (!buttons.length || buttons.length > LIMITS.buttons) error(`${p}.buttons`, `1 to 3 buttons (Meta's limit), now ${buttons.length}`);
        buttons.forEach((b, i) => {
          text(`${p}.buttons[${i}].title`, b.title, LIMITS.buttonTitle, "Give the button a title");
          text(`${p}.buttons[${i}].id`, b.id, 256, "Give the button a reply id");
        });
        unique(buttons, "title", (i) => `${p}.buttons[${i}].title`, "button titles");
        unique(buttons, "id", (i) => `${p}.buttons[${i}].id`, "reply ids");
        optional(`${p}.retry`, step.retry, LIMITS.text);
        break;
      }
      case "list": {
        text(`${p}.text`, step.text, LIMITS.body, "Write the text above the list");
        optional(`${p}.header`, step.header, LIMITS.header);
        optional(`${p}.footer`, step.footer, LIMITS.footer);
        text(`${p}.button`, step.button, LIMITS.listButton, "Name the button that opens the list");
        const sections = step.sections || [];
        const rows = sections.flatMap((s) => s.rows || []);
        if (!sections.length || sections.length > LIMITS.sections) error(`${p}.sections`, `1 to 10 sections (Meta's limit), now ${sections.length}`);
        if (!rows.length || rows.length > LIMITS.rows) error(`${p}.sections`, `1 to 10 rows in all (Meta's limit), now ${rows.length}`);
        sections.forEach((s, si) => {
          const sp = `${p}.sections[${si}]`;
          if (sections.length > 1) text(`${sp}.title`, s.title, LIMITS.sectionTitle, "Sections need titles when there are several");
          else optional(`${sp}.title`, s.title, LIMITS.sectionTitle);
          if (!(s.rows || []).length) error(`${sp}.rows`, "A section needs at least one row");
          (s.rows || []).forEach((r, ri) => {
            text(`${sp}.rows[${ri}].title`, r.title, LIMITS.rowTitle, "Give the row a title");
            optional(`${sp}.rows[${ri}].description`, r.description, LIMITS.description);
            text(`${sp}.rows[${ri}].id`, r.id, 200, "Give the row a reply id");
          });
        });
        const all = sections.flatMap((s, si) => (s.rows || []).map((r, ri) => ({ ...r, path: `${p}.sections[${si}].rows[${ri}]` })));
        unique(all, "id", (i) => `${all[i].path}.id`, "reply ids");
        unique(all, "title", (i) => `${all[i].path}.title`, "row titles");
        optional(`${p}.retry`, step.retry, LIMITS.text);
        break;
      }
      case "ask":
        text(`${p}.text`, step.text, LIMITS.text, "Write the question");
        if (required(`${p}.save_as`, step.save_as, "Name the contact attribute the answer goes to")) max(`${p}.save_as`, step.save_as, LIMITS.name, false);
        if (step.validate && typeof step.validate === "object") pattern(`${p}.validate.regex`, step.validate.regex, error);
        optional(`${p}.retry`, step.retry, LIMITS.text);
        break;
      case "branch":
        if (step.on === "attribute") text(`${p}.attribute`, step.attribute, LIMITS.name, "Name the attribute to test");
        (step.cases || []).forEach((c, i) => {
          const cp = `${p}.cases[${i}]`;
          if (step.on === "business_hours") {
            if (typeof c.in_hours !== "boolean") error(`${cp}.in_hours`, "Choose open or closed");
          } else if (c.matches !== undefined) {
            pattern(`${cp}.matches`, c.matches, error);
          } else {
            required(`${cp}.equals`, c.equals, "Write the value to compare with");
          }
        });
        break;
      case "label":
        text(`${p}.label`, step.label, LIMITS.name, "Name the label");
        break;
      case "assign_team":
        if (required(`${p}.team_id`, step.team_id, "Choose a team") && known.teams && !known.teams.has(step.team_id)) error(`${p}.team_id`, "Not a team of this business");
        break;
      case "assign_user":
        if (required(`${p}.user_id`, step.user_id, "Choose a person") && known.users) {
          const user = known.users.get(step.user_id);
          if (!user) error(`${p}.user_id`, "Not a person of this business");
          else if (user.active === false) error(`${p}.user_id`, `${user.name} is deactivated: choose someone else`);
        }
        break;
      case "handover":
        if (step.team_id && known.teams && !known.teams.has(step.team_id)) error(`${p}.team_id`, "Not a team of this business");
        break;
      case "wait":
        if (!(Number.isInteger(step.minutes) && step.minutes >= 1 && step.minutes <= 10080)) error(`${p}.minutes`, "1 to 10080 minutes (a week)");
        break;
      default:
        break;
    }
    if (["assign_team", "assign_user", "handover", "close"].includes(step.type)) optional(`${p}.text`, step.text, LIMITS.text);
    for (const t of targets(step)) {
      if (!t.target) error(`${p}.${t.path}`, "Choose the next step");
      else if (!steps[t.target]) error(`${p}.${t.path}`, `There is no step "${t.target}"`);
    }
  }
  return out;
}

/** A pattern as the server takes it (a close check: JavaScript's regex). */
function pattern(path, value, error) {
  if (!String(value ?? "").trim()) return error(path, "Write the pattern");
  try {
    new RegExp(value, "u");
  } catch {
    error(path, "Not a valid regular expression");
  }
}

/**
 * The registered path a problem at `path` shows on: itself, else its
 * nearest parent (`steps.a.buttons[0].title` -> `steps.a.buttons[0]` ->
 * `steps.a.buttons` -> `steps.a`), else "" (the whole flow).
 */
export function placeOf(path, has) {
  let p = String(path || "");
  while (p) {
    if (has(p)) return p;
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    p = cut > 0 ? p.slice(0, cut) : "";
  }
  return "";
}
