"""Settings changed while Play trains apply from the next epoch, and every part of the page
agrees on which value each epoch used: the form, the note beside the controls, the server's
snapshots and the timeline. The Speed slider sets Play's pace."""

from __future__ import annotations

import time

import httpx

from .conftest import UI

CIRCLES = "#ds=circles&n=200&h=4.tanh,4.tanh&lr=0.1&bs=10&iseed=0&seed=0"
XOR = "#ds=xor&h=3.tanh&out=sigmoid&loss=bce&lr=0.5&bs=1&iseed=0"
STATE = "window.backpropExplorer.getState()"


def events(ui: UI, action: str) -> list[dict]:
    return ui.page.evaluate(f"window.backpropExplorer.events.filter(e => e.action === '{action}')")


def enter(ui: UI, name: str, value: str) -> None:
    """Type ``value`` into the form's field ``name`` and press Enter, as a learner does."""
    field = ui.page.locator(f"input[name={name}]")
    field.fill(value)
    field.press("Enter")


def wait_for_epoch(ui: UI, epoch: int) -> None:
    ui.page.wait_for_function(f"() => {STATE}.network.epoch >= {epoch}", timeout=30_000)


def pause(ui: UI) -> None:
    ui.page.get_by_role("button", name="Play/Pause").click()
    ui.page.wait_for_function(f"() => !{STATE}.playing && document.body.dataset.busy !== 'true'")
    ui.page.wait_for_function(f"() => !{STATE}.pendingSetup")


def scrubber_position(kept: list[dict], now_step: int, epoch: int) -> int:
    """Where the timeline puts the snapshot after ``epoch``: one position per step before now,
    oldest first (an epoch snapshot stands for its step)."""
    steps = sorted({s["step"] for s in kept if s["step"] < now_step})
    (step,) = [s["step"] for s in kept if s["kind"] == "epoch" and s["epoch"] == epoch]
    return steps.index(step)


def test_eta_typed_during_play_applies_from_the_next_epoch(ui: UI, live_server: str) -> None:
    ui.open(CIRCLES)
    page = ui.page
    page.get_by_role("button", name="Play/Pause").click()
    wait_for_epoch(ui, 3)
    field = page.locator("input[name=learning_rate]")
    field.fill("0.01")
    field.dispatch_event("change")
    page.wait_for_function("() => window.backpropExplorer.events.some(e => e.action === 'settings-applied')")
    (applied,) = events(ui, "settings-applied")
    wait_for_epoch(ui, applied["epoch"] + 3)  # a few epochs with the new η
    pause(ui)

    # The server: every epoch up to the one in progress ran with 0.1, every one after with 0.01.
    net = ui.network_id
    kept = httpx.get(f"{live_server}/api/networks/{net}/snapshots").json()["snapshots"]
    rates = {s["epoch"]: s["settings"]["learning_rate"] for s in kept if s["kind"] == "epoch"}
    changed_at = applied["epoch"]
    assert changed_at >= 3 and max(rates) >= changed_at + 3
    assert all(rate == 0.1 for epoch, rate in rates.items() if epoch <= changed_at)
    assert all(rate == 0.01 for epoch, rate in rates.items() if epoch > changed_at)
    assert httpx.get(f"{live_server}/api/networks/{net}").json()["learning_rate"] == 0.01

    # The page: the form and the note agree with the server; the queued change came first.
    assert [e["changes"][0]["to"] for e in events(ui, "settings-queued")] == ["0.01"]
    assert field.input_value() == "0.01" and not field.evaluate("n => n.classList.contains('pending')")
    note = page.locator("[data-settings-note]").text_content() or ""
    assert f"From epoch {changed_at + 1} on: η 0.1 → 0.01" in note
    assert ui.state("s.network.learning_rate") == 0.01

    # The timeline names the η of each epoch: before the change and after it.
    scrubber = page.locator("[data-timeline-range]")
    now_step = ui.state("s.network.step")
    # The page's list of points as of now (listed after the last update: older updates let go).
    listed = f"() => document.querySelector('[data-timeline]').dataset.listedStep == {now_step}"
    page.wait_for_function(listed)
    kept = httpx.get(f"{live_server}/api/networks/{net}/snapshots").json()["snapshots"]
    for epoch, rate in [(changed_at, "0.1"), (changed_at + 2, "0.01")]:
        index = scrubber_position(kept, now_step, epoch)
        scrubber.evaluate("(n, v) => { n.value = String(v); n.dispatchEvent(new Event('input')); }", index)
        page.wait_for_function(
            f"() => document.querySelector('[data-timeline]').dataset.state === 'preview'"
            f" && window.backpropExplorer.getState().snapshotPreview?.network.epoch === {epoch}"
        )
        label = page.locator("[data-timeline-label]").text_content() or ""
        assert f"the end of epoch {epoch}" in label and f"η {rate} ·" in label, label
        banner = page.locator("[data-timeline-banner]").text_content() or ""
        assert f"made with η = {rate}" in banner
        assert ui.state("s.snapshotPreview.network.learning_rate") == float(rate)  # that moment's η
    page.get_by_role("button", name="Back to now").click()
    ui.assert_no_console_errors()


