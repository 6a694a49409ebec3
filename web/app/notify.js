// Notifications for chats assigned or transferred to me: an in-app toast,
// a short chime (Web Audio, no file), and a system notification when the
// user allowed them and the tab is not in front.

import { customerName } from "./format.js";
import { state, userName } from "./store.js";
import { toast } from "./ui.js";

let audio = null;

function chime() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") return; // no user gesture yet: stay quiet
    const now = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.12);
      osc.stop(now + i * 0.12 + 0.3);
    }
  } catch {
    // Sound is a nicety.
  }
}

// Browsers only let audio start after a gesture: unlock on the first one.
window.addEventListener(
  "pointerdown",
  () => {
    try {
      audio = audio || new AudioContext();
      audio.resume?.();
    } catch {
      // ignore
    }
  },
  { once: true },
);

/** Tells the user about a `notification` frame. */
export function notify(frame, navigate) {
  const conv = frame.conversation || state.conversations.get(frame.conversation_id);
  const who = conv ? customerName(conv) : "a customer";
  const by = frame.by ? userName(frame.by) : null;
  const text = notificationText(frame.kind, who, by) + (frame.note ? `: “${frame.note}”` : "");
  const open = conv ? () => navigate(`inbox/mine/${conv.id}`) : null;
  toast(text, { action: open ? { text: "Open", run: open } : null, timeout: 8000 });
  chime();
  if ("Notification" in window && Notification.permission === "granted" && document.visibilityState !== "visible") {
    try {
      const n = new Notification("Switchboard", { body: text, tag: conv?.id || "switchboard", icon: "/app/icons/icon-192.png" });
      n.onclick = () => {
        window.focus();
        open?.();
        n.close();
      };
    } catch {
      // Some platforms only allow notifications from a service worker.
    }
  }
}

function notificationText(kind, who, by) {
  const from = by && by !== "You" ? ` by ${by}` : "";
  switch (kind) {
    case "transferred":
      return `The chat with ${who} was transferred to you${from}`;
    case "assigned":
      return `The chat with ${who} was assigned to you${from}`;
    case "mentioned":
      return `${by && by !== "You" ? by : "A colleague"} mentioned you in the chat with ${who}`;
    default:
      return `New activity in your chat with ${who}`;
  }
}
