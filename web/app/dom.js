// The render helper: builds DOM nodes from plain calls, never from HTML
// strings. Every string becomes a text node or an attribute value, so text
// that came from a customer can never become markup.

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * h("button", {class: "btn", onclick: fn, "aria-label": "Send"}, "text", node, [more])
 * - `class` may be a string or an object {name: bool};
 * - `on<event>` props become listeners;
 * - `dataset`: an object copied to data-* attributes;
 * - `style`: an object of CSS custom properties / properties (CSSOM, CSP-safe);
 * - `props`: an object assigned as DOM properties (value, checked...);
 * - false/null/undefined props and children are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Same as `h` for SVG elements. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") {
      el.setAttribute("class", classNames(value));
    } else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "style") {
      for (const [prop, v] of Object.entries(value)) {
        if (v !== null && v !== undefined) el.style.setProperty(prop, String(v));
      }
    } else if (key === "props") {
      Object.assign(el, value);
    } else if (key === "ref") {
      value(el);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
}

export function classNames(value) {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.filter(Boolean).map(classNames).join(" ");
  return Object.entries(value)
    .filter(([, on]) => on)
    .map(([name]) => name)
    .join(" ");
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === true) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Appends children, skipping null/undefined/booleans (unlike `el.append`). */
export function add(el, ...children) {
  append(el, children);
  return el;
}

/** Replaces every child of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A text node-only element: `text("span", "x", {class})`. */
export function text(tag, value, attrs) {
  const el = h(tag, attrs);
  el.textContent = value ?? "";
  return el;
}

/** Debounce a function by `ms`. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A process-unique id for label/aria wiring. */
let nextId = 1;
export function uid(prefix = "id") {
  return `${prefix}-${nextId++}`;
}
