"""The attacks of issue 7 made by a real headless Chromium against real servers: a rebound
name, a page on another site, the token cookie, and the Content-Security-Policy in force."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright

from tests.browser.conftest import chromium_path

from .serving import Served, serve

# Chromium resolves these names to this machine, as an attacker's DNS would.
RESOLVE = "MAP rebind.example 127.0.0.1, MAP attacker.example 127.0.0.1"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    f"--host-resolver-rules={RESOLVE}",
]
SPEC = {"layers": [2, 3, 1], "data": {"generator": "moons", "n": 20, "seed": 1}}
RECORD_VIOLATIONS = (
    "window.violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));"
)
# What a page on another site can do without reading any answer: fire-and-forget requests.
ATTACK = """async ({target, id}) => {
  const form = new FormData();
  form.append("file", new Blob(["a,b,y\\n1,2,3\\n"], {type: "text/csv"}), "x.csv");
  const shots = [
    fetch(`${target}/api/datasets`, {method: "POST", mode: "no-cors", body: form}),
    fetch(`${target}/api/networks/${id}/step`, {method: "POST", mode: "no-cors"}),
    fetch(`${target}/api/networks/${id}/epoch`, {method: "POST", mode: "no-cors"}),
  ];
  for (const shot of shots) await shot.catch(() => null);
}"""


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=chromium_path(playwright), args=ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = serve(tmp_path_factory.mktemp("browser"))
    yield served
    served.stop()


@pytest.fixture(scope="module")
def attacker_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A plain page on http://attacker.example:PORT (another site, served from this machine)."""
    root = tmp_path_factory.mktemp("attacker")
    (root / "index.html").write_text("<!doctype html><title>cute cats</title>")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://attacker.example:{httpd.server_address[1]}"
    httpd.shutdown()


def new_network(base: str) -> str:
    response = httpx.post(f"{base}/api/networks", json=SPEC)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def steps(base: str, network_id: str) -> int:
    return httpx.get(f"{base}/api/networks/{network_id}").json()["step"]


def test_a_rebound_name_gets_nothing(browser: Browser, server: Served) -> None:
    network_id = new_network(server.url)
    port = server.url.rsplit(":", 1)[1]
    page = browser.new_page()
    try:
        answer = page.goto(f"http://rebind.example:{port}/api/networks")
        assert answer is not None and answer.status == 403
        assert network_id not in page.content()
        # Same-origin for the browser (the page is on rebind.example too), so nothing stops it
        # but the server itself.
        status = page.evaluate(
            "id => fetch(`/api/networks/${id}`, {method: 'DELETE'}).then(r => r.status)", network_id
        )
        assert status == 403
        assert steps(server.url, network_id) == 0  # still there
    finally:
        page.close()


def test_a_page_on_another_site_cannot_drive_the_server(
    browser: Browser, server: Served, attacker_site: str
) -> None:
    network_id = new_network(server.url)
    page = browser.new_page()
    try:
        page.goto(f"{attacker_site}/")
        page.evaluate(ATTACK, {"target": server.url, "id": network_id})
        assert steps(server.url, network_id) == 0
        # The control: the same requests from the server's own page do step the network.
        page.goto(f"{server.url}/static/css/app.css")
        page.evaluate(ATTACK, {"target": server.url, "id": network_id})
        assert steps(server.url, network_id) > 0
    finally:
        page.close()


def violations(page: Page) -> list[str]:
    return page.evaluate("window.violations")


def test_the_page_works_under_its_content_security_policy(browser: Browser, server: Served) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.add_init_script(RECORD_VIOLATIONS)
    try:
        page.goto(f"{server.url}/")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        page.get_by_role("button", name="Forward", exact=True).click()
        # A function, not an expression: Playwright polls an expression with eval, which the
        # policy forbids.
        page.wait_for_function("() => document.body.dataset.busy !== 'true'", timeout=20_000)
        assert violations(page) == [] and errors == []
        # The policy is in force: an injected inline script does not run, and is reported.
        ran = page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
            " document.body.append(s); return new Promise(r => setTimeout(() => r(window.injected), 200)); }"
        )
        assert ran is None
        assert any(v.startswith("script-src") for v in violations(page))
    finally:
        page.close()


def test_docs_run_their_inline_script_and_nothing_else(browser: Browser, server: Served) -> None:
    page = browser.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    try:
        page.goto(f"{server.url}/docs")
        page.get_by_text("Create Network").first.wait_for(timeout=20_000)
        assert page.locator(".opblock").count() >= 20
        assert [v for v in violations(page) if v.startswith("script")] == []
    finally:
        page.close()


def test_the_page_opened_with_the_token_keeps_working(browser: Browser, tmp_path: Path) -> None:
    public = serve(tmp_path, host="0.0.0.0")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{public.url}/?token={public.token}#seed=3")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        # The redirect drops the token and keeps the setup in the fragment (the page then adds
        # the network it built, #net=…, beside it).
        assert "token" not in page.url and "seed=3" in page.url.split("#", 1)[1].split("&")
        assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read it
        assert page.evaluate("fetch('/api/catalog').then(r => r.status)") == 200
        stranger = browser.new_page()  # another browser profile: no cookie
        try:
            stranger.goto(f"{public.url}/")
            assert stranger.evaluate("fetch('/api/catalog').then(r => r.status)") == 401
        finally:
            stranger.close()
    finally:
        context.close()
        public.stop()
