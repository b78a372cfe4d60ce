"""The computational graph of one sample in the page: its values and gradients are the API's
(POST …/graph and the phases' own answers) for random small networks, they appear with the
phases, the gradients are revealed root first, and a node and the drawing select each other."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from .conftest import UI

PANEL = "[data-graph]"
OUTPUTS = [("sigmoid", "bce"), ("softmax", "cross_entropy"), ("linear", "mse"), ("tanh", "half_sse")]


def random_spec(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    output, loss = OUTPUTS[seed % len(OUTPUTS)]
    n_out = 2 if output == "softmax" else int(rng.integers(1, 3))
    sizes = [2, *(int(rng.integers(1, 4)) for _ in range(rng.integers(1, 3))), n_out]
    hidden = [str(rng.choice(["tanh", "sigmoid", "relu", "leaky_relu"])) for _ in sizes[1:-1]]
    B = int(rng.integers(2, 4))
    X = rng.normal(size=(B, 2)).round(3).tolist()
    if output == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, B)].tolist()
    elif loss == "bce":
        Y = rng.integers(0, 2, (B, n_out)).astype(float).tolist()
    else:
        Y = rng.normal(size=(B, n_out)).round(3).tolist()
    return {
        "layers": sizes,
        "activations": [*hidden, output],
        "loss": loss,
        "init": {"method": "normal", "scale": 0.9, "seed": seed},
        "data": {"inputs": X, "targets": Y},
        "batch_size": B,
        "validation_split": 0.0,
    }


def drawn(ui: UI, phase: str) -> None:
    """Wait for the graph of `phase`, scrolled to as a learner would (it loads when first seen)."""
    ui.page.locator(PANEL).scroll_into_view_if_needed()
    ui.page.wait_for_function(
        f"() => {{ const p = document.querySelector('{PANEL}');"
        f" return p.dataset.state === 'drawn' && p.dataset.phase === '{phase}'; }}"
    )


def page_nodes(ui: UI) -> dict[str, dict]:
    """Every node on screen: its value and gradient as written (full precision), or None."""
    return ui.page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-graph] [data-node]')].map(g => {
            const v = g.querySelector('.graph-data').dataset.value;
            const d = g.querySelector('.graph-grad').dataset.value;
            return [g.dataset.node, {value: v === undefined ? null : Number(v),
                                     grad: d === undefined ? null : Number(d), kind: g.dataset.kind}];
        }))"""
    )


def api_graph(server: str, nid: str, focus: dict | None, sample: int) -> dict[str, dict]:
    r = httpx.post(f"{server}/api/networks/{nid}/graph", json={"focus": focus, "sample": sample})
    assert r.status_code == 200, r.text
    return {node["id"]: node for node in r.json()["nodes"]}


def shown_focus(ui: UI) -> dict | None:
    """The focus of the graph on screen: the neuron whose weights it shows, or None (whole)."""
    return ui.page.evaluate(
        """() => document.querySelector('[data-graph] input[value=whole]').checked ? null :
            (() => { const w = document.querySelector('[data-graph] [data-kind=weight]').dataset.node;
                     const m = w.match(/^W(\\d+)\\[(\\d+)\\]/); return {layer: +m[1], neuron: +m[2]}; })()"""
    )


def same_numbers(on_page: dict[str, dict], api: dict[str, dict], grads: bool) -> None:
    assert set(on_page) == set(api)
    for node_id, node in api.items():
        assert on_page[node_id]["value"] == node["value"], node_id
        assert on_page[node_id]["grad"] == (node["grad"] if grads else None), node_id


def shown_sums(
    on_page: dict[str, dict], layers: list[dict], field: str
) -> Iterator[tuple[dict, dict, int, float]]:
    """(the node on screen, its layer's trace, j, the trace's ``field`` of neuron j for the first
    sample) for each weighted sum z[l][j] the graph shows."""
    for layer in layers:
        for j, number in enumerate(layer[field][0]):
            node = on_page.get(f"z{layer['index']}[{j}]")
            if node:
                yield node, layer, j, number


