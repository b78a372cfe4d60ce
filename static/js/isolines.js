// Iso-lines of a grid of numbers by marching squares: where the surface crosses a level,
// as straight segments between the crossings on the cells' edges (linear along each edge).

/**
 * Segments where `grid` (grid[i][j], i along x, j along y) crosses `level`, in fractional
 * grid coordinates: [[i0, j0, i1, j1], …]. A cell whose corners alternate above and below
 * (a saddle) is split by the mean of its corners, as the usual marching-squares rule does.
 */
export function isolineSegments(grid, level) {
  const segments = [];
  const ni = grid.length - 1;
  const nj = grid[0].length - 1;
  // Where the edge from corner (ia, ja) value va to corner (ib, jb) value vb crosses the level.
  const cross = (ia, ja, va, ib, jb, vb) => {
    const t = (level - va) / (vb - va);
    return [ia + t * (ib - ia), ja + t * (jb - ja)];
  };
  for (let i = 0; i < ni; i++) {
    for (let j = 0; j < nj; j++) {
      const v = [grid[i][j], grid[i + 1][j], grid[i + 1][j + 1], grid[i][j + 1]];
      if (!v.every(Number.isFinite)) continue;
      const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
      const above = v.map((x) => x > level);
      // The cell's edges, corner k to corner k+1, that the level crosses, in order round the cell.
      const hits = [];
      for (let k = 0; k < 4; k++) {
        const m = (k + 1) % 4;
        if (above[k] !== above[m]) hits.push(cross(...corners[k], v[k], ...corners[m], v[m]));
      }
      if (hits.length === 2) segments.push([...hits[0], ...hits[1]]);
      else if (hits.length === 4) {
        // Saddle: when the centre is on the side of corners 0 and 2, the lines cut off
        // corners 1 and 3 (edges 0-1 with 1-2, 2-3 with 3-0); otherwise corners 0 and 2.
        const centreAbove = (v[0] + v[1] + v[2] + v[3]) / 4 > level;
        if (centreAbove === above[0]) {
          segments.push([...hits[0], ...hits[1]], [...hits[2], ...hits[3]]);
        } else {
          segments.push([...hits[1], ...hits[2]], [...hits[3], ...hits[0]]);
        }
      }
    }
  }
  return segments;
}
