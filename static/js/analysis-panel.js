// The panel under the inspector for a selected weight or bias: its loss landscape and each
// sample's share of its gradient. Shift-click on the drawing picks a second parameter.

import { $, animator, drawn, store } from "./context.js";
import { createLandscapeView } from "./landscape-view.js";
import { isParameter } from "./landscape-common.js";
import { createSharesView } from "./shares-view.js";

const root = $("[data-landscape]");
const landscape = createLandscapeView(root, { onChange: () => landscape.render(drawn()) });
const shares = createSharesView($("[data-shares]"), $("[data-shares-name]"));

/** Shift-click (or Shift+Enter) on a weight or bias: the second parameter of the landscape.
 * In the capture phase, so the drawing does not also select it. */
function pickSecond(evt) {
  if (!evt.shiftKey || (evt.type === "keydown" && evt.key !== "Enter")) return;
  const hit = evt.target.closest?.("[data-kind]");
  if (!hit || !isParameter(store.get().selection)) return;
  const d = hit.dataset;
  const target = { kind: d.kind, layer: Number(d.layer), j: Number(d.j), i: d.i === undefined ? undefined : Number(d.i) };
  if (!isParameter(target)) return;
  evt.stopPropagation();
  evt.preventDefault();
  landscape.chooseSecond(target, drawn());
  landscape.render(drawn());
}
$("[data-network]").addEventListener("click", pickSecond, true);
$("[data-network]").addEventListener("keydown", pickSecond, true);

/** Draw again when the selection, the network, the step in progress or Play changed. */
export function renderAnalysis(s, keys) {
  if (!["selection", "network", "trace", "playing"].some((k) => keys.has(k))) return;
  // Mid-animation the trace runs ahead of or behind the server (a Step's phases join it one by
  // one after the server has updated): wait for the final state, set when the animation ends.
  if (animator.running) return;
  landscape.render(s);
  if (!root.hidden) shares.render(s);
}
