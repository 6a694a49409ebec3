// The catalog inside a chat (API.md, "Commerce"): search the number's
// WhatsApp catalog, browse its sets, pick products into a cart with a
// running total, and send the cart as one message: a single product as
// `product`, several as `product_list` (a header, a body, one section per
// set they were picked from). Meta's limits are kept here too (30
// products, 10 sections, 24-character section titles: a long set name is
// shortened) so the Send button never promises what the server will
// refuse; the server checks them again.
//
// Product images come straight from Meta's CDN (https only; the page's
// CSP allows https images and nothing else from elsewhere).

import * as api from "../api.js";
import { debounce, h, mount } from "../dom.js";
import { icon } from "../icons.js";
import { listTime, money, plural } from "../format.js";
import { button, emptyState, formError, spinner, toast } from "../ui.js";

/** Meta's limits for a multi-product message. */
export const MAX_PRODUCTS = 30;
export const MAX_SECTIONS = 10;
/** Characters in a section title (the server's SECTION_TITLE_MAX). */
export const MAX_SECTION_TITLE = 24;
const PAGE = 30;
/** The section of products found by search rather than in a set. */
const SEARCH_SECTION = "Products";

/** Products seen in this session, by retailer id: sent product messages show their names. */
export const knownProducts = new Map();

/**
 * The `product` or `product_list` body for a cart: `cart` is a list of
 * {product, section}. Sections keep the order products were picked in.
 */
export function cartMessage(cart, { header, text }) {
  if (cart.length === 1) {
    const body = { type: "product", product_retailer_id: cart[0].product.retailer_id };
    if (text) body.text = text;
    return body;
  }
  const sections = [];
  for (const { product, section } of cart) {
    // Two long set names may shorten alike: their products share a section.
    const title = sectionTitle(section);
    let s = sections.find((x) => x.title === title);
    if (!s) sections.push((s = { title, product_retailer_ids: [] }));
    s.product_retailer_ids.push(product.retailer_id);
  }
  // More sets than WhatsApp shows: one section holds them all.
  const fitted = sections.length > MAX_SECTIONS ? [{ title: SEARCH_SECTION, product_retailer_ids: sections.flatMap((s) => s.product_retailer_ids) }] : sections;
  return { type: "product_list", header, text, sections: fitted };
}

/**
 * A set's name as a section title: Meta takes at most MAX_SECTION_TITLE
 * characters (code points, as the server counts them), so a longer name
 * is cut, at a word when one ends in the second half, else at a whole
 * character (an emoji or an accented letter stays whole), and ends with
 * an ellipsis: "Balcony plants for a sunny spot" is "Balcony plants for a…".
 */
export function sectionTitle(name) {
  const title = name.trim() || SEARCH_SECTION;
  if ([...title].length <= MAX_SECTION_TITLE) return title;
  const graphemes = typeof Intl.Segmenter === "function" ? [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(title)].map((g) => g.segment) : [...title];
  let cut = "";
  for (const g of graphemes) {
    if ([...cut].length + [...g].length > MAX_SECTION_TITLE - 1) break;
    cut += g;
  }
  const space = cut.lastIndexOf(" ");
  if (space > cut.length / 2) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}

/** The cart's total per currency: [[currency, amount]]. */
function totals(cart) {
  const sums = new Map();
  for (const { product } of cart) {
    if (typeof product.price === "number") sums.set(product.currency, (sums.get(product.currency) || 0) + product.price);
  }
  return [...sums];
}

function inStock(product) {
  return !product.availability || !/out of stock|discontinued/i.test(product.availability);
}

/**
 * Whether a picture URL may be loaded: https (Meta's CDN), or a path on
 * our own server (the demo catalog's pictures), never `//host` or
 * another scheme.
 */
function loadable(url) {
  return !!url && (url.startsWith("https://") || (url.startsWith("/") && !url.startsWith("//") && !url.startsWith("/\\")));
}

/**
 * A product's picture (a catalog product, or an order's line, which
 * carries the catalog's `image_url` too), or a placeholder when it has
 * none we may load. Decorative: its name is always written beside it.
 * `small` is the size of an order card's lines.
 */
export function productPicture(product, { small = false } = {}) {
  const cls = { "product-img": true, "product-img-sm": small };
  if (loadable(product.image_url)) {
    return h("img", { class: cls, src: product.image_url, alt: "", loading: "lazy", referrerpolicy: "no-referrer" });
  }
  return h("span", { class: { ...cls, "product-img-none": true }, "aria-hidden": "true" }, icon("image", { size: small ? 14 : 20 }));
}

/**
 * The panel for one chat. `canSend()` says whether (and why not) a message
 * may go out now; `onSent(message)` gets what the server stored.
 */
