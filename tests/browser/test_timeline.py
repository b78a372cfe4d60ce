"""The timeline scrubber: previewing a snapshot shows the server's numbers of that
moment and changes nothing; rewinding warns with the right counts, then restores it exactly."""

from __future__ import annotations

import httpx

from .conftest import UI

# XOR, batch 1: four updates per epoch. Momentum, so a rewind must restore the velocity too.
SETUP = "#ds=xor&h=3.tanh&out=sigmoid&loss=bce&lr=0.5&bs=1&iseed=0&opt=momentum&beta=0.9"
TIMELINE = "[data-timeline]"


def act(ui: UI, name: str) -> int:
    """Press Step or Epoch and wait until the page shows the network it produced."""
    before = ui.state("s.network.step")
    ui.page.get_by_role("button", name=name, exact=True).click()
    ui.page.wait_for_function(
        f"() => window.backpropExplorer.getState().network.step > {before}"
        " && document.body.dataset.busy !== 'true'"
    )
    return ui.state("s.network.step")


def server(live_server: str, path: str = "") -> dict:
    response = httpx.get(f"{live_server}/api/networks/{path}")
    assert response.status_code == 200, response.text
    return response.json()


def drawn_parameters(ui: UI) -> dict:
    """The exact weights and biases the diagram is painted with (layer l, neuron j, input i)."""
    return ui.page.evaluate(
        """() => {
          const weights = {}, biases = {};
          for (const e of document.querySelectorAll('svg[data-network] line.edge[data-edge]')) {
            weights[e.dataset.edge] = Number(e.dataset.w);
          }
          for (const g of document.querySelectorAll('svg[data-network] g.bias')) {
            biases[`${g.dataset.layer}-${g.dataset.j}`] = Number(g.querySelector('rect').dataset.b);
          }
          return { weights, biases };
        }"""
    )


def as_drawn(parameters: dict) -> dict:
    weights = {
        f"{l}-{j}-{i}": w
        for l, W in enumerate(parameters["weights"], start=1)
        for j, row in enumerate(W)
        for i, w in enumerate(row)
    }
    biases = {f"{l}-{j}": b for l, v in enumerate(parameters["biases"], start=1) for j, b in enumerate(v)}
    return {"weights": weights, "biases": biases}


def wait_for_preview(ui: UI, step: int) -> None:
    ui.page.wait_for_selector(
        f'{TIMELINE}[data-state="preview"][data-preview-step="{step}"]:not([data-loading])'
    )


def wait_for_now(ui: UI, step: int) -> None:
    try:
        ui.page.wait_for_selector(f'{TIMELINE}[data-state="now"][data-now-step="{step}"]')
    except Exception as exc:  # say what the page showed instead
        seen = ui.page.evaluate(
            "() => { const t = document.querySelector('[data-timeline]');"
            " const s = window.backpropExplorer.getState();"
            " return {state: t.dataset.state, nowStep: t.dataset.nowStep,"
            " storeStep: s.network?.step, playing: s.playing}; }"
        )
        raise AssertionError(f"the timeline did not reach 'now' at step {step}: {seen}") from exc


def wait_for_rewind(ui: UI, step: int) -> None:
    """After Rewind: the timeline is at ``step`` and the rewind's caption is written (it comes
    once the history, plots and timeline are read again, after the timeline shows the step)."""
    wait_for_now(ui, step)
    ui.page.wait_for_function(
        "() => document.querySelector('[data-caption]').textContent.startsWith('Rewound to')"
    )
    ui.idle()


def ask_rewind_at_epoch_1(ui: UI):
    """Scrub to the end of epoch 1 (update 4: four updates per epoch) and press Rewind here…;
    the dialog, open."""
    ui.page.locator("[data-timeline-range]").focus()
    ui.page.keyboard.press("Home")
    for _ in range(4):
        ui.page.keyboard.press("ArrowRight")
    wait_for_preview(ui, 4)
    ui.page.get_by_role("button", name="Rewind here…").click()
    dialog = ui.page.locator("[data-rewind-dialog]")
    dialog.wait_for(state="visible")
    return dialog


