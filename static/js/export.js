// Pictures for slides: an SVG of the page as a file that stands alone (its CSS written into
// each element), rasterized to PNG, canvases as PNG, and files handed to the browser to save.
// Everything happens in the page: nothing is fetched, so it works offline.

import { NS } from "./svg.js";

// The presentation properties the page's CSS sets on its SVGs, copied as they compute.
const STYLED = [
  "fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray",
  "stroke-linecap", "stroke-linejoin", "opacity", "font-family", "font-size", "font-weight",
  "font-style", "text-anchor", "dominant-baseline", "paint-order", "text-decoration",
];

/** The viewBox of `svg` as {x, y, width, height} (its drawn size when it has none). */
export function boxOf(svg) {
  const vb = svg.viewBox?.baseVal;
  if (vb && vb.width && vb.height) return { x: vb.x, y: vb.y, width: vb.width, height: vb.height };
  const r = svg.getBoundingClientRect();
  return { x: 0, y: 0, width: Math.round(r.width), height: Math.round(r.height) };
}

/**
 * `svg` as the text of a standalone SVG file: the same elements with the computed values of
 * the properties the page's CSS sets written into each as attributes, hidden elements and
 * invisible hit areas left out, a white background, the size of its viewBox.
 */
export function standaloneSvg(svg, { title = "" } = {}) {
  const copy = svg.cloneNode(true);
  const originals = [svg, ...svg.querySelectorAll("*")];
  const copies = [copy, ...copy.querySelectorAll("*")];
  const drop = [];
  originals.forEach((node, k) => {
    const out = copies[k];
    const style = getComputedStyle(node);
    if (style.display === "none" || style.visibility === "hidden" || node.classList?.contains("edge-hit") || node.classList?.contains("bias-hit")) {
      drop.push(out);
      return;
    }
    for (const name of [...out.getAttributeNames()]) {
      if (name.startsWith("data-") || ["class", "tabindex", "role", "aria-label", "focusable"].includes(name)) out.removeAttribute(name);
    }
    // As presentation attributes: the page's Content-Security-Policy refuses style attributes.
    out.removeAttribute("style");
    if (node instanceof SVGElement && !(node instanceof SVGTitleElement)) {
      for (const name of STYLED) {
        const value = style.getPropertyValue(name);
        if (value) out.setAttribute(name, value);
      }
    }
  });
  for (const node of drop) node.remove();
  const box = boxOf(svg);
  copy.setAttribute("xmlns", NS);
  copy.setAttribute("viewBox", `${box.x} ${box.y} ${box.width} ${box.height}`);
  copy.setAttribute("width", String(box.width));
  copy.setAttribute("height", String(box.height));
  const background = document.createElementNS(NS, "rect");
  for (const [k, v] of Object.entries({ x: box.x, y: box.y, width: box.width, height: box.height, fill: "#ffffff" })) background.setAttribute(k, v);
  copy.insertBefore(background, copy.firstChild);
  if (title) {
    const t = document.createElementNS(NS, "title");
    t.textContent = title;
    copy.insertBefore(t, copy.firstChild);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}`;
}

/** The SVG file's text drawn onto `canvas` (resized to its box × `scale`); resolves when drawn. */
export async function drawSvgText(text, box, scale = 2, canvas = document.createElement("canvas")) {
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const w = Math.round(box.width * scale);
    const h = Math.round(box.height * scale);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(img, 0, 0, w, h);
    return canvas;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A canvas as a PNG blob. */
export const pngOf = (canvas) => new Promise((resolve) => canvas.toBlob(resolve, "image/png"));

/** Hand `blob` to the browser to save as `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A plot (a canvas, or a container holding one canvas or SVG) as a PNG blob. */
export async function plotPng(el) {
  const target = el instanceof HTMLCanvasElement || el instanceof SVGSVGElement ? el : el.querySelector("canvas, svg");
  if (!target) return null;
  if (target instanceof HTMLCanvasElement) return pngOf(target);
  return pngOf(await drawSvgText(standaloneSvg(target), boxOf(target)));
}
