// requestAnimationFrame stages with a speed factor and a skip that jumps to the end state.
// A stage is {duration (ms at 1×), start?(), frame?(t in [0,1]), end?()}; end() always runs.

const ease = (t) => (t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2);

export function createAnimator() {
  let speed = 1; // 0 = no animation
  let queue = []; // pending stages of the current run
  let current = null; // {stage, t0}
  let frameId = 0;
  let resolveRun = null;
  let running = false;

  function finishCurrent() {
    if (!current) return;
    const { stage } = current;
    current = null;
    stage.frame?.(1);
    stage.end?.();
  }

  function next() {
    if (!queue.length) {
      running = false;
      const r = resolveRun;
      resolveRun = null;
      r?.();
      return;
    }
    const stage = queue.shift();
    stage.start?.();
    if (speed === 0 || !stage.duration) {
      current = { stage, t0: 0 };
      finishCurrent();
      next();
      return;
    }
    current = { stage, t0: performance.now() };
    frameId = requestAnimationFrame(tick);
  }

  function tick(now) {
    if (!current) return;
    // Speed set to "off" during a stage ends it now (duration / 0 would never end).
    const t = speed === 0 ? 1 : Math.min(1, (now - current.t0) / (current.stage.duration / speed));
    current.stage.frame?.(ease(t));
    if (t >= 1) {
      finishCurrent();
      next();
    } else {
      frameId = requestAnimationFrame(tick);
    }
  }

  return {
    /** Play stages in order; resolves when the last one ended (or was skipped). */
    run(stages) {
      this.skip();
      queue = stages.slice();
      running = true;
      return new Promise((resolve) => {
        resolveRun = resolve;
        next();
      });
    },
    /** Jump to the end: every pending stage starts and ends at once, in order. */
    skip() {
      cancelAnimationFrame(frameId);
      finishCurrent();
      const pending = queue;
      queue = [];
      for (const stage of pending) {
        stage.start?.();
        stage.frame?.(1);
        stage.end?.();
      }
      if (resolveRun) {
        const r = resolveRun;
        resolveRun = null;
        running = false;
        r();
      }
    },
    setSpeed(s) {
      speed = s;
    },
    get speed() {
      return speed;
    },
    get running() {
      return running;
    },
  };
}
