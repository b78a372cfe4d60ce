"""The advice names the cause the numbers on screen show: a loss that climbed after η was
raised (or from the first update) is η's, against the loss the settings started from; an
exploding layer is said by the rule that flagged it; a vanishing gradient is put down to
saturation only where the neurons are saturated, and the initializer in use is not offered."""

from __future__ import annotations

import httpx
import pytest

from .conftest import UI
from .test_feedback import caption
from .test_live_settings import enter


def history(ui: UI, live_server: str) -> dict:
    return httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()


def shown(ui: UI) -> list[float]:
    """The full-precision values of the numbers the caption shows."""
    values = ui.page.eval_on_selector_all("[data-caption] .num", "ns => ns.map(n => n.dataset.value)")
    return [float(v) for v in values]


def test_a_climb_right_after_eta_is_raised_is_named_against_the_loss_before(ui: UI, live_server: str) -> None:
    ui.open("#ds=moons&lr=0.1")
    for _ in range(8):
        ui.press("Epoch")
    enter(ui, "learning_rate", "8")
    ui.page.wait_for_function("() => window.backpropExplorer.getState().network.learning_rate === 8")
    ui.idle()
    for epoch in range(9, 13):
        ui.press("Epoch")
        losses = {e["epoch"]: e["train_loss"] for e in history(ui, live_server)["history"]}
        assert losses[epoch] > 10 * losses[8]  # what happened: η = 8 blew the loss up from epoch 8's
        said = caption(ui)
        start = f"The training loss rose from {losses[8]:.4g} (epoch 8, the last before the settings changed)"
        assert start in said, said
        assert f"(epoch {epoch}). η = 8 is likely too large for this loss surface: try η/10 = 0.8." in said
        assert losses[8] in shown(ui) and losses[epoch] in shown(ui)
        assert "vanishing" not in said and "Xavier" not in said, said  # η, not the initialization
    ui.assert_no_console_errors()


def test_a_climb_within_the_first_epoch_is_named_from_the_per_update_losses(ui: UI, live_server: str) -> None:
    ui.open("#ds=moons&lr=30")
    ui.press("Epoch")
    steps = [s["loss"] for s in history(ui, live_server)["steps"]]
    assert len(steps) == 20
    later = sum(steps[10:]) / 10
    assert later > 3 * steps[0]  # the batch losses climbed far above the first one
    said = caption(ui)
    assert "The batch loss rose from" in said and "at step 1 (before the first update) to" in said, said
    assert "(mean over steps 11–20), each before its update: the updates overshoot." in said, said
    assert "η = 30 is likely too large for this loss surface: try η/10 = 3." in said, said
    numbers = shown(ui)
    assert steps[0] in numbers and any(v == pytest.approx(later, rel=1e-12) for v in numbers)
    assert "vanishing" not in said and "Xavier" not in said
    ui.assert_no_console_errors()


def test_an_exploding_layer_is_said_by_the_rule_that_flagged_it(ui: UI, live_server: str) -> None:
    spec = {
        "layers": [1, 1, 1], "activations": ["tanh", "linear"], "loss": "mse",
        "learning_rate": 1e-6, "batch_size": 2, "init": {"seed": 0},
        "data": {"inputs": [[1.0], [1.0]], "targets": [[1.5], [1.5]]},
    }  # fmt: skip
    nid = httpx.post(f"{live_server}/api/networks", json=spec).json()["id"]
    params = {"weights": [[[1.0]], [[100.0]]], "biases": [[-0.9999], [0.0]]}
    httpx.put(f"{live_server}/api/networks/{nid}/parameters", json=params).raise_for_status()
    ui.open(f"#net={nid}")
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    health = ui.state("s.trace.backward.health")
    first, out = health["layers"][0], health["layers"][-1]
    assert first["status"] == "exploding"
    assert first["grad_norm"] < health["thresholds"]["exploding_norm"]  # not by its norm …
    assert first["ratio_to_output"] > health["thresholds"]["exploding_ratio"]  # … by its ratio
    said = caption(ui)
    assert f"Hidden 1's gradient norm ‖∂L/∂W‖ = {first['grad_norm']:.4g} is " in said, said
    assert "× the output layer's" in said, said
    assert ", above the exploding ratio 1000: it is exploding." in said, said
    assert "exploding threshold" not in said
    numbers = shown(ui)
    assert first["ratio_to_output"] in numbers and out["grad_norm"] in numbers
    readout = ui.page.locator("[data-health]").text_content() or ""
    assert "above the exploding ratio 1000" in readout
    ui.assert_no_console_errors()