def test_scrub_preview_then_rewind_restores_the_snapshot_and_training_on_repeats_the_run(
    ui: UI, live_server: str
) -> None:
    ui.open(SETUP)
    page = ui.page
    nid = ui.network_id
    seen = {0: server(live_server, nid)["parameters"]}  # step → parameters read from the API then
    for name in ["Epoch", "Epoch", "Epoch", "Step", "Step"]:
        step = act(ui, name)
        seen[step] = server(live_server, nid)["parameters"]
    assert sorted(seen) == [0, 4, 8, 12, 13, 14]
    wait_for_now(ui, 14)
    original = server(live_server, f"{nid}/export")
    # Positions: the start, every update (those inside Epoch replayed by the server; epochs 1–3
    # at steps 4, 8, 12), then now (step 14).
    assert page.get_attribute(TIMELINE, "data-points") == "15"
    # 14 earlier points: the start and epochs 1–3, and the 10 updates between them.
    hint = page.locator("[data-timeline-hint]").text_content() or ""
    assert hint.startswith("14 earlier points kept (every epoch, and the last 10 updates)."), hint

    # Keyboard: Home goes to the start, → one point on: update 1, made inside the first Epoch.
    scrubber = page.locator("[data-timeline-range]")
    scrubber.focus()
    page.keyboard.press("Home")
    wait_for_preview(ui, 0)
    page.keyboard.press("ArrowRight")
    wait_for_preview(ui, 1)
    inside = server(live_server, f"{nid}/snapshots/step/1")["network"]["parameters"]
    assert drawn_parameters(ui) == as_drawn(inside) and inside not in (seen[0], seen[4])
    for _ in range(3):  # on to epoch 1
        page.keyboard.press("ArrowRight")
    wait_for_preview(ui, 4)

    assert "epoch 1" in (page.locator("[data-timeline-label]").text_content() or "")
    assert "Previewing epoch 1" in (page.locator("[data-timeline-banner]").text_content() or "")
    assert drawn_parameters(ui) == as_drawn(seen[4])  # the weights the network had after epoch 1
    preview = server(live_server, f"{nid}/snapshots/epoch/1")
    assert preview["network"]["parameters"] == seen[4]
    assert page.locator("[data-meta-step]").text_content() == "step 4"
    # The loss plots mark where the preview is: after epoch 1, after update 4.
    assert page.get_attribute("[data-plot=loss]", "data-mark") == "1"
    assert page.get_attribute("[data-plot=steps]", "data-mark") == "4"
    # The boundary of that moment: the server's predict at the snapshot, byte for byte.
    then = httpx.post(
        f"{live_server}/api/networks/{nid}/predict",
        json={"grid": {"resolution": 40}, "maps": "uint8", "snapshot": {"epoch": 1}},
    ).json()
    assert ui.state("s.snapshotPreview.grid.outputs") == then["outputs"]
    assert server(live_server, f"{nid}/export") == original  # previewing changed nothing

    # Escape leaves the preview: the drawing shows the network as it is again.
    page.keyboard.press("Escape")
    wait_for_now(ui, 14)
    assert drawn_parameters(ui) == as_drawn(seen[14])
    assert page.locator("[data-timeline-banner]").is_hidden()
    assert page.get_attribute("[data-plot=loss]", "data-mark") == ""

    # Back to epoch 1, then Rewind here: the dialog says what goes, Cancel keeps everything.
    dialog = ask_rewind_at_epoch_1(ui)
    text = dialog.text_content() or ""
    assert "Rewind to epoch 1?" in text
    assert "drops 10 updates and 2 epochs after this point" in text
    assert "of that moment, so training on from there repeats the same run." in text  # nothing changed
    page.get_by_role("button", name="Cancel").click()
    assert dialog.is_hidden()
    assert server(live_server, f"{nid}/export") == original
    wait_for_preview(ui, 4)

    page.get_by_role("button", name="Rewind here…").click()
    page.get_by_role("button", name="Rewind", exact=True).click()
    wait_for_rewind(ui, 4)

    rewound = server(live_server, nid)
    assert (rewound["epoch"], rewound["step"]) == (1, 4)
    assert rewound["parameters"] == seen[4] == preview["network"]["parameters"]
    assert drawn_parameters(ui) == as_drawn(seen[4])
    page.wait_for_function("() => window.backpropExplorer.getState().history.length === 1")
    assert ui.state("s.steps.length") == 4  # the losses of updates 5–14 are gone from the plot
    assert f"net={nid}" in page.evaluate("location.hash")
    assert page.get_attribute(TIMELINE, "data-points") == "5"  # the start, updates 1–3, now (epoch 1)
    assert "Rewound to epoch 1" in (page.locator("[data-caption]").text_content() or "")
    assert "Step, Epoch or Play from here repeat the original run exactly" in (
        page.locator("[data-caption]").text_content() or ""
    )

    # Training on from there repeats the original run bit for bit.
    for name in ["Epoch", "Epoch", "Step", "Step"]:
        act(ui, name)
    assert server(live_server, f"{nid}/export") == original
    ui.assert_no_console_errors()


