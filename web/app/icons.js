// Line icons on a 24-unit grid, drawn as SVG nodes (no markup strings).
// Each entry is a list of shapes: a string is a path's `d`, an array is
// [element, attributes].

import { s } from "./dom.js";

const C = (cx, cy, r) => ["circle", { cx, cy, r }];
const R = (x, y, width, height, rx) => ["rect", { x, y, width, height, rx }];

const ICONS = {
  inbox: [
    "M22 12h-6l-2 3h-4l-2-3H2",
    "M5.45 5.11 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.45-6.89A2 2 0 0 0 16.76 4H7.24a2 2 0 0 0-1.79 1.11z",
  ],
  users: ["M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2", C(9, 7, 4), "M22 21v-2a4 4 0 0 0-3-3.87", "M16 3.13a4 4 0 0 1 0 7.75"],
  user: ["M19 21v-2a4 4 0 0 0-4-4H9a4 4 0 0 0-4 4v2", C(12, 7, 4)],
  settings: ["M4 21v-7", "M4 10V3", "M12 21v-9", "M12 8V3", "M20 21v-5", "M20 12V3", "M1 14h6", "M9 8h6", "M17 16h6"],
  logout: ["M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4", "m16 17 5-5-5-5", "M21 12H9"],
  search: [C(11, 11, 8), "m21 21-4.3-4.3"],
  send: ["M22 2 11 13", "M22 2 15 22 11 13 2 9 22 2z"],
  check: ["M20 6 9 17l-5-5"],
  checks: ["M17 6 7 16l-4-4", "m22 9-7 7-1.5-1.5"],
  clock: [C(12, 12, 9), "M12 7v5l3 2"],
  alert: [C(12, 12, 10), "M12 8v4", "M12 16h.01"],
  back: ["m12 19-7-7 7-7", "M19 12H5"],
  more: [C(12, 5, 1), C(12, 12, 1), C(12, 19, 1)],
  userPlus: ["M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2", C(9, 7, 4), "M19 8v6", "M22 11h-6"],
  x: ["M18 6 6 18", "m6 6 12 12"],
  tag: [
    "M12.59 2.59A2 2 0 0 0 11.17 2H4a2 2 0 0 0-2 2v7.17a2 2 0 0 0 .59 1.41l8.7 8.7a2.43 2.43 0 0 0 3.42 0l6.58-6.58a2.43 2.43 0 0 0 0-3.42z",
    C(7.5, 7.5, 1),
  ],
  bot: ["M12 8V4H8", R(4, 8, 16, 12, 2), "M2 14h2", "M20 14h2", "M15 13v2", "M9 13v2"],
  note: ["M12 20h9", "M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4Z"],
  lock: [R(3, 11, 18, 11, 2), "M7 11V7a5 5 0 0 1 10 0v4"],
  building: [R(4, 2, 16, 20, 2), "M9 22v-4h6v4", "M8 6h.01", "M16 6h.01", "M12 6h.01", "M12 10h.01", "M12 14h.01", "M16 10h.01", "M16 14h.01", "M8 10h.01", "M8 14h.01"],
  plus: ["M5 12h14", "M12 5v14"],
  refresh: ["M21 12a9 9 0 0 0-9-9 9.75 9.75 0 0 0-6.74 2.74L3 8", "M3 3v5h5", "M3 12a9 9 0 0 0 9 9 9.75 9.75 0 0 0 6.74-2.74L21 16", "M16 16h5v5"],
  chevronDown: ["m6 9 6 6 6-6"],
  template: ["M15 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V7Z", "M14 2v4a2 2 0 0 0 2 2h4", "M16 13H8", "M16 17H8", "M10 9H8"],
  file: ["M15 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V7Z", "M14 2v4a2 2 0 0 0 2 2h4"],
  paperclip: ["m21.44 11.05-9.19 9.19a6 6 0 0 1-8.49-8.49l8.57-8.57A4 4 0 1 1 18 8.84l-8.59 8.57a2 2 0 0 1-2.83-2.83l8.49-8.48"],
  activity: ["M22 12h-4l-3 9L9 3l-3 9H2"],
  transfer: ["m16 3 4 4-4 4", "M20 7H4", "m8 21-4-4 4-4", "M4 17h16"],
  done: [C(12, 12, 10), "m9 12 2 2 4-4"],
  reopen: ["M3 12a9 9 0 1 0 9-9 9.75 9.75 0 0 0-6.74 2.74L3 8", "M3 3v5h5"],
  chat: ["M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"],
  image: [R(3, 3, 18, 18, 2), C(9, 9, 2), "m21 15-3.09-3.09a2 2 0 0 0-2.82 0L6 21"],
  mic: [R(9, 2, 6, 13, 3), "M19 10v2a7 7 0 0 1-14 0v-2", "M12 19v3"],
  pin: ["M20 10c0 6-8 12-8 12s-8-6-8-12a8 8 0 0 1 16 0Z", C(12, 10, 3)],
  bell: ["M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9", "M10.3 21a1.94 1.94 0 0 0 3.4 0"],
  offline: ["M2 2l20 20", "M8.5 16.5a5 5 0 0 1 7 0", "M2 8.82a15 15 0 0 1 4.17-2.65", "M10.66 5c4.01-.36 8.14.9 11.34 3.76", "M16.85 11.25a10 10 0 0 1 2.22 1.68", "M5 13a10 10 0 0 1 5.24-2.76", "M12 20h.01"],
  reply: ["m9 17-5-5 5-5", "M20 18v-2a4 4 0 0 0-4-4H4"],
  zap: ["M13 2 3 14h9l-1 8 10-12h-9l1-8z"],
  phone: ["M22 16.92v3a2 2 0 0 1-2.18 2 19.79 19.79 0 0 1-8.63-3.07 19.5 19.5 0 0 1-6-6 19.79 19.79 0 0 1-3.07-8.67A2 2 0 0 1 4.11 2h3a2 2 0 0 1 2 1.72c.13.96.36 1.9.7 2.81a2 2 0 0 1-.45 2.11L8.09 9.91a16 16 0 0 0 6 6l1.27-1.27a2 2 0 0 1 2.11-.45c.91.34 1.85.57 2.81.7A2 2 0 0 1 22 16.92z"],
  cart: [C(8, 21, 1), C(19, 21, 1), "M2.05 2.05h2l2.66 12.42a2 2 0 0 0 2 1.58h9.78a2 2 0 0 0 1.95-1.57l1.65-7.43H5.12"],
};

/** An icon; decorative (aria-hidden) unless `label` is given. */
export function icon(name, { size = 18, label = null, cls = "" } = {}) {
  const shapes = ICONS[name] || ICONS.alert;
  const svg = s(
    "svg",
    {
      class: `icon ${cls}`.trim(),
      viewBox: "0 0 24 24",
      width: size,
      height: size,
      fill: "none",
      stroke: "currentColor",
      "stroke-width": 2,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
      "aria-hidden": label ? null : "true",
      role: label ? "img" : null,
      "aria-label": label,
      focusable: "false",
    },
    shapes.map((shape) => (typeof shape === "string" ? s("path", { d: shape }) : s(shape[0], shape[1]))),
  );
  if (label) svg.prepend(s("title", null, label));
  return svg;
}
