"""A teacher's folder of lesson files in the browser: `serve --lessons DIR` with one valid and
one broken file lists both on /lessons (the broken one with its error and line), and the
valid one is walked to its end by the tour."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.app.lesson_sample import VALID, broken
from tests.conftest import LiveServer, start_server, stop_server

from .conftest import ui_at


@pytest.fixture(scope="module")
def folder_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("lesson-folder")
    folder = root / "lessons"
    folder.mkdir()
    (folder / "01-my-neuron.md").write_text(VALID, encoding="utf-8")
    bad = broken("L = {loss.loss}", "L = {backward.loss}").replace('id = "my-neuron"', 'id = "my-broken"')
    (folder / "02-broken.md").write_text(bad, encoding="utf-8")
    server = start_server(root / "networks.db", env={"BACKPROP_EXPLORER_LESSONS": str(folder)})
    try:
        yield server
    finally:
        stop_server(server)


def test_a_folder_lists_a_valid_and_a_broken_file_and_the_valid_one_walks(
    browser: Browser, folder_server: LiveServer
) -> None:
    with ui_at(browser, folder_server.url) as ui:
        page = ui.page
        page.goto(f"{folder_server.url}/lessons")
        links = page.locator("[data-lesson-link]")
        assert links.count() == 12  # the eleven built-in lessons, then the teacher's
        mine = page.locator('[data-lesson-link="my-neuron"]')
        assert mine.text_content() == "My neuron"
        assert "from the lesson folder: 01-my-neuron.md" in (mine.locator("xpath=..").text_content() or "")
        problem = page.locator('[data-lesson-problem="02-broken.md"]')
        assert problem.count() == 1 and page.locator('[data-lesson-link="my-broken"]').count() == 0
        error = problem.locator(".lesson-error").text_content() or ""
        assert "line 31: unknown placeholder {backward.loss}" in error
        # The valid one: the tour walks it, its prediction judged, its numbers the server's.
        mine.click()
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        ui.set_speed("max")
        stage = "() => ['ask', 'shown', 'finished'].includes(document.body.dataset.tourStage)"
        page.wait_for_function(stage)
        assert page.evaluate("() => document.body.dataset.tourStage") == "ask"
        page.locator('[data-tour-choices] button[data-choice="negative"]').click()
        page.wait_for_function("() => document.body.dataset.tourStage === 'shown'")
        assert "Right" in (page.locator("[data-tour-verdict]").text_content() or "")
        text = page.locator("[data-tour-text]").text_content() or ""
        z = ui.state("s.trace.forward.layers[0].z[0][0]")
        assert text.startswith("z = w₁x₁ + w₂x₂ + b = ") and "{" not in text and z < 0
        page.locator("[data-tour-next]").click()
        page.wait_for_function(stage)
        assert (page.locator("[data-tour-text]").text_content() or "").startswith("L = ")
        assert ui.phase() == "loss"
        page.locator("[data-tour-next]").click()
        page.wait_for_function("() => document.body.dataset.tourStage === 'finished'")
        ui.assert_no_console_errors()
