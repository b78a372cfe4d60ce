"""Each page lists every module it loads as a `modulepreload` in its HTML, so the browser
fetches them all at once instead of one import level at a time (app/page_modules.py); the
explorer and a lesson carry the catalog, so their first request is for the data."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser


@pytest.mark.parametrize("path", ["/", "/lessons/chain-rule", "/compare?ids={ids}"])
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
