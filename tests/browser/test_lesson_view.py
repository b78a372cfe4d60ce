"""Lessons keep the network in view: at 1280×800 the tour sits beside the drawing and both are
on the first screen at every step; on a phone the drawing comes right under the tour. A first visit offers
the first lesson, and the controls lead to the lessons."""

from __future__ import annotations

import httpx
import pytest
from backprop_explorer.app.lessons import LESSONS

from .conftest import UI
from .test_lessons import advance, open_lesson, wait_stage


def box(ui: UI, selector: str) -> dict:
    found = ui.page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def inside_viewport(ui: UI, selector: str) -> bool:
    b = box(ui, selector)
    size = ui.page.viewport_size
    assert size is not None
    right, bottom = b["x"] + b["width"], b["y"] + b["height"]
    return b["x"] >= 0 and b["y"] >= 0 and right <= size["width"] and bottom <= size["height"]


def test_the_chain_rule_lesson_keeps_drawing_and_tour_on_one_screen(sized_ui, live_server: str) -> None:
    with sized_ui(1280, 800) as ui:
        ui.page.goto(f"{live_server}/lessons/chain-rule")
        ui.page.wait_for_selector("body[data-ready=true]")
        ui.set_speed("max")
        steps = LESSONS["chain-rule"].steps
        for k, step in enumerate(steps):
            if wait_stage(ui) == "ask":
                assert step.ask is not None
                ui.page.locator("[data-tour-choices] button").first.click()
                assert wait_stage(ui) == "shown"
            assert ui.page.evaluate("window.scrollY") == 0  # nothing had to scroll
            for part in ("svg[data-network]", "[data-tour-text]", "[data-tour-next]"):
                assert inside_viewport(ui, part), (k + 1, part, box(ui, part))
            # The tour stands beside the drawing, not above it.
            drawing = box(ui, "svg[data-network]")
            assert box(ui, "[data-tour]")["x"] >= drawing["x"] + drawing["width"]
            if k + 1 < len(steps):
                advance(ui)
        ui.assert_no_console_errors()


def test_on_a_phone_the_step_and_the_drawing_share_the_first_screen(sized_ui, live_server: str) -> None:
    with sized_ui(390, 844) as ui:
        ui.page.goto(f"{live_server}/lessons/chain-rule")
        ui.page.wait_for_selector("body[data-ready=true]")
        ui.set_speed("max")
        for k in range(len(LESSONS["chain-rule"].steps)):
            if wait_stage(ui) == "ask":
                ui.page.locator("[data-tour-choices] button").first.click()
                assert wait_stage(ui) == "shown"
            assert ui.page.evaluate("window.scrollY") == 0, k + 1
            for part in ("[data-tour-title]", "[data-tour-text]", "[data-tour-next]"):
                assert inside_viewport(ui, part), (k + 1, part, box(ui, part))
            # Most of the drawing is on that screen too (all of it beside a short text).
            drawing = box(ui, "svg[data-network]")
            shown = min(drawing["y"] + drawing["height"], 844) - max(drawing["y"], 0)
            assert shown >= 0.75 * drawing["height"], (k + 1, drawing)
            if k == 0:
                assert inside_viewport(ui, "svg[data-network]"), box(ui, "svg[data-network]")
            # The drawing comes under the tour, the phase controls (locked in the lesson) after it.
            assert box(ui, "svg[data-network]")["y"] < box(ui, ".controls")["y"]
            if k + 1 < len(LESSONS["chain-rule"].steps):
                advance(ui)
        # Left, the page is the explorer's again: its controls above the drawing.
        ui.page.locator("[data-tour-leave]").click()
        assert box(ui, ".controls")["y"] < box(ui, "svg[data-network]")["y"]
        ui.assert_no_console_errors()


