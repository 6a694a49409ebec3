// The demo's customer simulator: pick or create a customer, read the
// chat from the customer's side (what the business sent, from the
// sandbox), and write as the customer (text, a button tap, a list row,
// or an order: a cart picked from the products the business sent).
// Everything a customer or an agent wrote is put on the page as text
// (textContent), never as HTML.

const $ = (id) => document.getElementById(id);
const POLL_MS = 1000;

const state = { customers: [], current: null, rendered: "", sending: false, catalog: new Map() };

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function initials(name) {
  const parts = String(name || "?").trim().split(/\s+/).slice(0, 2);
  return parts.map((p) => p[0] || "").join("").toUpperCase() || "?";
}

function time(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function showError(message) {
  $("error").textContent = message || "";
}

async function api(path, body) {
  const init = body
    ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
    : {};
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const details = (data.error && data.error.details) || [];
    const first = details[0] ? `${details[0].path}: ${details[0].message}` : "";
    throw new Error(first || (data.error && data.error.message) || `HTTP ${response.status}`);
  }
  return data;
}

// ---- customers ---------------------------------------------------------

async function loadCustomers() {
  const data = await api("/demo/api/customers");
  if (data.business) {
    $("business").textContent = `${data.business.name} · ${data.business.display_phone_number}`;
  }
  state.customers = data.items || [];
  renderCustomers();
}

function renderCustomers() {
  const list = $("customers");
  list.replaceChildren();
  if (!state.customers.length) {
    list.append(el("li", { class: "sim-empty", text: "No customers yet: start a chat above." }));
    return;
  }
  for (const c of state.customers) {
    const name = c.name || `+${c.wa_id}`;
    const button = el(
      "button",
      {
        type: "button",
        class: "sim-customer",
        "aria-current": state.current && state.current.wa_id === c.wa_id ? "true" : "false",
        onclick: () => open({ wa_id: c.wa_id, name: c.name }),
      },
      el("span", { class: "avatar avatar-md", "aria-hidden": "true", text: initials(name) }),
      el("span", {}, el("strong", { text: name }), el("small", { text: `+${c.wa_id}` })),
    );
    list.append(el("li", {}, button));
  }
}

function open(customer) {
  state.current = customer;
  state.rendered = "";
  $("sim").dataset.view = "chat";
  $("chat-title").textContent = customer.name || `+${customer.wa_id}`;
  $("chat-sub").textContent = `+${customer.wa_id} · writing as this customer`;
  $("chat-avatar").textContent = initials(customer.name);
  $("text").disabled = false;
  $("send").disabled = false;
  $("messages").replaceChildren();
  showError("");
  renderCustomers();
  refresh();
  $("text").focus();
}

// ---- the chat ------------------------------------------------------------

/// What a business message says, by Meta's send shapes.
function businessBody(m, answered) {
  const parts = [];
  if (m.type === "text") {
    parts.push(document.createTextNode(m.text ? m.text.body : ""));
  } else if (m.type === "interactive") {
    const i = m.interactive || {};
    if (i.header && i.header.text) parts.push(el("strong", { class: "sim-msg-head", text: i.header.text }));
    parts.push(document.createTextNode((i.body && i.body.text) || ""));
    if (i.footer && i.footer.text) parts.push(el("small", { class: "sim-msg-foot", text: i.footer.text }));
    const actions = el("div", { class: "sim-actions" });
    const action = i.action || {};
    if (i.type === "button") {
      for (const b of action.buttons || []) {
        const reply = b.reply || {};
        actions.append(
          el("button", {
            type: "button",
            class: "sim-action",
            text: reply.title,
            onclick: () => send({ button_reply: { id: reply.id, title: reply.title } }),
            ...(answered ? { disabled: "" } : {}),
          }),
        );
      }
    } else if (i.type === "list") {
      actions.append(el("span", { class: "sim-kind", text: action.button || "Choose" }));
      for (const section of action.sections || []) {
        if (section.title) actions.append(el("p", { class: "sim-section", text: section.title }));
        for (const row of section.rows || []) {
          const choose = () =>
            send({ list_reply: { id: row.id, title: row.title, description: row.description || undefined } });
          actions.append(
            el(
              "button",
              { type: "button", class: "sim-action sim-row", onclick: choose, ...(answered ? { disabled: "" } : {}) },
              document.createTextNode(row.title || ""),
              row.description ? el("small", { text: row.description }) : null,
            ),
          );
        }
      }
    } else if (i.type === "product" || i.type === "product_list") {
      actions.append(cartPicker(i));
    } else {
      parts.unshift(el("span", { class: "sim-kind", text: i.type || "interactive" }));
    }
    if (actions.childNodes.length) parts.push(actions);
  } else if (m.type === "template") {
    const t = m.template || {};
    parts.push(el("span", { class: "sim-kind", text: `Template · ${t.name}` }));
    const params = (t.components || []).flatMap((c) => (c.parameters || []).map((p) => p.text).filter(Boolean));
    parts.push(document.createTextNode(params.length ? params.join(" · ") : t.name || ""));
  } else {
    const media = m[m.type] || {};
    parts.push(el("span", { class: "sim-kind", text: m.type || "message" }));
    const caption = media.caption || media.filename || media.body || "";
    if (caption) parts.push(document.createTextNode(caption));
  }
  return parts;
}

