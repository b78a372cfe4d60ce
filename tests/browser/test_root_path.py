"""The page served under a sub-path behind a reverse proxy (`serve --root-path /explorer`): it
loads its files and calls the API through the prefix, steps a network, and its links (the
lessons, a lesson's tour, the API docs) stay under the prefix."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser

from tests.app.proxy import Proxy
from tests.app.serving import serve

from .conftest import ui_at


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = serve(tmp_path_factory.mktemp("root-path"), "--root-path", "/explorer")
    proxy = Proxy(server.url, "/explorer")
    try:
        yield proxy.url
    finally:
        proxy.close()
        server.stop()


def test_the_page_steps_a_network_through_the_prefix(browser: Browser, proxied: str) -> None:
    with ui_at(browser, proxied) as ui:
        requests: list[str] = []
        ui.page.on("request", lambda r: requests.append(r.url))
        ui.open(speed="max")
        ui.press("Step")
        assert ui.phase() == "update" and ui.state("s.network.step") == 1
        assert "#net=" in ui.page.url and ui.page.url.startswith(f"{proxied}/")
        api_calls = [u for u in requests if "/api/" in u]
        assert api_calls and all(u.startswith(f"{proxied}/api/") for u in api_calls)
        assert all(u.startswith(proxied) for u in requests if u.startswith("http"))

        ui.page.get_by_role("banner").get_by_role("link", name="Lessons").click()
        ui.page.wait_for_url(f"{proxied}/lessons")
        ui.page.locator("[data-lesson-link=one-neuron]").click()
        ui.page.wait_for_url(f"{proxied}/lessons/one-neuron*")
        ui.page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        assert ui.page.locator("[data-tour]").is_visible()
        ui.assert_no_console_errors()


def test_the_api_docs_work_through_the_prefix(proxied: str) -> None:
    docs = httpx.get(f"{proxied}/docs")
    assert docs.status_code == 200 and "/explorer/openapi.json" in docs.text
    assert httpx.get(f"{proxied}/openapi.json").json()["info"]["title"] == "Backprop Explorer"
