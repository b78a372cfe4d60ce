// The tour panel above the drawing: the lesson's title, the step's text, its prediction, Back/Next/Leave.

import { at } from "../root.js";

const make = (tag, attrs = {}, text = "") => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
};

let letGo = null; // ends the hold of the part last shown

/**
 * Scroll `node` into view and hold it where it came to rest while the page settles: a panel above
 * it that loads or takes its height afterwards (the computational graph, drawn when first scrolled
 * near; on a phone, a panel laid out only once near the screen) would push it off the screen. The
 * page scrolls by as much as the node moved before that frame is painted, until the learner
 * scrolls, taps, clicks or presses a key.
 */
function showAndHold(node, block) {
  letGo?.();
  node.scrollIntoView({ block });
  const restsAt = node.getBoundingClientRect().top;
  // What can move it: every box beside each of its ancestors (a grid's order can put a later one
  // above it).
  const watcher = new ResizeObserver(() => {
    if (!node.isConnected) return letGo?.();
    const moved = node.getBoundingClientRect().top - restsAt;
    if (Math.abs(moved) >= 0.5) window.scrollBy(0, moved);
  });
  for (let up = node.parentElement; up && up !== document.documentElement; up = up.parentElement) {
    for (const part of up.children) watcher.observe(part);
  }
  const inputs = ["wheel", "touchstart", "pointerdown", "keydown"];
  letGo = () => {
    watcher.disconnect();
    for (const type of inputs) window.removeEventListener(type, letGo, true);
    letGo = null;
  };
  for (const type of inputs) window.addEventListener(type, letGo, { capture: true, passive: true });
}

