// The contour plot of the loss over two parameters: filled bands of the server's grid with
// iso-lines at the bands' edges, the path training took through the plane (the snapshots),
// the current point and the lowest grid point, with a legend of the bands' loss ranges.

import { fmt, numSpan } from "./format.js";
import { isolineSegments } from "./isolines.js";
import { GRAD } from "./palette.js";
import { LOWEST, MAX_RADIUS, legendItem, niceTicks, parameterName, shortName, symbolOf } from "./landscape-common.js";
import { INK, MUTED } from "./palette.js";

const MAX_DOTS = 120; // dots drawn on the path at most
// Sequential, colour-blind-safe (ColorBrewer YlGnBu): light = low loss, dark = high.
export const BANDS = ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"];

export function drawContour(plot, legend, res, params, { onFitRadius, sizes = null, here = "now" }) {
  const [p, q] = params;
  const width = Math.max(240, Math.floor(plot.clientWidth || 320));
  const height = Math.round(Math.min(width * 0.92, 440));
  const box = { l: 50, t: 10, r: width - 10, b: height - 40 };
  const [ax, ay] = res.axes;
  const grid = res.loss; // grid[i][j] at ax[i], ay[j]
  const xr = [ax[0], ax[ax.length - 1]];
  const yr = [ay[0], ay[ay.length - 1]];
  const X = (x) => box.l + ((x - xr[0]) / (xr[1] - xr[0])) * (box.r - box.l);
  const Y = (y) => box.b - ((y - yr[0]) / (yr[1] - yr[0])) * (box.b - box.t);

  // Band edges at quantiles of the grid, so the low valley and the steep walls both show.
  const values = grid.flat().filter(Number.isFinite).sort((a, b) => a - b);
  const edges = [];
  for (let k = 1; k < BANDS.length; k++) {
    const e = values[Math.floor((k / BANDS.length) * (values.length - 1))];
    if (e !== undefined && (!edges.length || e > edges[edges.length - 1])) edges.push(e);
  }
  const band = (val) => {
    if (!Number.isFinite(val)) return BANDS.length - 1;
    let b = 0;
    while (b < edges.length && val > edges[b]) b++;
    return Math.round((b * (BANDS.length - 1)) / Math.max(1, edges.length));
  };
  const rgb = BANDS.map((hex) => [1, 3, 5].map((o) => parseInt(hex.slice(o, o + 2), 16)));

  const canvas = document.createElement("canvas");
  canvas.className = "landscape-2d";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `Contour plot of the loss over ${parameterName(p, sizes)} and ${parameterName(q, sizes)}, with the path training took`);
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  // Filled bands: the grid interpolated bilinearly per device pixel, then banded.
  const px0 = Math.round(box.l * dpr);
  const py0 = Math.round(box.t * dpr);
  const pw = Math.round((box.r - box.l) * dpr);
  const ph = Math.round((box.b - box.t) * dpr);
  const img = ctx.createImageData(pw, ph);
  const ni = ax.length - 1;
  const nj = ay.length - 1;
  for (let py = 0; py < ph; py++) {
    const gj = (1 - (py + 0.5) / ph) * nj;
    const j0 = Math.min(nj - 1, Math.floor(gj));
    const tj = gj - j0;
    for (let px = 0; px < pw; px++) {
      const gi = ((px + 0.5) / pw) * ni;
      const i0 = Math.min(ni - 1, Math.floor(gi));
      const ti = gi - i0;
      const val =
        (1 - ti) * ((1 - tj) * grid[i0][j0] + tj * grid[i0][j0 + 1]) + ti * ((1 - tj) * grid[i0 + 1][j0] + tj * grid[i0 + 1][j0 + 1]);
      const c = rgb[band(val)];
      const o = (py * pw + px) * 4;
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, px0, py0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);

  // Iso-lines: the loss equal to each band edge, through the server's grid points.
  const GX = (gi) => X(xr[0] + (gi / ni) * (xr[1] - xr[0]));
  const GY = (gj) => Y(yr[0] + (gj / nj) * (yr[1] - yr[0]));
  let segmentCount = 0;
  ctx.strokeStyle = "rgba(8, 29, 88, 0.55)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const level of edges) {
    for (const [i0, j0, i1, j1] of isolineSegments(grid, level)) {
      ctx.moveTo(GX(i0), GY(j0));
      ctx.lineTo(GX(i1), GY(j1));
      segmentCount++;
    }
  }
  ctx.stroke();

  // Axes.
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = MUTED;
  ctx.strokeStyle = "#c9ced8";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(box.l, box.t);
  ctx.lineTo(box.l, box.b);
  ctx.lineTo(box.r, box.b);
  ctx.stroke();
  ctx.textAlign = "center";
  for (const t of niceTicks(xr[0], xr[1], box.r - box.l < 260 ? 3 : 4)) {
    ctx.fillText(fmt(t), X(t), box.b + 14);
    ctx.beginPath();
    ctx.moveTo(X(t), box.b);
    ctx.lineTo(X(t), box.b + 3);
    ctx.stroke();
  }
  ctx.textAlign = "right";
  for (const t of niceTicks(yr[0], yr[1], 4)) {
    ctx.fillText(fmt(t), box.l - 5, Y(t) + 3.5);
    ctx.beginPath();
    ctx.moveTo(box.l - 3, Y(t));
    ctx.lineTo(box.l, Y(t));
    ctx.stroke();
  }
  ctx.fillStyle = INK;
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.fillText(`${symbolOf(p)} = ${parameterName(p, sizes)}`, (box.l + box.r) / 2, box.b + 31);
  ctx.save();
  ctx.translate(13, (box.t + box.b) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`${symbolOf(q)} = ${parameterName(q, sizes)}`, 0, 0);
  ctx.restore();

  // The path training took (the snapshots), the lowest grid point and the current point.
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.l, box.t, box.r - box.l, box.b - box.t);
  ctx.clip();
  const traj = res.trajectory;
  const inRange = (pt) => pt.value[0] >= xr[0] && pt.value[0] <= xr[1] && pt.value[1] >= yr[0] && pt.value[1] <= yr[1];
  const pathPts = traj.map((pt) => [X(pt.value[0]), Y(pt.value[1])]).concat([[X(res.current.value[0]), Y(res.current.value[1])]]);
  const every = Math.ceil(traj.length / MAX_DOTS);
  if (traj.length) {
    for (const [colour, w] of [["#fff", 4], [INK, 1.6]]) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = w;
      ctx.lineJoin = "round";
      ctx.beginPath();
      pathPts.forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.stroke();
    }
    // A dot per snapshot, or per `every`-th of a long run so the dots do not merge into a blot.
    for (const [x, y] of pathPts.slice(0, -1).filter((_, k) => k % every === 0)) {
      ctx.beginPath();
      ctx.arc(x, y, 2.6, 0, 2 * Math.PI);
      ctx.fillStyle = "#fff";
      ctx.fill();
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1.2;
      ctx.stroke();
    }
  }
  ctx.restore();
  let best = [0, 0];
  grid.forEach((r, i) => r.forEach((val, j) => Number.isFinite(val) && val < grid[best[0]][best[1]] && (best = [i, j])));
  const [bx, by] = [X(ax[best[0]]), Y(ay[best[1]])];
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 4;
  for (const pass of [0, 1]) {
    ctx.beginPath();
    ctx.moveTo(bx - 6, by - 6);
    ctx.lineTo(bx + 6, by + 6);
    ctx.moveTo(bx + 6, by - 6);
    ctx.lineTo(bx - 6, by + 6);
    ctx.stroke();
    if (!pass) {
      ctx.strokeStyle = LOWEST;
      ctx.lineWidth = 2.2;
    }
  }
  const [cx, cy] = pathPts[pathPts.length - 1];
  ctx.beginPath();
  ctx.arc(cx, cy, 5, 0, 2 * Math.PI);
  ctx.fillStyle = GRAD;
  ctx.fill();
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 1.8;
  ctx.stroke();
  canvas.dataset.state = "drawn";
  canvas.dataset.trajectory = String(traj.length);
  canvas.dataset.inside = String(traj.filter(inRange).length);
  canvas.dataset.bands = String(edges.length + 1);
  canvas.dataset.isolines = JSON.stringify(edges);
  canvas.dataset.segments = String(segmentCount);
  plot.replaceChildren(canvas);

  // Legend: the bands' loss ranges, then the markers.
  const scale = document.createElement("li");
  scale.className = "bands";
  scale.dataset.fact = "bands";
  const lows = [values[0], ...edges];
  const highs = [...edges, values[values.length - 1]];
  lows.forEach((low, k) => {
    const cell = document.createElement("span");
    cell.className = "band";
    const sw = document.createElement("span");
    sw.className = "sw box";
    sw.style.setProperty("--c", BANDS[Math.round((k * (BANDS.length - 1)) / Math.max(1, edges.length))]);
    cell.append(sw, numSpan(low), "–", numSpan(highs[k]));
    scale.appendChild(cell);
  });
  const caption = document.createElement("span");
  caption.className = "bands-caption";
  caption.textContent = "loss L, light = low (bands hold equal shares of the grid; lines where L equals a band edge)";
  scale.prepend(caption);
  legend.appendChild(scale);
  const [np, nq] = p.layer === q.layer ? [shortName(p, sizes), shortName(q, sizes)] : [parameterName(p, sizes), parameterName(q, sizes)];
  legendItem(legend, "current", { shape: "dot", colour: GRAD }, [
    `${here}: (${np}, ${nq}) = (`, res.current.value[0], ", ", res.current.value[1], "), L = ", res.current.loss,
    `; (∂L/∂${np}, ∂L/∂${nq}) = (`, res.current.gradient[0], ", ", res.current.gradient[1], ")",
  ]);
  const outside = traj.length - traj.filter(inRange).length;
  const pathText = traj.length
    ? [`path training took: ${traj.length} snapshot${traj.length > 1 ? "s" : ""}, step ${traj[0].step} → ${traj[traj.length - 1].step}`, outside ? `; ${outside} ${outside === 1 ? "lies" : "lie"} outside this window` : "", every > 1 ? ` (a dot every ${every})` : ""]
    : ["path training took: none yet — train (Step, Epoch or Play) and it appears"];
  const pathItem = legendItem(legend, "path", { shape: "path", colour: INK }, pathText);
  if (outside) {
    const far = Math.max(...traj.map((pt) => Math.max(Math.abs(pt.value[0] - res.current.value[0]), Math.abs(pt.value[1] - res.current.value[1]))));
    const wanted = Number((far * 1.1).toPrecision(2));
    // The largest window the server draws may still be too small for a path that ran far.
    if (wanted > MAX_RADIUS) pathItem.append(` (it reaches ${fmt(far)} from here, beyond the largest radius, ${MAX_RADIUS})`);
    const shownRadius = (res.axes[0].at(-1) - res.axes[0][0]) / 2;
    if (wanted <= MAX_RADIUS || shownRadius < MAX_RADIUS * 0.999) {
      const fit = document.createElement("button");
      fit.type = "button";
      fit.className = "small";
      fit.dataset.action = "fit-path";
      fit.textContent = wanted <= MAX_RADIUS ? "Fit the path" : `Widen to ${MAX_RADIUS}`;
      fit.addEventListener("click", () => onFitRadius(Math.min(wanted, MAX_RADIUS)));
      pathItem.append(" ", fit);
    }
  }
  legendItem(legend, "lowest", { shape: "cross", colour: LOWEST }, [
    "lowest on the grid: (", ax[best[0]], ", ", ay[best[1]], "), L = ", grid[best[0]][best[1]],
  ]);
}
