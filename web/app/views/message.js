// One message of the history: an incoming or outgoing bubble, or an
// internal note; media and templates as labelled cards; a quoted reply;
// delivery ticks with the failure reason; a received message's time is
// when the customer sent it. Text is only ever textContent.

import { h } from "../dom.js";
import { icon } from "../icons.js";
import { clock, dayKey, dayLabel, fullStamp } from "../format.js";
import * as api from "../api.js";
import * as store from "../store.js";
import { orderCard, orderOfMessage } from "./orders.js";
import { knownProducts, productsOfMessage } from "./catalog.js";
import { filledText } from "./templates.js";

/**
 * Numbers' templates as listed (`number|name|language` -> template), filled
 * by the chat view when it shows a template message, so the bubble reads
 * as the customer's phone does rather than as bare parameters.
 */
export const knownTemplates = new Map();

/**
 * When a message was written: a received one's send time (Meta's
 * timestamp) when the webhook gave it, so older messages delivered late in
 * one batch read as the customer sent them, as on their phone; else when
 * it reached us or left. The history keeps its stored order and its day
 * dividers by `created_at`.
 */
export function writtenAt(m) {
  return m.direction === "in" && m.sent_at ? m.sent_at : m.created_at;
}

/**
 * A bubble's time: the clock it was written at, with its day when that is
 * not the day of the divider above; the tooltip tells both times of a
 * message that came in a minute or more after it was sent.
 */
function timeOf(m) {
  const at = writtenAt(m);
  const label = dayKey(at) === dayKey(m.created_at) ? clock(at) : `${dayLabel(at)}, ${clock(at)}`;
  const late = Date.parse(m.created_at) - Date.parse(at) >= 60_000;
  const title = late ? `Sent ${fullStamp(at)} · received ${fullStamp(m.created_at)}` : fullStamp(at);
  return h("time", { datetime: at, title }, label);
}

const MEDIA = {
  image: ["image", "Photo"],
  video: ["image", "Video"],
  sticker: ["image", "Sticker"],
  audio: ["mic", "Voice message"],
  voice: ["mic", "Voice message"],
  document: ["file", "Document"],
  location: ["pin", "Location"],
  contacts: ["user", "Contact card"],
  order: ["cart", "Order"],
  product: ["cart", "Product"],
  product_list: ["cart", "Products"],
  interactive: ["chat", "Reply to a menu"],
  button: ["chat", "Button reply"],
  unsupported: ["alert", "A message WhatsApp can't show here"],
};

const TICKS = {
  pending: ["clock", "Sending"],
  sent: ["check", "Sent"],
  delivered: ["checks", "Delivered"],
  read: ["checks", "Read"],
  failed: ["alert", "Not delivered"],
};

