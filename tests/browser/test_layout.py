"""Issue 11, "legible at every size": no label overlaps at 390, 1024, 1280 and 1920 px, text
≥ 11 px and no sideways scroll on a phone, the diagram and the chain rule visible together,
wide layers collapsed and expandable, comfortable bias targets, tab order along the network."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from .conftest import UI
from .test_lesson_view import CENTRES_HIT_THEIR_NEURON

SIZES = [(390, 844), (1024, 768), (1280, 800), (1920, 1080)]
WIDE = "#ds=circles&n=100&h=64.tanh,24.relu&out=sigmoid&loss=bce&lr=0.1&bs=10"
DEEP = "#ds=xor&h=4.tanh,4.tanh&out=sigmoid&loss=bce&lr=0.3&bs=1&iseed=3"
MAPS = "#ds=moons&n=120&noise=0.1&dseed=2&h=5.tanh,3.relu&out=sigmoid&loss=bce&lr=0.5&bs=8"

# Every visible text of the drawing, as boxes on the screen.
TEXT_BOXES = """() => [...document.querySelectorAll('svg[data-network] text')]
  .filter((t) => t.textContent.trim() && t.getAttribute('visibility') !== 'hidden')
  .map((t) => { const b = t.getBoundingClientRect();
                return { x: b.x, y: b.y, w: b.width, h: b.height, text: t.textContent }; })"""


@pytest.fixture
def sized(sized_ui):
    """``sized(width, height, hash_)``: the page at that size, opened with that setup."""
    with ExitStack() as stack:
        yield lambda width, height, hash_="": stack.enter_context(sized_ui(width, height)).open(hash_)


def overlapping(boxes: list[dict], slack: float = 0.5) -> list[tuple[str, str]]:
    bad = []
    for k, a in enumerate(boxes):
        for b in boxes[k + 1 :]:
            apart = (
                a["x"] + a["w"] <= b["x"] + slack
                or b["x"] + b["w"] <= a["x"] + slack
                or a["y"] + a["h"] <= b["y"] + slack
                or b["y"] + b["h"] <= a["y"] + slack
            )
            if not apart:
                bad.append((a["text"], b["text"]))
    return bad


@pytest.mark.parametrize("width,height", SIZES)
@pytest.mark.parametrize("hash_", ["", DEEP, WIDE, MAPS])
def test_no_two_labels_overlap(sized, width: int, height: int, hash_: str) -> None:
    ui = sized(width, height, hash_)
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    svg = ui.page.locator("svg[data-network]").bounding_box()
    boxes = ui.page.evaluate(TEXT_BOXES)
    assert overlapping(boxes) == []
    # Nor does any label sit on a neuron's heatmap.
    maps = ui.page.evaluate(
        """[...document.querySelectorAll('svg image.neuron-map')].map((m) => {
             const b = m.getBoundingClientRect();
             return { x: b.x, y: b.y, w: b.width, h: b.height, text: 'map' }; })"""
    )
    assert [pair for pair in overlapping(boxes + maps) if "map" in pair] == []
    for b in boxes:  # none cut off by the drawing's edges
        assert svg["x"] - 0.5 <= b["x"] and b["x"] + b["w"] <= svg["x"] + svg["width"] + 0.5, b
    ui.assert_no_console_errors()


def test_a_phone_needs_no_sideways_scroll_and_text_is_at_least_11px(sized) -> None:
    ui = sized(390, 844)
    page = ui.page
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    small = page.evaluate(
        """() => { const bad = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const el = n.parentElement;
            const skip = '[hidden], details:not([open]) > :not(summary), option, math';
            if (!n.textContent.trim() || !el.getClientRects().length || el.closest(skip)) continue;
            const box = el.getBoundingClientRect();
            if (box.width === 0) continue;
            let px = parseFloat(getComputedStyle(el).fontSize);
            if (el instanceof SVGElement) px *= el.ownerSVGElement.getScreenCTM().a;
            if (px < 10.95) bad.push([n.textContent.trim().slice(0, 30), px]);
          }
          return bad; }"""
    )
    assert small == []
    ui.assert_no_console_errors()


def test_1024_shows_the_diagram_on_the_first_screen(sized) -> None:
    ui = sized(1024, 768)
    box = ui.page.locator("svg[data-network]").bounding_box()
    assert box["y"] < 768 * 0.5 and box["height"] > 200


def test_1280_shows_the_diagram_and_the_chain_rule_together(sized) -> None:
    ui = sized(1280, 800, DEEP)
    page = ui.page
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    page.locator('.edge-hit[data-layer="3"][data-j="0"][data-i="1"]').dispatch_event("click")
    drawing = page.locator("svg[data-network]").bounding_box()
    chain = page.locator("[data-inspector] [data-eq=dL_dW]").bounding_box()
    assert drawing["y"] >= 0 and drawing["y"] + drawing["height"] <= 800
    assert chain["y"] >= 0 and chain["y"] + chain["height"] <= 800
    assert page.evaluate("window.scrollY") == 0


def test_1920_gives_the_plots_more_room(sized) -> None:
    small = sized(1280, 800).page.locator("[data-plot=loss]").bounding_box()["width"]
    large = sized(1920, 1080).page.locator("[data-plot=loss]").bounding_box()["width"]
    assert large > 1.3 * small


def test_wide_layers_collapse_and_expand_on_demand(ui: UI) -> None:
    ui.open(WIDE)
    page = ui.page
    assert page.locator('g.neuron[data-layer="1"]').count() == 16  # first and last 8 of 64
    assert page.locator('g.neuron[data-layer="2"]').count() == 16  # of 24
    assert page.locator('g.neuron[data-layer="1"][data-j="63"]').count() == 1
    assert page.locator("line.edge").count() == 2 * 16 + 16 * 16 + 16
    toggle = page.get_by_role("button", name="Show all 64 neurons of Hidden 1")
    assert "48 more" in (toggle.text_content() or "")
    toggle.click()
    assert page.locator('g.neuron[data-layer="1"]').count() == 64
    ui.press("Forward")  # values painted on the expanded layer too
    assert page.locator('g.neuron[data-layer="1"][data-j="30"]').get_attribute("data-a") not in (None, "")
    page.get_by_role("button", name="Collapse Hidden 1 to 16 neurons").click()
    assert page.locator('g.neuron[data-layer="1"]').count() == 16
    ui.assert_no_console_errors()


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_bias_targets_are_at_least_16px(sized, width: int, height: int) -> None:
    for hash_ in ("", WIDE):
        ui = sized(width, height, hash_)
        # A bias's click target is its square's, drawn above the edges (the square may be smaller).
        sizes = ui.page.evaluate(
            "[...document.querySelectorAll('svg .bias-hit')].map((r) => r.getBoundingClientRect())"
            ".map((b) => Math.min(b.width, b.height))"
        )
        assert len(sizes) == ui.page.locator("svg g.bias").count() and min(sizes) >= 16


def test_tab_order_follows_the_network(ui: UI) -> None:
    ui.open(DEEP)
    order = ui.page.evaluate(
        """() => [...document.querySelectorAll('svg[data-network] [tabindex="0"]')]
             .map((n) => `${n.dataset.kind}:${n.dataset.layer}:${n.dataset.j}:${n.dataset.i ?? ''}`)"""
    )
    # A neuron of layer l ≥ 1 comes first, then its bias, then its incoming edges, then the next neuron.
    k = order.index("neuron:1:0:")
    assert order[k + 1] == "bias:1:0:"
    assert order[k + 2 : k + 4] == ["edge:1:0:0", "edge:1:0:1"]
    assert order[k + 4] == "neuron:1:1:"
    assert order[:2] == ["neuron:0:0:", "neuron:0:1:"]


FIVE_OF_8 = "#ds=circles&h=8.sigmoid,8.sigmoid,8.sigmoid,8.sigmoid,8.sigmoid&out=sigmoid&loss=bce"
NEURON_CENTRES = """() => [...document.querySelectorAll('svg[data-network] g.neuron circle.body')]
  .map((c) => c.getBoundingClientRect())
  .map((b) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2, r: b.width / 2 }))"""


@pytest.mark.parametrize("width,height", [(1280, 800), (1920, 1080)])
def test_a_deep_network_is_drawn_whole_on_the_first_screen(sized, width: int, height: int) -> None:
    ui = sized(width, height, FIVE_OF_8)
    svg = ui.page.locator("svg[data-network]").bounding_box()
    assert svg and svg["y"] >= 0 and svg["y"] + svg["height"] <= height
    centres = ui.page.evaluate(NEURON_CENTRES)
    assert len(centres) == 2 + 5 * 8 + 1 and all(c["y"] + c["r"] <= height for c in centres)
    assert ui.page.evaluate(CENTRES_HIT_THEIR_NEURON) == []  # the bias targets leave them their clicks
    # The six layers of 8 still show their numbers: after Forward every circle has its a.
    ui.press("Forward")
    values = ui.page.evaluate(
        "[...document.querySelectorAll('svg .neuron-value[data-layer=\"3\"]')].map((t) => t.textContent)"
    )
    assert len(values) == 8 and all(values), values
    ui.assert_no_console_errors()


# Every neuron circle and the output's ŷ inside the window (the drawing's bottom, 0 when not).
WHOLE_IN_VIEW = """() => {
  const parts = [...document.querySelectorAll('svg[data-network] g.neuron circle.body'),
    ...[...document.querySelectorAll('svg[data-network] text.side-label')]
      .filter((t) => t.textContent.startsWith('ŷ'))];
  const boxes = parts.map((p) => p.getBoundingClientRect());
  const inside = boxes.length === 2 + 5 * 8 + 1 + 1
    && boxes.every((b) => b.top >= 0 && b.bottom <= window.innerHeight);
  return inside ? document.querySelector('svg[data-network]').getBoundingClientRect().height : 0;
}"""


@pytest.mark.parametrize("summary", ["Your own input", "Side by side: compare with a copy"])
def test_the_drawing_refits_when_what_is_above_it_opens_and_closes(sized, summary: str) -> None:
    """The deep network fits between its top and the window's foot: opening a details element of
    the controls above it moves its top down, and it is drawn shorter so that every circle and
    ŷ stay on the screen; closing it gives the drawing its room back."""
    ui = sized(1280, 800, FIVE_OF_8)
    fitted = ui.page.evaluate(WHOLE_IN_VIEW)
    assert fitted > 0
    toggle = ui.page.locator("summary", has_text=summary)
    toggle.click()
    ui.page.wait_for_function(f"() => ({WHOLE_IN_VIEW})() > 0 && ({WHOLE_IN_VIEW})() < {fitted} - 20")
    assert ui.page.locator("svg[data-network]").bounding_box()["y"] > 150  # type: ignore[index]
    toggle.click()
    ui.page.wait_for_function(f"() => Math.abs(({WHOLE_IN_VIEW})() - {fitted}) < 1")
    ui.assert_no_console_errors()


def test_a_refit_waits_for_the_animation_to_end(sized) -> None:
    """Opening a details element above the drawing during Forward's animation leaves the
    animation running on the drawing as it was laid out; the drawing refits once it ends."""
    ui = sized(1280, 800, FIVE_OF_8)
    fitted = ui.page.evaluate(WHOLE_IN_VIEW)
    ui.set_speed("0.25×")
    ui.page.get_by_role("button", name="Forward", exact=True).click()
    ui.page.wait_for_selector("svg[data-network][data-anim-phase=forward][data-anim-layer='1']")
    ui.page.locator("summary", has_text="Your own input").click()
    two_frames = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
    ui.page.evaluate(two_frames)
    still = ui.page.evaluate(
        "() => [document.querySelector('svg[data-network]').dataset.animPhase,"
        " document.querySelector('svg[data-network]').getBoundingClientRect().height]"
    )
    assert still == ["forward", fitted]  # not skipped to its end, not laid out again mid-way
    ui.set_speed("max")  # the animation ends at once
    ui.idle()
    ui.page.wait_for_function(f"() => ({WHOLE_IN_VIEW})() > 0 && ({WHOLE_IN_VIEW})() < {fitted} - 20")
    ui.assert_no_console_errors()


def test_a_drawing_too_tall_for_the_window_stays_legible_and_scrolls(sized) -> None:
    """At 1280 × 600 a layer of 16 fitted under the controls would put its rows 13 px apart: they stay
    20 px apart, and the page scrolls to the drawing's foot."""
    ui = sized(1280, 600, "#ds=circles&h=16.tanh&out=sigmoid&loss=bce")
    rows = ui.page.evaluate(
        "[...document.querySelectorAll('svg g.neuron[data-layer=\"1\"] circle.body')]"
        ".map((c) => c.getBoundingClientRect()).map((b) => b.y + b.height / 2)"
    )
    assert len(rows) == 16
    assert min(b - a for a, b in zip(rows, rows[1:], strict=False)) >= 19.9
    svg = ui.page.locator("svg[data-network]").bounding_box()
    assert svg and svg["y"] + svg["height"] > 600
    ui.page.locator("svg[data-network]").scroll_into_view_if_needed()
    assert ui.page.evaluate(CENTRES_HIT_THEIR_NEURON) == []
    ui.assert_no_console_errors()


def test_many_layers_on_a_phone_keep_their_neurons_apart(sized) -> None:
    """Seven columns in 352 px: the circles are at most 0.4 of the space between two columns, so
    they, and the numbers written in them, do not run into the next column's."""
    ui = sized(390, 844, FIVE_OF_8)
    ui.press("Forward")
    circles = ui.page.evaluate(NEURON_CENTRES)
    for k, a in enumerate(circles):
        for b in circles[k + 1 :]:
            assert (a["x"] - b["x"]) ** 2 + (a["y"] - b["y"]) ** 2 >= (a["r"] + b["r"]) ** 2, (a, b)
    assert overlapping(ui.page.evaluate(TEXT_BOXES)) == []
    ui.assert_no_console_errors()
