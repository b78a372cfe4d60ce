"""Browser fixtures: Debian's Chromium (or Playwright's own build) headless, driven by
Playwright's sync API.

The suite fails, never skips, when Chromium is missing: `make test` installs it first.
The server is the shared ``live_server`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

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
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        path = chromium_path(playwright)
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
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
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

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


@pytest.fixture
def ui(browser: Browser, live_server: str) -> Iterator[UI]:
    with ui_at(browser, str(live_server)) as page_ui:
        yield page_ui
