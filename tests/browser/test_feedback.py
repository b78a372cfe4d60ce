"""The page's feedback is true for what happened: advice follows the loss and gradient-norm
trend with their numbers, an out-of-order phase names every phase still missing, and the
timeline and the rewind dialog name a moment the same way."""

from __future__ import annotations

import httpx

from .conftest import UI
from .test_live_settings import enter

# XOR, one sample per update, η = 100: each update fits its own sample and wrecks the others.
HUGE_ETA = "#ds=xor&h=3.tanh&out=sigmoid&loss=bce&lr=100&bs=1&iseed=0&seed=0"
# A linear fit whose epochs overshoot further and further.
OVERSHOOT = "#ds=linear&n=200&noise=0.1&dseed=1&h=&out=linear&loss=mse&lr=1.5&bs=10&iseed=0&seed=0"


def caption(ui: UI) -> str:
    return ui.page.locator("[data-caption]").text_content() or ""


def quotes(ui: UI, value: float) -> bool:
    """Does the caption quote ``value`` (its full-precision title, as JavaScript writes it)?"""
    shown = ui.page.eval_on_selector_all("[data-caption] .num", "ns => ns.map(n => n.dataset.value)")
    return any(float(v) == value for v in shown)


def test_advice_after_the_loss_rose_names_the_numbers_and_a_smaller_eta(ui: UI, live_server: str) -> None:
    ui.open(HUGE_ETA)
    for _ in range(2):
        ui.press("Step")
    steps = httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()["steps"]
    first, second = steps[0]["loss"], steps[1]["loss"]
    assert second > 10 * first  # what happened: the second update's batch loss jumped
    said = caption(ui)
    assert said.startswith("Step: forward, loss, backward and update in one go; every weight and bias moved")
    assert "The batch loss rose from" in said and "at step 1" in said and "at step 2" in said, said
    assert "η = 100 is likely too large for this loss surface: try η/10 = 10." in said, said
    assert quotes(ui, first) and quotes(ui, second)
    assert "larger" not in said  # never a larger η after a rise
    readout = ui.page.locator("[data-health]").text_content() or ""
    assert "rose from" in readout and "try η/10 = 10" in readout
    ui.assert_no_console_errors()


def test_advice_after_epochs_that_rose(ui: UI, live_server: str) -> None:
    ui.open(OVERSHOOT)
    ui.press("Epoch")
    ui.press("Epoch")
    history = httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()["history"]
    assert history[1]["train_loss"] > history[0]["train_loss"]
    said = caption(ui)
    assert "The training loss rose from" in said, said
    assert "(epoch 1, its lowest of the last 2 epochs)" in said and "(epoch 2)" in said
    assert "η = 1.5 is likely too large for this loss surface: try η/10 = 0.15." in said
    assert quotes(ui, history[0]["train_loss"]) and quotes(ui, history[1]["train_loss"])
    ui.assert_no_console_errors()


def test_a_phase_out_of_order_names_every_phase_missing(ui: UI) -> None:
    ui.open(HUGE_ETA)
    ui.press("Backward")
    assert ui.error() == (
        "Out of order: Backward starts from the loss gradient ∂L/∂a, so it needs Loss. "
        "Press Forward (F), then Loss (L) first."
    )
    ui.press("Forward")
    ui.press("Update")
    assert ui.error().endswith("Press Loss (L), then Backward (B) first.")
    ui.press("Loss")
    ui.press("Backward")
    ui.press("Update")
    assert ui.error() == ""
    ui.press("Backward")  # a new step begins with Forward
    assert ui.error().endswith("Press Forward (F), then Loss (L) first.")


