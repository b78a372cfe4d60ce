"""Feedback while and after training: the accuracy is on screen during Play (readout, status and
the loss plot), Play can stop at 100 % training accuracy through the server's early-stopping
rule, a run that touches 100 % and falls back says so; Build with nothing changed and Reset
always have a visible effect, a trained network a Build replaces is kept, the header follows."""

from __future__ import annotations

import json

import httpx

from .conftest import UI

STATE = "window.backpropExplorer.getState()"
CAPTION = "document.querySelector('[data-caption]').textContent"


def built_after(ui: UI, old: str) -> str:
    """Wait until Build has replaced network ``old`` and said so; the caption."""
    ui.page.wait_for_function(
        f"([id, t]) => {STATE}.network.id !== id && {CAPTION}.startsWith(t)",
        arg=[old, "Built"],
    )
    ui.idle()
    return ui.page.locator("[data-caption]").text_content() or ""


def hover_plot_at_epoch(ui: UI, plot: str, epoch: int) -> str:
    """Point at ``epoch`` on a plot over epochs; the values box's text."""
    canvas = ui.page.locator(f"[data-plot={plot}]")
    canvas.scroll_into_view_if_needed()
    area = canvas.evaluate("c => c.plotArea")
    box = canvas.bounding_box()
    assert box is not None
    x = area["l"] + (epoch - area["xmin"]) / (area["xmax"] - area["xmin"]) * (area["r"] - area["l"])
    ui.page.mouse.move(box["x"] + x, box["y"] + (area["t"] + area["b"]) / 2)
    ui.page.wait_for_function(
        f"() => document.querySelector('[data-plot={plot}]').dataset.hoverEpoch === '{epoch}'"
    )
    return ui.page.locator(".plot-tip:not([hidden])").inner_text()


def test_accuracy_is_on_screen_while_play_trains(ui: UI) -> None:
    ui.open(speed="1×")  # ten epochs a second: Play is watched, not finished at once
    page = ui.page
    page.get_by_role("button", name="Play/Pause").click()
    # While it plays: the readout, the header and the loss plot all carry the accuracy.
    page.wait_for_function(
        f"""() => {STATE}.playing && {STATE}.history.length >= 3
          && !document.querySelector('[data-accuracy-line]').hidden
          && document.querySelector('[data-status]').textContent.includes('training accuracy')
          && document.querySelector('[data-plot=loss]').dataset.accuracyDrawn === 'true'""",
        timeout=30_000,
    )
    # Read in one go: Play goes on meanwhile, ten epochs a second.
    seen = page.evaluate(
        f"""() => {{
          const line = document.querySelector('[data-accuracy-line]');
          return {{ epoch: Number(line.dataset.epoch), shown: Number(line.dataset.trainAccuracy),
                   text: line.textContent, history: {STATE}.history }};
        }}"""
    )
    entry = next(e for e in seen["history"] if e["epoch"] == seen["epoch"])
    assert seen["shown"] == entry["train_accuracy"]
    assert f"Epoch {seen['epoch']}: training accuracy" in seen["text"] and "of 4 right" in seen["text"]
    assert ui.state("s.playing")
    page.get_by_role("button", name="Play/Pause").click()
    page.wait_for_function("() => document.querySelector('[data-caption]').textContent.startsWith('Paused')")
    caption = page.locator("[data-caption]").text_content() or ""
    assert "training accuracy" in caption
    ui.assert_no_console_errors()


