"""Issue 11, "confusing today": hyperparameters apply at once without rebuilding, stale forward
values are marked after Update, the inspector's equations multiply out as written, the
gradient-health label says what to try, and saturated or dead neurons are marked."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from .conftest import UI

STATE = "window.backpropExplorer.getState()"


def test_hyperparameters_apply_to_the_next_step_without_build(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    ui.press("Step")
    nid = ui.network_id
    before = httpx.get(f"{live_server}/api/networks/{nid}").json()["parameters"]
    lr = page.locator("input[name=learning_rate]")
    lr.fill("0.125")
    lr.dispatch_event("change")  # no Build network
    page.wait_for_function(f"() => {STATE}.network.learning_rate === 0.125")
    page.select_option("select[name=optimizer]", "momentum")
    page.wait_for_function(f"() => {STATE}.network.optimizer.name === 'momentum'")
    assert ui.network_id == nid
    assert httpx.get(f"{live_server}/api/networks/{nid}").json()["parameters"] == before
    assert "lr=0.125" in page.url and "opt=momentum" in page.url
    assert page.locator("[data-dirty]").text_content() == ""
    with page.expect_response(lambda r: r.url.endswith("/step")) as step:
        ui.press("Step")
    assert step.value.json()["update"]["learning_rate"] == 0.125
    # A new layer size waits for the button, which says it makes new weights.
    page.get_by_role("button", name="More neurons in Hidden 1").click()
    page.wait_for_function(
        "() => document.querySelector('[data-dirty]').textContent.includes('Build network')"
    )
    assert ui.network_id == nid
    assert "new weights" in (page.locator("[data-action=build]").text_content() or "")
    ui.assert_no_console_errors()


def test_after_update_the_old_forward_values_are_marked(ui: UI) -> None:
    ui.open()
    page = ui.page
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    assert page.get_attribute("svg[data-network]", "data-stale") == "false"
    assert page.locator("[data-yhat-head]").text_content() == "ŷ"
    ui.press("Update")
    assert page.get_attribute("svg[data-network]", "data-stale") == "true"
    assert page.locator("[data-yhat-head]").text_content() == "ŷ (before the update)"
    assert "before the update" in (page.locator("svg .loss-label").text_content() or "")
    # The label stays inside the drawing (beside L it once ran past the right edge).
    label_right, view_width = page.evaluate(
        "() => { const t = document.querySelector('svg .loss-label'); const b = t.getBBox();"
        " return [b.x + b.width, t.ownerSVGElement.viewBox.baseVal.width]; }"
    )
    assert label_right <= view_width
    # The neuron's inspector says which bias the forward pass used, and it is the old one.
    page.locator('g.neuron[data-layer="1"][data-j="0"]').dispatch_event("click")
    old_b = ui.state("s.trace.update.layers[0].b_old[0]")
    assert (
        float(page.locator("[data-inspector] [data-fact=b_forward] span").get_attribute("title") or "nan")
        == old_b
    )
    assert "before the update" in (page.locator("[data-inspector]").text_content() or "")
    ui.press("Forward")
    assert page.get_attribute("svg[data-network]", "data-stale") == "false"
    ui.assert_no_console_errors()


def operator_then_negative(page) -> list[str]:
    """Texts where "+", "−" or "·" is directly followed by a negative number (no parentheses)."""
    return page.evaluate(
        """() => { const bad = [];
          for (const mo of document.querySelectorAll('[data-inspector] mo')) {
            const next = mo.nextElementSibling;
            const negative = next?.localName === 'mn' && next.textContent.startsWith('−');
            const operator = ['+', '·', '−'].includes(mo.textContent);
            if (operator && negative) bad.push(mo.textContent + next.textContent);
          }
          return bad; }"""
    )


def test_inspector_batch_sum_has_every_term_and_the_penalty(ui: UI) -> None:
    ui.open("#ds=circles&n=40&h=3.tanh&out=sigmoid&loss=bce&lr=0.1&bs=5&opt=sgd&reg=l2&rr=0.01&iseed=2")
    page = ui.page
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    page.locator('.edge-hit[data-layer="1"][data-j="1"][data-i="0"]').dispatch_event("click")
    eq = page.locator("[data-inspector] [data-eq=dL_dW]")
    # Σ δ·a, then five samples' δ·a products, then the L2 penalty λ·w = 0.01·w, then the API's number.
    assert eq.locator("mo", has_text="·").count() == 1 + 5 + 2
    assert "L2 penalty" in (eq.text_content() or "")
    assert "…" not in (eq.text_content() or "")
    api_grad = ui.state("s.trace.backward.layers[0].dL_dW[1][0]")
    assert float(eq.locator("mn").last.get_attribute("title") or "nan") == api_grad
    # The δ·a terms are the trace's numbers, sample by sample.
    deltas = ui.state("s.trace.backward.layers[0].dL_dz.map((r) => r[1])")
    shown = [float(n.get_attribute("title") or "nan") for n in eq.locator("mn").all()][: 2 * len(deltas)]
    assert shown[0::2] == deltas
    assert operator_then_negative(page) == []
    page.locator('g.neuron[data-layer="1"][data-j="1"]').dispatch_event("click")
    assert operator_then_negative(page) == []
    ui.assert_no_console_errors()


def test_softmax_is_written_over_the_whole_layer(ui: UI) -> None:
    ui.open("#ds=multiclass_blobs&classes=3&h=4.tanh&out=softmax&loss=cross_entropy&bs=1")
    page = ui.page
    ui.press("Forward")
    page.locator('g.neuron[data-layer="2"][data-j="1"]').dispatch_event("click")
    eq = page.locator("[data-inspector] [data-eq=a]")
    assert "every z of the layer" in (page.locator("[data-inspector]").text_content() or "")
    zs = ui.state("s.trace.forward.layers[1].z[0]")
    exponents = [float(n.get_attribute("title") or "nan") for n in eq.locator("msup mn").all()]
    assert exponents == [zs[1], *zs]  # numerator e^z₂, then the sum over all three
    assert float(eq.locator("mn").last.get_attribute("title") or "nan") == ui.state(
        "s.trace.forward.layers[1].a[0][1]"
    )
    ui.assert_no_console_errors()


def test_gradient_health_label_says_what_to_try(ui: UI) -> None:
    sigmoids = ",".join(["8.sigmoid"] * 6)
    ui.open(f"#ds=moons&n=100&h={sigmoids}&out=sigmoid&loss=bce&lr=0.05&bs=10&init=normal&iseed=1")
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    text = ui.page.locator("[data-health]").text_content() or ""
    # What it says rests on the numbers: Hidden 1's norm against the output layer's, then a remedy.
    norms = ui.state("s.trace.backward.layers.map((ly) => ly.grad_norm)")
    assert norms[0] < 1e-3 * norms[-1]
    first = f"{float(f'{norms[0]:.4g}'):.4g}".replace("e-0", "e-").replace("-", "\u2212")
    assert f"Hidden 1's gradient norm ‖∂L/∂W‖ = {first} is below 0.001" in text, text
    assert "vanishing" in text and "ReLU" in text and "larger" not in text
    ui.assert_no_console_errors()


def test_saturated_and_dead_neurons_are_marked(ui: UI, live_server: str) -> None:
    ui.open("#ds=circles&n=60&h=3.relu,3.sigmoid&out=sigmoid&loss=bce&lr=0.1&bs=10&iseed=1")
    page = ui.page
    nid = ui.network_id
    params = httpx.get(f"{live_server}/api/networks/{nid}").json()["parameters"]
    weights, biases = params["weights"], params["biases"]
    weights[0][1] = [0.0, 0.0]
    biases[0][1] = -50.0  # ReLU neuron 2 of layer 1: z = −50 on every sample
    biases[1][2] = 60.0  # sigmoid neuron 3 of layer 2: a ≈ 1, f′ ≈ 0
    r = httpx.put(f"{live_server}/api/networks/{nid}/parameters", json={"weights": weights, "biases": biases})
    assert r.status_code == 200
    ui.press("Epoch")
    page.wait_for_selector('g.neuron[data-layer="1"][data-j="1"][data-neuron-health=dead]')
    page.wait_for_selector('g.neuron[data-layer="2"][data-j="2"][data-neuron-health=saturated]')
    assert page.locator("g.neuron[data-neuron-health=dead]").count() == 1
    assert page.locator("g.neuron[data-neuron-health=saturated]").count() == 1
    label = page.get_attribute('g.neuron[data-layer="1"][data-j="1"]', "aria-label") or ""
    assert "dead ReLU" in label
    ui.assert_no_console_errors()


def test_the_learner_chooses_the_numbers_on_edges_and_neurons(ui: UI) -> None:
    ui.open()
    page = ui.page
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    label = page.locator("svg .edge-label").first
    assert label.text_content() != ""
    page.select_option("[data-display=edges]", "dL_dW")
    page.wait_for_selector("svg[data-network][data-edge-numbers=dL_dW]")
    grads = ui.state("s.trace.backward.layers.flatMap((ly) => ly.dL_dW.flat())")
    shown = page.evaluate("[...document.querySelectorAll('svg .edge-label')].map((t) => t.textContent)")
    assert len(shown) == len(grads)
    for text, g in zip(shown, grads, strict=True):
        if text:  # a label with no free spot is hidden, its text kept
            assert float(text.replace("\u2212", "-")) == pytest.approx(g, rel=1e-3, abs=1e-4)
    page.select_option("[data-display=neurons]", "delta")
    deltas = ui.state("s.trace.backward.layers[0].dL_dz[0]")
    values = page.evaluate(
        "[...document.querySelectorAll('text.neuron-value[data-layer=\"1\"]')].map((t) => t.textContent)"
    )
    for text, delta in zip(values, deltas, strict=True):
        # Fitted inside its circle: the API's δ rounded to the significant digits shown (≥ 2).
        plain = text.replace("\u2212", "-")
        digits = len(plain.lstrip("-").replace("0.", "").lstrip("0").replace(".", "").split("e")[0])
        assert digits >= 2 and float(plain) == float(f"{delta:.{digits}g}"), (text, delta)
    # Before Update there is no step yet: the edges stay blank rather than show a stale number.
    page.select_option("[data-display=edges]", "step")
    assert all(
        t == ""
        for t in page.evaluate("[...document.querySelectorAll('svg .edge-label')].map((t) => t.textContent)")
    )
    ui.press("Update")
    steps = ui.state("s.trace.update.layers.flatMap((ly) => ly.step_W.flat())")
    shown = page.evaluate("[...document.querySelectorAll('svg .edge-label')].map((t) => t.textContent)")
    assert any(shown) and all(
        not t or float(t.replace("\u2212", "-")) == pytest.approx(s, rel=1e-3, abs=1e-4)
        for t, s in zip(shown, steps, strict=True)
    )
    ui.assert_no_console_errors()


def test_a_vanishing_gradient_on_a_raw_target_points_at_the_target(ui: UI, live_server: str) -> None:
    # Inputs of unit scale, a target in the hundred-thousands (rows as a script sends them,
    # kept at their own scale): the first updates are huge and saturate the tanh layer.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    y = 300_000 + 100_000 * X[:, :1] + 20_000 * X[:, 1:]
    spec = {
        "layers": [2, 3, 1], "activations": ["tanh", "linear"], "loss": "mse",
        "learning_rate": 0.05, "batch_size": 10, "init": {"seed": 0},
        "data": {"inputs": X.tolist(), "targets": y.tolist()},
    }  # fmt: skip
    created = httpx.post(f"{live_server}/api/networks", json=spec).json()
    assert [w["about"] for w in created["data_warnings"]] == ["targets"]
    httpx.post(f"{live_server}/api/networks/{created['id']}/train", json={"epochs": 2}).raise_for_status()
    ui.open(f"#net={created['id']}")
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    norms = ui.state("s.trace.backward.layers.map((ly) => ly.grad_norm)")
    assert norms[0] < 1e-3 * norms[-1]  # vanishing, as the sentence says
    text = ui.page.locator("p[data-health]").text_content() or ""
    assert "it is vanishing" in text
    assert "Here the target is not standardized (see the note under the drawing)" in text, text
    assert "inputs are not standardized" not in text
    assert "The target" in (ui.page.locator(".scale-note").text_content() or "")
    ui.assert_no_console_errors()