@pytest.mark.parametrize("seed", range(4))
def test_the_graphs_numbers_are_the_apis_and_step_with_the_phases(
    ui: UI, live_server: str, seed: int
) -> None:
    r = httpx.post(f"{live_server}/api/networks", json=random_spec(seed))
    assert r.status_code == 201, r.text
    nid = r.json()["id"]
    ui.open(f"#net={nid}")
    drawn(ui, "ready")
    ready = page_nodes(ui)
    assert all(n["grad"] is None for n in ready.values())
    assert all((n["value"] is not None) == (n["kind"] in ("weight", "bias")) for n in ready.values())

    ui.press("Forward")
    drawn(ui, "forward")
    focus = shown_focus(ui)
    same_numbers(page_nodes(ui), api_graph(live_server, nid, focus, 0), grads=False)
    # The forward phase's own numbers, as the page holds them.
    on_page = page_nodes(ui)
    for node, layer, j, z in shown_sums(on_page, ui.state("s.trace.forward")["layers"], "z"):
        assert node["value"] == z and on_page[f"a{layer['index']}[{j}]"]["value"] == layer["a"][0][j]
    assert on_page["L_s"]["value"] is None

    ui.press("Loss")
    drawn(ui, "loss")
    on_page = page_nodes(ui)
    assert on_page["L_s"]["value"] == ui.state("s.trace.loss.per_sample[0]")
    assert all(n["grad"] is None for n in on_page.values())

    ui.press("Backward")
    drawn(ui, "backward")
    same_numbers(page_nodes(ui), api_graph(live_server, nid, focus, 0), grads=True)
    for node, _, _, delta in shown_sums(page_nodes(ui), ui.state("s.trace.backward")["layers"], "dL_dz"):
        assert node["grad"] == delta

    # Another row of the batch: its own values and gradients.
    ui.page.select_option("[data-graph-sample]", "1")
    ui.page.wait_for_function(
        f"() => document.querySelector('{PANEL}').dataset.state === 'drawn'"
        " && document.querySelector('[data-graph] svg').getAttribute('aria-label').includes('sample 2')"
    )
    same_numbers(page_nodes(ui), api_graph(live_server, nid, focus, 1), grads=True)

    ui.press("Update")
    drawn(ui, "update")
    after = page_nodes(ui)
    weights = ui.state("s.network.parameters.weights")
    for node_id, node in after.items():
        if node["kind"] == "weight":  # the new weights, e.g. W2[0][1]
            l, j, i = (int(k) for k in node_id[1:].replace("[", " ").replace("]", " ").split())
            assert node["value"] == weights[l - 1][j][i]
    assert all(n["grad"] is None for n in after.values())
    ui.assert_no_console_errors()


def test_gradients_are_revealed_root_first_and_nodes_select_on_the_drawing(ui: UI) -> None:
    ui.open("#ds=xor&h=2.tanh&bs=1&lr=0.5", speed="1×")
    page = ui.page
    drawn(ui, "ready")
    for name in ("Forward", "Loss"):
        ui.press(name)
    drawn(ui, "loss")
    order: list[int] = []
    page.expose_function("shown", lambda n: order.append(n))
    page.evaluate(
        """() => new MutationObserver(() => {
            const svg = document.querySelector('[data-graph] svg');
            if (svg) window.shown(Number(svg.dataset.shown));
        }).observe(document.querySelector('[data-graph-plot]'), {childList: true})"""
    )
    page.get_by_role("button", name="Backward", exact=True).click()
    page.wait_for_function(f"() => document.querySelector('{PANEL}').dataset.state === 'revealing'")
    first = page.evaluate(
        "() => [...document.querySelectorAll('[data-graph] .graph-grad')]"
        ".filter(t => t.dataset.value !== undefined).map(t => t.closest('[data-node]').dataset.node)"
    )
    assert first in ([], ["L"]), first  # the root's gradient comes first
    drawn(ui, "backward")
    ui.idle()
    with_grads = [n for n in page_nodes(ui).values() if n["kind"] != "target"]
    assert len(order) > 5 and order == sorted(order) and order[-1] == len(with_grads)
    target = page.locator('[data-graph] [data-kind="target"]').first.get_attribute("aria-label") or ""
    assert target.endswith("gradient none (a target is data, not a parameter)"), target  # not "yet"
    # A weight's box selects that weight on the drawing and in the inspector.
    page.locator('[data-graph] [data-node="W2[0][1]"]').click()
    assert page.locator("[data-inspector-body]").get_attribute("data-target") == "edge:2:0:1"
    page.wait_for_function(
        "() => document.querySelector('[data-graph] [data-node=\"W2[0][1]\"]').classList.contains('selected')"
    )
    # And an edge of the drawing selects its box in the graph.
    page.locator('.edge-hit[data-layer="1"][data-j="1"][data-i="0"]').dispatch_event("click")
    page.wait_for_function(
        "() => document.querySelector('[data-graph] [data-node=\"W1[1][0]\"]').classList.contains('selected')"
    )
    # The neuron view: only neuron 2 of layer 1 op by op.
    page.locator("[data-graph] input[value=neuron]").check()
    page.wait_for_function("() => !document.querySelector('[data-graph] [data-node=\"W1[0][0]\"]')")
    assert page.locator('[data-graph] [data-node="W1[1][0]"]').count() == 1
    assert page.locator('[data-graph] [data-node="a1[0]"]').count() == 0
    ui.assert_no_console_errors()


