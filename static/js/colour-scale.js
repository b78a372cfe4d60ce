// The decision boundary's colour scale: what each colour of the plane means, in the data's units.

import { OKABE_ITO, divergingRgb, probabilityRgb, rgbCss } from "./palette.js";
import { fmtUnits, hasUnits, unitValue } from "./units.js";
import { fmt } from "./format.js";

const stops = (colourOf, n = 9) =>
  Array.from({ length: n }, (_, k) => `${rgbCss(colourOf(k / (n - 1)))} ${((100 * k) / (n - 1)).toFixed(0)}%`).join(", ");

function bar(gradient, labels, caption) {
  const wrap = document.createElement("div");
  wrap.className = "scale-bar";
  const strip = document.createElement("span");
  strip.className = "scale-strip";
  strip.style.background = `linear-gradient(to right, ${gradient})`;
  const ticks = document.createElement("span");
  ticks.className = "scale-ticks";
  for (const text of labels) ticks.appendChild(Object.assign(document.createElement("span"), { textContent: text }));
  const words = Object.assign(document.createElement("span"), { className: "scale-caption", textContent: caption });
  wrap.append(strip, ticks, words);
  return wrap;
}

/**
 * Fill `node` with the plane's colour scale: a probability bar (binary), the classes' colours
 * (multiclass), or the prediction from −s to +s in the data's units (regression; `yScale` is
 * the largest |output| drawn, `network` carries the target scale).
 */
export function renderColourScale(node, task, yScale, network, targetName = "ŷ") {
  // Built aside and swapped in only when it differs: Play redraws the plane twice a second.
  const next = document.createElement("div");
  fillScale(next, task, yScale, network, targetName);
  if (node.innerHTML !== next.innerHTML) node.replaceChildren(...next.childNodes);
  node.dataset.task = task;
  for (const key of ["low", "high"]) {
    if (next.dataset[key] === undefined) delete node.dataset[key];
    else node.dataset[key] = next.dataset[key];
  }
}

function fillScale(node, task, yScale, network, targetName) {
  if (task === "binary") {
    node.appendChild(bar(stops((t) => probabilityRgb(t)), ["0", "0.5", "1"], `${targetName}: the network's probability of class 1 (orange: class 0, blue: class 1)`));
    return;
  }
  if (task === "multiclass") {
    const list = document.createElement("span");
    list.className = "scale-classes";
    const k = network?.layers?.at(-1) ?? 0;
    for (let c = 0; c < k; c++) {
      const item = document.createElement("span");
      const sw = document.createElement("span");
      sw.className = "sw";
      sw.style.background = OKABE_ITO[c % OKABE_ITO.length];
      item.append(sw, ` class ${c}`);
      list.appendChild(item);
    }
    const words = Object.assign(document.createElement("span"), { className: "scale-caption", textContent: "each point takes the colour of the likeliest class, paler where the network is unsure" });
    node.append(list, words);
    return;
  }
  const units = hasUnits(network);
  const show = (v) => (units ? fmtUnits(unitValue(v, 0, network)) : fmt(v));
  node.appendChild(
    bar(stops((t) => divergingRgb((2 * t - 1) * yScale, yScale)), [`≤ ${show(-yScale)}`, show(0), `≥ ${show(yScale)}`],
      `${targetName}: the network's prediction${units ? " in the data's units" : ""}`),
  );
  node.dataset.low = String(units ? unitValue(-yScale, 0, network) : -yScale);
  node.dataset.high = String(units ? unitValue(yScale, 0, network) : yScale);
}
