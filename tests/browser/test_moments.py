"""How the page names a moment when updates on a chosen sample follow an epoch's end: they leave
the data cursor at the epoch's start, and the words count them from the end of that epoch
instead of calling the state the end of the epoch itself."""

from __future__ import annotations

from .conftest import UI
from .test_timeline import SETUP, act, server, wait_for_now, wait_for_preview, wait_for_rewind

LABEL = "[data-timeline-label]"


def choose_sample(ui: UI, row: int | None) -> None:
    """Pick training row ``row`` in the Sample menu (None: "next in the epoch")."""
    ui.page.select_option("[data-sample]", "" if row is None else str(row))


def update_by_phases(ui: UI) -> int:
    """Forward, Loss, Backward and Update, clicked one after another; the new step."""
    before = ui.state("s.network.step")
    for name in ("Forward", "Loss", "Backward", "Update"):
        ui.press(name)
    ui.page.wait_for_function(f"() => window.backpropExplorer.getState().network.step > {before}")
    ui.idle()
    return ui.state("s.network.step")


def label(ui: UI, says: str) -> str:
    """The timeline's label, once it reads ``says`` (it follows the network's refresh)."""
    ui.page.wait_for_function(
        "says => document.querySelector('[data-timeline-label]').textContent.includes(says)", arg=says
    )
    return ui.page.locator(LABEL).text_content() or ""


def test_an_update_on_a_chosen_sample_after_an_epoch_is_not_called_its_end(ui: UI, live_server: str) -> None:
    ui.open(SETUP)  # XOR, batch 1: four updates an epoch
    page = ui.page
    nid = ui.network_id
    for _ in range(3):
        act(ui, "Epoch")
    wait_for_now(ui, 12)
    assert label(ui, "now · the end of epoch 3") == "now · the end of epoch 3 (step 12) · η 0.5"

    row = server(live_server, f"{nid}/data")["train_indices"][2]
    choose_sample(ui, row)
    assert update_by_phases(ui) == 13
    network = server(live_server, nid)
    assert (network["epoch"], network["step"], network["epoch_end_step"], network["cursor"]["position"]) == (
        3, 13, 12, 0,
    )  # fmt: skip
    wait_for_now(ui, 13)
    assert label(ui, "now · step 13") == "now · step 13 (1 update since the end of epoch 3) · η 0.5"
    assert page.locator("[data-meta-epoch]").text_content() == "epoch 3 done"

    assert act(ui, "Step") == 14  # the same chosen sample again
    wait_for_now(ui, 14)
    assert label(ui, "now · step 14") == "now · step 14 (2 updates since the end of epoch 3) · η 0.5"

    choose_sample(ui, None)
    assert act(ui, "Step") == 15  # the next in the epoch: epoch 4 begins
    wait_for_now(ui, 15)
    assert label(ui, "now · step 15") == "now · step 15 (epoch 4 in progress) · η 0.5"

    # Back on the timeline: step 13 is named as it was, beside the network as it is.
    scrubber = page.locator("[data-timeline-range]")
    scrubber.focus()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    wait_for_preview(ui, 14)
    page.keyboard.press("ArrowLeft")
    wait_for_preview(ui, 13)
    assert label(ui, "step 13 (").startswith(
        "step 13 (1 update since the end of epoch 3) · η 0.5 · batch loss "
    )
    banner = page.locator("[data-timeline-banner]").text_content() or ""
    assert "Previewing step 13 — step 13 (1 update since the end of epoch 3), batch loss " in banner
    assert "The network itself is still at step 15 (epoch 4 in progress)." in banner
    page.keyboard.press("ArrowLeft")
    wait_for_preview(ui, 12)
    assert label(ui, "the end of epoch 3").startswith("the end of epoch 3 (step 12) · η 0.5 · training loss ")
    page.keyboard.press("ArrowRight")
    wait_for_preview(ui, 13)

    page.get_by_role("button", name="Rewind here…").click()
    dialog = page.locator("[data-rewind-dialog]")
    dialog.wait_for(state="visible")
    text = dialog.text_content() or ""
    assert "Rewinding drops 2 updates after this point" in text
    assert "The network goes back to step 13 (1 update since the end of epoch 3), with the settings" in text
    page.get_by_role("button", name="Rewind", exact=True).click()
    wait_for_rewind(ui, 13)
    caption = page.locator("[data-caption]").text_content() or ""
    assert caption.startswith(
        "Rewound to step 13: the network is back at step 13 (1 update since the end of epoch 3), with η = 0.5"
    ), caption
    assert label(ui, "now · step 13") == "now · step 13 (1 update since the end of epoch 3) · η 0.5"
    assert server(live_server, nid)["epoch_end_step"] == 12
    ui.assert_no_console_errors()


def test_updates_on_chosen_samples_before_any_epoch(ui: UI, live_server: str) -> None:
    ui.open(SETUP)
    page = ui.page
    rows = server(live_server, f"{ui.network_id}/data")["train_indices"]
    for k, row in enumerate(rows[:2], start=1):
        choose_sample(ui, row)
        assert update_by_phases(ui) == k
    wait_for_now(ui, 2)
    assert label(ui, "now · step 2") == "now · step 2 (no epoch finished yet) · η 0.5"
    assert page.locator("[data-meta-epoch]").text_content() == "no epoch yet"
    scrubber = page.locator("[data-timeline-range]")
    scrubber.focus()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    wait_for_preview(ui, 1)
    assert label(ui, "step 1 (").startswith("step 1 (no epoch finished yet) · η 0.5 · batch loss ")
    banner = page.locator("[data-timeline-banner]").text_content() or ""
    assert "The network itself is still at step 2 (no epoch finished yet)." in banner
    ui.assert_no_console_errors()
