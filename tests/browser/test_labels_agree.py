"""Labels that agree with each other: in a timeline preview the inspector and the landscape show
the previewed weight and say so; after Update each gradient says what data it is over and at
which value; the output neuron's ∂L/∂ŷ is written from its loss, its numbers and the API's
result; the gradient-norm chart names layers as the form does and gives values on hover."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import UI
from .test_training_feedback import hover_plot_at_epoch

TIMELINE = "[data-timeline]"
LEGEND = "[data-landscape-legend]"


def select_weight(ui: UI, layer: int = 1, j: int = 0, i: int = 0) -> None:
    ui.page.locator(f'.edge-hit[data-layer="{layer}"][data-j="{j}"][data-i="{i}"]').dispatch_event("click")


def landscape_drawn(ui: UI, words: str) -> None:
    """Wait until the landscape's legend says ``words`` about its current point."""
    ui.page.wait_for_function(
        "w => document.querySelector('[data-landscape]').dataset.state === 'drawn'"
        f" && document.querySelector('{LEGEND} [data-fact=current]')?.textContent.startsWith(w)",
        arg=words,
    )


def fact(ui: UI, selector: str) -> tuple[str, float]:
    """(label, full value) of an inspector fact, from its dd[data-fact] and the dt before it."""
    dd = ui.page.locator(f"[data-inspector-body] dd[data-fact={selector}]")
    label = dd.evaluate("dd => dd.previousElementSibling.textContent")
    return label, float(dd.locator(".num").get_attribute("data-value") or "nan")


