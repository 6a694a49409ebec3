// `#/flows` and `#/flows/<id>` (managers): the chatbot's page. It shows
// the list of flows, or the builder of one, as the route says, and keeps
// one of them alive at a time.

import { h, mount } from "../../dom.js";
import { flowList } from "./list.js";
import { flowEditor } from "./editor.js";

/** The route's view: {el, update(route), destroy()}. */
export function flowsView({ navigate }) {
  const el = h("div", { class: "flows-route" });
  let shown = null; // {key, view}

  return {
    el,
    update(route) {
      const id = route.parts[0] || "";
      if (shown && shown.key === id) return;
      shown?.view.destroy?.();
      const view = id ? flowEditor({ flowId: id, navigate }) : flowList({ navigate });
      shown = { key: id, view };
      if (!id) document.title = "Chatbot · Switchboard";
      mount(el, view.el);
    },
    destroy() {
      shown?.view.destroy?.();
      shown = null;
    },
  };
}
