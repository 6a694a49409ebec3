// Unsaved edits that outlive the builder: leaving it for another page of
// the app (the router destroys the view, no prompt is possible) keeps the
// edited document in this tab's session storage; opening the flow again
// offers it back, and says so when the draft was saved elsewhere since.
// (Closing or reloading the tab asks first: see editor.js.)

import { h } from "../../dom.js";
import { button, toast } from "../../ui.js";
import { documentOf } from "./model.js";

const key = (flowId) => `switchboard.flow-edits.${flowId}`;

/** Keeps the unsaved `flow` of `flowId`, and says so. */
export function keepEdits(flowId, flow) {
  try {
    sessionStorage.setItem(key(flowId), JSON.stringify({ base: flow.updated_at, doc: documentOf(flow) }));
    toast(`Unsaved changes to ${flow.name} are kept: open it again to get them back.`);
  } catch {
    // storage full or off: the beforeunload prompt is all there is
  }
}

/** Drops what was kept for `flowId` (saved, discarded or deleted). */
export function forgetKeptEdits(flowId) {
  try {
    sessionStorage.removeItem(key(flowId));
  } catch {
    // nothing kept
  }
}

/**
 * A notice offering the kept edits of `flowId` back (null when there are
 * none); `restore(doc)` takes them. `savedAt` is the draft's `updated_at`
 * now, to tell whether it was saved since.
 */
export function keptNotice(flowId, savedAt, restore) {
  let kept = null;
  try {
    kept = JSON.parse(sessionStorage.getItem(key(flowId)) || "null");
  } catch {
    kept = null;
  }
  if (!kept?.doc) return null;
  const done = () => {
    forgetKeptEdits(flowId);
    notice.remove();
  };
  const notice = h(
    "div",
    { class: "flow-kept", role: "status" },
    h("span", null, kept.base === savedAt ? "You left unsaved changes here." : "You left unsaved changes here, but the draft was saved since."),
    button({ text: "Get them back", size: "sm", kind: "primary", onClick: () => (done(), restore(kept.doc)) }),
    button({ text: "Discard", size: "sm", kind: "ghost", onClick: done }),
  );
  return notice;
}
