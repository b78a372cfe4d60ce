"""What the caption, the inspector and the chain line under the drawing say is what the server
did: frozen parameters are said to stay (their step is 0), a sigmoid output under binary
cross-entropy gives δ = ŷ − y by the paired rule the server names (exact where ŷ has rounded to 1
and f′(z) to 0), an output neuron is named by its label on the drawing, and a timeline preview's
value cannot be set as if it were the network's own."""

from __future__ import annotations

import httpx
import pytest

from app.examples import MAZUR_EXAMPLE

from .conftest import UI

INSPECTOR = "[data-inspector-body]"


def create(live_server: str, spec: dict) -> str:
    response = httpx.post(f"{live_server}/api/networks", json=spec)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def keys(ui: UI, letters: str) -> None:
    """Press the phase shortcuts, one after another, each once the page is idle again."""
    for letter in letters:
        ui.page.keyboard.press(letter)
        ui.idle()


def caption(ui: UI) -> str:
    return ui.page.locator("[data-caption]").text_content() or ""


def chain_line(ui: UI) -> str:
    ui.page.wait_for_selector("[data-chain]:not([hidden])")
    return ui.page.locator("[data-chain]").text_content() or ""


def title(ui: UI) -> str:
    return ui.page.locator(f"{INSPECTOR} .title").first.text_content() or ""


def block(ui: UI, eq: str) -> tuple[str, str, list[float]]:
    """(label, text, full values) of the inspector's equation block ``data-eq=eq``."""
    node = ui.page.locator(f"{INSPECTOR} [data-eq={eq}]")
    label = node.evaluate("b => b.previousElementSibling.textContent")
    values = node.locator("mn[data-value]").evaluate_all("ns => ns.map(n => Number(n.dataset.value))")
    return label, node.text_content() or "", values


def test_frozen_biases_are_said_to_stay_where_they_are(ui: UI, live_server: str) -> None:
    """Mazur's network holds its biases fixed: after Update the caption says they did not move,
    and a bias's inspector and chain line say it stays, with the server's unchanged value."""
    assert MAZUR_EXAMPLE["trainable"] == {"weights": True, "biases": False}
    ui.open(f"#net={create(live_server, MAZUR_EXAMPLE)}")
    page = ui.page
    ui.page.locator("body").click(position={"x": 5, "y": 5})
    keys(ui, "flbu")
    update = ui.state("s.trace.update")
    out = next(ly for ly in update["layers"] if ly["index"] == 2)
    assert out["step_b"] == [0, 0] and out["b_new"] == out["b_old"] == [0.6, 0.6]
    said = caption(ui)
    assert said.startswith(
        "Update: the biases are frozen (not trainable) and did not move; "
        "every weight moved against its gradient"
    ), said
    assert "every weight and bias moved" not in said

    page.locator('g.bias[data-layer="2"][data-j="0"]').dispatch_event("click")
    assert title(ui).startswith("Bias b₃")
    label, text, values = block(ui, "update")
    assert label.endswith("frozen (not trainable), so there is no step: b₃ stays 0.6"), label
    assert "−" not in text and values == [0.6]
    line = chain_line(ui)
    assert line.endswith("Update: frozen (not trainable): b₃ stays 0.6."), line
    assert "→" not in line and "η" not in line
    tags = page.eval_on_selector_all("svg .chain-factor", "ts => ts.map((t) => t.textContent)")
    assert "b₃ = 0.6, frozen" in tags, tags

    # A weight of the same layer moved: its update is written as before, with the server's numbers.
    page.locator('.edge-hit[data-layer="2"][data-j="0"][data-i="0"]').dispatch_event("click")
    label, _, values = block(ui, "update")
    assert label.startswith("Update (SGD, η = 0.5)")
    assert values == [out["W_old"][0][0], 0.5, out["dL_dW"][0][0], out["W_new"][0][0]]
    assert "Update: w₅ ← w₅ − η·∂L/∂w₅ with η = 0.5: 0.4 → 0.3589" in chain_line(ui)
    ui.assert_no_console_errors()


