// While a lesson's tour is open the steps run the network and set its settings: the page's own
// controls that would change either (the phase and training buttons, the settings form, loading
// another network) are disabled, and say why; Leave tour gives them back. A step's text reads
// the answers the tour kept, so a network moved or a setting changed behind its back would make
// that text false.

import { store } from "../context.js";

/** Why a locked control does nothing: the words the keys already use. */
export const RUNS_REASON = "In the lesson, Next runs each step (Leave tour frees these buttons)";
export const FORM_REASON = "The lesson sets this network's settings and its text counts on them (Leave tour frees the form)";
export const NETWORK_REASON = "The lesson runs on its own network (Leave tour frees this)";

/** The controls the tour locks, each with the reason its title gives. The phase, Step and
 * Epoch buttons are rendered from the state (panels.js): `tourLock` keeps them disabled. */
function lockedControls() {
  const runs = ["[data-phase-button]", "[data-action=step]", "[data-action=epoch]", "[data-action=play]", "[data-action=reset]", "[data-sample]", "[data-action=push]", "[data-own-inputs]", "[data-own-targets]", "[data-action=rewind-here]"];
  const settings = ["[data-config] > fieldset", "[data-config] [data-action=build]"];
  const others = ["[data-import]", "[data-action=my-networks]"]; // another network on screen
  const all = (selectors, reason) => [...document.querySelectorAll(selectors.join(", "))].map((node) => [node, reason]);
  return [...all(runs, RUNS_REASON), ...all(settings, FORM_REASON), ...all(others, NETWORK_REASON)];
}

const titles = new Map(); // a locked control's own title (null: none), given back on unlock

/** Lock (true) or free (false) the page's controls that would move the lesson's network. */
export function lockPage(on) {
  for (const [node, reason] of lockedControls()) {
    node.disabled = on;
    if (on && !titles.has(node)) {
      titles.set(node, node.getAttribute("title"));
      node.setAttribute("title", reason);
    } else if (!on && titles.has(node)) {
      const own = titles.get(node);
      if (own === null) node.removeAttribute("title");
      else node.setAttribute("title", own);
      titles.delete(node);
    }
  }
  store.set({ tourLock: on });
  for (const note of document.querySelectorAll("[data-tour-lock]")) note.hidden = !on;
}