def test_play_stops_at_full_training_accuracy_and_the_plot_shows_it_falling_back(
    ui: UI, live_server: str
) -> None:
    # The page's XOR reaches 100 % at epoch 35 and is back at 75 % at epochs 36 and 37.
    ui.open()
    page = ui.page
    bodies: list[dict] = []
    ui.on("request", lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/train") else None)
    page.check("[data-stop-accuracy]")
    page.get_by_role("button", name="Play/Pause").click()
    page.wait_for_function(
        "() => document.querySelector('[data-status]').textContent.startsWith('Stopped early')"
    )
    ui.idle()
    assert ui.state("s.network.epoch") == 35
    rules = [b["early_stopping"] for b in bodies]
    assert rules and all(r["patience"] is None and r["train_accuracy"] == 1 for r in rules)
    caption = page.locator("[data-caption]").text_content() or ""
    assert "Stopped early at epoch 35 (the training accuracy reached 100 %" in caption
    assert (
        page.locator("[data-accuracy-line]").text_content()
        == "Epoch 35: training accuracy 100 % (4 of 4 right)."
    )
    assert (
        page.locator("[data-accuracy-note]").text_content() == "Training accuracy reached 100 % at epoch 35."
    )
    page.uncheck("[data-stop-accuracy]")
    for _ in range(3):
        ui.press("Epoch")
    history = httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()["history"]
    assert [e["train_accuracy"] for e in history[34:38]] == [1.0, 0.75, 0.75, 1.0]
    note = page.locator("[data-accuracy-note]").text_content()
    fell = "Training accuracy reached 100 % at epoch 35, fell back to 75 % at epoch 36"
    assert note == f"{fell}, and has been 100 % since epoch 38."
    plot = page.locator("[data-plot=loss]")
    assert plot.get_attribute("data-full-accuracy") == "35,38"
    assert "training accuracy 75 %" in hover_plot_at_epoch(ui, "loss", 36)
    assert "training accuracy 100 %" in hover_plot_at_epoch(ui, "loss", 35)
    ui.assert_no_console_errors()


def test_stopping_at_full_accuracy_is_offered_for_a_classification_only(ui: UI) -> None:
    ui.open("#ds=sine&h=4.tanh&out=linear&loss=mse&lr=0.05&bs=10")
    box = ui.page.locator("[data-stop-accuracy]")
    assert box.is_disabled() and "regression has no accuracy" in (
        box.locator("xpath=..").get_attribute("title") or ""
    )
    ui.press("Epoch")
    assert ui.page.locator("[data-accuracy-line]").is_hidden()
    assert ui.page.locator("[data-plot=loss]").get_attribute("data-accuracy-drawn") == ""
    ui.assert_no_console_errors()


def test_build_with_nothing_changed_and_reset_each_have_a_visible_effect(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    caption = page.locator("[data-caption]")
    first = ui.network_id
    # Reset with nothing to undo says so.
    page.get_by_role("button", name="Reset").click()
    ui.idle()
    assert "nothing to undo" in (caption.text_content() or "")
    assert ui.network_id == first
    # Build with nothing changed builds a new network and says why its weights are the same.
    weights = ui.state("s.network.parameters.weights")
    page.get_by_role("button", name="Build network").click()
    text = built_after(ui, first)
    assert text.startswith("Built a new 2–3–1 network with init seed 0.")
    assert "Nothing in the setup changed and the init seed is the same" in text
    assert ui.state("s.network.parameters.weights") == weights
    assert httpx.get(f"{live_server}/api/networks/{first}").status_code == 404  # untrained: gone
    # Reset after training: the weights go back and the header follows.
    for _ in range(3):
        ui.press("Epoch")
    assert page.locator("[data-status]").text_content() == "Ready · epoch 3"
    page.get_by_role("button", name="Reset").click()
    ui.idle()
    assert ui.state("s.network.epoch") == 0 and ui.state("s.network.parameters.weights") == weights
    assert page.locator("[data-status]").text_content() == "Ready · the start (no update yet)"
    assert "from the end of epoch 3 (step 12) to the start" in (caption.text_content() or "")
    ui.assert_no_console_errors()


def test_a_build_that_replaces_a_trained_network_keeps_it_one_press_away(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    for _ in range(2):
        ui.press("Epoch")
    trained = ui.network_id
    loss = ui.state("s.history.at(-1).train_loss")
    page.get_by_role("button", name="Build network").click()
    text = built_after(ui, trained)
    fresh = ui.network_id
    assert "The network it replaces, trained to the end of epoch 2 (step 8) with training loss" in text
    assert f"{loss:.4g}"[:5] in text and "is kept" in text
    assert httpx.get(f"{live_server}/api/networks/{trained}").json()["epoch"] == 2
    page.get_by_role("button", name="Back to the trained network").click()
    page.wait_for_function(
        f"([id, t]) => {STATE}.network.id === id && {CAPTION}.startsWith(t)",
        arg=[trained, "Back"],
    )
    assert ui.state("s.network.epoch") == 2 and len(ui.state("s.history")) == 2
    assert "Back to the trained 2–3–1 network" in (page.locator("[data-caption]").text_content() or "")
    assert httpx.get(f"{live_server}/api/networks/{fresh}").status_code == 404
    ui.assert_no_console_errors()


def test_with_a_penalty_the_two_loss_plots_say_what_each_measures(ui: UI, live_server: str) -> None:
    """The epochs' loss leaves the penalty out (training and validation compare); each update's
    batch loss has it in. With L2 on, the plots' labels say so, and the numbers bear it out."""
    ui.open("#ds=xor&h=3.tanh&out=sigmoid&loss=bce&lr=0.5&bs=4&reg=l2&rr=0.5")
    title = ui.page.locator("[data-loss-plot-units]")
    steps = ui.page.locator("[data-steps-legend]")
    assert title.text_content() == " (without the L2 penalty)"
    assert steps.text_content() == "loss of each update step: its batch's, plus the L2 penalty"
    ui.press("Epoch")
    ui.press("Step")
    answer = httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()
    penalty = ui.state("s.trace.loss.penalty")
    assert penalty > 0.1 and ui.state("s.trace.loss.loss") == answer["steps"][-1]["loss"]  # penalty in
    assert answer["steps"][-1]["loss"] == ui.state("s.trace.loss.data_loss") + penalty
    # Regularization off: the labels go back to plain ones.
    ui.page.locator("select[name=regularization]").select_option("none")
    ui.page.wait_for_function(f"() => {STATE}.network.regularization.kind === 'none'")
    assert title.text_content() == "" and steps.text_content() == "loss of each update step"
    ui.assert_no_console_errors()
