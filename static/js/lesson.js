// A lesson page's first module: it begins the lesson (tour/opening.js: the lesson, its network,
// step 1's text on the tour panel) with the few modules that takes, and only then loads the
// explorer (main.js), whose tour takes the lesson over. Step 1's text does not wait for the
// explorer's modules, nor do they share the connections with the requests it waits for.

import { openLesson } from "./tour/opening.js";

/** Resolves after the next frame has been painted. */
const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

await openLesson(document.body.dataset.lesson).ready;
await painted();
// The explorer's modules, listed by the page (app/page_modules.py), all asked for at once.
const later = document.querySelector("template[data-later-modules]");
if (later) document.head.append(later.content);
await import("./main.js");
