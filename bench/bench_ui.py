"""Frame rate of the page in headless Chromium while it animates (not part of the test run).

A requestAnimationFrame counter runs in the page and records every frame's timestamp while
the UI does one thing: the Backward animation (at 1× speed) and Play (at full pace) of a wide
2-64-64-1 network and of a deep narrow one (eight hidden layers of 8), at 1280 and 1920 px wide.
Each scenario prints frames per second, the longest gap between two frames (a stall), and
the number of SVG nodes. A same-run baseline (an empty page's rAF rate) shows what this
machine's load allows.

Frames per second move with whatever else the machine runs; the CPU time each frame costs the
renderer's main thread (a Chrome trace, bench/frame_cost.py) moves far less. Each scenario
also prints that: its median and 95th percentile, the share of frames over 16.7 ms (one frame
at 60 Hz), the mean by kind of work, and the compositor's and rasterizer's threads beside it.
Tracing costs some time itself; --no-trace measures frames per second alone.

    python bench/bench_ui.py [--seconds 4] [--baseline main] [--repeat 3] [--only Play] [--widths 1920]

With ``--baseline REF`` each scenario also runs on a server running commit REF
(bench/baseline.py), right after this checkout's, so the two are compared in one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from bench.baseline import serving  # noqa: E402
from bench.frame_cost import BUDGET_MS, CATEGORIES, FrameCost, frame_costs  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDE = "#ds=circles&n=200&h=64.tanh,64.tanh&out=sigmoid&loss=bce&lr=0.1&bs=10&opt=sgd"
DEEP = "#ds=circles&n=200&h=" + ",".join(["8.tanh"] * 8) + "&out=sigmoid&loss=bce&lr=0.1&bs=10&opt=sgd"
WIDTHS = (1280, 1920)

COUNTER = """() => {
  performance.mark("bench-frames-start");
  window.__markNow = performance.now();
  window.__frames = [];
  window.__counting = true;
  const tick = (t) => {
    if (!window.__counting) return;
    window.__frames.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
STOP = """() => { window.__counting = false; return [window.__frames, window.__markNow]; }"""


def summarize(frames: list[float]) -> tuple[float, float]:
    """(frames per second, longest gap in ms) of a list of rAF timestamps."""
    if len(frames) < 2:
        return 0.0, float("inf")
    span = frames[-1] - frames[0]
    gaps = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    return 1000 * (len(frames) - 1) / span, max(gaps)


@dataclass
class Measured:
    fps: float
    stall: float  # longest gap between two frames, ms
    nodes: int  # SVG nodes of the drawing
    cost: FrameCost | None  # main-thread CPU per frame (None without --trace)
    epochs_per_s: float | None = None  # Play: epochs that arrived per second while counting


class Frames:
    """Counts frames (and, with a trace, what each cost) from start() to stop()."""

    def __init__(self, browser: Browser, page: Page, trace: bool) -> None:
        self.browser, self.page, self.trace = browser, page, trace

    def start(self) -> None:
        if self.trace:
            self.browser.start_tracing(page=self.page, categories=CATEGORIES)
        self.page.evaluate(COUNTER)

    def stop(self) -> Measured:
        frames, mark_now = self.page.evaluate(STOP)
        cost = frame_costs(self.browser.stop_tracing(), frames, mark_now) if self.trace else None
        fps, stall = summarize(frames)
        return Measured(fps, stall, svg_nodes(self.page), cost)


def svg_nodes(page: Page) -> int:
    return int(page.evaluate("document.querySelectorAll('svg[data-network] *').length"))


def open_page(page: Page, base: str, hash_: str, speed: int) -> None:
    page.goto(f"{base}/{hash_}")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.evaluate(
        "v => { const s = document.querySelector('[data-speed]'); s.value = String(v);"
        " s.dispatchEvent(new Event('input')); }",
        speed,
    )


def idle(page: Page) -> None:
    page.wait_for_function("() => document.body.dataset.busy !== 'true'", timeout=60_000)


def press(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def measure_backward(frames: Frames, base: str, hash_: str) -> Measured:
    page = frames.page
    open_page(page, base, hash_, speed=2)  # the Speed slider at 1×
    for name in ("Forward", "Loss"):
        press(page, name)
        idle(page)
    frames.start()
    press(page, "Backward")
    idle(page)
    return frames.stop()


LAST_EPOCH = "async () => (await import('/static/js/context.js')).store.get().history.at(-1)?.epoch ?? 0"


def measure_play(frames: Frames, base: str, hash_: str, seconds: float) -> Measured:
    page = frames.page
    open_page(page, base, hash_, speed=5)  # max: Play as fast as it goes
    press(page, "Play/Pause")
    page.wait_for_timeout(1000)  # past the first train call
    first = page.evaluate(LAST_EPOCH)
    frames.start()
    page.wait_for_timeout(seconds * 1000)
    result = frames.stop()
    # Each epoch that arrives is work for the page: a faster server means more work per frame.
    result.epochs_per_s = (page.evaluate(LAST_EPOCH) - first) / seconds
    press(page, "Play/Pause")
    idle(page)
    return result


def measure_empty(frames: Frames, seconds: float) -> Measured:
    frames.page.set_content("<html><body>empty</body></html>")
    frames.start()
    frames.page.wait_for_timeout(seconds * 1000)
    return frames.stop()


def describe(name: str, m: Measured, base_fps: float, top: int = 0) -> str:
    line = (
        f"{name:34s} {m.fps:5.1f} fps ({m.fps / base_fps:4.2f}× empty page), longest frame {m.stall:6.1f} ms"
    )
    if m.epochs_per_s is not None:
        line += f", {m.epochs_per_s:.0f} epochs/s"
    if m.cost is None:
        return f"{line}, {m.nodes} SVG nodes"
    c = m.cost
    kinds = " ".join(f"{k} {v:.2f}" for k, v in c.kinds.items())
    threads = " ".join(f"{k} {v:.2f}" for k, v in sorted(c.threads.items()))
    p50, p95 = c.quantile(0.5), c.quantile(0.95)
    heavy = sorted(c.names.items(), key=lambda kv: -kv[1])[:top]
    return (
        f"{line}\n{'':34s} main thread CPU/frame: p50 {p50:5.2f} ms, p95 {p95:5.2f} ms, "
        f"max {max(c.per_frame, default=0):6.1f} ms, mean {c.mean:5.2f} ms, over {BUDGET_MS:.1f} ms: "
        f"{100 * c.over_budget:4.1f} % of {len(c.per_frame)} frames\n"
        f"{'':34s} mean ms/frame by kind: {kinds}; other threads: {threads}"
        + (f"\n{'':34s} by event: " + ", ".join(f"{k} {v:.2f}" for k, v in heavy) if top else "")
    )


SCENARIOS = ("2-64-64-1 Backward", "2-64-64-1 Play", "2-8×8-1 Backward", "2-8×8-1 Play")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each Play measurement")
    parser.add_argument("--baseline", metavar="REF", help="also measure commit REF (e.g. main), turn by turn")
    parser.add_argument(
        "--no-trace", dest="trace", action="store_false", help="frames per second only (no tracing)"
    )
    parser.add_argument(
        "--only", nargs="*", default=None, help="scenarios whose name contains one of these words"
    )
    parser.add_argument("--widths", nargs="*", type=int, default=list(WIDTHS))
    parser.add_argument(
        "--repeat", type=int, default=1, help="measure each scenario this many times, turn by turn"
    )
    parser.add_argument("--top", type=int, default=0, help="list the N trace events costing most a frame")
    args = parser.parse_args()
    secs = args.seconds
    runs: dict[str, Callable[[Frames, str], Measured]] = {
        "2-64-64-1 Backward": lambda f, base: measure_backward(f, base, WIDE),
        "2-64-64-1 Play": lambda f, base: measure_play(f, base, WIDE, secs),
        "2-8×8-1 Backward": lambda f, base: measure_backward(f, base, DEEP),
        "2-8×8-1 Play": lambda f, base: measure_play(f, base, DEEP, secs),
    }
    chosen = [s for s in SCENARIOS if args.only is None or any(w in s for w in args.only)]
    with tempfile.TemporaryDirectory() as tmp:
        with serving(Path(tmp), args.baseline) as servers:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
                )

                def fresh(width: int = 1280) -> Page:  # a page per scenario: a hash change would not reload
                    height = 1000 if width > 1280 else 800
                    return browser.new_page(viewport={"width": width, "height": height})

                page = fresh()
                empty = measure_empty(Frames(browser, page, args.trace), 2)
                page.close()
                print(describe("empty page", empty, empty.fps), flush=True)
                for _ in range(args.repeat):
                    for width in args.widths:
                        for scenario in chosen:
                            for key, server in servers.items():
                                page = fresh(width)
                                m = runs[scenario](Frames(browser, page, args.trace), str(server))
                                page.close()
                                name = f"{width} {scenario} {key}"
                                print(describe(name, m, empty.fps, args.top), flush=True)
                browser.close()


if __name__ == "__main__":
    main()
