// A first visit offers the first lesson in the header; once dismissed, the browser remembers.

const KEY = "backprop-explorer:welcome";

/** Show the offer unless this browser dismissed it before; × dismisses it for good. */
export function offerFirstLesson() {
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
}
