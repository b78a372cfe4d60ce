"""Each page lists every module it loads as a `modulepreload` in its HTML, so the browser
fetches them all at once instead of one import level at a time (app/page_modules.py); a
lesson lists the explorer's modules in a template it adds once step 1's text is shown. The
explorer and a lesson carry the catalog, so their first request is for the data."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser


@pytest.mark.parametrize("path", ["/", "/lessons/chain-rule", "/lessons/loss", "/compare?ids={ids}"])
def test_every_module_loaded_is_preloaded(browser: Browser, live_server: str, path: str) -> None:
    spec = {"layers": [2, 3, 1], "data": {"generator": "xor"}}
    ids = ",".join(httpx.post(f"{live_server}/api/networks", json=spec).json()["id"] for _ in range(2))
    url = f"{live_server}{path.format(ids=ids)}"
    html = httpx.get(url).text
    listed = set(re.findall(r'<link rel="modulepreload" href="[^"]*/static/js/([^"?]+)"', html))
    entries = set(re.findall(r'<script type="module" src="[^"]*/static/js/([^"?]+)', html))
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        loaded: list[str] = []
        page.on("request", lambda r: loaded.append(r.url))
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        page.wait_for_load_state("networkidle")
        modules = {m.group(1) for u in loaded if (m := re.search(r"/static/js/([^?]+\.js)", u))}
        assert len(modules) > 10
        assert modules - entries - listed == set()
        # The explorer and a lesson read the catalog the page carries; /compare asks for it.
        asked = any(u.endswith("/api/catalog") for u in loaded)
        assert asked == path.startswith("/compare")
    finally:
        context.close()


LAZY = {"graph-panel.js", "analysis-panel.js", "my-networks.js", "compare/launch.js"}


def test_the_panels_below_load_their_modules_when_first_used(browser: Browser, live_server: str) -> None:
    # The graph, the loss landscape, My networks and the compare launcher are not fetched with the
    # page (its first paint waits for none of them); each loads and works when first used.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        loaded: list[str] = []
        page.on("request", lambda r: loaded.append(r.url))
        page.goto(f"{live_server}/")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        page.wait_for_load_state("networkidle")

        def modules() -> set[str]:
            return {m.group(1) for u in loaded if (m := re.search(r"/static/js/([^?]+\.js)", u))}

        assert modules() & LAZY == set()

        page.locator("[data-graph]").scroll_into_view_if_needed()
        page.wait_for_function("() => document.querySelector('[data-graph]').dataset.state === 'drawn'")
        assert page.locator("[data-graph] [data-node]").count() > 0
        page.locator('.edge-hit[data-layer="1"][data-j="0"][data-i="0"]').dispatch_event("click")
        page.wait_for_function("() => document.querySelector('[data-landscape]').dataset.state === 'drawn'")
        page.locator("[data-action=my-networks]").click()
        page.wait_for_selector("[data-my-networks][open] [data-my-rows] tr")
        page.locator("[data-action=my-close]").click()
        page.locator("[data-compare-launch] summary").click()
        page.wait_for_selector("[data-compare-launch] [data-copy-submit]")
        assert modules() >= LAZY
    finally:
        context.close()


# Set before the page's scripts: when step 1's text is first on the tour panel.
TEXT_SEEN = """new MutationObserver((_, observer) => {
  const text = document.querySelector('[data-tour-text]');
  if (!text?.textContent.trim() || window.__textAt !== undefined) return;
  window.__textAt = performance.now();
  window.__firstText = text.textContent;
  observer.disconnect();
}).observe(document, { childList: true, subtree: true, characterData: true });"""


def test_a_lesson_shows_step_one_before_the_explorers_modules(browser: Browser, live_server: str) -> None:
    # lesson.js shows step 1's text with the five modules it imports; main.js and the modules of
    # the explorer, the tour and the loss landscape are asked for once that text is on screen, and
    # the tour then shows the same text.
    html = httpx.get(f"{live_server}/lessons/chain-rule").text
    head = html.split("<template data-later-modules>")[0]
    first = set(re.findall(r'<link rel="modulepreload" href="[^"]*/static/js/([^"?]+)"', head))
    assert first == {"tour/opening.js", "api.js", "root.js", "tour/panel.js", "tour/prune.js"}
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.add_init_script(TEXT_SEEN)
        page.goto(f"{live_server}/lessons/chain-rule")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        page.wait_for_selector("body[data-tour-stage=shown]")
        text_at = page.evaluate("window.__textAt")
        asked = page.evaluate(
            """() => performance.getEntriesByType('resource')
                 .filter((e) => e.name.includes('/static/js/'))
                 .map((e) => [new URL(e.name).pathname.split('/static/js/')[1], e.startTime])"""
        )
        before = {name for name, at in asked if at < text_at}
        after = {name for name, at in asked if at >= text_at}
        assert before == first | {"lesson.js"}
        assert {"main.js", "tour/tour.js", "network-view.js", "analysis-panel.js"} <= after
        assert len(after) > 60
        early = page.evaluate("window.__firstText")
        assert "the hidden neuron h" in early
        assert page.locator("[data-tour-text]").text_content() == early
        assert page.locator("[data-tour-progress]").text_content().startswith("Step 1 of")
        assert page.locator("[data-tour-next]").is_enabled()
    finally:
        context.close()
