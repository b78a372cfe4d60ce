"""The web UI in a real Chromium against a real server: phases, inspector, animation order,
plots, URL setup and keyboard. Numbers on screen are checked against the API's."""

from __future__ import annotations

import json

import httpx
import pytest

from .conftest import UI

PHASES = ["Forward", "Loss", "Backward", "Update"]
# A 2-4-4-1 network on XOR: two hidden layers, so backward has three layers to visit.
DEEP = "#ds=xor&h=4.tanh,4.tanh&out=sigmoid&loss=bce&lr=0.3&bs=1&opt=sgd&reg=none&init=xavier&iseed=3&seed=0"


def shown_number(text: str) -> float:
    return float(text.strip().replace("\u2212", "-"))


def test_page_loads_without_console_errors(ui: UI) -> None:
    ui.open(speed=None)
    page = ui.page
    assert page.title() == "Backprop Explorer"
    # Default setup: XOR through a 2-3-1 network: 6 neurons, 9 weights, 4 biases (output included).
    assert page.locator("svg[data-network] g.neuron").count() == 6
    assert page.locator("svg[data-network] line.edge").count() == 9
    assert page.locator("svg[data-network] g.bias").count() == 4
    for name in [*PHASES, "Step", "Epoch", "Play/Pause", "Reset"]:
        assert page.get_by_role("button", name=name, exact=True).count() == 1, name
    assert ui.phase() == "ready"
    page.wait_for_selector("[data-plot=boundary][data-state=drawn]")
    ui.assert_no_console_errors()


def test_phase_buttons_in_order_follow_the_server(ui: UI, live_server: str) -> None:
    ui.open()
    nid = ui.network_id
    for name in PHASES:
        ui.press(name)
        assert ui.phase() == name.lower()
        button = ui.page.get_by_role("button", name=name, exact=True)
        assert "current" in (button.get_attribute("class") or "")
        assert ui.error() == ""
        net = httpx.get(f"{live_server}/api/networks/{nid}").json()
        assert net["phase"] == name.lower()
    assert httpx.get(f"{live_server}/api/networks/{nid}").json()["step"] == 1
    assert ui.page.locator("[data-loss-after]").text_content() != "—"
    # Step runs the four at once and leaves the step complete.
    ui.press("Step")
    assert ui.phase() == "update"
    assert httpx.get(f"{live_server}/api/networks/{nid}").json()["step"] == 2
    ui.assert_no_console_errors()


def test_phase_buttons_out_of_order_show_a_clear_message(ui: UI, live_server: str) -> None:
    ui.open()
    ui.press("Backward")
    assert "Loss" in ui.error() and "first" in ui.error()
    assert ui.phase() == "ready"
    ui.press("Update")
    assert "Backward" in ui.error()
    ui.press("Forward")
    assert ui.error() == ""
    ui.press("Update")
    assert "Backward" in ui.error()
    # Loss, then Backward in order clears the message; the server agrees with the page.
    ui.press("Loss")
    ui.press("Backward")
    assert ui.error() == ""
    assert httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()["phase"] == "backward"
    ui.assert_no_console_errors()


def test_server_error_detail_appears_next_to_its_control(ui: UI) -> None:
    ui.open()
    lr = ui.page.locator("input[name=learning_rate]")
    lr.fill("5000")  # above the API's limit: a 422 whose detail names the field
    lr.dispatch_event("change")  # a live setting: PATCHed at once, no Build network needed
    ui.page.wait_for_function("() => document.querySelector('[data-error=build]').textContent.length > 0")
    assert "learning_rate" in ui.error("build")
    ui.assert_no_console_errors(allow=("422",))