export function messageItem(m, { grouped = false, quoted = null, onRetry = null } = {}) {
  const note = m.type === "note";
  const dir = note ? "note" : m.direction === "in" ? "in" : "out";
  const body = [];

  if (m.forwarded) body.push(h("p", { class: "forwarded" }, icon("reply", { size: 12 }), "Forwarded"));
  if (note) {
    body.push(h("p", { class: "note-head" }, icon("note", { size: 13 }), h("span", null, `Internal note${m.author_id ? ` · ${store.userName(m.author_id)}` : ""}`)));
  }
  if (quoted) {
    body.push(h("div", { class: "quote" }, h("span", { class: "quote-who" }, quoted.direction === "in" ? "Customer" : store.userName(quoted.author_id) || "Your team"), h("span", { class: "quote-text", dir: "auto" }, quoted.text || kindLabel(quoted))));
  }
  const products = m.type === "interactive" ? productsOfMessage(m.content) : [];
  if (m.type === "order") {
    body.push(orderCard(orderOfMessage(m)));
  } else if (products.length) {
    const header = m.content?.header?.text;
    body.push(h("p", { class: "media-card" }, icon("cart", { size: 16 }), h("span", null, products.length > 1 ? `${products.length} products` : "Product")));
    if (header) body.push(h("p", { class: "msg-header", dir: "auto" }, header));
    if (m.text) body.push(h("p", { class: "msg-text", dir: "auto" }, m.text));
    body.push(h("p", { class: "media-detail" }, products.map((id) => knownProducts.get(id)?.name || id).join(", ")));
  } else if (m.type === "interactive" && dir === "out") {
    // A menu the chatbot or an agent sent: its text, then the choices the
    // customer was offered (received menu answers keep the card below).
    const header = m.content?.header?.text;
    if (header) body.push(h("p", { class: "msg-header", dir: "auto" }, header));
    if (m.text) body.push(h("p", { class: "msg-text", dir: "auto" }, m.text));
    const choices = menuChoices(m.content);
    if (choices.length) body.push(h("ul", { class: "menu-choices", "aria-label": "Choices offered" }, choices.map((c) => h("li", { dir: "auto" }, c))));
  } else if (m.type === "reaction") {
    body.push(h("p", { class: "msg-text msg-reaction", dir: "auto" }, m.text ? `Reacted ${m.text}` : "Removed a reaction"));
  } else if (m.type === "template") {
    const name = m.template?.name || "template";
    body.push(h("p", { class: "media-card" }, icon("template", { size: 16 }), h("span", null, "Template "), h("span", { class: "mono" }, name)));
    const number = store.state.conversations.get(m.conversation_id)?.number_id;
    const listed = knownTemplates.get(`${number}|${name}|${m.template?.language?.code || m.template?.language}`);
    const text = listed ? filledText(m.template, listed) : templateText(m.template);
    if (text || m.text) body.push(h("p", { class: "msg-text", dir: "auto" }, m.text || text));
  } else if (MEDIA[m.type]) {
    body.push(mediaBlock(m));
    const extra = m.media_url && m.type === "document" ? null : detailText(m);
    if (extra) body.push(h("p", { class: "media-detail", dir: "auto" }, extra));
    // A document's "text" is its file name, already on its download button.
    const filename = m.content?.document?.filename || m.content?.filename;
    if (m.text && !(m.type === "document" && m.text === filename)) body.push(h("p", { class: "msg-text", dir: "auto" }, m.text));
  } else if (m.content?.unsupported !== undefined || (!m.text && m.type !== "text" && m.type !== "note")) {
    // A type WhatsApp added after us (kept with its raw JSON on the server).
    body.push(h("p", { class: "media-card" }, icon("alert", { size: 16 }), h("span", null, `${MEDIA.unsupported[1]} (${m.content?.unsupported || m.type})`)));
    if (m.text) body.push(h("p", { class: "msg-text", dir: "auto" }, m.text));
  } else {
    body.push(h("p", { class: "msg-text", dir: "auto" }, m.text ?? ""));
  }

  const meta = h("span", { class: "msg-meta" });
  if (dir === "out" && !grouped && m.author_id) meta.append(h("span", { class: "msg-author", dir: "auto" }, store.userName(m.author_id)));
  meta.append(timeOf(m));
  if (dir === "out") {
    const [iconName, label] = TICKS[m.status] || TICKS.sent;
    meta.append(h("span", { class: `tick tick-${m.status}`, role: "img", "aria-label": label, title: label }, icon(iconName, { size: 14 })));
  }
  body.push(meta);

  const reactions = (m.reactions || []).filter((r) => r.emoji);
  const li = h(
    "li",
    { class: { msg: true, [`msg-${dir}`]: true, "msg-grouped": grouped, "msg-failed": m.status === "failed" }, dataset: { id: m.id, status: m.status || "" } },
    h("div", { class: "bubble" }, body),
    reactions.length ? h("p", { class: "reactions" }, h("span", { class: "sr-only" }, "Reactions: "), reactions.map((r) => h("span", { class: "reaction" }, r.emoji))) : null,
  );
  if (m.status === "failed") {
    const reason = m.error?.message || "WhatsApp could not deliver this message.";
    li.append(
      h(
        "p",
        { class: "msg-error", role: "note" },
        icon("alert", { size: 14 }),
        h("span", null, `Not delivered: ${reason}`),
        onRetry ? h("button", { type: "button", class: "link-btn", onclick: onRetry }, "Retry") : null,
      ),
    );
  }
  return li;
}

