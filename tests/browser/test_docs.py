"""/docs renders the interactive API documentation from local files only (no CDN)."""

from urllib.parse import urlparse


def test_docs_render_offline(browser, live_server):
    page = browser.new_page()
    outside: list[str] = []

    def only_loopback(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    try:
        page.goto(f"{live_server}/docs")
        page.get_by_text("Create Network").first.wait_for(timeout=15_000)
        assert page.locator(".opblock").count() >= 20  # one block per operation
        assert outside == []
    finally:
        page.close()
