// The animation's travelling dots, drawn on a canvas laid over the network drawing. The canvas
// is a compositing layer of its own (app.css .pulse-layer), laid over the strip between the two
// columns the dots travel between: moving a few hundred dots each frame repaints only it, never
// the drawing's thousands of SVG nodes beneath. The canvas maps the
// SVG's viewBox the way the SVG does (preserveAspectRatio "xMidYMid meet"), so a dot at SVG
// point (x, y) lies on the edge drawn there.

/** `canvas` over `svg`; `neurons()` lists the drawn neurons' circles {x, y, r} in SVG units. */
export function createPulseLayer(canvas, svg, neurons) {
  let box = { width: 0, height: 0 }; // the SVG's CSS size, kept by a ResizeObserver
  new ResizeObserver(([entry]) => {
    box = { width: entry.contentRect.width, height: entry.contentRect.height };
  }).observe(svg);
  let ctx = null;
  let clip = null; // everything but the neurons: dots pass under the circles, as on the drawing
  let drawn = false;

  /**
   * Lay the canvas over the part of the drawing the dots cross (`bounds` in SVG units: x1, y1,
   * x2, y2) and map viewBox units onto it; false when there is no room. A smaller canvas is
   * a smaller bitmap to hand to the compositor each frame.
   */
  function prepare(bounds) {
    const { width, height } = box.width ? box : svg.getBoundingClientRect();
    const vb = svg.viewBox.baseVal;
    if (!width || !height || !vb?.width) return false;
    const s = Math.min(width / vb.width, height / vb.height);
    const tx = (width - vb.width * s) / 2 - vb.x * s;
    const ty = (height - vb.height * s) / 2 - vb.y * s;
    const left = Math.max(0, Math.floor(tx + bounds.x1 * s));
    const top = Math.max(0, Math.floor(ty + bounds.y1 * s));
    const right = Math.min(width, Math.ceil(tx + bounds.x2 * s));
    const bottom = Math.min(height, Math.ceil(ty + bounds.y2 * s));
    if (right <= left || bottom <= top) return false;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round((right - left) * dpr);
    const h = Math.round((bottom - top) * dpr);
    Object.assign(canvas.style, { left: `${left}px`, top: `${top}px`, width: `${right - left}px`, height: `${bottom - top}px` });
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    ctx = canvas.getContext("2d");
    ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * (tx - left), dpr * (ty - top));
    clip = new Path2D();
    clip.rect(bounds.x1, bounds.y1, bounds.x2 - bounds.x1, bounds.y2 - bounds.y1);
    for (const c of neurons()) {
      clip.moveTo(c.x + c.r, c.y);
      clip.arc(c.x, c.y, c.r, 0, 2 * Math.PI);
    }
    return true;
  }

  /** How many dots the canvas shows, for tests (written when it changes). */
  const count = (n) => canvas.dataset.pulses !== String(n) && (canvas.dataset.pulses = String(n));

  function clear() {
    if (drawn && ctx) {
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
    }
    drawn = false;
    count(0);
  }

  /**
   * A set of dots, each {x0, y0, x1, y1, r} travelling from (x0, y0) to (x1, y1), filled with
   * `colour`; `frame(t)` draws them at fraction t of the way, `remove()` wipes them.
   */
  function dots(list, colour) {
    const bounds = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
    for (const d of list) {
      bounds.x1 = Math.min(bounds.x1, d.x0 - d.r, d.x1 - d.r);
      bounds.x2 = Math.max(bounds.x2, d.x0 + d.r, d.x1 + d.r);
      bounds.y1 = Math.min(bounds.y1, d.y0 - d.r, d.y1 - d.r);
      bounds.y2 = Math.max(bounds.y2, d.y0 + d.r, d.y1 + d.r);
    }
    clear();
    const ready = list.length > 0 && prepare(bounds);
    return {
      frame(t) {
        clear();
        if (!ready || !list.length) return;
        ctx.save();
        ctx.clip(clip, "evenodd");
        ctx.globalAlpha = 0.85;
        ctx.fillStyle = colour;
        ctx.beginPath();
        for (const d of list) {
          const x = d.x0 + (d.x1 - d.x0) * t;
          const y = d.y0 + (d.y1 - d.y0) * t;
          ctx.moveTo(x + d.r, y);
          ctx.arc(x, y, d.r, 0, 2 * Math.PI);
        }
        ctx.fill();
        ctx.restore();
        drawn = true;
        count(list.length);
      },
      remove: clear,
    };
  }

  return { dots, clear };
}