def test_a_layer_frozen_on_its_own_is_named_and_its_weights_stay(ui: UI, live_server: str) -> None:
    layers = [{"weights": False, "biases": True}, {"weights": True, "biases": True}]
    spec = {**MAZUR_EXAMPLE, "trainable": layers}
    ui.open(f"#net={create(live_server, spec)}")
    ui.page.locator("body").click(position={"x": 5, "y": 5})
    keys(ui, "flb")
    ui.page.locator('.edge-hit[data-layer="1"][data-j="0"][data-i="0"]').dispatch_event("click")
    before = ui.page.locator(f"{INSPECTOR} p", has_text="Next, Update").text_content() or ""
    assert before == "Next, Update leaves w₁ as it is: this layer's weights are frozen (not trainable)."
    keys(ui, "u")
    said = caption(ui)
    assert said.startswith(
        "Update: the weights of Hidden 1 are frozen (not trainable) and did not move; "
        "every other weight and bias moved against its gradient"
    ), said
    assert ui.state("s.trace.update.layers[0].step_W") == [[0, 0], [0, 0]]
    label, _, values = block(ui, "update")
    assert label.endswith("weights are frozen (not trainable), so there is no step: w₁ stays 0.15"), label
    assert values == [0.15]
    assert chain_line(ui).endswith("Update: frozen (not trainable): w₁ stays 0.15.")
    ui.assert_no_console_errors()


def one_sigmoid(w: float) -> dict:
    return {
        "layers": [1, 1],
        "activations": ["sigmoid"],
        "loss": "bce",
        "learning_rate": 0.5,
        "weights": [[[w]]],
        "biases": [[0.0]],
        "data": {"inputs": [[1.0]], "targets": [[0.0]]},
    }


def test_a_saturated_sigmoid_output_gives_delta_by_the_paired_rule(ui: UI, live_server: str) -> None:
    """z = 1000: ŷ has rounded to 1, f′(z) to 0 and ∂L/∂ŷ is past float64's range (the API gives
    its largest number), yet δ = ŷ − y = 1 exactly. Nothing on the page multiplies the two."""
    ui.open(f"#net={create(live_server, one_sigmoid(1000.0))}")
    page = ui.page
    page.locator("body").click(position={"x": 5, "y": 5})
    keys(ui, "flb")
    out = ui.state("s.trace.backward.layers[0]")
    assert out["dL_dz_rule"] == "paired_sigmoid_bce"
    assert out["da_dz"] == [[0]] and out["dL_da"][0][0] > 1e308 and out["dL_dz"] == [[1]]
    said = caption(ui)
    assert "so δ = ∂L/∂z = (ŷ − y) = 1, with ŷ = 1 and y = 0, straight from the loss." in said, said
    assert "multiplied by f′(z)" not in said

    page.locator("svg[data-network] [data-kind=neuron][data-layer='1'][data-j='0']").click()
    label, _, values = block(ui, "delta")
    assert label.startswith("Output layer (sigmoid with binary cross-entropy)")
    assert values == [1, 0, 1]  # ŷ − y = δ, the server's three numbers
    label, text, values = block(ui, "dL_dyhat")
    assert "e^z = e^1000 is past float64's range: it is capped at float64's largest number;" in label
    assert text.endswith("(capped)"), text
    assert values == [0, 1000, 0, -1000, out["dL_da"][0][0]]  # (1 − y)(1 + e^z) − y(1 + e^−z)

    page.locator('.edge-hit[data-layer="1"][data-j="0"][data-i="0"]').dispatch_event("click")
    assert "∂L/∂w₁ = ∂L/∂z · x₁ = 1 · 1 = 1" in chain_line(ui)
    _, text, values = block(ui, "dL_dW")
    assert values == [1, 1, 1] and "∞" not in text
    ui.assert_no_console_errors()