/// The products of a product message, each with a quantity, and the
/// button that sends them as the customer's cart (an `order` message).
function cartPicker(interactive) {
  const action = interactive.action || {};
  const ids =
    interactive.type === "product"
      ? [action.product_retailer_id]
      : (action.sections || []).flatMap((s) => (s.product_items || []).map((p) => p.product_retailer_id));
  const box = el("div", { class: "sim-cart" });
  const quantities = new Map();
  for (const id of ids) {
    const product = state.catalog.get(id);
    const input = el("input", { type: "number", min: "0", max: "99", value: ids.length === 1 ? "1" : "0", class: "sim-qty", "aria-label": `How many ${product ? product.name : id}` });
    quantities.set(id, input);
    box.append(
      el(
        "label",
        { class: "sim-product" },
        product && product.image_url
          ? el("img", { class: "sim-product-img", src: product.image_url, alt: "", width: "36", height: "36" })
          : el("span", { class: "sim-product-img" }),
        el("span", { text: product ? product.name : id }),
        el("small", { text: product ? product.price : "" }),
        input,
      ),
    );
  }
  const order = () => {
    const product_items = [...quantities]
      .map(([id, input]) => ({ product_retailer_id: id, quantity: Number(input.value) || 0 }))
      .filter((l) => l.quantity > 0);
    if (!product_items.length) {
      showError("Pick at least one product (set a quantity).");
      return;
    }
    send({ order: { product_items } });
  };
  box.append(el("button", { type: "button", class: "sim-action", text: "Send order", onclick: order }));
  return box;
}

/// What the customer wrote, by Meta's webhook shapes.
function customerBody(m) {
  if (m.type === "text") return [document.createTextNode(m.text ? m.text.body : "")];
  if (m.type === "interactive") {
    const i = m.interactive || {};
    const reply = i.button_reply || i.list_reply || {};
    return [el("span", { class: "sim-kind", text: i.type === "list_reply" ? "Picked" : "Tapped" }), document.createTextNode(` ${reply.title || ""}`)];
  }
  if (m.type === "order") {
    const lines = ((m.order || {}).product_items || []).map((l) => `${l.quantity} × ${(state.catalog.get(l.product_retailer_id) || {}).name || l.product_retailer_id}`);
    return [el("span", { class: "sim-kind", text: "Order" }), document.createTextNode(` ${lines.join(", ")}`)];
  }
  return [document.createTextNode(m.type || "")];
}

function ticks(entry) {
  if (entry.status === "read") return el("span", { class: "read", text: "✓✓", title: "Read" });
  if (entry.status === "delivered") return el("span", { text: "✓✓", title: "Delivered" });
  return el("span", { text: "✓", title: "Sent" });
}

function renderTranscript(items) {
  const key = JSON.stringify(items.map((e) => [e.wamid, e.status]));
  if (key === state.rendered) return;
  state.rendered = key;
  const list = $("messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.replaceChildren();
  if (!items.length) {
    list.append(el("li", { class: "sim-empty", text: "No messages yet. Say hello: a new chat starts the Main menu bot." }));
  }
  // Only the latest unanswered buttons or list can still be tapped.
  let lastCustomer = -1;
  items.forEach((e, i) => {
    if (e.from === "customer") lastCustomer = i;
  });
  items.forEach((entry, i) => {
    const mine = entry.from === "customer";
    const body = mine ? customerBody(entry.message) : businessBody(entry.message, i < lastCustomer);
    const meta = el("span", { class: "sim-meta" }, el("time", { text: time(entry.at_ms) }), mine ? ticks(entry) : null);
    list.append(el("li", { class: `sim-msg ${mine ? "customer" : "business"}` }, ...body, meta));
  });
  if (nearBottom || items.length) list.scrollTop = list.scrollHeight;
}

async function refresh() {
  if (!state.current) return;
  const wa = state.current.wa_id;
  try {
    const data = await api(`/demo/api/transcript?wa_id=${encodeURIComponent(wa)}`);
    if (state.current && state.current.wa_id === wa) renderTranscript(data.items || []);
  } catch (e) {
    showError(`Could not load the chat: ${e.message}`);
  }
}

async function send(content) {
  if (!state.current || state.sending) return;
  state.sending = true;
  $("send").disabled = true;
  showError("");
  try {
    await api("/demo/api/customer", { wa_id: state.current.wa_id, name: state.current.name || "", ...content });
    await refresh();
    loadCustomers().catch(() => {});
  } catch (e) {
    showError(`Not sent: ${e.message}`);
  } finally {
    state.sending = false;
    $("send").disabled = false;
  }
}

// ---- wiring --------------------------------------------------------------

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  await send({ text });
  $("text").focus();
});

$("new-customer").addEventListener("submit", (event) => {
  event.preventDefault();
  const wa = $("new-wa").value.replace(/\D/g, "");
  const name = $("new-name").value.trim();
  if (wa.length < 6 || wa.length > 15) {
    showError("A WhatsApp number is 6 to 15 digits, with its country code.");
    return;
  }
  $("new-customer").reset();
  open({ wa_id: wa, name });
});

$("back").addEventListener("click", () => {
  $("sim").dataset.view = "list";
});

loadCustomers().catch((e) => showError(`Could not load customers: ${e.message}`));
api("/demo/api/catalog")
  .then((data) => {
    for (const p of data.items || []) state.catalog.set(p.retailer_id, p);
    state.rendered = ""; // redraw product messages with names
    refresh();
  })
  .catch(() => {
    // Products then show by their ids.
  });
setInterval(() => {
  refresh();
}, POLL_MS);
setInterval(() => {
  loadCustomers().catch(() => {});
}, POLL_MS * 5);
