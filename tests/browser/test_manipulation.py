"""Direct manipulation: the URL names the server's network, a weight is set
from the diagram, a row of the learner's own goes through, and the boundary plot's options."""

from __future__ import annotations

import httpx
import pytest

from .conftest import UI

STATE = "window.backpropExplorer.getState()"
CANVAS_PIXELS = """(sel) => { const c = document.querySelector(sel);
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  return Array.from(data.filter((_, k) => k % 37 === 0)); }"""


def test_the_url_names_the_servers_network(ui: UI, browser, live_server: str) -> None:
    ui.open()
    page = ui.page
    ui.press("Epoch")
    ui.press("Epoch")
    ui.press("Step")
    nid = ui.network_id
    assert f"net={nid}" in page.url
    link = page.url
    server = httpx.get(f"{live_server}/api/networks/{nid}").json()
    # The link in a fresh page shows that network as it is now: weights, epoch and history.
    other = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        other.goto(link)
        other.wait_for_selector("body[data-ready=true]")
        assert other.evaluate(f"{STATE}.network.id") == nid
        assert other.evaluate(f"{STATE}.network.parameters") == server["parameters"]
        assert other.evaluate(f"{STATE}.network.epoch") == 2
        other.wait_for_function(f"() => {STATE}.history.length === 2 && {STATE}.steps.length === 9")
        assert other.locator("[data-plot=loss]").get_attribute("data-points") == "2"
        # An id this server does not know: the setup in the link rebuilds the network.
        other.goto("about:blank")
        assert "h=3.tanh" in link
        other.goto(link.replace(f"net={nid}", "net=unknown-id").replace("h=3.tanh", "h=5.tanh"))
        other.wait_for_selector("body[data-ready=true]")
        assert other.evaluate(f"{STATE}.network.id") not in (nid, "unknown-id")
        assert other.evaluate(f"{STATE}.network.layers") == [2, 5, 1]
        assert "net=unknown-id" not in other.url
    finally:
        other.close()
    ui.assert_no_console_errors()


# Network B of the link pasted into a tab showing A (xor's default 2-3-1): another shape.
LINKED = {
    "layers": [2, 4, 4, 1], "activations": ["tanh", "tanh", "sigmoid"], "loss": "bce",
    "learning_rate": 0.1, "batch_size": 10, "data": {"generator": "circles", "n": 200, "seed": 1},
}  # fmt: skip


@pytest.mark.parametrize("press", ["key", "click"])
def test_forward_right_after_a_pasted_link_runs_on_the_linked_network(
    ui: UI, live_server: str, press: str
) -> None:
    """A link to network B set as the tab's hash while it shows A (mid-step), and Forward pressed
    at once, before B is on screen: Forward runs on B and the drawing shows B's pass; A's step in
    progress stays as it was on the server."""
    ui.open()
    page = ui.page
    ui.press("Step")  # trained: the page keeps A on the server once B replaces it
    ui.press("Forward")
    ui.press("Loss")
    a_id = ui.network_id
    a_before = page.request.get(f"{live_server}/api/networks/{a_id}").json()
    assert a_before["phase"] == "loss"
    created = page.request.post(f"{live_server}/api/networks", data=LINKED)
    assert created.status == 201
    b_id = created.json()["id"]
    twin = page.request.post(f"{live_server}/api/networks", data=LINKED).json()["id"]
    expected = page.request.post(f"{live_server}/api/networks/{twin}/forward", data={}).json()
    page.evaluate("(id) => { location.hash = `#net=${id}`; }", b_id)
    if press == "key":
        page.keyboard.press("f")
    else:  # a click landing at once, before B is drawn
        page.locator('[data-phase-button="forward"]').dispatch_event("click")
    page.wait_for_function(f"() => {STATE}.network?.id === {b_id!r} && document.body.dataset.busy !== 'true'")
    # The drawing is B's: its shape and B's forward pass, the API's numbers.
    sizes = [page.locator(f'g.neuron[data-layer="{layer}"]').count() for layer in range(4)]
    assert sizes == [2, 4, 4, 1]
    trace = ui.state("s.trace?.forward ?? null")
    assert trace is not None, "Forward did not run on the network on screen"
    assert trace["layers"] == expected["layers"] and trace["indices"] == expected["indices"]
    for layer in (1, 2, 3):
        shown = page.evaluate(
            f"[...document.querySelectorAll('text.neuron-value[data-layer=\"{layer}\"]')]"
            ".map((t) => t.textContent)"
        )
        values = expected["layers"][layer - 1]["a"][0]
        assert [float(t.replace("\u2212", "-")) for t in shown] == pytest.approx(values, rel=1e-2, abs=1e-3)
    assert ui.phase() == "forward" and ui.error() == ""
    assert page.request.get(f"{live_server}/api/networks/{b_id}").json()["phase"] == "forward"
    # A's step in progress is as it was: the Forward did not go to it.
    assert page.request.get(f"{live_server}/api/networks/{a_id}").json() == a_before
    ui.press("Loss")  # B's own step goes on
    assert ui.phase() == "loss" and ui.error() == ""
    ui.assert_no_console_errors()


