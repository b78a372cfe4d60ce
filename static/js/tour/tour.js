// The guided tour of one lesson on the explorer page: start its network, run each step's action
// through the page's actions, show the server-rendered text and prediction, keep the step in the URL.

import * as api from "../api.js";
import { $, animator, emit, form, store } from "../context.js";
import { adopt, loadPreview } from "../network-actions.js";
import { setupFromNetwork } from "../setup.js";
import { detailOf, status } from "../messages.js";
import { runAction } from "./actions.js";
import { highlight } from "./highlight.js";
import { createPanel } from "./panel.js";

/** The context keys a step can read: only these are sent to be rendered (train answers are long). */
function contextFor(step, context) {
  const words = new Set(JSON.stringify([step.text, step.ask]).match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
  return Object.fromEntries(Object.entries(context).filter(([k]) => words.has(k)));
}

/** 1-based step from `#step=N`, else 1. */
function stepFromHash() {
  const n = Number(new URLSearchParams(location.hash.replace(/^#/, "")).get("step"));
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** Run lesson `lessonId` as a tour; `setup` is the form's, the base for describing its network. */
export async function startTour(lessonId, setup) {
  const tour = { lesson: null, context: {}, done: [], index: 0, running: false };
  const panel = createPanel($("[data-tour]"), { next, back, leave, choose });
  status("Starting the lesson…", true);
  try {
    tour.lesson = await api.getLesson(lessonId);
    const network = await api.startLesson(lessonId);
    tour.context = { network };
    // A lesson on generated data fills the form; one on explicit rows leaves it as it was.
    const described = setupFromNetwork(network, setup);
    if (described) form.config.render(described, await loadPreview(described));
    await adopt(network, described, { keepUrl: true });
  } catch (err) {
    panel.setError(`The lesson could not start: ${detailOf(err)}`);
    status("The lesson could not start");
    return;
  }
  const { lesson } = tour;
  panel.setTitle(lesson.title);
  document.title = `${lesson.title} · Backprop Explorer`;
  document.body.dataset.ready = "true";
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", onHash);

  const wanted = Math.min(stepFromHash(), lesson.steps.length);
  if (wanted > 1) await replay(wanted - 1);
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
      const answer = await runAction(step);
      tour.context[step.action === "patch" || step.action === "reset" ? "network" : step.action] = answer;
      if (step.save_as) tour.context[step.save_as] = answer;
    }
    const rendered = await api.renderLessonStep(lesson.id, k, contextFor(step, tour.context), "after");
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
    panel.setNextLabel(k === lesson.steps.length - 1 ? "Finish" : "Next →");
    panel.setError("");
    const step = lesson.steps[k];
    highlight(step.target);
    if (tour.done[k]) {
      panel.show(tour.done[k].rendered, tour.done[k].picked);
      document.body.dataset.tourStage = "shown";
      return;
    }
    if (step.ask) {
      try {
        const before = await api.renderLessonStep(lesson.id, k, contextFor(step, tour.context), "before");
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
      if (tour.index !== k) return;
      panel.show(rendered, picked);
      highlight(lesson.steps[k].target); // the drawing may have been rebuilt (patch)
      status(`Lesson · step ${k + 1} of ${lesson.steps.length}`);
      document.body.dataset.tourStage = "shown";
      panel.focusNext();
    } catch (err) {
      panel.setError(`This step could not run: ${err instanceof api.ApiError ? err.detail : err.message}`);
      document.body.dataset.tourStage = "failed";
    } finally {
      tour.running = false;
    }
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
    document.removeEventListener("keydown", onKey);
    window.removeEventListener("hashchange", onHash);
    highlight(null);
    $("[data-tour]").hidden = true;
    const id = store.get().network?.id;
    if (id) history.replaceState(null, "", `/#net=${encodeURIComponent(id)}`);
    delete document.body.dataset.lesson;
    document.body.dataset.tourStage = "left";
  }

  /** A step typed into the address bar: shown when it ran already or is the next to run. */
  function onHash() {
    const k = Math.min(stepFromHash(), lesson.steps.length) - 1;
    if (tour.running || k === tour.index) return;
    if (k <= tour.done.length) show(k);
    else history.replaceState(null, "", `#step=${tour.index + 1}`);
  }

  function onKey(evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey) return;
    const t = evt.target;
    if (t.closest?.("input, select, textarea, [contenteditable]")) return;
    if (evt.key === "ArrowRight" || (evt.key === "Enter" && !t.closest?.("button, a, summary, [role=button]"))) {
      evt.preventDefault();
      next();
    } else if (evt.key === "ArrowLeft") {
      evt.preventDefault();
      back();
    } else if (/^[1-9]$/.test(evt.key)) {
      const button = panel.choiceButtons()[Number(evt.key) - 1];
      if (button) {
        evt.preventDefault();
        button.click();
      }
    }
  }
}
