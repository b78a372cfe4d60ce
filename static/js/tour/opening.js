// A lesson's opening, before the explorer's modules: the tour panel, the requests for the lesson
// and its network, and step 1's text as soon as the server has rendered it. The tour
// (tour.js) takes all of it over once the page around it is ready.

import * as api from "../api.js";
import { createPanel } from "./panel.js";
import { prune } from "./prune.js";

/** Only the numbers the step's text reads are sent to be rendered (a train answer is long). */
export const contextFor = (step, context) => prune(context, step.reads ?? []);

/** 1-based step from `#step=N`, else 1. */
export function stepFromHash() {
  const n = Number(new URLSearchParams(location.hash.replace(/^#/, "")).get("step"));
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

let opening = null;

/**
 * Lesson `lessonId`'s opening, begun on the first call (the same one on every later call):
 * `panel()` (the tour panel, built on first call: its buttons call the handlers the tour gives
 * `wire`), `lesson` and `network` (promises of the lesson and of its new network),
 * `firstText` (a promise of step 1's text, or of null when step 1 runs an action, asks first,
 * or the link names a later step) and `ready` (resolves once that text is on the panel, or when
 * there is none to show, or it failed).
 */
export function openLesson(lessonId) {
  if (opening) return opening;
  const on = {};
  let left = false; // Leave pressed before the tour has taken over: it leaves as soon as it can
  let panel = null;
  const panelNow = () =>
    (panel ??= createPanel(document.querySelector("[data-tour]"), {
      next: () => on.next?.(),
      back: () => on.back?.(),
      leave: () => (on.leave ? on.leave() : (left = true)),
      choose: (choice) => on.choose?.(choice),
    }));
  const lesson = api.getLesson(lessonId);
  const network = api.startLesson(lessonId);
  lesson.then((found) => (document.title = `${found.title} · Backprop Explorer`), () => {});
  network.catch(() => {}); // the tour says why the lesson could not start
  const later = stepFromHash() > 1;
  // Step 1's text, when it runs nothing, is asked for as soon as the network exists.
  const firstText = lesson.then((found) => {
    const first = found.steps[0];
    if (later || !first || first.action || first.ask) return null;
    return network.then((net) => api.renderLessonStep(found.id, 0, contextFor(first, { network: net }), "after"));
  });
  // The panel is built with its title and text in one go: nothing in it moves as they arrive.
  const ready = Promise.all([lesson, firstText]).then(
    ([found, rendered]) => {
      if (!rendered) return;
      const shown = panelNow();
      shown.setTitle(found.title);
      shown.setProgress(0, found.steps.length);
      shown.show(rendered, null, { early: true }); // Next waits for the network's drawing
    },
    () => {}, // a failure is said when the tour shows step 1
  );
  opening = {
    panel: panelNow,
    lesson,
    network,
    firstText,
    ready,
    /** The tour's handlers for the panel's buttons; a Leave pressed already is acted on now. */
    wire(handlers) {
      Object.assign(on, handlers);
      if (left) on.leave();
    },
  };
  return opening;
}