def test_an_unsaturated_sigmoid_output_reads_the_same_rule_true(ui: UI, live_server: str) -> None:
    ui.open(f"#net={create(live_server, one_sigmoid(0.5))}")
    page = ui.page
    page.locator("body").click(position={"x": 5, "y": 5})
    keys(ui, "flb")
    trace = ui.state("s.trace")
    yhat = trace["loss"]["output"][0][0]
    out = trace["backward"]["layers"][0]
    delta = out["dL_dz"][0][0]
    assert delta == pytest.approx(yhat - 0.0, rel=1e-15)
    assert out["dL_da"][0][0] * out["da_dz"][0][0] == pytest.approx(delta, rel=1e-12)
    said = caption(ui)
    assert "so δ = ∂L/∂z = (ŷ − y) = 0.6225, with ŷ = 0.6225 and y = 0, straight from the loss." in said, said
    page.locator("svg[data-network] [data-kind=neuron][data-layer='1'][data-j='0']").click()
    assert block(ui, "delta")[2] == [yhat, 0, delta]
    _, _, values = block(ui, "dL_dyhat")
    assert yhat in values and values[-1] == out["dL_da"][0][0]
    # Where the two factors multiply out to δ the chain line keeps them, link by link.
    page.locator('.edge-hit[data-layer="1"][data-j="0"][data-i="0"]').dispatch_event("click")
    assert "∂L/∂w₁ = ∂L/∂ŷ · σ′(z) · x₁" in chain_line(ui)
    ui.assert_no_console_errors()


@pytest.mark.parametrize(
    ("setup", "j"),
    [
        ("#ds=digits&h=12.tanh&out=softmax&loss=cross_entropy&lr=0.1&bs=10", 3),
        ("#ds=iris&h=4.tanh&out=softmax&loss=cross_entropy&lr=0.1&bs=10", 1),
    ],
)
def test_an_output_neuron_is_named_as_the_drawing_labels_it(ui: UI, setup: str, j: int) -> None:
    ui.open(setup)
    page = ui.page
    L = ui.state("s.network.layers.length") - 1
    name = ui.state(f"s.network.target_names[{j}]")
    labels = page.eval_on_selector_all("svg text.side-label", "ts => ts.map(t => t.textContent)")
    assert f"ŷ {name}" in labels, labels
    page.locator(f"svg [data-kind=neuron][data-layer='{L}'][data-j='{j}']").dispatch_event("click")
    assert title(ui) == f"Output neuron ŷ {name}"
    page.locator(f'g.bias[data-layer="{L}"][data-j="{j}"]').dispatch_event("click")
    assert title(ui).endswith(f"of output neuron ŷ {name}")
    page.locator(f'.edge-hit[data-layer="{L}"][data-j="{j}"][data-i="0"]').dispatch_event("click")
    assert title(ui).endswith(f"from neuron 1 of Hidden 1 to output neuron ŷ {name}")
    ui.assert_no_console_errors()


def test_a_previewed_weight_cannot_be_set_and_a_set_weight_is_named_as_the_inspector_names_it(
    ui: UI, live_server: str
) -> None:
    ui.open()
    page = ui.page
    for _ in range(3):
        ui.press("Epoch")
    then = httpx.get(f"{live_server}/api/networks/{ui.network_id}/snapshots/epoch/1").json()["network"]
    now = ui.state("s.network.parameters.weights[0][1][0]")
    scrubber = page.locator("[data-timeline-range]")
    scrubber.focus()
    page.keyboard.press("Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # after epoch 1: update 4
    page.wait_for_selector('[data-timeline][data-state="preview"][data-preview-step="4"]:not([data-loading])')
    page.locator('.edge-hit[data-layer="1"][data-j="1"][data-i="0"]').dispatch_event("click")
    field = page.locator(f"{INSPECTOR} input[data-edit-parameter]")
    assert field.is_disabled()
    assert float(field.input_value()) == then["parameters"]["weights"][0][1][0] != now
    why = page.locator(f"{INSPECTOR} [data-edit-why]").text_content()
    assert why == "Previewing epoch 1: press Back to now (Esc) to set this weight."
    # Back to now: the field holds the network's own value and sets it.
    page.keyboard.press("Escape")
    page.wait_for_selector('[data-timeline][data-state="now"]')
    field = page.locator(f"{INSPECTOR} input[data-edit-parameter]")
    assert field.is_enabled() and float(field.input_value()) == now
    assert page.locator(f"{INSPECTOR} [data-edit-why]").count() == 0
    name = title(ui).split()[1]  # "Weight w₃ (…"
    assert name == "w₃", title(ui)
    field.fill("1")
    field.press("Enter")
    ui.page.wait_for_function(
        "() => window.backpropExplorer.getState().network.parameters.weights[0][1][0] === 1"
    )
    ui.idle()
    assert caption(ui).startswith(f"Set {name} to 1"), caption(ui)
    ui.assert_no_console_errors()
