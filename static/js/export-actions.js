// The export buttons: the drawing as SVG or PNG with the numbers it shows now, each plot and
// the computational graph as PNG, and a WebM video of one step's Backward animation recorded
// from the drawing with the browser's MediaRecorder.

import { $, animator, store } from "./context.js";
import { boxOf, download, drawSvgText, plotPng, pngOf, standaloneSvg } from "./export.js";
import { runPhase } from "./phase-actions.js";
import { currentPhase } from "./moments.js";
import { setError } from "./messages.js";

const FPS = 30;
const TAIL_MS = 400; // the last frame held after the animation ends

/** "network-1a2b3c4d-step-3-backward": the network, its step and the phase on screen. */
function baseName() {
  const s = store.get();
  const id = (s.network?.id ?? "network").slice(0, 8);
  return `network-${id}-step-${s.network?.step ?? 0}-${currentPhase(s.trace)}`;
}

function drawingTitle() {
  const s = store.get();
  return `Backprop Explorer: ${s.network?.layers.join("-")} network, step ${s.network?.step ?? 0}, after ${currentPhase(s.trace)}`;
}

async function saveDrawing(kind) {
  const svg = $("[data-network]");
  const text = standaloneSvg(svg, { title: drawingTitle() });
  if (kind === "svg") download(new Blob([text], { type: "image/svg+xml" }), `${baseName()}.svg`);
  else download(await pngOf(await drawSvgText(text, boxOf(svg))), `${baseName()}.png`);
}

async function savePlot(el, name) {
  const blob = await plotPng(el);
  if (blob) download(blob, `${name}-${baseName()}.png`);
  else setError("export", `The ${name} plot has nothing drawn yet.`);
}

function recorderType() {
  const types = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"];
  return types.find((t) => window.MediaRecorder?.isTypeSupported(t)) ?? null;
}

/**
 * Run the step up to Loss if it is not there, then record Backward's animation from the
 * drawing (frames drawn onto a canvas the recorder reads) and save it as WebM.
 */
async function recordBackward(button) {
  const type = recorderType();
  if (!type) {
    setError("export", "This browser cannot record video (no MediaRecorder for WebM).");
    return;
  }
  if (store.get().playing) {
    setError("export", "Pause Play first: the video records one step's Backward.");
    return;
  }
  setError("export", "");
  const phase = currentPhase(store.get().trace);
  if (phase !== "loss") {
    if (phase !== "forward" && !(await runPhase("forward"))) return;
    if (!(await runPhase("loss"))) return;
  }
  const svg = $("[data-network]");
  const box = boxOf(svg);
  const canvas = document.createElement("canvas");
  await drawSvgText(standaloneSvg(svg), box, 1, canvas);
  const stream = canvas.captureStream(FPS);
  const recorder = new MediaRecorder(stream, { mimeType: type });
  const chunks = [];
  recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  let recording = true;
  const frames = (async () => {
    while (recording) {
      await drawSvgText(standaloneSvg(svg), box, 1, canvas);
      await new Promise((r) => requestAnimationFrame(r));
    }
  })();
  const speed = animator.speed;
  if (speed === 0) animator.setSpeed(1); // the video shows the animation even when it is off
  button.dataset.state = "recording";
  button.textContent = "Recording…";
  recorder.start(100);
  try {
    await runPhase("backward");
    await new Promise((r) => setTimeout(r, TAIL_MS));
  } finally {
    recording = false;
    await frames;
    recorder.stop();
    await stopped;
    animator.setSpeed(speed);
    button.textContent = "● WebM";
  }
  const blob = new Blob(chunks, { type: "video/webm" });
  button.dataset.state = "done";
  button.dataset.bytes = String(blob.size);
  download(blob, `${baseName()}.webm`);
}

/** Add a "PNG" button after each plot canvas, and wire the drawing's and the graph's buttons. */
export function wireExports() {
  for (const button of document.querySelectorAll("[data-export]")) {
    const what = button.dataset.export;
    button.addEventListener("click", () => {
      if (what === "drawing-svg") saveDrawing("svg");
      else if (what === "drawing-png") saveDrawing("png");
      else if (what === "record") recordBackward(button);
      else if (what === "graph-svg") {
        const svg = $("[data-graph-plot] svg");
        if (svg) download(new Blob([standaloneSvg(svg)], { type: "image/svg+xml" }), `graph-${baseName()}.svg`);
      } else if (what === "graph-png") savePlot($("[data-graph-plot]"), "graph");
      else if (what === "landscape-png") savePlot($("[data-landscape-plot]"), "landscape");
    });
  }
  for (const canvas of document.querySelectorAll("canvas[data-plot]")) {
    const name = canvas.dataset.plot;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small export-png";
    button.dataset.exportPlot = name;
    button.textContent = "PNG";
    button.title = `Save this plot as a PNG picture (${canvas.getAttribute("aria-label") ?? name})`;
    button.setAttribute("aria-label", `Save the ${canvas.getAttribute("aria-label") ?? name} plot as PNG`);
    button.addEventListener("click", () => savePlot(canvas, name));
    canvas.insertAdjacentElement("afterend", button);
  }
}
