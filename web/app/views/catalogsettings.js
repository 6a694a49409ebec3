// Settings › Catalog (managers): for each business number, the WhatsApp
// catalog it sells from, how many products and sets the last good sync
// brought, when, and why the last sync failed (a missing permission, say);
// "Sync now", and choosing another catalog by its id.

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import { fullStamp, listTime, phone, plural } from "../format.js";
import { button, emptyState, formError, spinner, toast } from "../ui.js";

/** Renders the tab into `body`, given the card helper of the settings page. */
export async function catalogSettings(body, section) {
  mount(body, spinner("Loading numbers"));
  let numbers;
  try {
    numbers = (await api.get("/api/numbers")).items || [];
  } catch (e) {
    mount(body, emptyState({ iconName: "alert", title: "Couldn't load your numbers", body: api.describe(e) }));
    return;
  }
  mount(
    body,
    section(
      "Catalog",
      "The products agents can send in chats come from each number's WhatsApp catalog: the one connected to its business account, unless you choose another.",
      null,
      numbers.length ? h("ul", { class: "catalog-numbers" }, numbers.map(numberRow)) : emptyState({ iconName: "phone", title: "No numbers yet", body: "Your platform administrator connects WhatsApp numbers." }),
    ),
  );
}

function numberRow(number) {
  const li = h("li", { class: "catalog-number", dataset: { number: number.id } });
  const base = `/api/numbers/${encodeURIComponent(number.id)}/catalog`;
  let timer = null;

  function render(status) {
    const error = formError();
    const idInput = h("input", { type: "text", inputmode: "numeric", placeholder: "Catalog id (empty: the account's own)", "aria-label": `Catalog id for ${phone(number.display_phone_number)}`, value: status.chosen_catalog_id || "" });
    const state = status.syncing
      ? "Syncing…"
      : status.catalog_id
        ? `${plural(status.products, "product")} · ${plural(status.sets, "set")}${status.synced_at ? ` · synced ${listTime(status.synced_at)}` : ""}`
        : "No catalog synced yet";
    mount(
      li,
      h(
        "div",
        { class: "catalog-number-head" },
        h("div", null, h("p", { class: "team-name" }, phone(number.display_phone_number)), h("p", { class: "muted catalog-state", title: status.synced_at ? fullStamp(status.synced_at) : "" }, status.catalog_id ? `Catalog ${status.catalog_id} · ${state}` : state)),
        button({ text: "Sync now", iconName: "refresh", size: "sm", attrs: { disabled: status.syncing }, onClick: () => sync() }),
      ),
      status.last_error ? h("p", { class: "form-error catalog-error", role: "alert" }, h("span", null, `The last sync failed${status.attempted_at ? ` (${listTime(status.attempted_at)})` : ""}: ${status.last_error}. Agents still see the last good copy.`)) : null,
      h(
        "form",
        {
          class: "catalog-choose",
          onsubmit: async (e) => {
            e.preventDefault();
            const value = idInput.value.trim();
            try {
              render(await api.put(base, { catalog_id: value || null }));
              toast(value ? `Using catalog ${value}` : "Using the account's own catalog", { kind: "success" });
              watch();
            } catch (err) {
              error.show(api.describe(err));
            }
          },
        },
        idInput,
        button({ text: "Use this catalog", size: "sm", type: "submit" }),
        error,
      ),
    );
  }

  async function load() {
    try {
      const status = await api.get(base);
      render(status);
      return status;
    } catch (e) {
      mount(li, h("p", { class: "muted" }, `${phone(number.display_phone_number)}: ${api.describe(e)}`));
      return null;
    }
  }

  /** While a sync runs, look again every two seconds. */
  function watch() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const status = li.isConnected ? await load() : null;
      if (status?.syncing) watch();
    }, 2000);
  }

  async function sync() {
    try {
      await api.post(`${base}/sync`, {});
      toast("Sync started", { kind: "info", timeout: 2500 });
      watch();
    } catch (e) {
      toast(api.describe(e), { kind: "error" });
    }
  }

  load();
  return li;
}
