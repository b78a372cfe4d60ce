// Where each node of a computational graph goes: columns left to right by the longest path
// from the leaves (a leaf sits just left of the first node that uses it), rows ordered so
// edges cross little (two sweeps placing each node at the mean row of its neighbours).

/**
 * {column, row} for each node id, and the number of columns and of rows.
 * `nodes` are in forward order (every node after its inputs), each {id, inputs: [ids]}.
 */
export function layoutGraph(nodes) {
  const users = new Map(nodes.map((n) => [n.id, []]));
  for (const n of nodes) for (const id of n.inputs) users.get(id)?.push(n.id);
  const column = new Map();
  for (const n of nodes) {
    column.set(n.id, n.inputs.length ? Math.max(...n.inputs.map((id) => column.get(id) ?? 0)) + 1 : 0);
  }
  // A leaf moves right, next to its first user: weights beside their products, targets
  // beside the loss.
  for (const n of nodes) {
    const used = users.get(n.id);
    if (!n.inputs.length && used.length) column.set(n.id, Math.max(0, Math.min(...used.map((id) => column.get(id))) - 1));
  }
  const columns = Math.max(...column.values()) + 1;
  const byColumn = Array.from({ length: columns }, () => []);
  for (const n of nodes) byColumn[column.get(n.id)].push(n.id);
  const row = new Map();
  const place = () => byColumn.forEach((ids) => ids.forEach((id, k) => row.set(id, k)));
  place();
  const meanRow = (ids, fallback) => (ids.length ? ids.reduce((t, id) => t + row.get(id), 0) / ids.length : fallback);
  const inputsOf = new Map(nodes.map((n) => [n.id, n.inputs]));
  for (const pass of ["forward", "backward", "forward"]) {
    const order = pass === "forward" ? byColumn : [...byColumn].reverse();
    for (const ids of order) {
      const key = new Map(ids.map((id) => [id, meanRow(pass === "forward" ? inputsOf.get(id) : users.get(id), row.get(id))]));
      ids.sort((a, b) => key.get(a) - key.get(b) || row.get(a) - row.get(b));
      ids.forEach((id, k) => row.set(id, k));
    }
  }
  const rows = Math.max(...byColumn.map((ids) => ids.length));
  // Centre each column's nodes vertically on the tallest column.
  const positions = new Map();
  for (const ids of byColumn) {
    const offset = (rows - ids.length) / 2;
    ids.forEach((id, k) => positions.set(id, { column: column.get(id), row: k + offset }));
  }
  return { positions, columns, rows };
}