export function catalogPanel({ conv, canSend, onSent }) {
  const numberId = conv.number_id;
  const cart = []; // [{product, section}]
  let query = "";
  let set = null; // {id, name} or null: all products
  let sets = [];
  let items = [];
  let cursor = null;
  let loading = false;
  let generation = 0;
  let sending = false;

  const search = h("input", {
    type: "search",
    class: "input catalog-search",
    placeholder: "Search products",
    "aria-label": "Search products",
    oninput: debounce(() => {
      query = search.value.trim();
      reload();
    }, 250),
  });
  const statusLine = h("p", { class: "catalog-status muted", role: "status" });
  const setsRow = h("div", { class: "catalog-sets", role: "group", "aria-label": "Product sets" });
  const list = h("ul", { class: "product-list", "aria-label": "Products" });
  const more = h("div", { class: "load-more" });
  const results = h("div", { class: "catalog-results" }, list, more);

  const header = h("input", { class: "input", maxlength: 60, value: "Products for you", "aria-label": "Header", dir: "auto" });
  const text = h("textarea", { class: "input", rows: 2, maxlength: 1024, "aria-label": "Message", placeholder: "A line for the customer (optional for one product)", dir: "auto" });
  text.value = "Here are the products we picked for you.";
  const error = formError();
  const sendBtn = button({ text: "Send", iconName: "send", kind: "primary", attrs: { "data-action": "send-cart" }, onClick: () => send() });
  const cartList = h("ul", { class: "cart-items", "aria-label": "Products in the cart" });
  const cartTitle = h("h3", { class: "cart-title" });
  const cartTotal = h("strong", { class: "cart-total", "aria-live": "polite" });
  const headerField = h("label", { class: "cart-field" }, h("span", { class: "field-label" }, "Header"), header);
  const cartEl = h(
    "section",
    { class: "cart", "aria-label": "Cart", hidden: true },
    h("div", { class: "cart-head" }, icon("cart", { size: 16 }), cartTitle, cartTotal),
    cartList,
    headerField,
    h("label", { class: "cart-field" }, h("span", { class: "field-label" }, "Message"), text),
    error,
    h("div", { class: "cart-actions" }, button({ text: "Clear", kind: "ghost", size: "sm", onClick: () => clearCart() }), sendBtn),
  );
  const el = h("div", { class: "catalog" }, h("div", { class: "catalog-top" }, search, statusLine, setsRow), results, cartEl);

  // ---- cart ----------------------------------------------------------------------
  const inCart = (product) => cart.some((c) => c.product.retailer_id === product.retailer_id);

  function toggle(product) {
    const i = cart.findIndex((c) => c.product.retailer_id === product.retailer_id);
    if (i >= 0) cart.splice(i, 1);
    else if (cart.length < MAX_PRODUCTS) cart.push({ product, section: set?.name || SEARCH_SECTION });
    renderCart();
    renderProducts();
  }

  function clearCart() {
    cart.length = 0;
    error.show("");
    renderCart();
    renderProducts();
  }

  function renderCart() {
    cartEl.hidden = !cart.length;
    cartTitle.textContent = `Cart · ${plural(cart.length, "product")}`;
    cartTotal.textContent = totals(cart).map(([c, t]) => money(t, c)).join(" + ");
    headerField.hidden = cart.length < 2;
    mount(
      cartList,
      cart.map(({ product }) =>
        h(
          "li",
          { class: "cart-item", dataset: { retailerId: product.retailer_id } },
          h("span", { class: "cart-name", dir: "auto" }, product.name),
          h("span", { class: "cart-price" }, typeof product.price === "number" ? money(product.price, product.currency) : product.price_text || ""),
          h("button", { type: "button", class: "btn btn-ghost btn-icon btn-sm", "aria-label": `Remove ${product.name}`, onclick: () => toggle(product) }, icon("x", { size: 14 })),
        ),
      ),
    );
    updateSend();
  }

  function updateSend() {
    const state = canSend();
    sendBtn.disabled = sending || !cart.length || !state.ok;
    sendBtn.querySelector("span:last-child").textContent = cart.length > 1 ? `Send ${cart.length} products` : "Send product";
    sendBtn.title = state.ok ? "" : state.reason;
  }

  async function send() {
    const state = canSend();
    if (!cart.length || sending) return;
    if (!state.ok) {
      error.show(state.reason);
      return;
    }
    if (cart.length > 1 && (!header.value.trim() || !text.value.trim())) {
      error.show("A list of products needs a header and a message.");
      return;
    }
    sending = true;
    error.show("");
    updateSend();
    const body = cartMessage(cart, { header: header.value.trim(), text: text.value.trim() });
    try {
      const sent = await api.post(`/api/conversations/${encodeURIComponent(conv.id)}/messages`, body, { headers: { "Idempotency-Key": api.randomId() } });
      toast(cart.length > 1 ? `${cart.length} products sent` : "Product sent", { kind: "success", timeout: 2500 });
      cart.length = 0;
      onSent?.(sent);
    } catch (e) {
      error.show(api.describe(e));
    } finally {
      sending = false;
      renderCart();
      renderProducts();
    }
  }

  // ---- products ---------------------------------------------------------------------
  function productItem(product) {
    const chosen = inCart(product);
    const available = inStock(product);
    const full = !chosen && cart.length >= MAX_PRODUCTS;
    return h(
      "li",
      { class: { "product-card": true, "product-chosen": chosen }, dataset: { retailerId: product.retailer_id } },
      productPicture(product),
      h(
        "div",
        { class: "product-info" },
        h("p", { class: "product-name", dir: "auto" }, product.name),
        h("p", { class: "product-meta" }, h("span", { class: "product-price" }, typeof product.price === "number" ? money(product.price, product.currency) : product.price_text || ""), available ? null : h("span", { class: "chip chip-closed" }, "Out of stock")),
        product.description ? h("p", { class: "product-desc muted", dir: "auto" }, product.description) : null,
      ),
      h(
        "button",
        {
          type: "button",
          class: { btn: true, "btn-sm": true, "btn-primary": chosen, "btn-secondary": !chosen, "product-add": true },
          "aria-pressed": String(chosen),
          title: full ? `A message holds at most ${MAX_PRODUCTS} products` : available ? "" : "Out of stock",
          disabled: (!available && !chosen) || full,
          onclick: () => toggle(product),
        },
        icon(chosen ? "check" : "plus", { size: 14 }),
        h("span", null, chosen ? "Added" : "Add"),
        h("span", { class: "sr-only" }, ` ${product.name}`),
      ),
    );
  }

  function renderProducts() {
    if (!items.length && !loading) {
      mount(list, h("li", null, emptyState({ iconName: "search", title: query ? "No product matches" : "No products here", body: query ? "Try other words: names, SKUs and descriptions are searched." : "This set is empty." })));
    } else {
      mount(list, items.map(productItem));
    }
    mount(more, cursor ? button({ text: "Show more", size: "sm", onClick: () => loadPage() }) : loading ? spinner("Loading products") : null);
  }

  function renderSets() {
    const chip = (s) =>
      h(
        "button",
        {
          type: "button",
          class: "chip chip-filter",
          title: s ? s.name : null, // a long name is cut on screen
          "aria-pressed": String((set?.id || null) === (s?.id || null)),
          onclick: () => {
            set = s;
            renderSets();
            reload();
          },
        },
        s ? s.name : "All products",
      );
    setsRow.hidden = !sets.length;
    mount(setsRow, chip(null), sets.map(chip));
  }

  async function reload() {
    generation += 1;
    items = [];
    cursor = null;
    await loadPage();
  }

  async function loadPage() {
    const mine = generation;
    loading = true;
    renderProducts();
    try {
      const page = await api.get(`/api/numbers/${encodeURIComponent(numberId)}/catalog/products`, { q: query, set: set?.id, cursor: cursor || "", limit: PAGE });
      if (mine !== generation) return;
      items = items.concat(page.items || []);
      for (const p of page.items || []) knownProducts.set(p.retailer_id, p);
      cursor = page.next_cursor || null;
    } catch (e) {
      if (mine !== generation) return;
      mount(list, h("li", null, emptyState({ iconName: "alert", title: "Couldn't load products", body: api.describe(e), action: button({ text: "Try again", onClick: reload }) })));
      loading = false;
      mount(more);
      return;
    }
    loading = false;
    renderProducts();
  }

  /** The sync status: how many products, when synced, why the last sync failed. */
  async function loadStatus() {
    try {
      const status = await api.get(`/api/numbers/${encodeURIComponent(numberId)}/catalog`);
      const parts = [];
      if (status.catalog_id) parts.push(`${plural(status.products, "product")}${status.synced_at ? ` · synced ${listTime(status.synced_at)}` : ""}`);
      else parts.push(status.syncing ? "Syncing the catalog…" : "No catalog connected to this number yet.");
      if (status.last_error) parts.push(`Last sync failed: ${status.last_error}`);
      statusLine.textContent = parts.join(" · ");
      statusLine.classList.toggle("catalog-error", Boolean(status.last_error));
      const page = await api.get(`/api/numbers/${encodeURIComponent(numberId)}/catalog/sets`);
      sets = page.items || [];
      renderSets();
    } catch (e) {
      statusLine.textContent = api.describe(e);
    }
  }

  renderCart();
  loadStatus();
  reload();

  return {
    el,
    /** The chat changed (window, assignee): the Send button follows. */
    refresh: updateSend,
    focus() {
      search.focus({ preventScroll: true });
    },
  };
}

/** The retailer ids a sent `product` / `product_list` message offers (its `content`). */
export function productsOfMessage(content) {
  const action = content?.action || {};
  if (content?.type === "product") return [action.product_retailer_id].filter(Boolean);
  return (action.sections || []).flatMap((s) => (s.product_items || []).map((p) => p.product_retailer_id));
}
