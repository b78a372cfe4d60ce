"""Nothing on a page moves while it loads: every 'layout-shift' entry Chromium reports, from the
first frame until the page is built and has settled, adds up to less than 0.1 (the threshold
of a good cumulative layout shift) on the explorer, the lesson list, a lesson and /compare,
on a phone (390 px) and a desktop (1440 px)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser

# Installed before the page's own scripts: every shift not caused by input, summed (Lighthouse
# counts the worst 5-second window of them; the sum is never less).
OBSERVE = """window.__shifts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.hadRecentInput) continue;
    window.__shifts.push({ value: e.value, at: Math.round(e.startTime),
      nodes: e.sources.map((s) => String(s.node?.className?.baseVal ?? s.node?.nodeName)) });
  }
}).observe({ type: 'layout-shift', buffered: true });"""

SETTLE = """() => new Promise((done) => {
  // Two seconds without a new shift after the page is built (its answers have arrived).
  let seen = -1, quiet = 0;
  const tick = () => {
    if (window.__shifts.length === seen) quiet += 1; else { seen = window.__shifts.length; quiet = 0; }
    if (quiet >= 8) done(window.__shifts); else setTimeout(tick, 250);
  };
  tick();
})"""


@pytest.fixture(scope="module")
def compare_ids(live_server: str) -> str:
    spec = {"layers": [2, 3, 1], "data": {"generator": "xor"}}
    return ",".join(httpx.post(f"{live_server}/api/networks", json=spec).json()["id"] for _ in range(2))


@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)])
@pytest.mark.parametrize("page_name", ["explorer", "lessons", "lesson", "compare"])
def test_pages_do_not_shift_while_loading(
    browser: Browser, live_server: str, compare_ids: str, page_name: str, width: int, height: int
) -> None:
    path = {
        "explorer": "/",
        "lessons": "/lessons",
        "lesson": "/lessons/chain-rule",
        "compare": f"/compare?ids={compare_ids}",
    }[page_name]
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.add_init_script(OBSERVE)
        page.goto(f"{live_server}{path}")
        if page_name != "lessons":  # the list is the server's HTML; the others build themselves
            page.wait_for_selector("body[data-ready=true]")
        page.wait_for_load_state("networkidle")
        shifts = page.evaluate(SETTLE)
        total = sum(s["value"] for s in shifts)
        assert total < 0.1, (round(total, 4), shifts)
        if page_name in ("explorer", "lesson"):
            # The drawing was built and painted (the page did not stay empty to avoid moving).
            assert page.locator("svg[data-network] circle").count() > 0
        elif page_name == "compare":
            assert page.locator("[data-columns] canvas").count() >= 2
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/", "/lessons/chain-rule", "/lessons/vanishing-gradients"])
def test_served_drawing_height_is_the_built_one(browser: Browser, live_server: str, path: str) -> None:
    """app/page_layout.py computes the drawing's height as network-layout.js does: the box the
    page is served with is the box the built drawing takes."""
    served = re.search(r'data-height="(\d+)"', httpx.get(f"{live_server}{path}").text)
    assert served is not None
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{live_server}{path}")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        built = page.evaluate("document.querySelector('svg[data-network]').viewBox.baseVal.height")
        assert int(served.group(1)) == built
    finally:
        context.close()
