"""Issue 11, "broken today": Space toggles Play wherever the focus is, the step-loss plot keeps
up during Play, input labels never overlap or get cut off, and Step's panels follow its animation."""

from __future__ import annotations

import httpx

from .conftest import UI

PLAYING = "window.backpropExplorer.getState().playing"


def test_space_toggles_play_wherever_the_focus_is(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    # After clicking Epoch, Space plays rather than running another epoch.
    ui.press("Epoch")
    assert page.evaluate("document.activeElement.dataset.action") == "epoch"
    page.keyboard.press(" ")
    page.wait_for_function(f"() => {PLAYING}")
    page.keyboard.press(" ")
    page.wait_for_function(f"() => !{PLAYING}")
    ui.idle()
    # After clicking a neuron, after Build, and in the sample list: Space plays too.
    for focus in (
        lambda: page.locator('g.neuron[data-layer="1"][data-j="0"]').click(),
        lambda: page.locator("[data-sample]").focus(),
        lambda: page.locator("[data-speed]").focus(),
    ):
        focus()
        page.keyboard.press(" ")
        page.wait_for_function(f"() => {PLAYING}")
        page.keyboard.press(" ")
        page.wait_for_function(f"() => !{PLAYING}")
        ui.idle()
    # While typing in a text field, Space is a character.
    page.locator("input[name=learning_rate]").focus()
    page.keyboard.press(" ")
    page.wait_for_timeout(300)
    assert ui.state("s.playing") is False
    # The Epoch button was not pressed by the Space that played: one epoch came from the click.
    epochs = httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()["history"]
    assert len(epochs) == ui.state("s.history.length")
    ui.assert_no_console_errors()


def test_step_loss_plot_keeps_up_during_play(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    page.get_by_role("button", name="Play/Pause").click()
    # While still playing, the step losses reach far past the first call's.
    page.wait_for_function(
        f"() => {PLAYING} && window.backpropExplorer.getState().steps.length >= 40"
        " && window.backpropExplorer.getState().steps.at(-1).step >= 40",
        timeout=30_000,
    )
    lag = ui.state("s.network.step - s.steps.at(-1).step")
    assert 0 <= lag <= 4 * 50  # at most one train call (≤ 50 epochs of 4 steps) behind
    assert int(page.get_attribute("[data-plot=steps]", "data-points") or 0) >= 40
    page.get_by_role("button", name="Play/Pause").click()
    page.wait_for_function(f"() => !{PLAYING}")
    ui.idle()
    ui.assert_no_console_errors()


def label_boxes(ui: UI) -> list[dict]:
    return ui.page.evaluate(
        """() => [...document.querySelectorAll('svg[data-network] .side-label')]
            .filter((t) => t.getAttribute('visibility') !== 'hidden' && t.textContent.trim())
            .map((t) => { const b = t.getBBox();
                          return { x: b.x, y: b.y, w: b.width, h: b.height, text: t.textContent }; })"""
    )


def test_input_labels_never_overlap_or_get_cut_off(ui: UI, tmp_path) -> None:
    ui.open()
    page = ui.page
    names = [f"measurement_of_something_long_{k:02d}" for k in range(24)]
    rows = [",".join(str((k * 7 + r) % 11) for k in range(24)) + f",{r % 2}" for r in range(30)]
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join([*names, "label"]) + "\n" + "\n".join(rows) + "\n")
    page.locator("details.upload summary").click()
    page.set_input_files("input[name=csv]", str(wide))
    page.get_by_role("button", name="Upload CSV").click()
    page.wait_for_function("() => document.querySelector('[data-dirty]').textContent.startsWith('Uploaded')")
    page.get_by_role("button", name="Build network").click()
    page.wait_for_function("() => window.backpropExplorer.getState().network?.layers[0] === 24")
    ui.idle()
    ui.press("Forward")  # the names gain values when the circles are too small for them
    boxes = label_boxes(ui)
    inputs = [b for b in boxes if "measurement" in b["text"]]
    assert len(inputs) >= 12
    for a in boxes:
        assert a["x"] >= 0, a  # not cut off at the left edge of the drawing
        for b in boxes:
            if a is b:
                continue
            apart = (
                a["x"] + a["w"] <= b["x"]
                or b["x"] + b["w"] <= a["x"]
                or a["y"] + a["h"] <= b["y"]
                or b["y"] + b["h"] <= a["y"]
            )
            assert apart, (a, b)
    # A shortened name keeps its full text for hover.
    titles = page.evaluate(
        "[...document.querySelectorAll('svg .side-label title')].map((t) => t.textContent)"
    )
    assert any(t.startswith("measurement_of_something_long_00") for t in titles)
    ui.assert_no_console_errors()


def test_during_step_the_panels_follow_the_animation(ui: UI) -> None:
    ui.open()
    page = ui.page
    ui.set_speed("0.5×")  # each phase takes a while
    page.evaluate("window.backpropExplorer.events.length = 0")
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function(
        "() => window.backpropExplorer.events.some(e => e.phase === 'forward' && e.layer === 1)"
    )
    assert ui.phase() == "forward"
    assert page.locator("[data-loss-after]").text_content() == "—"
    assert "current" not in (
        page.get_by_role("button", name="Update", exact=True).get_attribute("class") or ""
    )
    page.wait_for_function(
        "() => window.backpropExplorer.events.some(e => e.phase === 'backward' && e.layer === 1)"
    )
    assert ui.phase() == "backward"
    assert page.locator("[data-loss-after]").text_content() == "—"
    page.wait_for_function("() => window.backpropExplorer.events.some(e => e.phase === 'update' && !e.done)")
    assert ui.phase() == "update"
    ui.idle()
    assert page.locator("[data-loss-after]").text_content() != "—"
    ui.assert_no_console_errors()


def test_a_tap_anywhere_on_a_bias_square_selects_that_bias(sized_ui) -> None:
    """On a phone the edges into a neuron pass by its bias square: their wide click targets
    used to take half of the square's taps. Every point of every square is the bias's."""
    for width, height in ((390, 844), (1280, 800)):
        with sized_ui(width, height) as ui:
            ui.open("#ds=moons")
            welcome = ui.page.locator("[data-action=dismiss-welcome]")
            if welcome.is_visible():
                welcome.click()  # the first visit's suggestion sits over a corner of the drawing
            hits = ui.page.evaluate(
                """() => [...document.querySelectorAll('svg[data-network] g.bias')].map((g) => {
                  const box = g.querySelector('rect').getBoundingClientRect();
                  const kinds = [];
                  for (let a = 1; a <= 5; a++) for (let b = 1; b <= 5; b++) {
                    const x = box.left + (a / 6) * box.width, y = box.top + (b / 6) * box.height;
                    const hit = document.elementFromPoint(x, y)?.closest('[data-kind]');
                    kinds.push(hit ? `${hit.dataset.kind} ${hit.dataset.layer}-${hit.dataset.j}` : 'none');
                  }
                  const visible = box.top >= 0 && box.bottom <= innerHeight;
                  return { bias: `bias ${g.dataset.layer}-${g.dataset.j}`, kinds, visible };
                })"""
            )
            assert len(hits) == 9
            for h in hits:
                if h["visible"]:
                    assert set(h["kinds"]) == {h["bias"]}, (width, h)
            square = ui.page.locator('g.bias[data-layer="2"][data-j="1"] rect')
            square.scroll_into_view_if_needed()
            box = square.bounding_box()
            assert box is not None
            ui.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a real tap
            assert ui.state("[s.selection.kind, s.selection.layer, s.selection.j]") == ["bias", 2, 1]
            ui.assert_no_console_errors()
