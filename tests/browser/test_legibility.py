"""Legible: log axes write at most eight labels, the loss has a log scale, the decision
boundary has axis ticks and a colour scale, no text is cut off at 390, 1280 and 1920 px and
none is smaller than 11 px (/compare too), and a limit reached is said beside the drawing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from .conftest import UI

# Epochs whose loss climbs over twenty decades, and gradient norms with it.
OVERSHOOT = "#ds=linear&n=200&noise=0.1&dseed=1&h=4.tanh&out=linear&loss=mse&lr=1.5&bs=10&iseed=0&seed=0"
CLIPPED = (Path(__file__).with_name("clipped_text.js")).read_text()


def test_log_axes_write_few_labels_and_the_loss_can_be_logarithmic(ui: UI) -> None:
    ui.open(OVERSHOOT)
    for _ in range(6):
        ui.press("Epoch")
    history = ui.state("s.history")
    norms = [g for e in history for g in e["grad_norms"] if g > 0]
    assert max(norms) / min(norms) > 1e10  # many decades: once a label each
    page = ui.page
    assert 2 <= int(page.get_attribute("[data-plot=grads]", "data-y-ticks") or 0) <= 8
    page.get_by_role("checkbox", name="log scale").check()
    page.wait_for_selector("[data-plot=loss][data-scale=log]")
    assert 2 <= int(page.get_attribute("[data-plot=loss]", "data-y-ticks") or 0) <= 8
    assert page.get_attribute("[data-plot=steps]", "data-scale") == "log"
    ui.assert_no_console_errors()


def test_the_decision_boundary_has_ticks_and_a_colour_scale(ui: UI) -> None:
    ui.open("#ds=circles&h=4.tanh,4.tanh")
    page = ui.page
    page.wait_for_selector("[data-plot=boundary][data-state=drawn]")
    x_ticks, y_ticks = (page.get_attribute("[data-plot=boundary]", "data-ticks") or "").split(" | ")
    assert len(x_ticks.split()) >= 3 and len(y_ticks.split()) >= 3
    scale = page.locator("[data-boundary-scale]")
    assert scale.get_attribute("data-task") == "binary"
    assert [t.strip() for t in scale.locator(".scale-ticks span").all_text_contents()] == ["0", "0.5", "1"]
    assert "probability of class 1" in (scale.text_content() or "")
    ui.assert_no_console_errors()


@pytest.mark.parametrize("width", [390, 1280, 1920])
def test_no_text_is_cut_off_or_smaller_than_11_px(sized_ui, live_server: str, width: int) -> None:
    spec = {"layers": [2, 3, 1], "data": {"generator": "xor"}}
    ids = ",".join(httpx.post(f"{live_server}/api/networks", json=spec).json()["id"] for _ in range(2))
    for path in ("/#ds=circles&h=4.tanh,4.tanh", "/lessons", "/lessons/chain-rule", f"/compare?ids={ids}"):
        with sized_ui(width, 900) as ui:
            ui.page.goto(f"{live_server}{path}")
            if path != "/lessons":
                ui.page.wait_for_selector("body[data-ready=true]")
            if path.startswith("/#"):
                ui.set_speed("max")
                for phase in ("Forward", "Loss", "Backward"):
                    ui.press(phase)
            found = ui.page.evaluate(CLIPPED)
            assert found["clipped"] == [], (width, path)
            assert found["small"] == [], (width, path)
            ui.assert_no_console_errors()


def test_a_limit_reached_is_said_beside_the_drawing(ui: UI) -> None:
    ui.open()
    page = ui.page
    most = ui.state("s.catalog.limits.max_layers")
    for _ in range(most):  # past the limit: the last clicks are refused
        page.get_by_role("button", name="+ Layer").click()
    note = page.locator("[data-error=limits]")
    note.wait_for(state="visible")
    assert f"at most {most} layers" in (note.text_content() or "")
    drawing = page.locator(".panel.drawing").bounding_box()
    said = note.bounding_box()
    assert drawing and said and drawing["y"] <= said["y"] <= drawing["y"] + drawing["height"]
    ui.assert_no_console_errors()
