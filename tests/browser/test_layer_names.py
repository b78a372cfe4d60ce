"""Every text names a layer as the drawing titles its column: Hidden 1, Hidden 2, …, Output (the
API's layer l is Hidden l, and its last layer the Output), never "layer 2", which a learner
cannot tell from Hidden 2 or the Output."""

from __future__ import annotations

import httpx

from .conftest import UI
from .test_feedback import caption

SIGMOIDS = ",".join(["8.sigmoid"] * 6)


def column_title(ui: UI, l: int) -> tuple[str, str]:
    """The drawing's title of column ``l``: (what it shows, its whole name, said on hover when
    the title is cut short)."""
    shown, whole = ui.page.evaluate(
        """l => { const t = document.querySelector(`[data-layer-title="${l}"]`);
                  const whole = t.parentNode.querySelector(':scope > title');
                  return [t.textContent, whole ? whole.textContent : t.textContent]; }""",
        l,
    )
    return shown, whole


def test_a_vanishing_gradient_in_a_deep_sigmoid_network_names_hidden_1(ui: UI) -> None:
    ui.open(f"#ds=circles&h={SIGMOIDS}&lr=0.1&bs=10")
    ui.press("Step")
    assert ui.state("s.trace.backward.health.layers[0].status") == "vanishing"
    # Eight columns at 1280 px: the titles are cut short, and say their whole name on hover.
    assert column_title(ui, 1) == ("H1", "Hidden 1")
    assert column_title(ui, 7) == ("Output", "Output")
    said = caption(ui)
    assert "Hidden 1's gradient norm ‖∂L/∂W‖ = " in said and "Layer 1" not in said, said
    assert "so the 6 sigmoid layers from Hidden 1 on multiply it by at most 0.25⁶" in said, said
    readout = ui.page.locator("[data-health]").text_content() or ""
    assert "Hidden 1's gradient norm ‖∂L/∂W‖ = " in readout, readout

    ui.press("Epoch")
    said = caption(ui)
    assert "Hidden 1's mean gradient norm in epoch 1, " in said and "it is vanishing" in said, said
    legend = ui.page.locator("[data-grad-legend]").text_content() or ""
    names = ["Hidden 1 (vanishing)", *(f"Hidden {k}" for k in range(2, 7)), "Output"]
    assert all(name in legend for name in names), legend
    ui.assert_no_console_errors()


def test_a_vanishing_hidden_2_is_named_as_the_drawing_names_it(ui: UI, live_server: str) -> None:
    """Hidden 1's weights and biases at 0 make its tanh outputs 0, so no gradient reaches the
    weights into Hidden 2 (∂L/∂W = δ · a = 0) while Hidden 1's own still get one (Hidden 2's
    biases make its outputs, and so every δ, other than 0)."""
    spec = {
        "layers": [2, 2, 2, 1], "activations": ["tanh", "tanh", "sigmoid"], "loss": "bce",
        "learning_rate": 0.5, "batch_size": 4, "init": {"seed": 0},
        "data": {"generator": "xor", "n": 4, "noise": 0.0, "seed": 1},
    }  # fmt: skip
    network = httpx.post(f"{live_server}/api/networks", json=spec).json()
    weights, biases = network["parameters"]["weights"], network["parameters"]["biases"]
    weights[0], biases[0], biases[1] = [[0.0, 0.0], [0.0, 0.0]], [0.0, 0.0], [0.5, -0.3]
    url = f"{live_server}/api/networks/{network['id']}"
    httpx.put(f"{url}/parameters", json={"weights": weights, "biases": biases}).raise_for_status()
    ui.open(f"#net={network['id']}")
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    health = ui.state("s.trace.backward.health.layers")
    assert [ly["status"] for ly in health] == ["ok", "vanishing", "ok"]
    assert [column_title(ui, l) for l in range(4)] == [
        ("Input", "Input"), ("Hidden 1", "Hidden 1"), ("Hidden 2", "Hidden 2"), ("Output", "Output"),
    ]  # fmt: skip
    said = caption(ui)
    assert "Hidden 2's gradient norm ‖∂L/∂W‖ = 0 is below 0.001 × the output layer's " in said, said
    assert "Layer 2" not in said

    # The inspector and the tooltip name its neurons and weights the same way.
    page = ui.page
    page.locator('g.neuron[data-layer="2"][data-j="0"]').dispatch_event("click")
    inspector = page.locator("[data-inspector]")
    assert (inspector.locator(".title").first.text_content() or "") == "Neuron 1 of Hidden 2"
    # Their hit lines cross other edges: the events go to them directly.
    page.get_by_role(
        "button", name="weight w₆ from neuron 2 of Hidden 1 to neuron 1 of Hidden 2"
    ).dispatch_event("click")
    title = inspector.locator(".title").first.text_content() or ""
    assert title == "Weight w₆ (w₁₂ of Hidden 2): from neuron 2 of Hidden 1 to neuron 1 of Hidden 2", title
    page.get_by_role("button", name="weight w₉ from neuron 1 of Hidden 2 to output neuron 1").dispatch_event(
        "mousemove"
    )
    tooltip = page.locator("[data-tooltip]")
    tooltip.wait_for(state="visible")
    assert (tooltip.text_content() or "").startswith("w₉: from neuron 1 of Hidden 2 to output neuron ŷ")
    ui.assert_no_console_errors()
