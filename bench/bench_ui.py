"""Frame rate of the page in headless Chromium while it animates (not part of the test run).

A requestAnimationFrame counter runs in the page and records every frame's timestamp while
the UI does one thing: the Backward animation (at 1× speed) and Play (at full pace) of a wide
2-64-64-1 network and of a deep narrow one (eight hidden layers of 8), at 1280 and 1920 px wide.
Each scenario prints frames
per second, the longest gap between two frames (a stall), and the number of SVG nodes.
A same-run baseline (an empty page's rAF rate) shows what this machine's load allows.

    python bench/bench_ui.py [--seconds 4] [--baseline main]

With ``--baseline REF`` each scenario also runs on a server running commit REF
(bench/baseline.py), right after this checkout's, so the two are compared in one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from bench.baseline import serving  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDE = "#ds=circles&n=200&h=64.tanh,64.tanh&out=sigmoid&loss=bce&lr=0.1&bs=10&opt=sgd"
DEEP = "#ds=circles&n=200&h=" + ",".join(["8.tanh"] * 8) + "&out=sigmoid&loss=bce&lr=0.1&bs=10&opt=sgd"
WIDTHS = (1280, 1920)

COUNTER = """() => {
  window.__frames = [];
  window.__counting = true;
  const tick = (t) => {
    if (!window.__counting) return;
    window.__frames.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
STOP = """() => { window.__counting = false; return window.__frames; }"""


def summarize(frames: list[float]) -> tuple[float, float]:
    """(frames per second, longest gap in ms) of a list of rAF timestamps."""
    if len(frames) < 2:
        return 0.0, float("inf")
    span = frames[-1] - frames[0]
    gaps = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    return 1000 * (len(frames) - 1) / span, max(gaps)


def svg_nodes(page: Page) -> int:
    return page.evaluate("document.querySelectorAll('svg[data-network] *').length")


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


def measure_backward(page: Page, base: str, hash_: str = WIDE) -> tuple[float, float, int]:
    open_page(page, base, hash_, speed=2)  # the Speed slider at 1×
    for name in ("Forward", "Loss"):
        press(page, name)
        idle(page)
    page.evaluate(COUNTER)
    press(page, "Backward")
    idle(page)
    fps, stall = summarize(page.evaluate(STOP))
    return fps, stall, svg_nodes(page)


def measure_play(page: Page, base: str, hash_: str, seconds: float) -> tuple[float, float, int]:
    open_page(page, base, hash_, speed=5)  # max: Play as fast as it goes
    press(page, "Play/Pause")
    page.wait_for_timeout(1000)  # past the first train call
    page.evaluate(COUNTER)
    page.wait_for_timeout(seconds * 1000)
    fps, stall = summarize(page.evaluate(STOP))
    nodes = svg_nodes(page)
    press(page, "Play/Pause")
    idle(page)
    return fps, stall, nodes


def measure_baseline(page: Page, seconds: float) -> tuple[float, float]:
    page.set_content("<html><body>empty</body></html>")
    page.evaluate(COUNTER)
    page.wait_for_timeout(seconds * 1000)
    return summarize(page.evaluate(STOP))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each Play measurement")
    parser.add_argument("--baseline", metavar="REF", help="also measure commit REF (e.g. main), turn by turn")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with serving(Path(tmp), args.baseline) as servers:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
                )

                def fresh(width: int = 1280) -> Page:  # a page per scenario: a hash change would not reload
                    height = 1000 if width > 1280 else 800
                    return browser.new_page(viewport={"width": width, "height": height})

                base_fps, base_stall = measure_baseline(fresh(), 2)
                print(f"baseline (empty page)        {base_fps:5.1f} fps, longest frame {base_stall:6.1f} ms")
                rows = []
                secs = args.seconds
                for width in WIDTHS:
                    for scenario, measure in (
                        ("2-64-64-1 Backward", lambda page, base: measure_backward(page, base)),
                        ("2-64-64-1 Play", lambda page, base: measure_play(page, base, WIDE, secs)),
                        ("2-8×8-1 Backward", lambda page, base: measure_backward(page, base, DEEP)),
                        ("2-8×8-1 Play", lambda page, base: measure_play(page, base, DEEP, secs)),
                    ):
                        for key, server in servers.items():
                            page = fresh(width)
                            rows.append((f"{width} {scenario} {key}", measure(page, str(server))))
                            page.close()
                for name, (fps, stall, nodes) in rows:
                    print(
                        f"{name:34s} {fps:5.1f} fps ({fps / base_fps:4.2f}× baseline), "
                        f"longest frame {stall:6.1f} ms, {nodes} SVG nodes"
                    )
                browser.close()


if __name__ == "__main__":
    main()
