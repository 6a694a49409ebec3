// Formatting for people: times relative to now, day separators, names,
// initials and avatar colours. Uses the browser's locale.

const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const shortDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const longDate = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
const fullDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });
const stamp = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function startOfDay(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

function daysAgo(d, now = new Date()) {
  return Math.round((startOfDay(now) - startOfDay(d)) / 86400000);
}

/** "14:05", "Yesterday", "Tue", "3 Mar", "3 Mar 2023": for list rows. */
export function listTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const days = daysAgo(d);
  if (days <= 0) return time.format(d);
  if (days === 1) return "Yesterday";
  if (days < 7) return weekday.format(d);
  if (d.getFullYear() === new Date().getFullYear()) return shortDate.format(d);
  return fullDate.format(d);
}

/** "14:05" for a bubble. */
export function clock(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : time.format(d);
}

/** A full timestamp for a tooltip. */
export function fullStamp(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : stamp.format(d);
}

/** The day a message belongs to, as a key. */
export function dayKey(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** "Today", "Yesterday", "Monday, 3 March", "3 Mar 2023". */
export function dayLabel(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const days = daysAgo(d);
  if (days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  if (d.getFullYear() === new Date().getFullYear()) return longDate.format(d);
  return fullDate.format(d);
}

/** "in 3 h", "in 12 min" until an RFC 3339 time. */
export function until(iso) {
  const ms = new Date(iso).getTime() - Date.now();
  if (!Number.isFinite(ms) || ms <= 0) return "now";
  const min = Math.round(ms / 60000);
  if (min < 60) return `${min} min`;
  const hours = Math.floor(min / 60);
  return `${hours} h ${min % 60 ? `${min % 60} min` : ""}`.trim();
}

/** "+1 555 0100" style for a WhatsApp id (digits only). */
export function phone(waId) {
  if (!waId) return "";
  return /^\d+$/.test(waId) ? `+${waId}` : waId;
}

/** The customer's name, or their number. */
export function customerName(conv) {
  const name = conv?.customer?.name?.trim();
  return name || phone(conv?.customer?.wa_id) || "Unknown customer";
}

/** Up to two letters for an avatar. */
export function initials(name) {
  const words = String(name || "")
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (!words.length) return "#";
  const first = [...words[0]][0] || "";
  const second = words.length > 1 ? [...words[words.length - 1]][0] : "";
  return (first + second).toUpperCase();
}

const HUES = [200, 160, 260, 20, 330, 100, 45, 290, 180, 230];

/** A stable hue for a string (avatars). */
export function hueOf(key) {
  let h = 0;
  for (const ch of String(key || "")) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return HUES[h % HUES.length];
}

/** Plural helper: plural(2, "chat") -> "2 chats". */
export function plural(n, word, many = `${word}s`) {
  return `${n} ${n === 1 ? word : many}`;
}

/** An amount in its currency: money(12.5, "USD") -> "$12.50". */
export function money(amount, currency) {
  if (typeof amount !== "number" || !Number.isFinite(amount)) return "";
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD" }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency || ""}`.trim();
  }
}