def test_a_refused_change_puts_the_value_in_force_back_in_the_form(ui: UI, live_server: str) -> None:
    ui.open(XOR)
    page = ui.page
    field = page.locator("input[name=batch_size]")
    field.fill("0")  # the server refuses a batch of 0
    field.dispatch_event("change")
    page.wait_for_function("() => document.querySelector('[data-error=build]').textContent !== ''")
    assert field.input_value() == "1"  # the batch size the network still has
    said = page.locator("[data-error=build]").text_content() or ""
    assert "Nothing changed: the network keeps batch size 1." in said
    assert httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()["batch_size"] == 1
    assert "Not applied" in (page.locator("[data-caption]").text_content() or "")


def epochs_per_second(ui: UI, speed: str, seconds: float) -> float:
    ui.set_speed(speed)
    page = ui.page
    page.get_by_role("button", name="Play/Pause").click()
    wait_for_epoch(ui, ui.state("s.network.epoch") + 1)  # past the first call
    start, t0 = ui.state("s.network.epoch"), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    end, t1 = ui.state("s.network.epoch"), time.monotonic()
    pause(ui)
    return (end - start) / (t1 - t0)


def test_the_speed_slider_sets_plays_pace(ui: UI) -> None:
    ui.open(XOR)
    slow = epochs_per_second(ui, "0.25×", 4)
    fast = epochs_per_second(ui, "max", 3)
    assert 0.4 <= slow <= 1.6, slow  # about one epoch per second
    assert fast >= 8 * slow, (slow, fast)
    label = ui.page.locator("[data-speed]").get_attribute("aria-valuetext") or ""
    assert label == "no animation, Play as fast as it goes"
    ui.assert_no_console_errors()


def test_a_setting_typed_and_entered_keeps_the_network(ui: UI, live_server: str) -> None:
    """Enter in a field submits the form: a learning rate typed and entered applies to the
    network on screen, paused or during Play, its weights and steps kept; Enter in a field that
    takes a new network (the validation split) builds one, as Build network does."""
    ui.open(CIRCLES)
    page = ui.page
    ui.press("Step")
    net = ui.network_id
    before = httpx.get(f"{live_server}/api/networks/{net}").json()
    enter(ui, "learning_rate", "0.2")
    page.wait_for_function(f"() => {STATE}.network.learning_rate === 0.2")
    ui.idle()
    after = httpx.get(f"{live_server}/api/networks/{net}").json()
    assert ui.network_id == net and after["learning_rate"] == 0.2
    assert after["step"] == before["step"] == 1 and after["parameters"] == before["parameters"]

    page.get_by_role("button", name="Play/Pause").click()
    wait_for_epoch(ui, 2)
    enter(ui, "learning_rate", "0.05")
    page.wait_for_function("() => window.backpropExplorer.events.some(e => e.action === 'settings-applied')")
    (applied,) = events(ui, "settings-applied")
    pause(ui)
    assert ui.network_id == net
    kept = httpx.get(f"{live_server}/api/networks/{net}/snapshots").json()["snapshots"]
    rates = {s["epoch"]: s["settings"]["learning_rate"] for s in kept if s["kind"] == "epoch"}
    assert rates.pop(0) == 0.1  # the start, built with η = 0.1
    expected = {epoch: 0.2 if epoch <= applied["epoch"] else 0.05 for epoch in rates}
    assert rates == expected, applied
    assert "η 0.2 → 0.05" in (page.locator("[data-settings-note]").text_content() or "")

    enter(ui, "validation_split", "0.25")
    page.wait_for_function(f"() => {STATE}.network.id !== '{net}'")
    ui.idle()
    built = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()
    assert built["step"] == 0 and built["learning_rate"] == 0.05
    assert built["validation_split"] == 0.25
    ui.assert_no_console_errors()


def test_a_number_the_page_cannot_read_is_said_and_a_step_in_progress_set_aside_is_said(
    ui: UI, live_server: str
) -> None:
    """A value the form cannot use (too large for a number, or empty) is not quietly put back:
    the page says it and what stays. A change made between Forward and Update sets the step in
    progress aside, and the caption says so (Backward would otherwise be refused unexplained)."""
    ui.open(XOR)
    page = ui.page
    limits = page.locator("[data-error=limits]")
    enter(ui, "learning_rate", "1e400")
    page.wait_for_function("() => document.querySelector('[data-error=limits]').textContent !== ''")
    assert limits.text_content() == (
        "Learning rate η: what was typed is not a number the page can use, so nothing changed: it stays 0.5."
    )
    enter(ui, "learning_rate", "")
    page.wait_for_function(
        "() => document.querySelector('[data-error=limits]').textContent.includes('empty')"
    )
    assert "an empty field is not a number the page can use, so nothing changed: it stays 0.5." in (
        limits.text_content() or ""
    )
    assert httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()["learning_rate"] == 0.5

    ui.press("Forward")
    ui.press("Loss")
    enter(ui, "learning_rate", "0.05")
    page.wait_for_function(f"() => {STATE}.network.learning_rate === 0.05")
    ui.idle()
    caption = page.locator("[data-caption]").text_content() or ""
    assert "Changed η 0.5 → 0.05 without touching the weights: it applies from the next step." in caption
    assert (
        "The step in progress (Forward and Loss done) was set aside: press Forward (F) to start the next one."
        in caption
    )
    assert limits.text_content() == ""  # the applied change leaves no stale refusal
    assert httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()["phase"] == "ready"
    ui.assert_no_console_errors()
