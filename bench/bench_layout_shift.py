"""How far each page moves while it loads, in headless Chromium (not part of the test run).

Sums the 'layout-shift' entries (not caused by input) from the first frame until the page is
built and has been still for two seconds, as tests/browser/test_layout_shift.py does, on the
explorer, the lesson list, a lesson and /compare at 390 and 1440 px. With ``--baseline REF``
the same pages are measured on a server running commit REF (bench/baseline.py), turn by turn.

    python bench/bench_layout_shift.py [--runs 3] [--baseline main]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from bench.baseline import compare_ids, serving  # noqa: E402
from tests.browser.test_layout_shift import OBSERVE, SETTLE  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = {
    "explorer": "/",
    "lessons": "/lessons",
    "a lesson": "/lessons/chain-rule",
    "compare": "/compare?ids={ids}",
}
SIZES = ((390, 844), (1440, 900))


def shift(browser: Browser, url: str, width: int, height: int, built: bool) -> float:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.add_init_script(OBSERVE)
        page.goto(url)
        if built:
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        page.wait_for_load_state("networkidle")
        return sum(s["value"] for s in page.evaluate(SETTLE))
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="loads per page and size; the median is printed")
    parser.add_argument("--baseline", metavar="REF", help="also measure commit REF (e.g. main), turn by turn")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with serving(Path(tmp), args.baseline, "shift.db") as servers:
            ids = compare_ids(servers)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                print(f"{'page':<10} {'width':>5}  " + "  ".join(f"{key:>8}" for key in servers))
                for name, path in PAGES.items():
                    for width, height in SIZES:
                        found: dict[str, list[float]] = {key: [] for key in servers}
                        for _ in range(args.runs):
                            for key, server in servers.items():
                                url = f"{server}{path.format(ids=ids[key])}"
                                found[key].append(shift(browser, url, width, height, name != "lessons"))
                        medians = "  ".join(f"{statistics.median(v):>8.3f}" for v in found.values())
                        print(f"{name:<10} {width:>5}  {medians}")
                browser.close()


if __name__ == "__main__":
    main()