def test_a_network_too_big_for_one_picture_shows_the_selected_neuron(ui: UI) -> None:
    ui.open("#ds=moons&n=100&h=8.tanh,8.tanh&bs=4")
    page = ui.page
    drawn(ui, "ready")
    assert page.locator("[data-graph] input[value=whole]").is_disabled()
    page.locator('.edge-hit[data-layer="2"][data-j="3"][data-i="5"]').dispatch_event("click")
    page.wait_for_function("() => document.querySelector('[data-graph] [data-node=\"W2[3][5]\"]')")
    # Neuron 4 of layer 2 op by op; layer 1's activations are its inputs, cut from their own.
    assert page.locator("[data-graph] [data-kind=weight]").count() == 8
    assert page.locator('[data-graph] [data-node="a1[0]"].cut').count() == 1
    ui.assert_no_console_errors()


def test_the_autograd_lesson_points_at_boxes_whose_numbers_its_text_quotes(ui: UI) -> None:
    page = ui.page
    page.goto(f"{ui.base}/lessons/autograd")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    ui.set_speed("max")
    stage = "() => ['ask', 'shown', 'finished'].includes(document.body.dataset.tourStage)"
    page.wait_for_function(stage)
    for _ in range(4):  # to the step after Backward: tanh's local rule at z₁⁽¹⁾
        if page.evaluate("() => document.body.dataset.tourStage") == "ask":
            page.locator('[data-tour-choices] button[data-choice="negative"]').click()
            page.wait_for_function("() => document.body.dataset.tourStage === 'shown'")
        page.locator("[data-tour-next]").click()
        page.wait_for_function(stage)
    drawn(ui, "backward")
    box = page.locator('[data-graph] [data-node="z1[0]"]')
    page.wait_for_function("() => document.querySelector('[data-graph] [data-node=\"z1[0]\"].tour-target')")
    grad = float(box.locator(".graph-grad").get_attribute("data-value") or "nan")
    assert grad == ui.state("s.trace.backward.layers[0].dL_dz[0][0]")
    # The text's ∂L/∂z₁⁽¹⁾ is that box's grad (each quoted number names its expression).
    quoted = page.locator('[data-tour-text] [data-quoted="backward.layers[0].dL_dz[0][0]"]')
    assert quoted.count() == 1
    assert (quoted.get_attribute("title") or "").endswith(f"= {grad!r}")
    ui.assert_no_console_errors()


# Where the plot shows the graph (inside its border and scrollbars) and the rightmost node's box.
EDGES = """() => { const plot = document.querySelector('[data-graph-plot]'), p = plot.getBoundingClientRect();
  const boxes = [...plot.querySelectorAll('.graph-node')].map((g) => g.getBoundingClientRect());
  const last = boxes.reduce((a, b) => (b.right > a.right ? b : a));
  const left = p.left + plot.clientLeft;
  return { left, right: left + plot.clientWidth, last: { left: last.left, right: last.right },
           widest: Math.max(...boxes.map((b) => b.width)), scrollLeft: plot.scrollLeft }; }"""


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 800), (390, 844)])
def test_every_box_of_a_graph_wider_than_its_panel_can_be_brought_into_view(
    sized_ui, width: int, height: int
) -> None:
    """2-3-1's whole graph is 1356 px wide: the panel shows where it goes on past its edge, and
    the arrow there scrolls the plot until the rightmost box (the loss) is inside it."""
    with sized_ui(width, height) as ui:
        ui.open()
        for name in ("Forward", "Loss", "Backward"):
            ui.press(name)
        drawn(ui, "backward")
        page = ui.page
        at = page.evaluate(EDGES)
        assert at["last"]["right"] > at["right"]  # cut by the panel's edge, at first
        assert at["widest"] < at["right"] - at["left"]  # each box fits the panel on its own
        right, left = page.locator('[data-graph-more="right"]'), page.locator('[data-graph-more="left"]')
        assert right.is_visible() and left.is_hidden()
        arrow = right.bounding_box()
        assert arrow and at["left"] <= arrow["x"] and arrow["x"] + arrow["width"] <= at["right"] + 1
        for _ in range(10):
            if right.is_hidden():
                break
            before = page.evaluate(EDGES)["scrollLeft"]
            right.click()
            page.wait_for_function(  # moved on, and come to rest (the same two frames running)
                "before => { const s = document.querySelector('[data-graph-plot]').scrollLeft;"
                " const rest = s === window.lastScrollLeft; window.lastScrollLeft = s;"
                " return s > before && rest; }",
                arg=before,
                polling="raf",
            )
        right.wait_for(state="hidden")
        at = page.evaluate(EDGES)
        assert at["left"] <= at["last"]["left"] and at["last"]["right"] <= at["right"] + 0.5, at
        assert left.is_visible()  # and the way back
        # The keyboard scrolls it too: the plot takes the focus (its boxes y and L take none).
        assert page.evaluate("document.querySelector('[data-graph-plot]').tabIndex") == 0
        ui.assert_no_console_errors()
