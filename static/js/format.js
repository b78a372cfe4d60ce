// Numbers: 4 significant digits on screen, full precision in the title attribute.

const MINUS = "\u2212";

export function fmt(x) {
  if (x === null || x === undefined) return "—";
  if (typeof x !== "number") return String(x);
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : `${MINUS}∞`;
  if (x === 0) return "0";
  const ax = Math.abs(x);
  let s;
  if (ax >= 1e5 || ax < 1e-4) {
    const [m, e] = x.toExponential(3).split("e");
    s = `${m.replace(/\.?0+$/, "")}e${Number(e)}`;
  } else {
    s = String(Number(x.toPrecision(4)));
  }
  return s.replace(/^-/, MINUS).replace("e-", `e${MINUS}`);
}

/** The full-precision form (JavaScript's shortest round-trip representation). */
export const full = (x) => (typeof x === "number" ? String(x) : String(x ?? ""));

/** Show fmt(x) in `node` (HTML or MathML), with full precision in its title and data-value. */
export function showNumber(node, x) {
  node.textContent = fmt(x);
  node.setAttribute("title", full(x));
  node.dataset.value = full(x);
  return node;
}

/** A <span> holding fmt(x) with title = full precision. */
export function numSpan(x, cls = "num") {
  const span = document.createElement("span");
  span.className = cls;
  return showNumber(span, x);
}

export const fmtVec = (v) => (v.length === 1 ? fmt(v[0]) : `(${v.map(fmt).join(", ")})`);

/** A span of time exactly, in the largest unit that divides it: "90 seconds", "2 minutes", "14 days". */
export function durationWords(seconds) {
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  for (const [unit, size] of [["day", 86400], ["hour", 3600], ["minute", 60]]) {
    if (seconds % size === 0) return plural(seconds / size, unit);
  }
  return plural(seconds, "second");
}