def test_a_phase_run_twice_or_without_a_target_says_what_to_press(ui: UI, live_server: str) -> None:
    """The page says why, where the server would answer 409 or 422 with its own words: a phase
    this step has run already, and Loss after your own input sent without a target."""
    ui.open(HUGE_ETA)
    ui.press("Forward")
    ui.press("Loss")
    ui.press("Loss")
    again = "Loss has already run in this step. Press Backward (B) next, or Forward (F) to start a new step."
    assert ui.error() == again
    ui.press("Forward")  # Forward is never refused: it starts a new step
    assert ui.error() == ""
    page = ui.page
    page.locator("details.own-row summary").click()
    page.locator("[data-own-inputs]").fill("0.5, -1")
    page.get_by_role("button", name="Push through").click()
    ui.idle()
    ui.press("Loss")
    no_target = (
        "Loss compares ŷ with a target y, and your own input x was sent without one: type y under Your own "
        "input and press Push through, or press Forward (F) to send a sample of the data."
    )
    assert ui.error() == no_target
    ui.press("Backward")  # the Loss it needs cannot run yet either: both are said
    said = ui.error()
    assert said.startswith("Out of order: Backward starts from the loss gradient ∂L/∂a, so it needs Loss.")
    assert said.endswith(f"Press Loss (L) first. {no_target}")
    net = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()
    assert net["phase"] == "forward"  # nothing was sent: the step stays where it was
    ui.assert_no_console_errors()


def test_the_timeline_and_the_rewind_dialog_name_a_moment_alike(ui: UI) -> None:
    ui.open("#ds=xor&h=3.tanh&out=sigmoid&loss=bce&lr=0.5&bs=1&iseed=0")
    page = ui.page
    for _ in range(3):
        ui.press("Step")  # step 3 lies inside epoch 1 (4 updates an epoch)
    page.wait_for_function("() => document.querySelector('[data-timeline]').dataset.points === '4'")
    scrubber = page.locator("[data-timeline-range]")
    scrubber.evaluate("n => { n.value = '2'; n.dispatchEvent(new Event('input')); }")  # after step 2
    page.wait_for_function("() => document.querySelector('[data-timeline]').dataset.state === 'preview'")
    moment = "step 2 (epoch 1 in progress)"
    assert moment in (page.locator("[data-timeline-label]").text_content() or "")
    assert moment in (page.locator("[data-timeline-banner]").text_content() or "")
    assert (
        "the network itself is still at step 3 (epoch 1 in progress)"
        in (page.locator("[data-timeline-banner]").text_content() or "").lower()
    )
    page.get_by_role("button", name="Rewind here…").click()
    assert f"goes back to {moment}" in (page.locator("[data-rewind-text]").text_content() or "")
    assert page.locator("[data-meta-epoch]").text_content() == "epoch 1 in progress"
    page.get_by_role("button", name="Cancel").click()
    ui.assert_no_console_errors()


def test_advice_judges_only_the_epochs_run_with_the_settings_in_force(ui: UI, live_server: str) -> None:
    """The loss rose under η = 1.5; η = 0.01 then brings it down, but not yet below the first
    epoch's: the advice does not blame η = 0.01 for the rise η = 1.5 made."""
    ui.open(OVERSHOOT)
    ui.press("Epoch")
    ui.press("Epoch")
    enter(ui, "learning_rate", "0.01")
    ui.page.wait_for_function("() => window.backpropExplorer.getState().network.learning_rate === 0.01")
    ui.idle()
    ui.press("Epoch")
    ui.press("Epoch")
    history = httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()["history"]
    losses = [e["train_loss"] for e in history]
    assert losses[1] > losses[0] and losses[3] < losses[2]  # rose under 1.5, falls under 0.01
    assert losses[3] > 1.1 * losses[0]  # the last 4 epochs still hold a rise from epoch 1
    said = caption(ui)
    assert "rose" not in said and "too large" not in said, said

    # A rise under the new η is η's: said from the loss it started from, the last epoch before the change.
    enter(ui, "learning_rate", "3")
    ui.page.wait_for_function("() => window.backpropExplorer.getState().network.learning_rate === 3")
    ui.idle()
    ui.press("Epoch")
    ui.press("Epoch")
    history = httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()["history"]
    losses = [e["train_loss"] for e in history]
    assert losses[5] > losses[4] > 1.1 * losses[3]
    said = caption(ui)
    assert "(epoch 4, the last before the settings changed) to" in said and "(epoch 6)." in said, said
    assert quotes(ui, losses[3]) and quotes(ui, losses[5])
    assert "η = 3 is likely too large for this loss surface: try η/10 = 0.3." in said
    ui.assert_no_console_errors()