def test_a_rewind_before_a_change_of_settings_says_training_on_takes_another_path(
    ui: UI, live_server: str
) -> None:
    """The original run changed η after the point rewound to: the dialog and the caption say so,
    and it is true (training on with the settings of that point ends elsewhere)."""
    ui.open(SETUP)
    page = ui.page
    nid = ui.network_id
    act(ui, "Epoch")
    act(ui, "Epoch")
    field = page.locator("input[name=learning_rate]")
    field.fill("0.1")
    field.press("Enter")
    page.wait_for_function("() => window.backpropExplorer.getState().network.learning_rate === 0.1")
    ui.idle()
    act(ui, "Epoch")
    wait_for_now(ui, 12)
    original = server(live_server, f"{nid}/export")
    dialog = ask_rewind_at_epoch_1(ui)
    said = "η 0.5 → 0.1 by step 9 (epoch 3 in progress)"
    assert (
        f"but the original run changed its settings afterwards ({said}): training on from there repeats it "
        "only if you make the same change at the same point." in (dialog.text_content() or "")
    )
    page.get_by_role("button", name="Rewind", exact=True).click()
    wait_for_rewind(ui, 4)
    caption = page.locator("[data-caption]").text_content() or ""
    took = "Step, Epoch or Play from here with these settings take another path."
    assert f"The original run changed {said}: {took}" in caption
    assert server(live_server, nid)["learning_rate"] == 0.5
    for _ in range(2):
        act(ui, "Epoch")
    assert server(live_server, nid)["step"] == 12
    assert server(live_server, f"{nid}/export")["parameters"] != original["parameters"]
    ui.assert_no_console_errors()


def test_actions_and_shortcuts_while_previewing(ui: UI, live_server: str) -> None:
    ui.open(SETUP)
    page = ui.page
    nid = ui.network_id
    for name in ["Epoch", "Step"]:
        act(ui, name)
    wait_for_now(ui, 5)
    scrubber = page.locator("[data-timeline-range]")
    scrubber.focus()
    page.keyboard.press("ArrowLeft")
    wait_for_preview(ui, 4)
    assert page.get_attribute("[data-plot=loss]", "data-mark") == "1"  # epoch 1 closed at step 4

    # Letters on the focused range are not shortcuts: "s" does not step, "r" does not reset.
    page.keyboard.press("s")
    page.keyboard.press("r")
    page.wait_for_timeout(300)  # nothing may happen; give it the chance to
    assert server(live_server, nid)["step"] == 5
    wait_for_preview(ui, 4)

    # Step while previewing: the preview ends and the network as it is takes the step.
    after = act(ui, "Step")
    assert after == 6
    wait_for_now(ui, 6)
    assert drawn_parameters(ui) == as_drawn(server(live_server, nid)["parameters"])

    # Space on the range plays (from now, leaving the preview) and pauses, as everywhere.
    scrubber.focus()
    page.keyboard.press("Home")
    wait_for_preview(ui, 0)
    page.keyboard.press(" ")
    page.wait_for_function("() => window.backpropExplorer.getState().network.epoch >= 3")
    page.keyboard.press(" ")
    # Pause asks the server to stop after its current epoch; the caption says Paused once that
    # run's last answer has landed and the page has caught up (read the server only then).
    page.wait_for_function(
        "() => !window.backpropExplorer.getState().playing"
        " && document.querySelector('[data-caption]').textContent.startsWith('Paused')"
    )
    ui.idle()
    now = server(live_server, nid)
    # The list kept up with Play: its last point is the network as it is.
    wait_for_now(ui, now["step"])
    kept = server(live_server, f"{nid}/snapshots")["snapshots"]
    # The list is fetched again after the run's last answer (throttled while playing): wait for it.
    points = len({s["step"] for s in kept})
    page.wait_for_selector(f'{TIMELINE}[data-points="{points}"]')
    assert drawn_parameters(ui) == as_drawn(now["parameters"])

    # Enter on the range asks to rewind; Escape closes the dialog and keeps the preview; in
    # the dialog Space presses the focused button (Cancel first, Rewind after Shift+Tab).
    scrubber.focus()
    page.keyboard.press("Home")
    wait_for_preview(ui, 0)
    page.keyboard.press("Enter")
    dialog = page.locator("[data-rewind-dialog]")
    dialog.wait_for(state="visible")
    assert f"drops {now['step']} updates and {now['epoch']} epochs" in (dialog.text_content() or "")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    wait_for_preview(ui, 0)
    page.keyboard.press("Enter")
    dialog.wait_for(state="visible")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press(" ")
    wait_for_now(ui, 0)
    assert not ui.state("s.playing")
    assert server(live_server, nid)["step"] == 0
    ui.assert_no_console_errors()