def test_a_first_visit_offers_the_first_lesson_until_dismissed(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    first = httpx.get(f"{live_server}/api/lessons").json()[0]
    offer = page.locator("[data-welcome]")
    assert offer.is_visible()
    start = page.locator("[data-welcome-start]")
    assert start.get_attribute("href") == f"/lessons/{first['id']}"
    assert first["title"] in (start.text_content() or "")
    # The lessons are one click away from the controls too.
    assert page.locator("[role=toolbar] a[href='/lessons']").is_visible()
    page.get_by_role("button", name="Hide this suggestion").click()
    assert not offer.is_visible()
    ui.open()
    assert not page.locator("[data-welcome]").is_visible()  # remembered
    ui.assert_no_console_errors()


def test_the_offer_steps_aside_once_the_learner_sets_to_work(sized_ui) -> None:
    """Fixed in a corner, the offer covers part of a phone's drawing: a phase or an epoch hides it
    for the visit; it is offered again on the next one (only × is remembered)."""
    with sized_ui(390, 844) as ui:
        offer = ui.page.locator("[data-welcome]")
        for action in ("Forward", "Epoch"):
            ui.open()
            assert offer.is_visible()
            ui.press(action)
            assert not offer.is_visible(), action
        ui.open()
        assert offer.is_visible()  # not remembered
        ui.assert_no_console_errors()


# Every neuron's circle, the output's "ŷ" and the drawing's box, on the screen.
DRAWING_PARTS = """() => {
  const svg = document.querySelector('svg[data-network]');
  const parts = [...svg.querySelectorAll('g.neuron circle.body'), ...svg.querySelectorAll('.side-label')]
    .filter((n) => n.textContent !== '' || n.tagName === 'circle');
  return [svg, ...parts].map((n) => { const b = n.getBoundingClientRect();
    return { x: b.x, y: b.y, width: b.width, height: b.height, what: n.getAttribute('class') }; });
}"""


# The neurons whose circle's centre another part of the drawing takes the clicks of.
CENTRES_HIT_THEIR_NEURON = """() => [...document.querySelectorAll('svg[data-network] g.neuron')]
.filter((g) => {
  const b = g.querySelector('circle.body').getBoundingClientRect();
  const hit = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2)?.closest('[data-kind]');
  return hit !== g;
}).map((g) => `${g.dataset.layer}-${g.dataset.j}`)"""


@pytest.mark.parametrize("width,height", [(1280, 800), (1920, 1080)])
@pytest.mark.parametrize("lesson_id", ["vanishing-gradients", "overfitting"])
def test_a_deep_network_is_drawn_whole_beside_the_tour(
    sized_ui, lesson_id: str, width: int, height: int
) -> None:
    """Six sigmoid layers of 8, or two folded layers of 32: the drawing is fitted to the height the
    window leaves under the controls, so its last row and the output are on the first screen."""
    with sized_ui(width, height) as ui:
        open_lesson(ui, lesson_id)
        assert ui.page.evaluate("window.scrollY") == 0
        for part in ui.page.evaluate(DRAWING_PARTS):
            assert part["y"] >= 0 and part["y"] + part["height"] <= height, part
        for part in ("[data-tour-text]", "[data-tour-next]"):
            assert inside_viewport(ui, part), part
        # Still legible: the rows are at least 20 px apart, the circles at least 12 px wide.
        rows = ui.page.evaluate(
            "[...document.querySelectorAll('svg g.neuron[data-layer=\"1\"] circle.body')]"
            ".map((c) => c.getBoundingClientRect()).map((b) => [b.y + b.height / 2, b.width])"
        )
        assert min(b[0] - a[0] for a, b in zip(rows, rows[1:], strict=False)) >= 20
        assert min(w for _, w in rows) >= 12
        # A click on a neuron's centre is the neuron's, not the bias square's target above it.
        assert ui.page.evaluate(CENTRES_HIT_THEIR_NEURON) == []
        ui.assert_no_console_errors()


@pytest.mark.parametrize("lesson_id", ["vanishing-gradients", "overfitting"])
def test_on_a_phone_a_deep_network_fits_the_screen(sized_ui, lesson_id: str) -> None:
    with sized_ui(390, 844) as ui:
        open_lesson(ui, lesson_id)
        # Scrolled to (the tour comes first), the whole drawing is on the screen.
        ui.page.evaluate("document.querySelector('svg[data-network]').scrollIntoView({ block: 'start' })")
        for part in ui.page.evaluate(DRAWING_PARTS):
            assert part["y"] >= -0.5 and part["y"] + part["height"] <= 844, part
        ui.assert_no_console_errors()
