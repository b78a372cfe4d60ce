// The part of a lesson's context one step renders from: the server lists the paths a step reads
// (`step.reads`: keys, list positions, "*" for every item, from app/lessons/placeholders.py
// `reads`), and only those are sent to be rendered. tests/browser/test_lessons.py checks that
// every expression evaluates the same on what is kept.

const EVERY = "*";
const WHOLE = Symbol("whole");

/** `context` cut down to `paths`; lists keep their positions (tail, head, or null-filled). */
export function prune(context, paths) {
  const tree = new Map();
  for (const path of paths) {
    let node = tree;
    let whole = false;
    for (const part of path) {
      if (node.get(WHOLE)) {
        whole = true;
        break;
      }
      if (!node.has(part)) node.set(part, new Map());
      node = node.get(part);
    }
    if (!whole) {
      node.clear();
      node.set(WHOLE, true);
    }
  }
  return pruned(context, tree);
}

function pruned(value, tree) {
  if (tree.get(WHOLE)) return value;
  if (Array.isArray(value)) return prunedList(value, tree);
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [key, sub] of tree) {
    if (typeof key === "string" && Object.hasOwn(value, key)) out[key] = pruned(value[key], sub);
  }
  return out;
}

function prunedList(list, tree) {
  const n = list.length;
  const wanted = new Map();
  const positions = [];
  for (const [key, sub] of tree) {
    if (!Number.isInteger(key)) continue;
    positions.push(key);
    if (key >= -n && key < n) wanted.set(((key % n) + n) % n, sub);
  }
  const every = tree.get(EVERY);
  if (every) return list.map((item, k) => pruned(item, merge(every, wanted.get(k))));
  let start = 0;
  let stop = n;
  if (positions.length && positions.every((k) => k < 0)) start = Math.max(0, n + Math.min(...positions));
  else if (positions.length && positions.every((k) => k >= 0)) stop = Math.min(n, Math.max(...positions) + 1);
  const out = [];
  for (let k = start; k < stop; k += 1) out.push(wanted.has(k) ? pruned(list[k], wanted.get(k)) : null);
  return out;
}

function merge(a, b) {
  if (!b || a.get(WHOLE)) return a;
  if (b.get(WHOLE)) return b;
  const out = new Map(b);
  for (const [key, sub] of a) out.set(key, b.has(key) ? merge(sub, b.get(key)) : sub);
  return out;
}
