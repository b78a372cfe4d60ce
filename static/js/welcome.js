// A first visit offers the first lesson in a corner; once dismissed, the browser remembers.

const KEY = "backprop-explorer:welcome";

/** Show the offer unless this browser dismissed it before; × dismisses it for good. Once the
 * learner sets to work (a phase, a step, an epoch, Play), the offer steps aside for this visit:
 * fixed in a corner, it would otherwise cover part of the drawing or the plots (a third of a
 * phone's screen below the controls). */
export function offerFirstLesson(store) {
  const box = document.querySelector("[data-welcome]");
  if (!box) return;
  let dismissed = false;
  try {
    dismissed = localStorage.getItem(KEY) === "dismissed";
  } catch {
    dismissed = false; // storage refused (a private window): offer it each visit
  }
  box.hidden = dismissed;
  box.querySelector("[data-action=dismiss-welcome]").addEventListener("click", () => {
    box.hidden = true;
    try {
      localStorage.setItem(KEY, "dismissed");
    } catch {
      // nothing to remember it in: it stays hidden until the page is loaded again
    }
  });
  if (dismissed) return;
  let seen = store.get().network; // the network on screen, and its step, when last looked at
  const stopWatching = store.subscribe((state, keys) => {
    const { network } = state;
    const working =
      (keys.has("trace") && state.trace) ||
      (keys.has("playing") && state.playing) ||
      (network && seen && network.id === seen.id && network.step !== seen.step);
    if (keys.has("network")) seen = network;
    if (!working) return;
    box.hidden = true;
    stopWatching();
  });
}
