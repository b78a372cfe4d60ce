// Buttons, the speed slider and keyboard shortcuts, wired to the actions.

import { $, animator, store } from "./context.js";
import { clearErrors } from "./messages.js";
import { reset, runEpoch, runPhase, runStep } from "./phase-actions.js";
import { checkGradients, exportNetwork, importNetwork } from "./file-actions.js";
import { togglePlay } from "./play.js";
import { pushOwnRow } from "./own-input.js";

/**
 * The Speed slider, slow to fast: the phase animations' speed factor and Play's pace in epochs
 * per second. Its right end draws no animation and trains as fast as the server goes.
 */
export const SPEEDS = [
  { label: "0.25×", animation: 0.25, pace: 1 },
  { label: "0.5×", animation: 0.5, pace: 3 },
  { label: "1×", animation: 1, pace: 10 },
  { label: "2×", animation: 2, pace: 30 },
  { label: "4×", animation: 4, pace: 100 },
  { label: "max", animation: 0, pace: Infinity },
];
const TEXT_INPUTS = new Set(["text", "number", "search", "email", "url", "tel", "password"]);

/** True while the learner types in a text field: there every key is text, none a shortcut. */
function isTyping(target) {
  if (target.closest?.("textarea, [contenteditable]:not([contenteditable=false])")) return true;
  return target.tagName === "INPUT" && TEXT_INPUTS.has(target.type);
}

const PRESSABLE = "button, a[href], summary, [role=button]";
let clicked = null; // the control the pointer last pressed: it keeps the focus, not the keyboard
document.addEventListener("pointerdown", (evt) => (clicked = evt.target.closest?.(PRESSABLE) ?? null), true);
document.addEventListener("keydown", (evt) => evt.key === "Tab" && (clicked = null), true);

/**
 * A control Space presses: a button, a link, a summary or a part of the drawing the keyboard
 * brought the focus to. One the mouse just clicked keeps the focus: there Space still toggles
 * Play, as it does everywhere else.
 */
function isPressable(target) {
  const control = target.closest?.(PRESSABLE);
  return Boolean(control) && control === target && control !== clicked;
}

let keyOwner = null;

/** Let `handler(evt)` see every keydown and keyup first (null: nobody); when it returns true the
 * key is its own and no page shortcut runs. The lesson tour owns the keys while it is open. */
export function routeKeys(handler) {
  keyOwner = handler;
}

export function wireControls() {
  document.querySelectorAll("[data-phase-button]").forEach((button) => button.addEventListener("click", () => runPhase(button.dataset.phaseButton)));
  $("[data-action=step]").addEventListener("click", runStep);
  $("[data-action=epoch]").addEventListener("click", runEpoch);
  $("[data-action=play]").addEventListener("click", togglePlay);
  $("[data-action=reset]").addEventListener("click", reset);
  $("[data-action=gradcheck]").addEventListener("click", checkGradients);
  $("[data-action=export]").addEventListener("click", exportNetwork);
  const importInput = $("[data-import]");
  importInput.addEventListener("change", async () => {
    const file = importInput.files[0];
    if (file) await importNetwork(file);
    importInput.value = ""; // choosing the same file again imports it again
  });
  $("[data-action=skip]").addEventListener("click", () => animator.skip());
  $("[data-action=push]").addEventListener("click", pushOwnRow);
  for (const input of document.querySelectorAll("[data-own-inputs], [data-own-targets]")) {
    input.addEventListener("keydown", (evt) => evt.key === "Enter" && pushOwnRow());
  }
  const speed = $("[data-speed]");
  const applySpeed = () => {
    const v = SPEEDS[Number(speed.value)] ?? SPEEDS[2];
    animator.setSpeed(v.animation);
    store.set({ pace: v.pace });
    const words = Number.isFinite(v.pace)
      ? `animations ${v.label}, Play about ${v.pace} epoch${v.pace === 1 ? "" : "s"} per second`
      : "no animation, Play as fast as it goes";
    $("[data-speed-label]").textContent = Number.isFinite(v.pace) ? `${v.label} · ${v.pace}/s` : "max";
    speed.setAttribute("aria-valuetext", words);
    speed.title = `Speed: ${words}`;
  };
  speed.addEventListener("input", applySpeed);
  applySpeed();
  $("[data-sample]").addEventListener("change", () => clearErrors("phase"));
  for (const box of document.querySelectorAll("[data-boundary-option]")) {
    box.addEventListener("change", () => store.set({ boundary: { ...store.get().boundary, [box.dataset.boundaryOption]: box.checked } }));
  }
  $("[data-loss-log]").addEventListener("change", (evt) => store.set({ lossLog: evt.target.checked }));
  for (const select of document.querySelectorAll("[data-display]")) {
    select.addEventListener("change", () => store.set({ display: { ...store.get().display, [select.dataset.display]: select.value } }));
  }

  function nudgeSpeed(d) {
    speed.value = String(Math.max(0, Math.min(SPEEDS.length - 1, Number(speed.value) + d)));
    applySpeed();
  }
  const shortcuts = {
    f: () => runPhase("forward"),
    l: () => runPhase("loss"),
    b: () => runPhase("backward"),
    u: () => runPhase("update"),
    s: runStep,
    e: runEpoch,
    r: reset,
    " ": togglePlay,
    escape: () => animator.skip(),
    "+": () => nudgeSpeed(1),
    "=": () => nudgeSpeed(1),
    "-": () => nudgeSpeed(-1),
  };
  document.addEventListener("keydown", (evt) => {
    if (keyOwner?.(evt)) return;
    if (evt.ctrlKey || evt.metaKey || evt.altKey || evt.repeat) return;
    const fn = shortcuts[evt.key.toLowerCase()];
    if (!fn || isTyping(evt.target) || evt.target.closest?.("dialog")) return; // a dialog's keys are its own
    // Space on a focused button (or link, or a part of the drawing) presses that, not Play.
    if (evt.key === " " && isPressable(evt.target)) return;
    // Letters stay with a focused list or option (they pick an item there); Space and Escape
    // work everywhere else, so Space toggles Play wherever a click left the focus.
    if (evt.key !== " " && evt.key !== "Escape" && evt.target.closest?.("select, input")) return;
    evt.preventDefault(); // a focused button must not also be pressed by Space
    fn();
  });
  // A button pressed by Space fires its click on keyup; elsewhere Space already played on keydown.
  document.addEventListener("keyup", (evt) => {
    if (keyOwner?.(evt)) return;
    if (evt.key === " " && !isTyping(evt.target) && !isPressable(evt.target) && !evt.target.closest?.("dialog")) evt.preventDefault();
  });
}
