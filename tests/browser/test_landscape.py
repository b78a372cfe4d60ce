"""In the page: the loss landscape of a selected weight (its tangent is the
inspector's ∂L/∂w, its minimum marker the curve's argmin), the contour with the path training
took, and each sample's share of the gradient, against the API's own answers."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from .conftest import UI

PANEL = "[data-landscape]"
# 2-4-1 tanh/sigmoid on moons, batch 10 of 160 training rows, with an L2 penalty so the shares'
# sum has a penalty term.
SETUP = "#ds=moons&n=200&val=0.2&h=4.tanh&lr=0.1&bs=10&reg=l2&rr=0.01"


def drawn(ui: UI, what: str = PANEL) -> None:
    ui.page.wait_for_function(
        f"() => document.querySelector('{what}').dataset.state === 'drawn'"
        " && document.body.dataset.busy !== 'true'"
    )


def value(ui: UI, selector: str) -> float:
    return float(ui.page.locator(selector).first.get_attribute("data-value") or "nan")


def inspector_gradient(ui: UI) -> float:
    return value(ui, "[data-inspector] dd[data-fact=dL_dW] .num")


def open_weight(ui: UI, layer: int, j: int, i: int) -> None:
    ui.page.locator(f'.edge-hit[data-layer="{layer}"][data-j="{j}"][data-i="{i}"]').dispatch_event("click")
    ui.page.wait_for_function(
        f"() => document.querySelector('[data-inspector-body]').dataset.target === 'edge:{layer}:{j}:{i}'"
    )
    # The landscape and the shares load on the first selection of a weight, then show it.
    ui.page.wait_for_selector("[data-landscape]:not([hidden])")


def landscape_api(live_server: str, nid: str, **body) -> dict:
    r = httpx.post(f"{live_server}/api/networks/{nid}/landscape", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def contour(ui: UI, live_server: str, first: tuple[int, int, int], second: tuple[int, int, int]) -> dict:
    """Pick weight ``second`` (layer, j, i) as the second parameter beside the open weight
    ``first``, wait for the contour, and return the API's landscape of the same two weights on
    the training split (the page's radius and grid)."""
    layer, j, i = second
    ui.page.select_option("[data-landscape-second]", f"W:{layer}:{j}:{i}")
    ui.page.wait_for_function(
        f"() => document.querySelector('{PANEL} canvas.landscape-2d')?.dataset.state === 'drawn'"
        f" && document.querySelector('{PANEL}').dataset.state === 'drawn'"
    )
    weights = [{"layer": w[0], "name": "W", "index": [w[1], w[2]]} for w in (first, second)]
    return landscape_api(live_server, ui.network_id, parameters=weights, radius=2.0, points=41, data="train")


def path_points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", d)]


def test_the_tangent_is_the_inspectors_gradient_and_the_marker_the_curves_minimum(
    ui: UI, live_server: str
) -> None:
    ui.open(SETUP)
    page = ui.page
    assert page.locator(PANEL).is_hidden()
    for name in ("Epoch", "Forward", "Loss", "Backward"):
        ui.press(name)
    open_weight(ui, 1, 1, 0)
    drawn(ui)
    # A step is in progress: the curve is on its batch, so its slope is the inspector's number.
    assert page.locator("[data-landscape-data]").input_value() == "batch"

    def curve(data: str) -> dict:  # the API's curve of the open weight on ``data``
        weight = [{"layer": 1, "name": "W", "index": [1, 0]}]
        return landscape_api(live_server, ui.network_id, parameters=weight, radius=2.0, points=81, data=data)

    api = curve("batch")
    g = api["current"]["gradient"][0]
    assert value(ui, f"{PANEL} [data-fact=slope] .num") == g
    assert inspector_gradient(ui) == pytest.approx(g, rel=1e-9, abs=1e-15)
    assert "slope = ∂L/∂w = " in page.locator(f"{PANEL} [data-fact=slope]").text_content()

    # The tangent drawn: its slope in data units is ∂L/∂w, and it passes through the dot.
    line = page.locator(f"{PANEL} [data-tangent]")
    x0, y0, x1, y1 = (float(line.get_attribute(f"data-{k}") or "nan") for k in ("x0", "y0", "x1", "y1"))
    assert (y1 - y0) / (x1 - x0) == pytest.approx(g, rel=1e-9, abs=1e-12)
    dot = page.locator(f"{PANEL} [data-current]")
    assert float(dot.get_attribute("data-x") or "nan") == api["current"]["value"][0]
    cx, cy = float(dot.get_attribute("cx") or "nan"), float(dot.get_attribute("cy") or "nan")
    px = [float(line.get_attribute(k) or "nan") for k in ("x1", "y1", "x2", "y2")]
    on_line = px[1] + (px[3] - px[1]) * (cx - px[0]) / (px[2] - px[0])
    assert cy == pytest.approx(on_line, abs=0.01)

    # The minimum marker: the argmin of the returned curve, drawn at the curve's lowest pixel.
    losses = api["loss"]
    k = min(range(len(losses)), key=losses.__getitem__)
    marker = page.locator(f"{PANEL} [data-lowest]")
    assert float(marker.get_attribute("data-x") or "nan") == api["axes"][0][k]
    assert value(ui, f"{PANEL} [data-fact=lowest] .num") == api["axes"][0][k]
    pts = path_points(page.locator(f"{PANEL} [data-curve]").get_attribute("d") or "")
    assert len(pts) == 81
    mx, my = (float(v) for v in re.findall(r"^M(-?[\d.]+),(-?[\d.]+)", marker.get_attribute("d") or "")[0])
    assert mx == pts[k][0]
    assert my - 2 == pytest.approx(max(y for _, y in pts), abs=0.011)

    # SGD: the step is w − η·∂L/∂w with the server's numbers, written out.
    step = page.locator(f"{PANEL} [data-fact=step]").text_content() or ""
    assert "next SGD step" in step
    w = api["current"]["value"][0]
    assert float(page.locator(f"{PANEL} [data-curve]").get_attribute("data-step") or "nan") == pytest.approx(
        w - 0.1 * g
    )

    # The training split: another curve (the server's), and the note says whose gradient the inspector shows.
    page.select_option("[data-landscape-data]", "train")
    page.wait_for_function(
        "() => document.querySelector('[data-landscape-note]').textContent.includes('training split')"
        " && document.querySelector('[data-landscape]').dataset.state === 'drawn'"
    )
    train = curve("train")
    assert train["n_samples"] == 160
    assert value(ui, f"{PANEL} [data-fact=slope] .num") == train["current"]["gradient"][0]
    assert 'pick "this batch" for its tangent' in page.locator("[data-landscape-note]").text_content()

    # A radius the learner types redraws the axis: value ± radius.
    page.fill("[data-landscape-radius]", "0.5")
    page.locator("[data-landscape-radius]").dispatch_event("change")
    page.wait_for_function(
        f"() => {{ const d = document.querySelector('{PANEL} [data-tangent]');"
        f" return d && Math.abs(Number(d.dataset.x1) - Number(d.dataset.x0) - 1) < 1e-9; }}"
    )
    # After Update there is no step in progress: "this batch" is disabled and says why.
    ui.press("Update")
    assert page.locator("[data-landscape-data] option[value=batch]").is_disabled()
    assert "run Forward first" in (
        page.locator("[data-landscape-data] option[value=batch]").text_content() or ""
    )
    ui.assert_no_console_errors()


def test_two_parameters_draw_a_contour_with_the_training_path(ui: UI, live_server: str) -> None:
    ui.open(SETUP)
    page = ui.page
    ui.press("Epoch")
    for _ in range(3):
        ui.press("Step")
    open_weight(ui, 2, 0, 1)
    drawn(ui)
    api = contour(ui, live_server, (2, 0, 1), (2, 0, 3))
    canvas = page.locator(f"{PANEL} canvas.landscape-2d")
    # The epoch snapshot and the three step snapshots: the path gradient descent took.
    assert len(api["trajectory"]) == 4
    assert canvas.get_attribute("data-trajectory") == "4"
    assert int(canvas.get_attribute("data-bands") or "0") >= 5
    text = page.locator(f"{PANEL} [data-fact=path]").text_content() or ""
    assert (
        "4 snapshots" in text
        and f"step {api['trajectory'][0]['step']} → {api['trajectory'][-1]['step']}" in text
    )
    assert value(ui, f"{PANEL} [data-fact=current] .num") == api["current"]["value"][0]
    # The bands are painted: many distinct colours in the plot area.
    colours = page.evaluate(
        """() => { const c = document.querySelector('canvas.landscape-2d');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; const seen = new Set();
        for (let k = 0; k < d.length; k += 4 * 97) seen.add(`${d[k]},${d[k + 1]},${d[k + 2]}`);
        return seen.size; }"""
    )
    assert colours >= 5
    bands = page.locator(f"{PANEL} [data-fact=bands] .band")
    assert bands.count() == int(canvas.get_attribute("data-bands") or "0")
    lowest = min(v for row in api["loss"] for v in row)
    assert value(ui, f"{PANEL} [data-fact=lowest] .num:last-child") == lowest

    # A window too small for the path: "Fit the path" widens the radius until it all shows.
    page.fill("[data-landscape-radius]", "0.0001")
    page.locator("[data-landscape-radius]").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('[data-action=fit-path]')")
    assert "lie outside this window" in (page.locator(f"{PANEL} [data-fact=path]").text_content() or "")
    page.locator("[data-action=fit-path]").click()
    page.wait_for_function(
        f"() => {{ const c = document.querySelector('{PANEL} canvas.landscape-2d');"
        " return c && c.dataset.inside === '4' && c.dataset.trajectory === '4'; }"
    )
    assert float(page.locator("[data-landscape-radius]").input_value()) > 0.0001
    assert not page.locator("[data-action=fit-path]").count()

    # Shift-click another weight on the drawing: it becomes the second parameter.
    page.locator('.edge-hit[data-layer="1"][data-j="0"][data-i="0"]').dispatch_event(
        "click", {"shiftKey": True}
    )
    assert page.locator("[data-landscape-second]").input_value() == "W:1:0:0"
    assert page.locator("[data-inspector-body]").get_attribute("data-target") == "edge:2:0:1"
    page.wait_for_function(
        "() => document.querySelector('[data-landscape-name]').textContent.includes(' and w₁')"
    )
    # Shift+Enter on a focused weight does the same from the keyboard.
    page.locator('.edge-hit[data-layer="2"][data-j="0"][data-i="2"]').focus()
    page.keyboard.press("Shift+Enter")
    assert page.locator("[data-landscape-second]").input_value() == "W:2:0:2"
    assert page.locator("[data-inspector-body]").get_attribute("data-target") == "edge:2:0:1"
    ui.assert_no_console_errors()


def test_each_samples_share_sums_to_the_inspectors_gradient(ui: UI) -> None:
    ui.open(SETUP)
    page = ui.page
    open_weight(ui, 1, 2, 1)
    assert "After Backward" in (page.locator("[data-shares]").text_content() or "")
    for name in ("Epoch", "Forward", "Loss", "Backward"):
        ui.press(name)
    drawn(ui, "[data-shares]")
    shares = page.locator("[data-shares]")
    assert shares.locator("rect[data-term]").count() == 10
    gradient = value(ui, "[data-shares] [data-fact=gradient]")
    assert gradient == inspector_gradient(ui)
    total = value(ui, "[data-shares] [data-fact=sum_of_terms]")
    penalty = value(ui, "[data-shares] [data-fact=penalty_gradient]")
    assert penalty != 0
    assert total + penalty == pytest.approx(gradient, rel=1e-9, abs=1e-15)
    terms = [
        float(t)
        for t in shares.locator("rect[data-term]").evaluate_all("els => els.map(e => e.dataset.term)")
    ]
    assert sum(terms) == pytest.approx(total, rel=1e-9, abs=1e-15)
    # Colour and legend say which samples pull the weight which way.
    down = sum(t > 0 for t in terms)
    assert f"{down} sample" in (shares.locator("[data-fact=down]").text_content() or "")
    assert f"{10 - down} sample" in (shares.locator("[data-fact=up]").text_content() or "")
    fills = shares.locator("rect[data-term]").evaluate_all(
        "els => els.map(e => [Number(e.dataset.term), e.getAttribute('fill')])"
    )
    assert len({fill for t, fill in fills if t > 0}) <= 1 and len({fill for t, fill in fills if t < 0}) <= 1
    assert not shares.locator("[data-shares-cut]").count()
    # Hover names the sample (its dataset row) and its δ, a and term.
    box = shares.locator("svg").bounding_box()
    assert box
    shares.locator("svg").hover(position={"x": box["width"] - 12, "y": box["height"] / 2})
    readout = shares.locator("[data-share-readout]").text_content() or ""
    assert readout.startswith("sample #") and "δ = " in readout and "term" in readout
    # A bias: its share is δ alone, and the sum is the inspector's ∂L/∂b.
    page.locator('.bias[data-layer="1"][data-j="2"]').dispatch_event("click")
    page.wait_for_function("() => document.querySelector('[data-shares-name]').textContent === '∂L/∂b'")
    drawn(ui, "[data-shares]")
    assert value(ui, "[data-shares] [data-fact=gradient]") == value(
        ui, "[data-inspector] dd[data-fact=dL_db] .num"
    )
    ui.press("Update")
    assert "update has been applied" in (page.locator("[data-shares]").text_content() or "")
    ui.assert_no_console_errors()


def test_a_batch_beyond_the_trace_limit_says_it_was_cut(ui: UI) -> None:
    ui.open("#ds=moons&n=400&val=0&h=4.tanh&lr=0.1&bs=300")
    page = ui.page
    for name in ("Forward", "Loss", "Backward"):
        ui.press(name)
    open_weight(ui, 2, 0, 0)
    drawn(ui, "[data-shares]")
    cut = page.locator("[data-shares-cut]").text_content() or ""
    assert "First 256 of 300 samples shown" in cut
    assert page.locator("[data-shares] rect[data-term]").count() == 256
    assert value(ui, "[data-shares] [data-fact=gradient]") == inspector_gradient(ui)
    ui.assert_no_console_errors()


@pytest.mark.parametrize("width", [390, 1280, 1920])
def test_the_panel_fits_without_overlap(ui: UI, width: int) -> None:
    ui.page.set_viewport_size({"width": width, "height": 900})
    ui.open(SETUP)
    page = ui.page
    for name in ("Epoch", "Forward", "Loss", "Backward"):
        ui.press(name)
    open_weight(ui, 1, 0, 0)
    drawn(ui)
    drawn(ui, "[data-shares]")
    for second in ("", "W:1:1:0"):
        if second:
            page.select_option("[data-landscape-second]", second)
            page.wait_for_function(f"() => document.querySelector('{PANEL} canvas')")
            drawn(ui)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        panel = page.locator(PANEL).bounding_box()
        assert panel
        for sel in (f"{PANEL} [data-landscape-plot] > *", "[data-shares] svg", f"{PANEL} .landscape-legend"):
            for box in [page.locator(sel).nth(k).bounding_box() for k in range(page.locator(sel).count())]:
                assert (
                    box
                    and box["x"] >= panel["x"]
                    and box["x"] + box["width"] <= panel["x"] + panel["width"] + 0.5
                )
        # Legend lines and tick labels do not overlap one another.
        rects = page.evaluate(
            """(sel) => [...document.querySelectorAll(sel)].map(e => { const r = e.getBoundingClientRect();
            return [r.left, r.top, r.right, r.bottom]; })""",
            f"{PANEL} .landscape-legend > li, {PANEL} svg text",
        )
        for a in range(len(rects)):
            for b in range(a + 1, len(rects)):
                ra, rb = rects[a], rects[b]
                overlap = (
                    ra[0] < rb[2] - 0.5
                    and rb[0] < ra[2] - 0.5
                    and ra[1] < rb[3] - 0.5
                    and rb[1] < ra[3] - 0.5
                )
                assert not overlap, (ra, rb)
    ui.assert_no_console_errors()


def test_a_frozen_bias_takes_no_step_and_adam_says_its_step_differs(ui: UI, live_server: str) -> None:
    spec = {
        "layers": [2, 3, 1],
        "activations": ["tanh", "sigmoid"],
        "loss": "bce",
        "learning_rate": 0.05,
        "optimizer": {"name": "adam"},
        "trainable": {"weights": True, "biases": False},
        "data": {"generator": "blobs", "n": 40, "noise": 0.2, "seed": 2},
    }
    r = httpx.post(f"{live_server}/api/networks", json=spec)
    assert r.status_code == 201, r.text
    ui.open(f"#net={r.json()['id']}")
    page = ui.page
    page.locator('.bias[data-layer="1"][data-j="0"]').dispatch_event("click")
    drawn(ui)
    step = page.locator(f"{PANEL} [data-fact=step]").text_content() or ""
    assert "no step" in step and "frozen" in step
    b = ui.state("s.network.parameters.biases[0][0]")
    assert float(page.locator(f"{PANEL} [data-curve]").get_attribute("data-step") or "nan") == b
    open_weight(ui, 1, 0, 0)
    page.wait_for_function(
        f"() => document.querySelector('{PANEL} [data-fact=step]')?.textContent"
        ".includes('plain gradient step')"
    )
    assert "adam update's own step" in (page.locator(f"{PANEL} [data-fact=step]").text_content() or "")
    ui.assert_no_console_errors()


def test_a_big_network_gets_the_grid_that_fits_the_work_limit(ui: UI, live_server: str) -> None:
    # 2-64-64-1 (4,417 parameters) on 2,000 training rows: 41×41 points would be 14.8e9 of
    # work, over the default max_landscape_work of 5e8; the page asks for a grid that fits.
    ui.open("#ds=moons&n=2000&val=0&h=64.tanh,64.tanh&lr=0.05&bs=10")
    page = ui.page
    open_weight(ui, 2, 0, 0)
    drawn(ui)
    page.select_option("[data-landscape-second]", "W:2:0:2")
    page.wait_for_function(
        f"() => document.querySelector('{PANEL} canvas.landscape-2d')?.dataset.state === 'drawn'"
    )
    limit = httpx.get(f"{live_server}/api/catalog").json()["limits"]["max_landscape_work"]
    points = 7  # the largest odd count with points² × 4,417 × 2,000 ≤ 5e8
    assert points**2 * 4417 * 2000 <= limit < (points + 2) ** 2 * 4417 * 2000
    assert f"A {points}×{points} grid: 41×41 grid would exceed" in (
        page.locator("[data-landscape-note]").text_content() or ""
    )
    assert page.locator('[data-error="landscape"]').text_content() == ""
    ui.assert_no_console_errors()


def test_animated_phases_with_a_weight_selected_ask_nothing_the_server_refuses(ui: UI) -> None:
    # A Step's phases join the trace one by one while the server has already updated: the
    # panel waits for the animation's final state rather than asking for a batch that is gone.
    ui.open(SETUP, speed="1×")
    page = ui.page
    refused: list[str] = []
    ui.on("response", lambda r: refused.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    asked: list[str] = []
    ui.on(
        "request",
        lambda r: asked.append(r.url) if "/landscape" in r.url or "/gradient-shares" in r.url else None,
    )
    open_weight(ui, 1, 0, 1)
    drawn(ui)
    for name in ("Step", "Step", "Forward", "Loss", "Backward"):
        ui.press(name)
    drawn(ui, "[data-shares]")
    drawn(ui)
    assert page.locator("[data-landscape-data]").input_value() == "batch"
    assert value(ui, "[data-shares] [data-fact=gradient]") == inspector_gradient(ui)
    assert value(ui, f"{PANEL} [data-fact=slope] .num") == inspector_gradient(ui)
    ui.press("Update")
    drawn(ui)
    assert refused == []
    assert any("/gradient-shares" in url for url in asked)
    ui.assert_no_console_errors()


def band_edges(grid: list[list[float]], bands: int = 9) -> list[float]:
    """The contour's band edges: quantiles of the grid (as the page picks them)."""
    values = sorted(v for row in grid for v in row)
    edges: list[float] = []
    for k in range(1, bands):
        e = values[int(k / bands * (len(values) - 1))]
        if not edges or e > edges[-1]:
            edges.append(e)
    return edges


def crossing_segments(grid: list[list[float]], level: float) -> int:
    """Marching squares' segment count for ``level``: one per cell the level crosses, two in a
    saddle (all four edges crossed)."""
    count = 0
    for i in range(len(grid) - 1):
        for j in range(len(grid[0]) - 1):
            corners = [grid[i][j], grid[i + 1][j], grid[i + 1][j + 1], grid[i][j + 1]]
            above = [v > level for v in corners]
            crossed = sum(above[k] != above[(k + 1) % 4] for k in range(4))
            count += crossed // 2
    return count


def test_the_contour_has_iso_lines_at_its_band_edges_and_the_note_names_the_penalty(
    ui: UI, live_server: str
) -> None:
    ui.open(SETUP)
    page = ui.page
    ui.press("Epoch")
    open_weight(ui, 1, 0, 0)
    drawn(ui)
    note = page.locator("[data-landscape-note]")
    assert "L is the data loss plus the L2 penalty ½λ·Σw² over the weights (λ = 0.01)" in (
        note.text_content() or ""
    )
    api = contour(ui, live_server, (1, 0, 0), (1, 1, 0))
    canvas = page.locator(f"{PANEL} canvas.landscape-2d")
    levels = [float(v) for v in json.loads(canvas.get_attribute("data-isolines") or "[]")]
    edges = band_edges(api["loss"])
    assert levels == edges and len(levels) >= 4
    want = sum(crossing_segments(api["loss"], level) for level in edges)
    assert want > 40 and int(canvas.get_attribute("data-segments") or "0") == want
    # The landscape's L is the loss phase's scalar: at the current point, data loss + penalty.
    assert "penalty" in (note.text_content() or "")

    # Without regularization the note says there is no penalty.
    page.select_option("select[name=regularization]", "none")
    page.wait_for_function(
        "() => document.querySelector('[data-landscape-note]').textContent.includes('no penalty')"
    )
    assert "L is the data loss alone" in (note.text_content() or "")
    ui.assert_no_console_errors()


def test_a_path_beyond_the_largest_radius_is_said_and_not_fitted_past_it(ui: UI, live_server: str) -> None:
    """η = 1000 throws a weight thousands away: "Fit the path" would ask a radius the server
    refuses. The legend says how far the path reaches, and offers only the largest radius."""
    ui.open("#ds=moons&lr=1000&h=4.relu&bs=10")
    for _ in range(12):
        ui.press("Step")
    open_weight(ui, 2, 0, 0)
    drawn(ui)
    api = contour(ui, live_server, (2, 0, 0), (2, 0, 1))
    here = api["current"]["value"]
    far = max(max(abs(p["value"][0] - here[0]), abs(p["value"][1] - here[1])) for p in api["trajectory"])
    assert far * 1.1 > 1000  # what happened: the path runs beyond the largest window
    path = ui.page.locator(f"{PANEL} [data-fact=path]")
    assert "beyond the largest radius, 1000)" in (path.text_content() or "")
    button = ui.page.locator("[data-action=fit-path]")
    assert button.text_content() == "Widen to 1000"
    button.click()
    ui.page.wait_for_function("() => document.querySelector('[data-landscape-radius]').value === '1000'")
    drawn(ui)
    ui.page.wait_for_function(
        f"() => document.querySelector('{PANEL} canvas.landscape-2d')?.dataset.state === 'drawn'"
    )
    assert ui.page.locator(f'{PANEL} [data-error="landscape"]').text_content() == ""  # no refusal
    assert ui.page.locator("[data-action=fit-path]").count() == 0  # nothing wider to offer
    assert "beyond the largest radius, 1000)" in (path.text_content() or "")
    ui.assert_no_console_errors()
