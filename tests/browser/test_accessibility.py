"""axe-core finds nothing on the explorer, the lesson list, a lesson and the compare page at
390 and 1440 px (WCAG 2.0–2.2 A/AA and best practice, target sizes included), and the keyboard
reaches the controls in one step: a skip link, Space on a focused button presses it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from .conftest import UI

AXE = Path(__file__).resolve().parents[2] / ".node-tools" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def violations(ui: UI) -> list[dict]:
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make node-tools` (its npm package)", pytrace=False)
    # Evaluated rather than added as a <script>: the page's CSP allows no inline script.
    ui.page.evaluate("source => { (0, eval)(source); }", AXE.read_text())
    return ui.page.evaluate(RUN, TAGS)


def compare_ids(server: str) -> str:
    spec = {"layers": [2, 3, 1], "data": {"generator": "xor"}}
    made = [httpx.post(f"{server}/api/networks", json={**spec, "learning_rate": lr}) for lr in (0.1, 0.5)]
    return ",".join(r.json()["id"] for r in made)


@pytest.mark.parametrize("width", [390, 1440])
def test_axe_finds_nothing_on_any_page(sized_ui, live_server: str, width: int) -> None:
    pages = {
        "explorer": "/#ds=circles&h=4.tanh,4.tanh",
        "lessons": "/lessons",
        "a lesson": "/lessons/chain-rule",
        "compare": f"/compare?ids={compare_ids(live_server)}",
    }
    for name, path in pages.items():
        with sized_ui(width, 900) as ui:
            ui.page.goto(f"{live_server}{path}")
            if name != "lessons":
                ui.page.wait_for_selector("body[data-ready=true]")
            assert violations(ui) == [], (width, name)
            if name == "explorer":
                # With every number drawn: the gradients, a selected weight's chain rule.
                ui.set_speed("max")
                for phase in ("Forward", "Loss", "Backward"):
                    ui.press(phase)
                ui.page.locator("[data-network] .edge-hit").first.dispatch_event("click")
                ui.page.wait_for_selector("[data-chain]:not([hidden])")
                assert violations(ui) == [], (width, "explorer after Backward")
            ui.assert_no_console_errors()


def test_a_skip_link_then_space_presses_the_focused_button(ui: UI) -> None:
    ui.open()
    page = ui.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the controls"
    built, address = ui.network_id, page.url
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "controls"
    assert page.url == address  # the address still holds the setup
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.phaseButton") == "forward"
    page.keyboard.press(" ")  # presses Forward: no Play
    page.wait_for_function("() => window.backpropExplorer.getState().trace?.forward")
    assert ui.state("s.playing") is False
    # A part of the drawing reached with Tab opens in the inspector on Space.
    page.locator("[data-network] g.neuron[data-layer='1'][data-j='0']").focus()
    page.keyboard.press(" ")
    inspected = "() => document.querySelector('[data-inspector-body]').dataset.target === 'neuron:1:0'"
    page.wait_for_function(inspected)
    assert ui.state("s.playing") is False
    assert ui.network_id == built  # the skip link built nothing new
    ui.assert_no_console_errors()


def test_a_tapped_edges_tooltip_goes_away_on_a_phone(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        ui = UI(page, live_server)
        ui.open()
        tip = page.locator("[data-tooltip]")
        page.locator("[data-network] .edge-hit").first.tap()
        tip.wait_for(state="visible")
        page.locator("[data-caption]").tap()
        tip.wait_for(state="hidden")
        ui.assert_no_console_errors()
    finally:
        context.close()
