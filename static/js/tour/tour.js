// The guided tour of one lesson on the explorer page: start its network, run each step's action
// through the page's actions, show the server-rendered text and prediction, keep the step in the URL.

import * as api from "../api.js";
import { $, animator, emit, form, store } from "../context.js";
import { adopt, loadPreview } from "../network-actions.js";
import { setupFromNetwork } from "../setup.js";
import { detailOf, status } from "../messages.js";
import { momentName, networkMoment } from "../moments.js";
import { at } from "../root.js";
import { routeKeys } from "../controls.js";
import { loadAnalysis } from "../render.js";
import { runAction } from "./actions.js";
import { lockPage } from "./lock.js";
import { highlight, offscreenTarget, pointerWords } from "./highlight.js";
import { contextFor, openLesson, stepFromHash } from "./opening.js";

/** The page's shortcuts that run the network: during the tour its steps do that. */
const NETWORK_KEYS = new Set(["f", "l", "b", "u", "s", "e", "r"]);

/** Resolves when the store holds network `id` (adopt() has drawn it). */
function onScreen(id) {
  return new Promise((resolve) => {
    const off = store.subscribe((s) => {
      if (s.network?.id !== id) return;
      off();
      resolve();
    });
  });
}

/** Run lesson `lessonId` as a tour; `setup` is the form's, the base for describing its network.
 * The lesson's opening (opening.js: the panel, the lesson, its network, step 1's text) may
 * have begun before this page's modules were loaded; the tour takes it over. */