def test_a_vanishing_gradient_without_saturation_is_put_down_to_the_sigmoids_slope(ui: UI) -> None:
    sigmoids = ",".join(["8.sigmoid"] * 6)
    ui.open(f"#ds=circles&h={sigmoids}&lr=0.1&bs=10")
    assert ui.state("s.network.init.method") == "xavier"
    ui.press("Step")
    health = ui.state("s.trace.backward.health")
    assert health["layers"][0]["status"] == "vanishing"
    marks = ui.state("s.neuronHealth")
    assert marks is not None and "saturated" not in sum(marks, [])  # nothing is saturated …
    assert ui.page.locator("g.neuron[data-neuron-health=saturated]").count() == 0  # … nor ringed
    said = caption(ui)
    assert "it is vanishing" in said
    assert "No hidden neuron is saturated (none has a dashed ring), but each hidden sigmoid" in said, said
    assert "f′(z) = a(1 − a) ≤ 0.25" in said
    assert "so the 6 sigmoid layers from Hidden 1 on multiply it by at most 0.25⁶ = 0.0002441" in said, said
    # The mean f′ it quotes is this batch's: a(1 − a) over the six hidden layers' activations.
    acts = ui.state("s.trace.forward.layers.slice(0, 6).flatMap((ly) => ly.a.flat())")
    slope = sum(a * (1 - a) for a in acts) / len(acts)
    assert any(v == pytest.approx(slope, rel=1e-12) for v in shown(ui))
    assert 0.2 < slope < 0.25
    assert "Saturated sigmoid" not in said and "Xavier" not in said, said  # Xavier is in use already
    assert "ReLU activations or fewer layers keep it alive." in said
    ui.assert_no_console_errors()


def test_a_loss_left_far_above_its_start_is_still_put_down_to_eta(ui: UI, live_server: str) -> None:
    """η = 100 blows the loss up in the first epoch; later epochs hover there (rising a little,
    then falling a little), with the neurons saturated: the advice stays with η, not ReLU."""
    ui.open("#ds=moons&lr=100")
    for _ in range(3):
        ui.press("Epoch")
    data = history(ui, live_server)
    first, last = data["steps"][0]["loss"], data["history"][-1]["train_loss"]
    assert last > 3 * first  # what happened: far above the loss before the first update
    said = caption(ui)
    assert "(epoch 3), is far above where these settings started: " in said, said
    assert "at step 1 (before the first update). η = 100 is likely too large" in said, said
    assert first in shown(ui) and last in shown(ui)
    assert "vanishing" not in said and "ReLU" not in said, said
    ui.assert_no_console_errors()


def test_a_slow_fall_says_by_how_much_it_fell(ui: UI, live_server: str) -> None:
    """A fall smaller than the caption's four digits show is said as the fall itself, so the
    sentence does not read "from 0.704 to 0.704"."""
    ui.open("#ds=moons&lr=0.00001")
    for _ in range(6):
        ui.press("Epoch")
    losses = [e["train_loss"] for e in history(ui, live_server)["history"]]
    assert all(b < a for a, b in zip(losses, losses[1:]))  # what happened: a steady, tiny fall
    said = caption(ui)
    assert "The training loss fell at every epoch from epoch 1 to epoch 6, but by only " in said, said
    assert "0.704 to 0.704" not in said, said
    assert "a larger η, such as 2η = 2e−5, would take bigger steps." in said, said
    assert any(v == pytest.approx(losses[0] - losses[-1], rel=1e-12) for v in shown(ui))
    ui.assert_no_console_errors()


def test_eta_raised_mid_epoch_is_still_named_epochs_later(ui: UI, live_server: str) -> None:
    """η raised after three Steps into epoch 4: that epoch's end already carries η = 30's updates,
    so the loss η = 30 started from is its first update's batch loss, and epochs later the loss,
    still far above it, is put down to η, not to the saturation it left."""
    ui.open("#ds=moons&lr=0.1")
    for name in ("Epoch", "Epoch", "Epoch", "Step", "Step", "Step"):
        ui.press(name)
    enter(ui, "learning_rate", "30")
    ui.page.wait_for_function("() => window.backpropExplorer.getState().network.learning_rate === 30")
    ui.idle()
    for _ in range(3):
        ui.press("Epoch")
    data = history(ui, live_server)
    first = next(s for s in data["steps"] if s["step"] == 64)["loss"]  # the first update with η = 30
    last = data["history"][-1]["train_loss"]
    assert last > 3 * first
    said = caption(ui)
    assert "(epoch 6), is far above where these settings started: " in said, said
    assert "at step 64 (before the first update with these settings). η = 30 is likely" in said, said
    assert first in shown(ui) and last in shown(ui)
    assert "vanishing" not in said and "ReLU" not in said, said
    ui.assert_no_console_errors()
