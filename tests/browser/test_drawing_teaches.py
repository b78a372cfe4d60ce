"""The drawing teaches without a menu: after Backward the edges carry ∂L/∂w and the neurons δ,
a selected weight's chain rule is written along its path to the loss with its product, after
Update the weight's move w_old → w_new; every layer with room has labels and none overlaps."""

from __future__ import annotations

import math

import httpx

from .conftest import UI

# The chain-rule lesson's network: x → h → ŷ, sigmoid, cross-entropy, one sample.
CHAIN = {
    "layers": [2, 1, 1],
    "activations": ["sigmoid", "sigmoid"],
    "loss": "bce",
    "learning_rate": 0.5,
    "weights": [[[0.5, -0.2]], [[0.8]]],
    "biases": [[0.1], [-0.2]],
    "data": {"inputs": [[1.0, 2.0]], "targets": [[1.0]]},
}
OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('svg[data-network] text')]
    .filter((t) => t.textContent.trim() && t.getAttribute('visibility') !== 'hidden'
                   && t.getAttribute('display') !== 'none' && !t.closest('[display=none]'))
    .map((t) => {
      const b = t.getBoundingClientRect();
      return [b.left, b.top, b.right, b.bottom, t.textContent];
    })
    .filter((b) => b[2] > b[0]);
  const out = [];
  boxes.forEach((a, k) => boxes.slice(k + 1).forEach((b) => {
    const x = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
    const y = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
    if (x > 1 && y > 1) out.push([a[4], b[4]]);
  }));
  return out;
}"""


def number(text: str) -> float:
    return float(text.replace("\u2212", "-"))


def test_backward_draws_the_gradients_and_the_chain_rule_of_a_weight(ui: UI, live_server: str) -> None:
    net = httpx.post(f"{live_server}/api/networks", json=CHAIN).json()["id"]
    ui.open(f"#net={net}")
    page = ui.page
    for phase in ("Forward", "Loss", "Backward"):
        ui.press(phase)
    back = ui.state("s.trace.backward")
    page.wait_for_selector("svg[data-network][data-edge-numbers=dL_dW][data-neuron-numbers=delta]")
    grads = [g for ly in back["layers"] for row in ly["dL_dW"] for g in row]
    labels = page.eval_on_selector_all("svg .edge-label", "ts => ts.map((t) => t.textContent)")
    assert len(labels) == len(grads) and all(t for t in labels)
    for text, g in zip(labels, grads, strict=True):
        assert number(text) == float(f"{g:.4g}")
    delta = back["layers"][0]["dL_dz"][0][0]
    shown = page.locator("text.neuron-value[data-layer='1']").text_content() or ""
    assert abs(number(shown) - delta) <= abs(delta) * 0.01

    # w₁ (x₁ → h): its chain x₁ → z₁ → h → z₂ → ŷ → L, each factor on the drawing.
    page.locator(".edge-hit[data-layer='1'][data-j='0'][data-i='0']").dispatch_event("click")
    page.wait_for_selector("[data-chain]:not([hidden])")
    tags = page.eval_on_selector_all("svg .chain-factor", "ts => ts.map((t) => t.textContent)")
    f = ui.state("s.trace.forward")
    for expected in (
        f"∂L/∂ŷ = {back['layers'][1]['dL_da'][0][0]:.4g}",
        f"σ′(z) = {back['layers'][1]['da_dz'][0][0]:.4g}",
        "w₃ = 0.8",
        f"σ′(z) = {back['layers'][0]['da_dz'][0][0]:.4g}",
        "x₁ = 1",
    ):
        assert expected.replace("-", "\u2212") in tags, (expected, tags)
    line = page.locator("[data-chain]")
    assert "∂L/∂w₁ = ∂L/∂ŷ · σ′(z) · w₃ · σ′(z) · x₁" in (line.text_content() or "")
    values = [float(v) for v in line.locator(".num").evaluate_all("ns => ns.map((n) => n.dataset.value)")]
    *factors, total = values
    assert total == back["layers"][0]["dL_dW"][0][0]  # the API's number
    assert math.prod(factors) == total or abs(math.prod(factors) - total) <= 1e-12 * abs(total)
    assert f["inputs"][0][0] in factors
    assert page.evaluate(OVERLAPS) == []

    ui.press("Update")
    upd = ui.state("s.trace.update.layers[0]")
    move = f"w₁: {upd['W_old'][0][0]:.4g} → {upd['W_new'][0][0]:.4g}"
    page.wait_for_function(
        "m => [...document.querySelectorAll('svg .chain-name')].some((t) => t.textContent === m)", arg=move
    )
    assert "Update: w₁ ← w₁ − η·∂L/∂w₁ with η = 0.5" in (line.text_content() or "")
    assert page.evaluate(OVERLAPS) == []
    ui.assert_no_console_errors()


def test_every_layer_with_room_gets_labels_and_none_overlaps(ui: UI) -> None:
    ui.open("#ds=circles&h=4.tanh,4.tanh&lr=0.1&bs=10&iseed=0")
    ui.press("Epoch")
    page = ui.page
    visible = page.evaluate(
        """() => { const out = {};
             for (const t of document.querySelectorAll('svg .edge-label')) {
               if (t.getAttribute('visibility') === 'hidden' || !t.textContent) continue;
               out[t.dataset.layer] = (out[t.dataset.layer] ?? 0) + 1;
             }
             return out; }"""
    )
    assert set(visible) == {"1", "2", "3"}, visible  # the 16 edges of the middle layer too
    for phase in ("Forward", "Loss", "Backward"):
        ui.press(phase)
    page.locator(".edge-hit[data-layer='2'][data-j='1'][data-i='2']").dispatch_event("click")
    page.wait_for_selector("[data-chain]:not([hidden])")
    assert page.evaluate(OVERLAPS) == []
    ui.assert_no_console_errors()
