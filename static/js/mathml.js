// MathML building blocks for the inspector: numbers, factors, products, equations written as
// lines (fitting them to the panel's width is equation-fit.js's job).

import { numSpan, showNumber } from "./format.js";

const MATHML = "http://www.w3.org/1998/Math/MathML";

export function m(tag, ...children) {
  const node = document.createElementNS(MATHML, tag);
  for (const c of children) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  return node;
}
export const mi = (t) => m("mi", t);
export const mo = (t) => m("mo", t);
export const mtext = (t) => m("mtext", t);
export const mn = (x) => showNumber(m("mn"), x);
/** A factor in a product: negative numbers get parentheses, as on paper. */
export function mf(x) {
  const n = mn(x);
  return x < 0 ? m("mrow", mo("("), n, mo(")")) : n;
}
export const sub = (base, s) => m("msub", typeof base === "string" ? mi(base) : base, typeof s === "string" ? mi(s) : s);
export const frac = (a, b) => m("mfrac", a, b);
export const d = (num, den) => frac(m("mrow", mi("∂"), num), m("mrow", mi("∂"), den));
export const row = (...c) => m("mrow", ...c);
export const paren = (x) => row(mo("("), x, mo(")"));
export const dot = () => mo("·");
/** Space before a word in a formula (MathML drops an mtext's leading blank). */
export function gap() {
  const space = m("mspace");
  space.setAttribute("width", "0.5em");
  return space;
}

export const NEWLINE = Object.freeze({ newline: true });

/**
 * a₀·b₀ + a₁·b₁ + … for the first `shown` of `count` products, `perLine` to a line;
 * factors(k) = [a, b] numbers. A negative factor after "+" or "·" gets parentheses.
 */
export function products(count, shown, factors, perLine = 2) {
  const terms = [];
  for (let k = 0; k < shown; k++) {
    if (k) terms.push(...(k % perLine ? [] : [NEWLINE]), mo("+"));
    const [a, b] = factors(k);
    terms.push(k ? mf(a) : mn(a), dot(), mf(b));
  }
  if (count > shown) terms.push(mo("+"), mi("…"));
  return terms;
}

/** One <math> line per run of children between NEWLINE markers: MathML Core has no line breaking. */
export function math(...children) {
  const lines = [[]];
  for (const c of children) {
    if (c === NEWLINE || c?.newline) lines.push([]);
    else lines[lines.length - 1].push(c);
  }
  const nodes = lines.map((line, k) => {
    const node = document.createElementNS(MATHML, "math");
    node.setAttribute("display", "block");
    const lead = line[0];
    if (k > 0 && lead?.localName === "mo") {
      // A continuation line starts with "=" or "+": keep the binary-operator spacing.
      lead.setAttribute("form", "infix");
      if (lead.textContent !== "=") node.classList.add("cont");
    }
    node.appendChild(row(...line));
    return node;
  });
  return nodes.length === 1 ? nodes[0] : nodes;
}

export function eqBlock(label, mathNode, key) {
  const wrap = document.createElement("div");
  const p = document.createElement("p");
  p.className = "eq-label";
  p.textContent = label;
  const box = document.createElement("div");
  box.className = "eq";
  if (key) box.dataset.eq = key;
  for (const node of [mathNode].flat()) box.appendChild(node);
  wrap.append(p, box);
  return wrap;
}

export function facts(pairs) {
  const dl = document.createElement("dl");
  dl.className = "facts";
  for (const [k, v, key] of pairs) {
    if (v === undefined) continue;
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    if (key) dd.dataset.fact = key;
    dd.appendChild(typeof v === "number" || v === null ? numSpan(v) : document.createTextNode(String(v)));
    dl.append(dt, dd);
  }
  return dl;
}

export function para(text, cls = "hint") {
  const p = document.createElement("p");
  p.className = cls;
  p.textContent = text;
  return p;
}