// Object URLs of downloaded media, by message id, so a redraw does not
// download again. Media is fetched with the token (an <img src> cannot send
// it) and shown from a blob: URL, which the page's CSP allows.
const blobs = new Map();

async function blobUrl(m) {
  if (!blobs.has(m.id)) {
    blobs.set(
      m.id,
      api.fetchBlob(m.media_url).then((b) => URL.createObjectURL(b)).catch((e) => {
        blobs.delete(m.id);
        throw e;
      }),
    );
  }
  return blobs.get(m.id);
}

/** An image, video or audio player, or a document's download button. */
function mediaBlock(m) {
  const [iconName, label] = MEDIA[m.type];
  const card = h("p", { class: "media-card" }, icon(iconName, { size: 16 }), h("span", null, label));
  if (!m.media_url) return card;
  const filename = m.content?.document?.filename || m.content?.filename || `${label}`;
  if (m.type === "image" || m.type === "sticker") {
    const img = h("img", { class: "media-img", alt: m.text ? `Photo: ${m.text}` : "Photo from the chat", loading: "lazy" });
    const wrap = h("div", { class: "media-frame" }, card);
    blobUrl(m)
      .then((url) => {
        img.src = url;
        wrap.replaceChildren(img);
      })
      .catch(() => card.append(h("span", { class: "muted" }, " (could not load)")));
    return wrap;
  }
  if (m.type === "video" || m.type === "audio" || m.type === "voice") {
    const player = h(m.type === "video" ? "video" : "audio", { class: `media-${m.type === "video" ? "video" : "audio"}`, controls: true, preload: "none", "aria-label": label });
    const wrap = h("div", { class: "media-frame" }, card);
    blobUrl(m)
      .then((url) => {
        player.src = url;
        wrap.replaceChildren(player);
      })
      .catch(() => card.append(h("span", { class: "muted" }, " (could not load)")));
    return wrap;
  }
  return h(
    "button",
    {
      type: "button",
      class: "media-card media-download",
      "aria-label": `Download ${filename}`,
      onclick: async () => {
        const url = await blobUrl(m).catch(() => null);
        if (!url) return;
        const a = h("a", { href: url, download: filename });
        document.body.append(a);
        a.click();
        a.remove();
      },
    },
    icon(iconName, { size: 16 }),
    h("span", { dir: "auto" }, filename),
  );
}

/** A location's name and place, a contact's name: what a card needs. */
function detailText(m) {
  const c = m.content || {};
  if (m.type === "location" && c.location) {
    const l = c.location;
    return [l.name, l.address, l.latitude !== undefined ? `${l.latitude}, ${l.longitude}` : null].filter(Boolean).join(" · ");
  }
  if (m.type === "contacts" && Array.isArray(c.contacts)) {
    return c.contacts.map((x) => x.name?.formatted_name).filter(Boolean).join(", ");
  }
  if (m.type === "document") return c.document?.filename || null;
  return null;
}

/** The titles of a sent menu's reply buttons or list rows. */
function menuChoices(interactive) {
  const action = interactive?.action || {};
  const buttons = (action.buttons || []).map((b) => b.reply?.title);
  const rows = (action.sections || []).flatMap((s) => (s.rows || []).map((r) => r.title));
  return [...buttons, ...rows].filter(Boolean);
}

function kindLabel(m) {
  return MEDIA[m.type]?.[1] || (m.type === "template" ? "Template" : "Message");
}

/** The body text of a template object, with its parameters filled in. */
function templateText(template) {
  const components = template?.components || [];
  const body = components.find((c) => String(c.type).toLowerCase() === "body");
  if (!body) return "";
  if (body.text) return body.text;
  const params = (body.parameters || []).map((p) => p.text).filter(Boolean);
  return params.join(" · ");
}
