// The first module of a lesson whose step 1 runs nothing and asks nothing: it begins the lesson
// (tour/opening.js: the lesson, its network, step 1's text on the tour panel) with the few
// modules that takes, and only then asks for the explorer's modules and imports main.js, whose
// tour takes the lesson over. Step 1's text waits for none of them, and its requests do not
// queue behind theirs.

import { openLesson, stepFromHash } from "./tour/opening.js";

/** Resolves after the next frame has been painted. */
const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

const opening = openLesson(document.body.dataset.lesson);
if (stepFromHash() === 1) {
  await opening.ready;
  await painted();
}
// The explorer's modules, which the page lists in a template (app/routers/pages.py), all at once.
const later = document.querySelector("template[data-later-modules]");
if (later) document.head.append(later.content);
await import("./main.js");
