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


def shifts_while_loading(browser: Browser, url: str, width: int, height: int, built: bool) -> list[dict]:
    """Every layout shift ``url`` made at ``width`` × ``height`` from its first frame until it
    settled (``built``: once its scripts have built it)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.add_init_script(OBSERVE)
        page.goto(url)
        if built:
            page.wait_for_selector("body[data-ready=true]")
        page.wait_for_load_state("networkidle")
        shifts = page.evaluate(SETTLE)
        if url.endswith(("/", "/lessons/chain-rule", "/lessons/vanishing-gradients")):
            # The drawing was built and painted (the page did not stay empty to avoid moving).
            assert page.locator("svg[data-network] circle").count() > 0
        elif "/compare" in url:
            assert page.locator("[data-columns] canvas").count() >= 2
        return shifts
    finally:
        context.close()


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
    # The list is the server's HTML; the others build themselves.
    shifts = shifts_while_loading(browser, f"{live_server}{path}", width, height, page_name != "lessons")
    total = sum(s["value"] for s in shifts)
    assert total < 0.1, (round(total, 4), shifts)


def test_a_drawing_fitted_to_the_window_moves_nothing_in_view(browser: Browser, live_server: str) -> None:
    """At 1280 × 800 the six sigmoid layers are drawn shorter than the box the page is served with
    (their own height): what moves up is under the window's foot."""
    shifts = shifts_while_loading(browser, f"{live_server}/lessons/vanishing-gradients", 1280, 800, True)
    total = sum(s["value"] for s in shifts)
    assert total < 0.01, (round(total, 4), shifts)


@pytest.mark.parametrize("path", ["/", "/lessons/chain-rule", "/lessons/vanishing-gradients"])
def test_served_drawing_height_is_the_built_one(browser: Browser, live_server: str, path: str) -> None:
    """app/page_layout.py computes the drawing's height as network-layout.js does: the box the
    page is served with is the box the built drawing takes, where the window has room for it."""
    served = re.search(r'data-height="(\d+)"', httpx.get(f"{live_server}{path}").text)
    assert served is not None
    for width, height in ((1280, 800), (1920, 1080)):
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            page = context.new_page()
            page.goto(f"{live_server}{path}")
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)
            own, drawn = page.evaluate(
                "(() => { const s = document.querySelector('svg[data-network]');"
                " return [Number(s.dataset.height), s.viewBox.baseVal.height]; })()"
            )
            assert own == int(served.group(1))
            if path == "/lessons/vanishing-gradients" and height == 800:
                assert drawn < own  # fitted to the window's height under the controls
            else:
                assert drawn == own
        finally:
            context.close()
