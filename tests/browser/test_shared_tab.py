"""The tab the browser tests share (tests/browser/conftest.py) reaches the next test as a first
visit would: what a test stored and the listeners it added through ``ui.on`` are gone."""

from __future__ import annotations

from playwright.sync_api import Request

from .conftest import UI, ReusedPage


def test_a_tab_given_back_keeps_no_listener_and_no_storage(reused_page: ReusedPage, live_server: str) -> None:
    server = str(live_server)
    first = UI(reused_page.take(server), server)
    seen: list[str] = []

    def watch(request: Request) -> None:
        seen.append(request.url)

    first.on("request", watch)
    first.open()
    assert seen  # the listener heard the page's requests while the test had the tab
    first.page.evaluate("() => { localStorage.setItem('left', '1'); sessionStorage.setItem('left', '1'); }")
    first.detach()
    reused_page.give_back(server)

    heard = len(seen)
    second = UI(reused_page.take(server), server)
    try:
        second.open()
        assert second.page is first.page  # the same tab, handed on
        assert len(seen) == heard  # the first test's listener is gone
        left = second.page.evaluate("() => [localStorage.getItem('left'), sessionStorage.getItem('left')]")
        assert left == [None, None]
        second.assert_no_console_errors()
    finally:
        second.detach()
        reused_page.give_back(server)
