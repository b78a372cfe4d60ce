// A lesson page's first module: it begins the lesson (tour/opening.js: the lesson, its network,
// step 1's text on the tour panel) with the few modules that takes, and then loads the explorer
// (main.js), whose tour takes the lesson over. When the page opens on a step 1 that runs
// nothing (the page says so), that text is on screen before the explorer's modules are asked
// for: it waits for none of them, and its requests do not queue behind theirs.

import { openLesson, stepFromHash } from "./tour/opening.js";

/** Resolves after the next frame has been painted. */
const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

const opening = openLesson(document.body.dataset.lesson);
if (document.body.dataset.lessonOpens === "text" && stepFromHash() === 1) {
  await opening.ready;
  await painted();
}
// The explorer's modules, when the page lists them for now (else it preloaded them), all at once.
const later = document.querySelector("template[data-later-modules]");
if (later) document.head.append(later.content);
await import("./main.js");