def test_an_answer_for_the_network_a_link_replaced_is_not_drawn(ui: UI, live_server: str) -> None:
    """Forward pressed on A, and a link to B opened before A's answer came back: A's forward
    pass is not drawn on B's drawing, nor said in its caption; B's first Forward is B's."""
    ui.open()
    page = ui.page
    ui.press("Step")
    a_id = ui.network_id
    b_id = page.request.post(f"{live_server}/api/networks", data=LINKED).json()["id"]
    held = []
    page.route(f"**/api/networks/{a_id}/forward", lambda route: held.append(route))  # A's request waits
    page.keyboard.press("f")
    page.wait_for_function("() => document.body.dataset.busy === 'true'")
    page.evaluate("(id) => { location.hash = `#net=${id}`; }", b_id)
    page.wait_for_function(f"() => {STATE}.network?.id === {b_id!r} && {STATE}.data !== null")
    assert len(held) == 1
    held[0].continue_()
    ui.idle()
    assert page.request.get(f"{live_server}/api/networks/{a_id}").json()["phase"] == "forward"
    assert ui.state("s.network.id") == b_id and ui.state("s.trace") is None
    assert ui.phase() == "ready" and ui.error() == ""
    caption = page.locator("[data-caption]").text_content() or ""
    assert caption.startswith("Opened the linked 2–4–4–1 network"), caption
    ui.press("Forward")
    assert ui.phase() == "forward" and ui.error() == ""
    assert [len(layer["a"][0]) for layer in ui.state("s.trace.forward.layers")] == [4, 4, 1]
    ui.assert_no_console_errors()