def test_a_preview_shows_one_moment_in_every_panel_and_says_which(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    for _ in range(3):
        ui.press("Epoch")
    select_weight(ui)
    landscape_drawn(ui, "now: w = ")
    now = ui.state("s.network.parameters.weights[0][0][0]")
    then = httpx.get(f"{live_server}/api/networks/{ui.network_id}/snapshots/epoch/1").json()["network"]
    w_then = then["parameters"]["weights"][0][0][0]
    assert w_then != now
    scrubber = page.locator("[data-timeline-range]")
    scrubber.focus()
    page.keyboard.press("Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # after epoch 1: update 4
    page.wait_for_selector(f'{TIMELINE}[data-state="preview"][data-preview-step="4"]:not([data-loading])')
    landscape_drawn(ui, "at epoch 1 (previewed): w = ")
    label, value = fact(ui, "w")
    assert label == "w (at epoch 1, previewed)" and value == w_then
    current = page.locator(f"{LEGEND} [data-fact=current] .num").first
    assert float(current.get_attribute("data-value") or "nan") == w_then
    note = page.locator("[data-landscape-note]").text_content() or ""
    assert "around the parameters of epoch 1 (the timeline's preview)" in note
    assert "now" not in (page.locator(LEGEND).text_content() or "").split("lowest")[0]
    shares = page.locator("[data-shares]").text_content() or ""
    assert "Previewing a timeline point" in shares
    # Back to now: both panels show the network as it is, and say "now".
    page.keyboard.press("Escape")
    landscape_drawn(ui, "now: w = ")
    label, value = fact(ui, "w")
    assert label == "w (now)" and value == now
    assert float(current.get_attribute("data-value") or "nan") == now
    ui.assert_no_console_errors()


def test_after_update_each_gradient_says_what_data_it_is_over(ui: UI) -> None:
    ui.open("#ds=moons&n=100&h=4.tanh&out=sigmoid&loss=bce&lr=0.1&bs=10&val=0")
    select_weight(ui)
    ui.press("Step")
    landscape_drawn(ui, "now: w = ")
    update = ui.state("s.trace.update.layers[0]")
    label, value = fact(ui, "dL_dW")
    assert label == "∂L/∂w over this batch of 10 samples, at w before the update"
    assert value == update["dL_dW"][0][0]
    slope = ui.page.locator(f"{LEGEND} [data-fact=slope]").text_content() or ""
    assert slope.endswith(", over the training split (100 samples)")
    note = ui.page.locator("[data-landscape-note]").text_content() or ""
    assert "is the update's: over this batch of 10 samples, at w before the update" in note
    assert "This curve's slope is over the training split (100 samples), at w after it." in note
    ui.assert_no_console_errors()


def written(loss: str, yhat: float, y: float, K: int, B: int) -> float:
    """The formula the inspector writes for ∂L/∂ŷ, evaluated here."""
    return {
        "half_sse": (yhat - y) / B,
        "mse": 2 * (yhat - y) / (K * B),
        "bce": (yhat - y) / (K * B * yhat * (1 - yhat)),
        "cross_entropy": -y / (B * yhat),
    }[loss]


@pytest.mark.parametrize(
    ("setup", "loss"),
    [
        ("#ds=xor&h=3.tanh&out=sigmoid&loss=bce&lr=0.5&bs=1", "bce"),
        ("#ds=xor&h=3.tanh&out=sigmoid&loss=mse&lr=0.5&bs=2", "mse"),
        ("#ds=sine&h=4.tanh&out=linear&loss=half_sse&lr=0.05&bs=1", "half_sse"),
        (
            "#ds=multiclass_blobs&classes=3&h=4.tanh&out=softmax&loss=cross_entropy&lr=0.1&bs=1",
            "cross_entropy",
        ),
    ],
)
def test_the_output_neurons_gradient_is_written_from_its_loss(
    ui: UI, live_server: str, setup: str, loss: str
) -> None:
    ui.open(setup)
    assert ui.state("s.network.loss") == loss
    ui.press("Forward")
    ui.press("Loss")
    L = ui.state("s.network.layers.length") - 1
    trace = ui.state("s.trace")
    # The neuron whose target is 1 (cross-entropy's y = 0 terms are all 0).
    j = max(range(len(trace["loss"]["targets"][0])), key=lambda k: trace["loss"]["targets"][0][k])
    ui.page.locator(f"svg[data-network] [data-kind=neuron][data-layer='{L}'][data-j='{j}']").click()
    block = ui.page.locator("[data-inspector-body] [data-eq=dL_dyhat]")
    formula = next(
        x["formula"] for x in httpx.get(f"{live_server}/api/catalog").json()["losses"] if x["name"] == loss
    )
    label = block.evaluate("b => b.previousElementSibling.textContent")
    assert f"∂L/∂ŷ from the loss ({loss.replace('_', ' ')}: {formula})" in label
    values = [
        float(v) for v in block.locator("mn[data-value]").evaluate_all("ns => ns.map(n => n.dataset.value)")
    ]
    api = trace["loss"]["dL_da"][0][j]
    assert values[-1] == api  # the result after "=" is the API's
    yhat, y = trace["loss"]["output"][0][j], trace["loss"]["targets"][0][j]
    assert yhat in values and y in values
    K, B = len(trace["loss"]["output"][0]), trace["forward"]["batch_size"]
    assert written(loss, yhat, y, K, B) == pytest.approx(api, rel=1e-9)  # the formula is the right one
    ui.assert_no_console_errors()


def test_the_gradient_norm_chart_names_layers_as_the_form_and_gives_values_on_hover(
    ui: UI, live_server: str
) -> None:
    ui.open("#ds=xor&h=3.tanh,3.tanh&out=sigmoid&loss=bce&lr=0.5&bs=1")
    for _ in range(3):
        ui.press("Epoch")
    legend = ui.page.locator("[data-grad-legend]").text_content() or ""
    assert [s.strip() for s in legend.split("  ") if s.strip()] == ["Hidden 1", "Hidden 2", "Output"]
    rows = [ui.page.locator("[data-layers] .layer-row").nth(k).text_content() or "" for k in range(3)]
    assert rows[0].startswith("Input") and rows[1].startswith("Hidden 1") and rows[2].startswith("Hidden 2")
    history = httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()["history"]
    tip = hover_plot_at_epoch(ui, "grads", 2)
    norms = history[1]["grad_norms"]
    assert tip.startswith("epoch 2 (mean over its updates)")
    for name, g in zip(["Hidden 1", "Hidden 2", "Output"], norms, strict=True):
        shown = re.search(f"{name}: ‖∂L/∂W‖ = (\\S+)", tip)
        assert shown and float(shown.group(1).replace("\u2212", "-")) == pytest.approx(g, rel=5e-4)
    ui.assert_no_console_errors()


def caption_numbers(ui: UI) -> list[float]:
    """The full values of the caption's numbers, in order."""
    values = ui.page.locator("[data-caption] .num").evaluate_all("ns => ns.map(n => n.dataset.value)")
    return [float(v) for v in values]


def test_a_batchs_loss_and_gradients_are_said_as_the_batchs(ui: UI) -> None:
    """Over a batch the drawing shows sample 1 beside L, the batch's mean: the caption gives
    sample 1's own loss and says L averages the batch, and that each ∂L/∂w on the edges sums
    every sample's δ · input. The numbers are the API's and bear the words out."""
    ui.open("#ds=moons&n=100&h=4.tanh&out=sigmoid&loss=bce&lr=0.1&bs=5&val=0")
    ui.press("Forward")
    ui.press("Loss")
    loss = ui.state("s.trace.loss")
    caption = ui.page.locator("[data-caption]").text_content() or ""
    assert caption.startswith("Loss (batch of 5; the drawing shows sample 1): comparing sample 1's ŷ = ")
    assert "L = " in caption and "is the mean of the 5 samples' bce losses." in caption
    assert "is 1/5 of the slope of its own loss, as L averages the batch" in caption
    numbers = caption_numbers(ui)
    per_sample, mean = loss["per_sample"], loss["loss"]
    yhat, y = loss["output"][0][0], loss["targets"][0][0]
    assert numbers[:5] == [yhat, y, per_sample[0], mean, loss["dL_da"][0][0]]
    assert mean == pytest.approx(sum(per_sample) / 5, rel=1e-12) and per_sample[0] != pytest.approx(mean)
    assert loss["dL_da"][0][0] == pytest.approx((yhat - y) / (yhat * (1 - yhat)) / 5, rel=1e-9)
    drawn = ui.page.locator("svg[data-network] text", has_text="L = ").text_content() or ""
    assert drawn.startswith("L = ") and "(mean of 5 samples)" in drawn

    ui.press("Backward")
    caption = ui.page.locator("[data-caption]").text_content() or ""
    summed_words = "Each weight's ∂L/∂w = Σ δ · (the input it multiplies), summed over the batch's 5 samples"
    assert summed_words in caption
    trace = ui.state("s.trace")
    out = next(layer for layer in trace["backward"]["layers"] if layer["index"] == 2)
    hidden = trace["forward"]["layers"][0]["a"]
    for i in range(4):  # each output weight's gradient is the batch's sum, not sample 1's product
        summed = sum(out["dL_dz"][s][0] * hidden[s][i] for s in range(5))
        assert out["dL_dW"][0][i] == pytest.approx(summed, rel=1e-9, abs=1e-15)
    ui.assert_no_console_errors()


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_the_softmax_outputs_delta_is_said_by_the_rule_that_gave_it(ui: UI, loss: str) -> None:
    """A softmax output has no f′(z) to multiply by: with cross-entropy δ = ŷ − y comes straight
    from the loss; with another loss ∂L/∂a goes through the softmax's Jacobian. The caption
    writes the rule the server used, and the numbers bear it out."""
    ui.open(f"#ds=multiclass_blobs&classes=3&h=4.tanh&out=softmax&loss={loss}&lr=0.1&bs=1")
    for phase in ("Forward", "Loss", "Backward"):
        ui.press(phase)
    trace = ui.state("s.trace")
    out = next(layer for layer in trace["backward"]["layers"] if layer["index"] == 2)
    yhat, y = trace["loss"]["output"][0], trace["loss"]["targets"][0]
    delta, g = out["dL_dz"][0], out["dL_da"][0]
    said = ui.page.locator("[data-caption]").text_content() or ""
    if loss == "cross_entropy":
        assert out["dL_dz_rule"] == "paired_softmax_ce"
        assert "At the softmax output with cross-entropy, δ = ∂L/∂z = (ŷ − y) = " in said, said
        assert delta == pytest.approx([a - b for a, b in zip(yhat, y, strict=True)], abs=1e-15)
    else:
        assert out["dL_dz_rule"] == "softmax_jacobian"
        assert "goes through the softmax's Jacobian: δ = ∂L/∂z = ŷ ⊙ (∂L/∂a − Σₖ ŷₖ ∂L/∂aₖ) = " in said, said
        inner = sum(a * b for a, b in zip(yhat, g, strict=True))
        assert delta == pytest.approx([a * (b - inner) for a, b in zip(yhat, g, strict=True)], rel=1e-12)
        assert caption_numbers(ui)[:3] == g
        # The inspector writes the same rule for one output neuron, with the server's numbers.
        ui.page.locator("svg[data-network] [data-kind=neuron][data-layer='2'][data-j='1']").click()
        block = ui.page.locator("[data-inspector-body] [data-eq=delta]")
        title = block.evaluate("b => b.previousElementSibling.textContent")
        assert title.endswith("each z moves every output, so ∂L/∂a goes through the softmax's Jacobian")
        shown = block.locator("mn[data-value]").evaluate_all("ns => ns.map(n => n.dataset.value)")
        values = [float(v) for v in shown]
        assert values[0] == yhat[1] and values[-1] == delta[1]
        assert all(v in values for v in (*yhat, *g))
    assert "comes straight from the loss (ŷ − y form)" not in said
    ui.assert_no_console_errors()