def test_a_loss_that_cannot_read_the_output_is_refused_and_the_form_shows_what_is_in_force(
    ui: UI, live_server: str
) -> None:
    # XOR under bce with a sigmoid output: a tanh output would give bce negative "probabilities".
    ui.open()
    page = ui.page
    output = page.get_by_label("Output activation")
    output.select_option("tanh")
    ui.page.wait_for_function("() => document.querySelector('[data-error=build]').textContent.length > 0")
    ui.idle()
    error = ui.error("build")
    assert "the loss bce reads each output as a probability" in error and "a tanh output" in error
    # The server's sentence, then the page's: what is in force.
    assert error.endswith(
        "or the loss mse or half_sse. Nothing changed: the network keeps activations tanh, sigmoid."
    )
    assert output.input_value() == "sigmoid"  # the form shows the network as it is
    url = f"{live_server}/api/networks/{ui.network_id}"
    assert httpx.get(url).json()["activations"][-1] == "sigmoid"
    # The message's way out: a loss for any output first, then the tanh output.
    page.locator("select[name=loss]").select_option("mse")
    ui.page.wait_for_function("() => document.querySelector('[data-error=build]').textContent === ''")
    ui.idle()
    output.select_option("tanh")
    ui.page.wait_for_function("() => window.backpropExplorer.getState().network.activations[1] === 'tanh'")
    net = httpx.get(url).json()
    assert (net["loss"], net["activations"][-1]) == ("mse", "tanh")
    assert ui.error("build") == ""
    ui.assert_no_console_errors(allow=("422",))