def test_a_weight_set_from_the_diagram_reruns_the_forward_pass(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    ui.press("Forward")
    before = ui.state("s.trace.forward.layers[0].z[0][1]")
    page.locator('.edge-hit[data-layer="1"][data-j="1"][data-i="0"]').dispatch_event("click")
    field = page.locator("[data-inspector] input[data-edit-parameter]")
    field.fill("2.5")
    field.press("Enter")
    page.wait_for_function(f"() => {STATE}.network.parameters.weights[0][1][0] === 2.5")
    ui.idle()
    nid = ui.network_id
    server = httpx.get(f"{live_server}/api/networks/{nid}").json()
    assert server["parameters"]["weights"][0][1][0] == 2.5
    assert server["phase"] == "forward"  # the forward pass ran again, with the new weight
    trace = ui.state("s.trace.forward")
    assert trace["layers"][0]["W"][1][0] == 2.5
    x = trace["inputs"][0]
    w = trace["layers"][0]["W"][1]
    b = trace["layers"][0]["b"][1]
    assert trace["layers"][0]["z"][0][1] == pytest.approx(w[0] * x[0] + w[1] * x[1] + b)
    if x[0] != 0:
        assert trace["layers"][0]["z"][0][1] != before
    assert "run again" in (page.locator("[data-caption]").text_content() or "")
    # A bias, the same way.
    page.locator('g.bias[data-layer="2"][data-j="0"]').dispatch_event("click")
    field = page.locator("[data-inspector] input[data-edit-parameter]")
    field.fill("-0.75")
    field.press("Enter")
    page.wait_for_function(f"() => {STATE}.network.parameters.biases[1][0] === -0.75")
    ui.assert_no_console_errors()


def test_a_row_of_your_own_goes_through(ui: UI, live_server: str) -> None:
    ui.open()
    page = ui.page
    page.locator("details.own-row summary").click()
    page.fill("[data-own-inputs]", "1, 0")
    page.fill("[data-own-targets]", "1")
    page.get_by_role("button", name="Push through").click()
    page.wait_for_function(f"() => {STATE}.trace?.loss")
    ui.idle()
    assert ui.state("s.trace.forward.inputs") == [[1, 0]]
    assert ui.state("s.trace.loss.targets") == [[1]]
    assert httpx.get(f"{live_server}/api/networks/{ui.network_id}").json()["phase"] == "loss"
    ui.press("Backward")
    assert ui.error() == ""
    # A wrong count is said next to the fields, not sent.
    page.fill("[data-own-inputs]", "1")
    page.get_by_role("button", name="Push through").click()
    assert "2 numbers" in ui.error("own")
    ui.assert_no_console_errors()


def test_boundary_options_and_every_neuron_map(ui: UI) -> None:
    ui.open("#ds=moons&n=120&noise=0.1&dseed=2&h=12.tanh,3.tanh&out=sigmoid&loss=bce&lr=0.3&bs=8&val=0.3")
    page = ui.page
    page.wait_for_selector("[data-plot=boundary][data-state=drawn]")
    assert page.locator("[data-neuron-maps] canvas").count() == 12 + 3  # every neuron, not the first 8
    with_val = page.evaluate(CANVAS_PIXELS, "[data-plot=boundary]")
    page.locator("[data-boundary-option=showValidation]").uncheck()
    page.wait_for_selector("[data-plot=boundary][data-validation-shown=false]")
    assert page.evaluate(CANVAS_PIXELS, "[data-plot=boundary]") != with_val
    page.locator("[data-boundary-option=discretize]").check()
    page.wait_for_selector("[data-plot=boundary][data-discretized=true]")
    # Discretized, the heatmap holds two colours (class 0, class 1) under the points.
    colours = page.evaluate(
        """() => { const c = document.querySelector('[data-plot=boundary]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; const seen = new Map();
        for (let i = 0; i < d.length; i += 4) {
          const k = d[i] + ',' + d[i+1] + ',' + d[i+2]; seen.set(k, (seen.get(k) || 0) + 1); }
        return [...seen.values()].sort((a, b) => b - a); }"""
    )
    total = sum(colours)
    assert (colours[0] + (colours[1] if len(colours) > 1 else 0)) / total > 0.6
    ui.assert_no_console_errors()


def test_each_hidden_neuron_has_its_heatmap_beside_its_circle(ui: UI) -> None:
    ui.open("#ds=moons&n=120&noise=0.1&dseed=2&h=5.tanh,3.relu&out=sigmoid&loss=bce&lr=0.3&bs=8")
    page = ui.page
    page.wait_for_selector("svg image.neuron-map")
    maps = page.locator("svg image.neuron-map")
    assert maps.count() == 5 + 3
    for layer, j in ((1, 4), (2, 2)):
        image = page.locator(f'svg image.neuron-map[data-layer="{layer}"][data-j="{j}"]')
        assert (image.get_attribute("href") or "").startswith("data:image/png")
        circle = page.locator(f'g.neuron[data-layer="{layer}"][data-j="{j}"] circle.body').bounding_box()
        box = image.bounding_box()
        assert box["x"] + box["width"] <= circle["x"]  # left of its circle, not on it
        assert abs((box["y"] + box["height"] / 2) - (circle["y"] + circle["height"] / 2)) < 1
    # The output and the inputs have none; a 1-D dataset has none.
    assert page.locator('svg image.neuron-map[data-layer="3"]').count() == 0
    ui.assert_no_console_errors()
