// Equation layout: fits the inspector's equations to its panel. A line too wide breaks before
// "=", "+" or "−", a long softmax denominator is stacked into rows, and the panel is fitted
// again when its width changes, so no equation is wider than the panel.

import { m, row } from "./mathml.js";

/** Products per line of a long sum: one in a narrow panel, so nothing scrolls sideways. */
export const productsPerLine = (panel) => (panel.clientWidth < 440 ? 1 : 2);

/** An mrow of terms joined by "+" that may be stacked into rows when it is too wide to fit
 * (a softmax denominator): see fitLines. */
export function stackable(...children) {
  const node = row(...children);
  node.setAttribute("data-stack", "");
  return node;
}

/**
 * `draw(...args)` fills `panel` with equation boxes (.eq); the returned function draws and then
 * fits every box to the panel, and draws the last arguments again when the panel's width changes.
 */
export function fittedPanel(panel, draw) {
  let last = null;
  let fittedWidth = 0;
  // The panel's width as the observer last saw it: reading clientWidth on every render would
  // lay the page out again mid-update (Play renders this twice a second).
  let width = 0;
  new ResizeObserver(([entry]) => {
    width = entry.contentRect.width;
    if (last && width && width !== fittedWidth) render(...last);
  }).observe(panel);

  function render(...args) {
    last = args;
    fittedWidth = width;
    draw(...args);
    for (const box of panel.querySelectorAll(".eq")) fitLines(box);
  }
  return render;
}

const BREAKS = new Set(["=", "+", "−"]);
const isBreak = (node) => node.localName === "mo" && BREAKS.has(node.textContent);

/**
 * Fit the lines of equation box `box` (an .eq of <math> lines) into its width: a line that is
 * too wide breaks before a top-level "=", "+" or "−" (as many times as it takes), and a
 * stackable sum still too wide goes into rows. Needs `box` laid out; a hidden box is left alone.
 */
export function fitLines(box) {
  if (!box.isConnected || !box.clientWidth) return;
  const style = getComputedStyle(box);
  const limit = box.getBoundingClientRect().right - parseFloat(style.paddingRight) + 0.5;
  const fits = (line) => line.getBoundingClientRect().right <= limit;
  for (const line of [...box.children]) {
    if (line.localName === "math" && !fits(line)) breakLine(line, fits);
  }
  for (const line of [...box.children]) {
    if (line.localName !== "math" || fits(line)) continue;
    for (const sum of line.querySelectorAll("[data-stack]")) stack(sum, () => fits(line));
  }
}

function breakLine(line, fits) {
  const items = [...line.firstElementChild.children];
  const chunks = [];
  for (const [k, item] of items.entries()) {
    if (k === 0 || isBreak(item)) chunks.push([]);
    chunks[chunks.length - 1].push(item);
  }
  if (chunks.length < 2) return;
  let current = line;
  let target = line.firstElementChild;
  target.replaceChildren();
  for (const chunk of chunks) {
    const empty = target.childElementCount === 0;
    target.append(...chunk);
    if (empty || fits(current)) continue;
    const next = m("math");
    next.setAttribute("display", "block");
    chunk[0].setAttribute("form", "infix"); // a continuation keeps the binary-operator spacing
    if (chunk[0].textContent !== "=") next.classList.add("cont");
    target = row();
    next.appendChild(target);
    target.append(...chunk); // moves the chunk off the full line
    current.after(next);
    current = next;
  }
}

/** The terms of stackable `sum` in rows, as many to a row as still fit. */
function stack(sum, fits) {
  const terms = [];
  for (const item of [...sum.childNodes].flatMap((n) => (n.localName === "mtable" ? [...n.querySelectorAll("mtd > mrow > *")] : [n]))) {
    if (!terms.length || (item.localName === "mo" && item.textContent === "+")) terms.push([]);
    terms[terms.length - 1].push(item);
  }
  for (let perRow = terms.length - 1; perRow >= 1; perRow -= 1) {
    const table = m("mtable");
    table.setAttribute("columnalign", "left");
    for (let k = 0; k < terms.length; k += perRow) {
      const items = terms.slice(k, k + perRow).flat();
      if (k) items[0].setAttribute("form", "infix"); // a row's leading "+" joins, like a line's
      table.appendChild(m("mtr", m("mtd", row(...items))));
    }
    sum.replaceChildren(table);
    if (fits()) return;
  }
}