/** Build the panel's parts inside `root`; `on` = {next, back, leave, choose(choice)}. */
export function createPanel(root, on) {
  root.replaceChildren();
  const head = make("div", { class: "tour-head" });
  const kicker = make("p", { class: "tour-kicker" });
  kicker.append("Lesson · ", make("a", { href: at("/lessons") }, "all lessons"));
  const title = make("h2", { "data-tour-title": "" });
  const progress = make("span", { class: "tour-progress", "data-tour-progress": "" });
  head.append(kicker, title, progress);

  const body = make("div", { class: "tour-body", "aria-live": "polite" });
  // Focused while a question is up: Enter or Space meant as "next" presses no choice.
  const question = make("p", { class: "tour-question", "data-tour-question": "", tabindex: "-1" });
  const choices = make("div", { class: "tour-choices", role: "group", "aria-label": "Your prediction", "data-tour-choices": "" });
  const verdict = make("p", { class: "tour-verdict", "data-tour-verdict": "" });
  const text = make("p", { class: "tour-text", "data-tour-text": "", tabindex: "-1" });
  // Back to a step whose numbers the drawing has moved on from: said in one line.
  const behind = make("p", { class: "hint tour-behind", "data-tour-behind": "" });
  // What the step's yellow glow marks on the page, beside a sample of the glow.
  const pointer = make("p", { class: "hint tour-pointer", "data-tour-pointer": "", hidden: "" });
  const error = make("p", { class: "error", role: "alert", "data-tour-error": "" });
  body.append(question, choices, verdict, text, pointer, behind, error);

  const nav = make("div", { class: "tour-nav" });
  const back = make("button", { type: "button", "data-tour-back": "", "aria-keyshortcuts": "ArrowLeft" }, "← Back");
  const next = make("button", { type: "button", class: "primary", "data-tour-next": "", "aria-keyshortcuts": "Enter ArrowRight" }, "Next →");
  const leave = make("button", { type: "button", "data-tour-leave": "", title: "Close the tour and keep exploring this network" }, "Leave tour");
  const HINT = "Enter, Space or → next · ← back";
  const hint = make("span", { class: "hint", "data-tour-hint": "" }, HINT);
  const where = make("button", { type: "button", class: "tour-where", "data-tour-where": "", hidden: "" });
  // On a narrow screen the tour sits above the drawing: one tap shows the network.
  // Offered only while the drawing is out of view (seeOffered).
  const see = make("button", { type: "button", class: "tour-see", "data-tour-see": "", hidden: "" }, "See the network ↓");
  see.addEventListener("click", () => {
    const drawing = document.querySelector(".panel.drawing");
    if (drawing) showAndHold(drawing, "start");
    awayFromPanel();
  });
  // After a jump to the drawing or a step's target, a button at the foot of the window brings
  // the panel (and Next) back; it goes once the panel's buttons are in view again.
  const toPanel = make("button", { type: "button", class: "tour-return", "data-tour-return": "", hidden: "" }, "↑ Back to the lesson");
  toPanel.addEventListener("click", () => {
    root.scrollIntoView({ block: "start" });
    toPanel.hidden = true;
    const answering = Boolean(question.textContent) && next.disabled;
    (answering ? question : next.disabled ? text : next).focus({ preventScroll: true });
  });
  nav.append(back, next, leave, see, where, hint);
  back.addEventListener("click", on.back);
  next.addEventListener("click", on.next);
  leave.addEventListener("click", on.leave);
  root.append(head, body, nav, toPanel);
  root.hidden = false;

  let away = false; // the learner jumped from the panel to the page
  let navInView = true;
  function awayFromPanel() {
    away = true;
    toPanel.hidden = navInView;
  }
  new IntersectionObserver(([entry]) => {
    navInView = entry.isIntersecting;
    if (navInView) away = false;
    toPanel.hidden = !away || navInView;
  }).observe(nav);
  /** "See the network" only when the drawing is out of the window (a phone, the panel above it). */
  function seeOffered() {
    const drawing = document.querySelector(".panel.drawing");
    const r = drawing?.getBoundingClientRect();
    const visible = r && r.height > 0 && r.top < window.innerHeight - 120 && r.bottom > 120;
    see.hidden = !r || r.height === 0 || Boolean(visible);
  }
  let seeFrame = 0;
  const seeSoon = () => (seeFrame ||= requestAnimationFrame(() => ((seeFrame = 0), seeOffered())));
  window.addEventListener("scroll", seeSoon, { passive: true });
  window.addEventListener("resize", seeSoon);
  seeSoon();

  /** `text` with each quoted number in a span whose title holds its full value. */
  function fillText(node, rendered) {
    node.replaceChildren();
    const full = rendered.text ?? "";
    let at = 0;
    for (const q of rendered.quoted ?? []) {
      const found = q.shown ? full.indexOf(q.shown, at) : -1;
      if (found < 0) continue;
      node.append(full.slice(at, found));
      // A number is never split across lines (1.26e-04 would break at its hyphen); text may wrap.
      const cls = typeof q.value === "number" ? "tour-number whole" : "tour-number";
      node.append(make("span", { class: cls, "data-quoted": q.expr, title: `${q.expr} = ${JSON.stringify(q.value)}` }, q.shown));
      at = found + q.shown.length;
    }
    node.append(full.slice(at));
  }

  return {
    setTitle: (t) => (title.textContent = t),
    setProgress(index, count) {
      progress.textContent = `Step ${index + 1} of ${count}`;
      hint.textContent = HINT;
      back.disabled = index === 0;
      behind.textContent = "";
      seeSoon();
    },
    /** The line under a step shown again whose numbers are not the drawing's ("" for none). */
    setBehind: (message) => (behind.textContent = message),
    /** Before the action: the question and one button per choice. */
    ask(question_, choiceList) {
      question.textContent = question_;
      choices.replaceChildren(
        ...choiceList.map((c, k) => {
          const b = make("button", { type: "button", "data-choice": c, "aria-keyshortcuts": String(k + 1) }, c);
          b.addEventListener("click", () => on.choose(c));
          return b;
        }),
      );
      verdict.textContent = "";
      verdict.className = "tour-verdict";
      text.replaceChildren();
      next.disabled = true;
      hint.textContent = `${choiceList.length > 1 ? `1–${choiceList.length}` : "1"} or click a choice · ← back`;
      question.focus({ preventScroll: true });
    },
    /** After the action: the question answered (if any), the learner's pick judged, the text. */
    show(rendered, picked, { early = false } = {}) {
      const a = rendered.ask;
      question.textContent = a ? a.question : "";
      choices.replaceChildren(
        ...(a ? a.choices : []).map((c) => {
          const cls = c === a.answer ? "answer" : c === picked ? "wrong" : "";
          return make("button", { type: "button", disabled: "", class: cls, "data-choice": c }, c);
        }),
      );
      verdict.className = "tour-verdict";
      verdict.replaceChildren();
      if (a) {
        const right = picked === a.answer;
        verdict.classList.add(picked == null ? "skipped" : right ? "right" : "wrong");
        verdict.dataset.result = picked == null ? "none" : right ? "right" : "wrong";
        const lead = picked == null ? "" : right ? `Right: ${a.answer}. ` : `Not quite: you said ${picked}, it is ${a.answer}. `;
        verdict.append(make("strong", {}, lead || `It is ${a.answer}. `), a.why ?? "");
      }
      fillText(text, rendered);
      hint.textContent = HINT;
      next.disabled = early; // shown while the network is still being drawn: Next waits for it
    },
    busy(message) {
      text.textContent = message;
      next.disabled = true;
    },
    setError: (message) => (error.textContent = message || ""),
    /** Say what the step marks (`words`; null: nothing is marked). */
    pointAt(words) {
      pointer.hidden = !words;
      pointer.replaceChildren();
      if (words) pointer.append(make("span", { class: "tour-swatch", "aria-hidden": "true" }), `Glowing yellow: ${words}, what this step is about.`);
    },
    /** A button that brings the step's target into view (null: none, it is in view). */
    pointTo(target) {
      where.hidden = !target;
      where.onclick = null;
      if (!target) return;
      where.textContent = `Show: ${target.name} ↓`;
      where.title = "Scroll to what this step is about";
      where.onclick = () => {
        showAndHold(target.node, "center");
        awayFromPanel();
      };
    },
    /** A word about the keys in place of the hint, until the next step is shown. */
    note: (message) => (hint.textContent = message),
    setNextLabel: (label) => (next.textContent = label),
    focusNext: () => next.focus(),
    nextEnabled: () => !next.disabled,
    choiceButtons: () => [...choices.querySelectorAll("button:not([disabled])")],
  };
}
