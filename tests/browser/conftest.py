"""Browser fixtures: Debian's Chromium (or Playwright's own build) headless, driven by
Playwright's sync API.

The suite fails, never skips, when Chromium is missing: `make test` installs it first.
The server is the shared ``live_server`` fixture (tests/conftest.py).

``ui`` is the test's page on the app at 1280 × 800. Each test process keeps one such page and
hands it to one test after another: opening the app in a new browser context costs about four
times the processor time of opening it again in the same tab, and the browser tests are most of
the suite's time. Between two tests the page leaves the app for a plain answer of the server,
its cookies, local and session storage are cleared and its own listeners removed, so the next
test meets it as a first visit would (a new owner, no remembered choices, a fresh load of the
page); only the browser's cache of the static files is kept. Listeners added with ``ui.on`` are
removed when the test gives the page back; a test whose code adds listeners to the page itself,
or routes, bindings or init scripts (found in its source, as tests/conftest.py finds the tests
that start a server), gets a page of a new context of its own instead. ``sized_ui``
is the same reused page at another size; ``ui_at`` is a page of a new context (two browsers at
once, another server, a first load with an empty cache).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import source_with_helpers

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SPEED_LABELS = ["0.25×", "0.5×", "1×", "2×", "4×", "max"]  # the Speed slider's positions, 0..5


def chromium_path(playwright: Playwright) -> str:
    """Debian's Chromium, else the one ``playwright install chromium`` downloaded."""
    debian = ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
    for candidate in (*debian, playwright.chromium.executable_path):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium is not installed: run `make chromium`", pytrace=False)


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=chromium_path(playwright), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


class UI:
    """A page on the app plus the console errors it logged."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self._listeners: list[tuple[str, Callable]] = []
        self.on("console", self._console)
        self.on("pageerror", self._page_error)

    def on(self, event: str, handler: Callable) -> None:
        """``page.on(event, handler)`` for as long as this test has the page: a test that
        watches the page's requests this way keeps the shared tab."""
        self.page.on(event, handler)
        self._listeners.append((event, handler))

    def detach(self) -> None:
        """Stop listening to the page (which may serve another test next)."""
        for event, handler in self._listeners:
            self.page.remove_listener(event, handler)
        self._listeners.clear()

    def _page_error(self, exc: Exception) -> None:
        self.errors.append(f"pageerror: {exc}")

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":  # with the address of a resource that failed to load
            url = (msg.location or {}).get("url", "")
            self.errors.append(f"{msg.text} ({url})" if url and url not in msg.text else msg.text)

    def open(self, hash_: str = "", speed: str | None = "max") -> UI:
        """Load the page (with an optional setup hash) and wait until its network is built;
        ``speed`` is a Speed slider position (default "max": no animation, Play at full pace)."""
        self.page.goto(f"{self.base}/{hash_}")
        self.page.wait_for_selector("body[data-ready=true]", timeout=20_000)
        if speed is not None:
            self.set_speed(speed)
        return self

    def set_speed(self, label: str) -> None:
        """Move the Speed slider to ``label``: "0.25×", "0.5×", "1×", "2×", "4×" (the animations'
        speed; Play at 1, 3, 10, 30, 100 epochs per second) or "max" (no animation, full pace)."""
        assert label in SPEED_LABELS, label
        self.page.evaluate(
            "v => { const s = document.querySelector('[data-speed]'); s.value = String(v);"
            " s.dispatchEvent(new Event('input')); }",
            SPEED_LABELS.index(label),
        )

    def idle(self) -> None:
        self.page.wait_for_function("() => document.body.dataset.busy !== 'true'", timeout=20_000)

    def press(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()
        self.idle()

    def state(self, expr: str):
        script = f"(() => {{ const s = window.backpropExplorer.getState(); return {expr}; }})()"
        return self.page.evaluate(script)

    @property
    def network_id(self) -> str:
        return self.state("s.network.id")

    def phase(self) -> str:
        return self.page.get_attribute("[data-phases]", "data-phase") or ""

    def error(self, key: str = "phase") -> str:
        return self.page.locator(f'[data-error="{key}"]').text_content() or ""

    def assert_no_console_errors(self, allow: tuple[str, ...] = ()) -> None:
        bad = [e for e in self.errors if not any(a in e for a in allow)]
        assert bad == [], bad


@contextmanager
def ui_at(browser: Browser, server: str, width: int = 1280, height: int = 800) -> Iterator[UI]:
    """A fresh page of ``width`` × ``height`` CSS pixels on ``server``, closed afterwards."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield UI(page, server)
    finally:
        context.close()


class ReusedPage:
    """One page handed to one test after another (see the module's docstring)."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.page: Page | None = None
        self.in_use = False  # the page shows what a test opened since it was last given back

    def take(self, server: str, viewport: dict[str, int] | None = None) -> Page:
        """The page, left and cleared if a test had it open, at ``viewport`` (1280 × 800)."""
        if self.in_use:
            self.give_back(server)
        if self.page is None or self.page.is_closed():
            self.page = self.browser.new_context(viewport=VIEWPORT).new_page()
        self.page.set_viewport_size(viewport or VIEWPORT)
        self.page.set_default_timeout(20_000)
        self.in_use = True
        return self.page

    def give_back(self, server: str) -> None:
        """Leave the app for another document (so the next load is a whole one, not a change of
        the hash) and forget what it stored; a page that cannot is closed, and the next test
        gets a new one."""
        page, self.in_use = self.page, False
        if page is None:
            return
        try:
            page.goto(f"{server}/api/health")
            page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
            page.context.clear_cookies()
        except PlaywrightError:
            page.context.close()
            self.page = None


VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def reused_page(browser: Browser) -> Iterator[ReusedPage]:
    reused = ReusedPage(browser)
    yield reused
    if reused.page is not None and not reused.page.is_closed():
        reused.page.context.close()


# What a test's code may do to a page that would outlive it on a reused one.
CHANGES_THE_PAGE = ("page.on(", "page.once(", "expose_function(", "expose_binding(", "add_init_script(",
                    "route(", "set_extra_http_headers(", "clock.", "emulate_media(", "set_offline(",
                    "keyboard.down(")  # fmt: skip


def changes_the_page(request: pytest.FixtureRequest) -> bool:
    function = getattr(request.node, "function", None)
    return any(word in source_with_helpers(function) for word in CHANGES_THE_PAGE)


@pytest.fixture
def ui(
    request: pytest.FixtureRequest, browser: Browser, reused_page: ReusedPage, live_server: str
) -> Iterator[UI]:
    if changes_the_page(request):
        with ui_at(browser, str(live_server)) as own:
            yield own
        return
    page_ui = UI(reused_page.take(str(live_server)), str(live_server))
    try:
        yield page_ui
    finally:
        page_ui.detach()
        reused_page.give_back(str(live_server))


@pytest.fixture
def sized_ui(
    request: pytest.FixtureRequest, browser: Browser, reused_page: ReusedPage, live_server: str
) -> Callable[[int, int], AbstractContextManager[UI]]:
    """``with sized_ui(width, height) as ui``: the reused page at that size; a second one in the
    same test leaves what the first opened."""
    if changes_the_page(request):
        return lambda width, height: ui_at(browser, str(live_server), width, height)

    @contextmanager
    def at(width: int, height: int) -> Iterator[UI]:
        page_ui = UI(reused_page.take(str(live_server), {"width": width, "height": height}), str(live_server))
        try:
            yield page_ui
        finally:
            page_ui.detach()
            reused_page.give_back(str(live_server))

    return at