def test_inspector_numbers_are_the_api_numbers(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    ui.press("Forward")
    ui.press("Loss")
    with page.expect_response(lambda r: r.url.endswith("/backward")) as backward:
        ui.press("Backward")
    dL_dW = backward.value.json()["layers"][1]["dL_dW"]  # layer 2 (output), from the server
    page.locator('.edge-hit[data-layer="2"][data-j="0"][data-i="1"]').dispatch_event("click")
    grad = page.locator("[data-inspector] [data-fact=dL_dW] span")
    assert float(grad.get_attribute("title")) == dL_dW[0][1]  # full precision on hover
    assert shown_number(grad.text_content()) == pytest.approx(dL_dW[0][1], rel=1e-3)  # 4 significant digits
    # The chain rule is MathML and ends in the same number.
    last = page.locator("[data-inspector] [data-eq=dL_dW] math mn").last
    assert float(last.get_attribute("title")) == dL_dW[0][1]

    ui.press("Update")
    net = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()
    w_now = page.locator("[data-inspector] [data-fact=w] span")
    assert float(w_now.get_attribute("title")) == net["parameters"]["weights"][1][0][1]
    update = page.locator("[data-inspector] [data-eq=update] math mn").last
    assert float(update.get_attribute("title")) == net["parameters"]["weights"][1][0][1]

    # A hidden neuron: z and δ as the API gave them.
    page.locator('g.neuron[data-layer="1"][data-j="2"]').dispatch_event("click")
    assert page.locator("[data-inspector] [data-eq=z]").count() == 1
    assert page.locator("[data-inspector] [data-eq=delta]").count() == 1
    ui.assert_no_console_errors()


def test_hover_shows_a_tooltip(ui: UI) -> None:
    ui.open()
    ui.press("Forward")
    neuron = ui.page.locator('g.neuron[data-layer="1"][data-j="0"] circle.body')
    neuron.hover()
    tip = ui.page.locator("[data-tooltip]")
    tip.wait_for(state="visible")
    assert "z = " in tip.text_content() and "a = " in tip.text_content()


def test_animation_forward_then_backward_visits_layers_in_order(ui: UI) -> None:
    ui.open(DEEP)
    page = ui.page
    assert ui.state("s.network.layers") == [2, 4, 4, 1]
    ui.set_speed("4×")  # quick but still frame by frame
    page.evaluate("window.backpropExplorer.events.length = 0")
    ui.press("Forward")
    page.wait_for_function("() => window.backpropExplorer.events.some(e => e.phase === 'forward' && e.done)")
    ui.press("Loss")
    page.wait_for_function("() => window.backpropExplorer.events.some(e => e.phase === 'loss' && e.done)")
    # Sample the drawing's data-anim-layer attribute while backward runs, as well as the log.
    page.evaluate(
        """() => { window.__seen = []; const svg = document.querySelector('[data-network]');
        new MutationObserver(() => {
          if (svg.dataset.animPhase === 'backward') window.__seen.push(svg.dataset.animLayer);
        }).observe(svg, { attributes: true, attributeFilter: ['data-anim-layer', 'data-anim-phase'] });
        window.__dots = 0; const layer = document.querySelector('[data-pulses]');
        new MutationObserver(() => { window.__dots = Math.max(window.__dots, Number(layer.dataset.pulses)); })
          .observe(layer, { attributes: true, attributeFilter: ['data-pulses'] }); }"""
    )
    ui.press("Backward")
    page.wait_for_function("() => window.backpropExplorer.events.some(e => e.phase === 'backward' && e.done)")
    events = page.evaluate("window.backpropExplorer.events")
    forward = [e["layer"] for e in events if e["phase"] == "forward" and not e.get("done")]
    backward = [e["layer"] for e in events if e["phase"] == "backward" and not e.get("done")]
    assert forward == [0, 1, 2, 3]
    assert backward == [4, 3, 2, 1]  # 4: the loss gradient arrives at the output; then layer by layer
    seen = [int(v) for v in page.evaluate("window.__seen") if v]
    assert seen == sorted(seen, reverse=True) and seen[-1] == 1
    # Pulses were drawn (one per edge of a layer: 4 × 4 between the hidden layers) and wiped.
    assert page.evaluate("window.__dots") == 16
    assert page.locator("[data-pulses]").get_attribute("data-pulses") == "0"
    ui.assert_no_console_errors()


def test_skip_finishes_the_animation_at_once(ui: UI) -> None:
    ui.open(DEEP)
    ui.set_speed("0.25×")  # several seconds unless skipped
    ui.page.get_by_role("button", name="Forward", exact=True).click()
    ui.page.wait_for_function(
        "() => window.backpropExplorer.events.some(e => e.phase === 'forward' && e.layer === 1)"
    )
    ui.page.keyboard.press("Escape")
    ui.page.wait_for_function(
        "() => window.backpropExplorer.events.some(e => e.phase === 'forward' && e.done)", timeout=2_000
    )


def test_epoch_updates_the_loss_plot(ui: UI, live_server: str) -> None:
    ui.open()
    loss = ui.page.locator("[data-plot=loss]")
    assert loss.get_attribute("data-state") == "empty"
    ui.press("Epoch")
    ui.page.wait_for_selector("[data-plot=loss][data-points='1']")
    ui.press("Epoch")
    ui.page.wait_for_selector("[data-plot=loss][data-points='2']")
    history = httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()["history"]
    assert [e["epoch"] for e in history] == [1, 2]
    summary = ui.page.locator("[data-loss-summary]").text_content() or ""
    assert summary.startswith("epoch 2: train ") and "validation" not in summary  # no validation split
    assert float(summary.removeprefix("epoch 2: train ")) == pytest.approx(history[1]["train_loss"], rel=5e-4)
    assert ui.page.locator("[data-plot=grads]").get_attribute("data-state") == "drawn"
    ui.assert_no_console_errors()


def test_play_and_pause(ui: UI, live_server: str) -> None:
    ui.open()
    button = ui.page.get_by_role("button", name="Play/Pause")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    # Inline SVG icons, not ⏸ / ▶ characters that Debian's fonts lack.
    assert ui.page.locator("[data-icon=pause]").is_visible()
    assert not ui.page.locator("[data-icon=play]").is_visible()
    assert ui.page.locator("[data-play-label]").text_content() == "Pause"
    ui.page.wait_for_function("() => window.backpropExplorer.getState().history.length >= 3")
    button.click()
    ui.page.wait_for_function("() => !window.backpropExplorer.getState().playing")
    ui.page.wait_for_selector("[data-action=play][aria-pressed=false]")
    assert ui.page.locator("[data-icon=play]").is_visible()
    ui.page.wait_for_function(
        "() => document.querySelector('[data-status]').textContent.startsWith('Paused')"
    )
    epochs = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()["epoch"]
    assert epochs >= 3
    ui.page.wait_for_timeout(400)
    assert httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()["epoch"] == epochs
    assert int(ui.page.locator("[data-plot=loss]").get_attribute("data-points")) == epochs
    ui.assert_no_console_errors()


def test_decision_boundary_heatmap_renders(ui: UI) -> None:
    ui.open("#ds=moons&n=120&noise=0.1&dseed=2&h=5.tanh&out=sigmoid&loss=bce&lr=0.3&bs=8&val=0.2")
    page = ui.page
    page.wait_for_selector("[data-plot=boundary][data-state=drawn]")
    assert page.get_attribute("[data-plot=boundary]", "data-resolution") == "40"
    assert page.locator("[data-neuron-maps] canvas").count() == 5
    ui.press("Epoch")
    # The heatmap has colour, not a blank canvas.
    distinct = page.evaluate(
        """() => { const c = document.querySelector('[data-plot=boundary]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i+1] + ',' + d[i+2]);
        return seen.size; }"""
    )
    assert distinct > 20
    ui.assert_no_console_errors()


def test_the_url_restores_a_setup(ui: UI, live_server: str) -> None:
    setup = (
        "#ds=circles&n=80&noise=0.05&dseed=4&val=0.25&h=5.relu,3.tanh&out=sigmoid&loss=bce"
        "&lr=0.05&bs=4&opt=adam&b1=0.8&b2=0.99&reg=l2&rr=0.01&init=he&iseed=7&seed=2"
    )
    ui.open(setup)
    page = ui.page
    net = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()
    assert net["layers"] == [2, 5, 3, 1]
    assert net["activations"] == ["relu", "tanh", "sigmoid"]
    assert net["learning_rate"] == 0.05 and net["batch_size"] == 4
    assert net["optimizer"]["name"] == "adam" and net["regularization"]["kind"] == "l2"
    assert net["optimizer"]["beta1"] == 0.8 and net["optimizer"]["beta2"] == 0.99
    assert page.locator("input[name=beta1]").is_visible()
    assert not page.locator("input[name=momentum]").is_visible()
    assert net["init"]["method"] == "he" and net["init"]["seed"] == 7
    assert net["validation_split"] == 0.25 and net["data"]["generator"] == "circles"
    assert page.input_value("select[name=dataset]") == "circles"
    assert page.input_value("input[name=learning_rate]") == "0.05"
    # Editing the setup and building rewrites the URL; loading that URL gives the same network.
    page.get_by_role("button", name="More neurons in Hidden 2").click()
    page.get_by_role("button", name="Build network").click()
    page.wait_for_function("() => window.backpropExplorer.getState().network.layers[2] === 4")
    url = page.url
    assert "h=5.relu%2C4.tanh" in url or "h=5.relu,4.tanh" in url
    first = ui.state("s.network.parameters")
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    assert ui.state("s.network.layers") == [2, 5, 4, 1]
    assert ui.state("s.network.parameters") == first  # same seed, same initial weights
    ui.assert_no_console_errors()


def test_keyboard_shortcuts(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    page.locator("svg[data-network]").click(position={"x": 5, "y": 5})
    for key, phase in [("f", "forward"), ("l", "loss"), ("b", "backward"), ("u", "update")]:
        page.keyboard.press(key)
        ui.idle()
        page.wait_for_function(f"() => document.querySelector('[data-phases]').dataset.phase === '{phase}'")
    page.keyboard.press("s")
    ui.idle()
    page.wait_for_function("() => window.backpropExplorer.getState().network.step === 2")
    page.keyboard.press("e")
    ui.idle()
    page.wait_for_selector("[data-plot=loss][data-points='1']")
    page.keyboard.press(" ")
    page.wait_for_function("() => window.backpropExplorer.getState().playing")
    page.wait_for_function("() => window.backpropExplorer.getState().history.length >= 2")
    page.keyboard.press(" ")
    page.wait_for_function("() => !window.backpropExplorer.getState().playing")
    ui.idle()
    page.keyboard.press("r")
    page.wait_for_function("() => window.backpropExplorer.getState().network.epoch === 0")
    assert ui.state("s.history.length") == 0
    # Shortcuts do not fire while typing in a field.
    page.locator("input[name=learning_rate]").press("f")
    assert ui.phase() == "ready"
    # Enter on a focused neuron opens it in the inspector.
    page.locator('g.neuron[data-layer="2"][data-j="0"]').focus()
    page.keyboard.press("Enter")
    assert page.get_attribute("[data-inspector-body]", "data-target") == "neuron:2:0"
    ui.assert_no_console_errors()


def test_sample_picker_steps_the_chosen_row(ui: UI) -> None:
    ui.open()
    page = ui.page
    page.select_option("[data-sample]", "3")
    with page.expect_response(lambda r: r.url.endswith("/forward")) as fwd:
        ui.press("Forward")
    assert json.loads(fwd.value.request.post_data or "{}") == {"indices": [3]}
    assert fwd.value.json()["indices"] == [3]
    assert page.locator("[data-yhat] tbody td").first.text_content() == "#3"


@pytest.mark.parametrize("hidden", ["8.tanh,8.tanh,8.tanh,8.tanh,8.tanh,8.tanh", "12.relu,16.relu"])
def test_large_networks_render(ui: UI, hidden: str) -> None:
    ui.open(f"#ds=spiral&n=100&classes=3&h={hidden}&out=softmax&loss=cross_entropy&lr=0.05&bs=10")
    sizes = ui.state("s.network.layers")
    assert sizes[0] == 2 and sizes[-1] == 3
    edges = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    assert ui.page.locator("svg[data-network] line.edge").count() == edges
    ui.press("Step")
    assert ui.phase() == "update"
    ui.assert_no_console_errors()


def test_csv_upload_errors_and_success(ui: UI, tmp_path) -> None:
    ui.open()
    page = ui.page
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n4,x,6\n")
    good = tmp_path / "exam.csv"
    good.write_text("hours,sleep,passed\n" + "".join(f"{h},{5 + h % 3},{int(h > 4)}\n" for h in range(10)))
    page.locator("details.upload summary").click()
    page.set_input_files("input[name=csv]", str(bad))
    page.get_by_role("button", name="Upload CSV").click()
    page.wait_for_function("() => document.querySelector('[data-error=upload]').textContent.length > 0")
    assert "x" in ui.error("upload")  # the API names the bad cell
    page.set_input_files("input[name=csv]", str(good))
    page.get_by_role("button", name="Upload CSV").click()
    page.wait_for_function("() => document.querySelector('[data-dirty]').textContent.startsWith('Uploaded')")
    assert ui.error("upload") == ""
    page.get_by_role("button", name="Build network").click()
    page.wait_for_function("() => window.backpropExplorer.getState().network.feature_names[0] === 'hours'")
    assert "ds=upload" in page.url
    assert page.locator("svg[data-network] .side-label").first.text_content() == "hours"
    ui.assert_no_console_errors(allow=("422",))


def test_changing_the_learning_rate_keeps_the_weights(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    ui.press("Step")
    nid = ui.network_id
    before = httpx.get(f"{live_server}/api/networks/{nid}").json()["parameters"]
    lr = page.locator("input[name=learning_rate]")
    lr.fill("0.125")
    lr.dispatch_event("change")  # applies at once: no Build network (that makes new weights)
    page.wait_for_function("() => window.backpropExplorer.getState().network.learning_rate === 0.125")
    assert ui.network_id == nid  # PATCHed, not rebuilt
    assert httpx.get(f"{live_server}/api/networks/{nid}").json()["parameters"] == before
    assert "lr=0.125" in page.url


def test_a_phase_pressed_during_an_animation_skips_it_and_runs(ui: UI) -> None:
    ui.open(DEEP)
    ui.set_speed("0.25×")  # the forward animation takes seconds
    page = ui.page
    page.get_by_role("button", name="Forward", exact=True).click()
    page.wait_for_function(
        "() => window.backpropExplorer.events.some(e => e.phase === 'forward' && e.layer === 1)"
    )
    page.get_by_role("button", name="Loss", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('[data-phases]').dataset.phase === 'loss'", timeout=3_000
    )
    assert ui.error() == ""


def test_gradient_norm_plot_flags_vanishing_gradients(ui: UI) -> None:
    sigmoids = ",".join(["8.sigmoid"] * 6)
    ui.open(f"#ds=moons&n=100&h={sigmoids}&out=sigmoid&loss=bce&lr=0.05&bs=10&init=normal&iseed=1")
    ui.press("Epoch")
    ui.page.wait_for_selector("[data-plot=grads][data-state=drawn]")
    assert ui.page.locator("[data-grad-legend] [data-health=vanishing]").count() >= 1
    ui.press("Forward")
    ui.press("Loss")
    ui.press("Backward")
    assert "vanishing" in (ui.page.locator("[data-caption]").text_content() or "")


def test_long_inspector_formulas_break_into_lines_and_scroll_not_clip(ui: UI) -> None:
    ui.open("#ds=circles&h=6.tanh,6.tanh&out=sigmoid&loss=bce&lr=0.3&bs=4&reg=l2&rr=0.001")
    for name in PHASES:
        ui.press(name)
    for target in (
        'g.neuron[data-layer="2"][data-j="2"]',
        '.edge-hit[data-layer="2"][data-j="1"][data-i="3"]',
    ):
        ui.page.locator(target).dispatch_event("click")
        boxes = ui.page.evaluate(
            """[...document.querySelectorAll('[data-inspector] .eq')].map((eq) => {
                 const box = eq.getBoundingClientRect();
                 return {
                   overflow: getComputedStyle(eq).overflowX,
                   lines: eq.querySelectorAll('math').length,
                   startsInside: [...eq.querySelectorAll('math')].every(
                     (m) => m.getBoundingClientRect().left >= box.left),
                   fits: eq.scrollWidth <= eq.clientWidth + 8,
                 };
               })"""
        )
        assert boxes and all(b["overflow"] == "auto" and b["startsInside"] for b in boxes), boxes
        # The multi-term sums are broken into lines (two products each), so these fit.
        assert all(b["fits"] for b in boxes), boxes
        assert max(b["lines"] for b in boxes) >= 3
    ui.assert_no_console_errors()


def test_picking_a_dataset_applies_settings_that_suit_it(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page

    def form() -> dict:
        return page.evaluate(
            """(() => { const f = document.querySelector('[data-config]');
                 const v = (k) => f.elements.namedItem(k).value;
                 const sizes = [...document.querySelectorAll('[data-layer-size]')];
                 return { lr: v('learning_rate'), bs: v('batch_size'), opt: v('optimizer'),
                          loss: v('loss'), classes: v('classes'),
                          hidden: sizes.map((n) => n.textContent) }; })()"""
        )

    assert form() | {"classes": None} == {
        "lr": "0.5",
        "bs": "1",
        "opt": "sgd",
        "loss": "bce",
        "classes": None,
        "hidden": ["3"],
    }
    page.select_option("select[name=dataset]", "circles")
    page.wait_for_function("() => document.querySelector('input[name=batch_size]').value === '10'")
    assert form() | {"classes": None} == {
        "lr": "0.1",
        "bs": "10",
        "opt": "sgd",
        "loss": "bce",
        "classes": None,
        "hidden": ["4", "4"],
    }
    page.select_option("select[name=dataset]", "sine")
    page.wait_for_function("() => document.querySelector('select[name=loss]').value === 'mse'")
    assert form()["lr"] == "0.05" and form()["bs"] == "10" and form()["hidden"] == ["8"]
    page.select_option("select[name=dataset]", "spiral")
    page.wait_for_function("() => document.querySelector('select[name=optimizer]').value === 'adam'")
    assert form()["classes"] == "2" and form()["hidden"] == ["24", "24"] and form()["loss"] == "bce"
    # Three arms make it a multiclass task: softmax with cross-entropy follows.
    page.fill("input[name=classes]", "3")
    page.dispatch_event("input[name=classes]", "change")
    page.wait_for_function("() => document.querySelector('select[name=loss]').value === 'cross_entropy'")
    assert form()["lr"] == "0.01"  # other settings stay
    # Build uses them. (The spiral's batch is 10 too: wait for what only the circles' settings say.)
    page.select_option("select[name=dataset]", "circles")
    page.wait_for_function(
        "() => document.querySelector('select[name=optimizer]').value === 'sgd'"
        " && document.querySelector('input[name=learning_rate]').value === '0.1'"
    )
    page.get_by_role("button", name="Build network").click()
    page.wait_for_function("() => window.backpropExplorer.getState().built?.dataset === 'circles'")
    ui.idle()
    net = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()
    assert net["layers"] == [2, 4, 4, 1]
    assert net["learning_rate"] == 0.1 and net["batch_size"] == 10
    assert "lr=0.1" in page.url and "bs=10" in page.url
    ui.assert_no_console_errors()


def test_step_losses_are_fetched_incrementally(ui: UI, live_server: str) -> None:
    ui.open()
    urls: list[str] = []
    ui.on("request", lambda r: urls.append(r.url) if "/history" in r.url else None)
    for _ in range(3):
        ui.press("Step")
    ui.press("Epoch")
    nid = ui.network_id
    full = httpx.get(f"{live_server}/api/networks/{nid}/history").json()
    assert ui.state("s.steps") == full["steps"] and ui.state("s.history") == full["history"]
    assert [u.split("?")[1] if "?" in u else "" for u in urls] == [
        "",  # nothing held yet: everything
        "since_step=1",
        "since_step=2",
        "since_step=3",
    ]
    # Reset clears the list; the next update starts it again from step 1.
    ui.press("Reset")
    ui.press("Step")
    full = httpx.get(f"{live_server}/api/networks/{nid}/history").json()
    assert [s["step"] for s in full["steps"]] == [1]
    assert ui.state("s.steps") == full["steps"]
    assert urls[-1].endswith("/history")
    ui.assert_no_console_errors()


def test_gradient_check_shows_the_api_numbers(ui: UI) -> None:
    ui.open(DEEP)
    page = ui.page
    ui.press("Step")
    with page.expect_response(lambda r: r.url.endswith("/gradcheck")) as response:
        ui.press("Check gradients")
    result = response.value.json()
    assert response.value.status == 200
    shown = page.locator("[data-gradcheck] [data-fact=max_rel_error]")
    assert float(shown.get_attribute("title")) == result["max_rel_error"]  # full precision
    assert shown_number(shown.text_content()) == pytest.approx(result["max_rel_error"], rel=1e-3)
    verdict = page.locator("[data-gradcheck] .verdict")
    assert verdict.get_attribute("data-passed") == str(result["passed"]).lower()
    assert result["passed"] and "Passed" in verdict.text_content()
    rows = page.locator("[data-gradcheck] tbody tr")
    assert rows.count() == len(result["layers"]) == 3
    for k, layer in enumerate(result["layers"]):
        assert float(rows.nth(k).locator(".num").get_attribute("title")) == layer["max_rel_error"]
    # The verdict belongs to those weights: the next update clears it.
    ui.press("Step")
    assert page.locator("[data-gradcheck] .verdict").count() == 0
    ui.assert_no_console_errors()


def test_gradient_check_says_which_entries_sit_on_a_relu_kink(ui: UI, live_server: str) -> None:
    # Zero inputs and zero biases: the first sample's hidden z is exactly 0 under relu.
    spec = {
        "layers": [2, 2, 1],
        "activations": ["relu", "sigmoid"],
        "loss": "bce",
        "weights": [[[0.5, -0.3], [0.8, 0.2]], [[1.0, -1.0]]],
        "biases": [[0.0, 0.0], [0.0]],
        "data": {"inputs": [[0.0, 0.0], [1.0, 0.5]], "targets": [[1.0], [0.0]]},
        "batch_size": 2,
    }
    created = httpx.post(f"{live_server}/api/networks", json=spec)
    assert created.status_code == 201, created.text
    ui.open(f"#net={created.json()['id']}")
    with ui.page.expect_response(lambda r: r.url.endswith("/gradcheck")) as response:
        ui.press("Check gradients")
    result = response.value.json()
    assert result["passed"] and len(result["kinks"]) == 2
    note = ui.page.locator("[data-gradcheck] [data-kinks]")
    assert note.get_attribute("data-kinks") == "2"
    assert "2 of them not compared" in note.text_content() and "kink" in note.text_content()
    assert "Passed" in ui.page.locator("[data-gradcheck] .verdict").text_content()
    ui.assert_no_console_errors()


def test_export_then_import_round_trips_the_network(ui: UI, live_server: str, tmp_path) -> None:
    ui.open("#ds=moons&n=60&h=4.tanh&out=sigmoid&loss=bce&lr=0.2&bs=10&opt=momentum&beta=0.8")
    page = ui.page
    ui.press("Epoch")
    ui.press("Epoch")
    ui.press("Step")
    original_id = ui.network_id
    original = httpx.get(f"{live_server}/api/networks/{original_id}").json()
    history = httpx.get(f"{live_server}/api/networks/{original_id}/history").json()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export", exact=True).click()
    path = tmp_path / "network.json"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".json")
    document = json.loads(path.read_text())
    assert document["parameters"] == original["parameters"]

    page.set_input_files("[data-import]", str(path))
    page.wait_for_function(
        f"() => window.backpropExplorer.getState().network.id !== {json.dumps(original_id)}"
    )
    ui.idle()
    page.wait_for_function(
        "() => document.querySelector('[data-caption]').textContent.startsWith('Imported')"
    )
    copy_id = ui.network_id
    copy = httpx.get(f"{live_server}/api/networks/{copy_id}").json()
    assert copy["parameters"] == original["parameters"]  # the same weights and biases, exactly
    assert (copy["epoch"], copy["step"], copy["layers"]) == (
        original["epoch"],
        original["step"],
        original["layers"],
    )
    assert copy["optimizer"] == original["optimizer"]
    # The per-epoch history travels with the document (step losses do not).
    assert httpx.get(f"{live_server}/api/networks/{copy_id}/history").json()["history"] == history["history"]
    # The page shows the copy: its history, its setup in the form and the URL.
    assert ui.state("s.history") == history["history"]
    assert page.input_value("select[name=optimizer]") == "momentum"
    assert page.input_value("input[name=learning_rate]") == "0.2"
    assert "ds=moons" in page.url
    # A file that is not an export is refused with the server's reason.
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    page.set_input_files("[data-import]", str(bad))
    page.wait_for_function("() => document.querySelector('[data-error=import]').textContent.length > 0")
    assert ui.network_id == copy_id
    ui.assert_no_console_errors(allow=("422",))


def test_play_with_early_stopping_stops_when_the_loss_stalls(ui: UI, live_server: str) -> None:
    ui.open("#ds=moons&n=100&h=4.tanh&out=sigmoid&loss=bce&lr=0.1&bs=10&val=0.3")
    page = ui.page
    bodies: list[dict] = []
    ui.on("request", lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/train") else None)
    page.check("[data-early]")
    page.fill("[data-patience]", "5")
    page.get_by_role("button", name="Play/Pause").click()
    page.wait_for_function(
        "() => document.querySelector('[data-status]').textContent.startsWith('Stopped early')",
        timeout=60_000,
    )
    ui.idle()
    history = httpx.get(f"{live_server}/api/networks/{ui.network_id}/history").json()["history"]
    val = [h["val_loss"] for h in history]
    best = val.index(min(val))
    # Five epochs after the best validation loss, as one long train call would have stopped.
    assert len(val) == best + 1 + 5
    assert f"Stopped early at epoch {len(val)}" in page.locator("[data-caption]").text_content()
    # Each call sends on the server's count from the call before: none yet in the first.
    sent = [b["early_stopping"] for b in bodies]
    assert sent and sent[0] == {"patience": 5, "min_delta": 0, "best": None, "waited": 0}
    assert all(s["patience"] == 5 and 0 <= s["waited"] < 5 for s in sent)
    assert any(s["best"] is not None for s in sent[1:]) or len(sent) == 1
    ui.assert_no_console_errors()


def test_edge_labels_do_not_overlap_and_every_weight_is_reachable(ui: UI, live_server: str) -> None:
    ui.open("#ds=xor&h=3.tanh,3.tanh&out=sigmoid&loss=bce&lr=0.5&bs=1&iseed=0")
    for _ in range(4):
        ui.press("Epoch")
    page = ui.page
    boxes = page.evaluate(
        """[...document.querySelectorAll('svg[data-network] .edge-label')]
             .filter((t) => t.getAttribute('visibility') !== 'hidden')
             .map((t) => { const b = t.getBBox();
                           return [b.x, b.y, b.x + b.width, b.y + b.height, t.textContent]; })"""
    )
    assert len(boxes) >= 13  # of 18: hiding is the exception
    # Nor do they cover a bias's number ("b 0.1") or a neuron's line under its circle.
    others = page.evaluate(
        """[...document.querySelectorAll('svg[data-network] .bias-value, svg[data-network] .neuron-detail')]
             .filter((t) => t.textContent)
             .map((t) => { const b = t.getBBox();
                           return [b.x, b.y, b.x + b.width, b.y + b.height, t.textContent]; })"""
    )
    assert others
    for k, a in enumerate(boxes):
        for b in boxes[k + 1 :] + others:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    # Every weight, labelled or not, is in the tooltip of its edge.
    weights = httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()["parameters"]["weights"]
    tip = page.locator("[data-tooltip]")
    for j, i in [(0, 0), (1, 2), (2, 1)]:
        page.locator(f'.edge-hit[data-layer="2"][data-j="{j}"][data-i="{i}"]').dispatch_event("mousemove")
        tip.wait_for(state="visible")
        assert f"w = {weights[1][j][i]:.4g}".replace("-", "\u2212") in tip.text_content()
    ui.assert_no_console_errors()