export async function startTour(lessonId, setup) {
  const tour = { lesson: null, context: {}, done: [], index: 0, running: false, adopted: null, firstText: null, left: false };
  const opening = openLesson(lessonId);
  const panel = opening.panel();
  lockPage(true); // the steps run the network and set its settings, not the page's controls
  opening.wire({ next, back, leave, choose });
  // The room the page keeps for the first step's panels (app.css) is for its first drawing only.
  const release = () => delete document.body.dataset.lessonTarget;
  for (const type of ["pointerdown", "keydown"]) window.addEventListener(type, release, { once: true, capture: true });
  status("Starting the lesson…", true);
  let adopted;
  try {
    const [lesson, network] = await Promise.all([opening.lesson, opening.network, loadAnalysis()]);
    tour.lesson = lesson;
    tour.context = { network };
    panel.setTitle(lesson.title);
    // Step 1's text, when it runs nothing, is shown while the network is being drawn (opening.js);
    // the step itself (its mark on the drawing, its place in the URL) follows.
    tour.firstText = opening.firstText;
    // A lesson on generated data fills the form; one on explicit rows leaves it as it was.
    const described = setupFromNetwork(network, setup);
    if (described) form.config.render(described, await loadPreview(described));
    // The step's text is shown once the network is drawn; its data, plots and neuron health
    // follow (adopt() finishes), and a step's action waits for them.
    adopted = adopt(network, described, { keepUrl: true });
    await Promise.race([adopted, onScreen(network.id)]);
  } catch (err) {
    panel.setError(`The lesson could not start: ${detailOf(err)}`);
    status("The lesson could not start");
    return;
  }
  const { lesson } = tour;
  tour.adopted = adopted.then(
    () => {
      document.body.dataset.ready = "true";
      if (!tour.running && !tour.left) status(`Lesson · step ${tour.index + 1} of ${lesson.steps.length}`);
    },
    (err) => {
      panel.setError(`The lesson could not start: ${detailOf(err)}`);
      status("The lesson could not start");
      throw err;
    },
  );
  tour.adopted.catch(() => {}); // said in the panel; a step's action that waits for it stops there
  routeKeys(onKey);
  window.addEventListener("hashchange", onHash);

  const wanted = Math.min(stepFromHash(), lesson.steps.length);
  if (wanted > 1) {
    await tour.adopted;
    await replay(wanted - 1);
  }
  await show(wanted - 1);

  /** Run steps 0..count-1 without animation or questions: a link that names a later step. */
  async function replay(count) {
    panel.busy(`Replaying steps 1 to ${count} to rebuild the network…`);
    animator.setSpeed(0);
    try {
      for (let k = 0; k < count; k += 1) await runAndRender(k, null);
    } catch (err) {
      panel.setError(`Replaying step ${tour.done.length + 1} failed: ${err.message}`);
    } finally {
      $("[data-speed]").dispatchEvent(new Event("input")); // back to the slider's speed
    }
  }

  /** Run step k's action, keep its answer, render its text; remember the learner's pick. */
  async function runAndRender(k, picked) {
    const step = lesson.steps[k];
    if (step.action) {
      await tour.adopted;
      const answer = await runAction(step);
      tour.context[step.action === "patch" || step.action === "reset" ? "network" : step.action] = answer;
      if (step.save_as) tour.context[step.save_as] = answer;
    }
    const asked = k === 0 && tour.firstText;
    tour.firstText = null;
    let rendered = null;
    if (asked) {
      // Step 1's text as the opening asked for it (null when it asked for none), once shown there.
      await opening.ready;
      rendered = await asked;
    }
    rendered ??= await api.renderLessonStep(lesson.id, k, contextFor(step, tour.context), "after");
    tour.done[k] = { rendered, picked };
    emit({ tour: lesson.id, step: k + 1, picked, answer: rendered.ask?.answer ?? null });
    return tour.done[k];
  }

  /** Show step k: from memory when it already ran, else its question or its action. */
  async function show(k) {
    tour.index = k;
    document.body.dataset.tourStage = "loading";
    history.replaceState(null, "", `#step=${k + 1}`);
    panel.setProgress(k, lesson.steps.length);
    status(`Lesson · step ${k + 1} of ${lesson.steps.length}`);
    panel.setNextLabel(k === lesson.steps.length - 1 ? "Finish" : "Next →");
    panel.setError("");
    const step = lesson.steps[k];
    highlight(step.target);
    panel.pointAt(pointerWords(step.target));
    panel.pointTo(null);
    if (tour.done[k]) {
      panel.show(tour.done[k].rendered, tour.done[k].picked);
      panel.setBehind(behindWords(k));
      panel.pointTo(offscreenTarget());
      document.body.dataset.tourStage = "shown";
      return;
    }
    if (step.ask) {
      try {
        const before = await api.renderLessonStep(lesson.id, k, contextFor(step, tour.context), "before");
        if (tour.left || tour.index !== k) return; // Back, a link or Leave moved on while the question was on its way
        panel.ask(before.ask.question, before.ask.choices);
        document.body.dataset.tourStage = "ask";
      } catch (err) {
        panel.setError(detailOf(err));
      }
      return;
    }
    await perform(k, null);
  }

  /** Run step k now (after the learner's pick, if it asked) and show what it gave. */
  async function perform(k, picked) {
    tour.running = true;
    document.body.dataset.tourStage = "running";
    panel.busy(lesson.steps[k].action ? "Running this step on the network…" : "");
    try {
      const { rendered } = await runAndRender(k, picked);
      if (tour.left || tour.index !== k) return; // left (or moved on) while the step ran: no mark, no text
      panel.show(rendered, picked);
      highlight(lesson.steps[k].target); // the drawing may have been rebuilt (patch)
      panel.pointAt(pointerWords(lesson.steps[k].target));
      panel.pointTo(offscreenTarget());
      document.body.dataset.tourStage = "shown";
      panel.focusNext();
    } catch (err) {
      if (tour.left) return;
      panel.setError(`This step could not run: ${err instanceof api.ApiError ? err.detail : err.message}`);
      document.body.dataset.tourStage = "failed";
    } finally {
      tour.running = false;
    }
  }

  /** Step k shown again after later steps ran: when one of them changed the network or its
   * trace, the drawing is not what k's text quotes, and the panel says so ("" otherwise). */
  function behindWords(k) {
    let last = -1; // the last step that ran something the drawing shows
    tour.done.forEach((d, j) => {
      if (d && lesson.steps[j].action && lesson.steps[j].action !== "history") last = j;
    });
    return last > k ? `The drawing shows the network after step ${last + 1}; Next goes on from there.` : "";
  }

  function choose(choice) {
    if (!tour.running && !tour.done[tour.index]) perform(tour.index, choice);
  }

  function next() {
    if (tour.running || !tour.done[tour.index]) return;
    if (tour.index + 1 < lesson.steps.length) show(tour.index + 1);
    else finish();
  }

  function back() {
    if (!tour.running && tour.index > 0) show(tour.index - 1);
  }

  function finish() {
    panel.busy(`That was the last step of “${lesson.title}”. Leave the tour to keep exploring this network, or pick another lesson.`);
    panel.setNextLabel("Finish");
    document.body.dataset.tourStage = "finished";
    $("[data-tour-leave]").focus();
  }

  /** Close the tour; the network stays on the page, and the URL now opens it in the explorer. */
  function leave() {
    tour.left = true;
    routeKeys(null);
    lockPage(false);
    window.removeEventListener("hashchange", onHash);
    highlight(null);
    $("[data-tour]").hidden = true;
    const id = store.get().network?.id;
    if (id) history.replaceState(null, "", at(`/#net=${encodeURIComponent(id)}`));
    delete document.body.dataset.lesson;
    document.body.dataset.tourStage = "left";
    // The page's own status, as it says it after a build or a step.
    const network = store.get().network;
    status(network ? `Ready · ${momentName(networkMoment(network))}` : "Ready");
  }

  /** A step typed into the address bar: shown when it ran already or is the next to run. */
  function onHash() {
    const k = Math.min(stepFromHash(), lesson.steps.length) - 1;
    if (tour.running || k === tour.index) return;
    if (k <= tour.done.length) show(k);
    else history.replaceState(null, "", `#step=${tour.index + 1}`);
  }

  /** The tour's keys, seen before the page's shortcuts; true when the key was the tour's.
   * Enter or → is Next, ← Back, 1–9 a choice. Space presses the focused button (a choice, Next)
   * and is Next elsewhere, never Play; the keys that would run the network (F L B U S E R) do
   * nothing but say so, as the steps run it. Escape and the speed keys stay the page's. */
  function onKey(evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey) return false;
    const t = evt.target;
    const onButton = Boolean(t.closest?.("button, a, summary, [role=button]"));
    if (evt.key === " ") {
      if (evt.repeat) return true;
      if (t.closest?.("input, select, textarea, [contenteditable]")) return true; // typed, not played
      if (evt.type === "keydown" && !onButton) {
        evt.preventDefault();
        next();
      }
      return true; // on a button the browser presses it
    }
    if (evt.type !== "keydown" || t.closest?.("input, select, textarea, [contenteditable]")) return false;
    if (evt.key === "ArrowRight" || (evt.key === "Enter" && !onButton)) {
      evt.preventDefault();
      next();
      return true;
    }
    if (evt.key === "ArrowLeft") {
      evt.preventDefault();
      back();
      return true;
    }
    if (/^[1-9]$/.test(evt.key)) {
      const button = panel.choiceButtons()[Number(evt.key) - 1];
      if (button) {
        evt.preventDefault();
        button.click();
      }
      return true;
    }
    if (NETWORK_KEYS.has(evt.key.toLowerCase())) {
      evt.preventDefault();
      panel.note(`${evt.key.toUpperCase()} is the page's shortcut: in the lesson, Next runs each step (Leave tour frees the keys)`);
      return true;
    }
    return false;
  }
}
