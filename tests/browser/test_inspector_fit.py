"""The inspector's equations fit its panel at phone, laptop and wide-screen widths: long lines
break before "=", "+" or "−", a long softmax denominator is stacked into rows, and nothing is
wider than the panel or scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .conftest import UI

# Each network with the parts of it whose equations run long.
CASES = {
    "softmax over ten classes": (
        {
            "layers": [2, 4, 10],
            "activations": ["tanh", "softmax"],
            "loss": "cross_entropy",
            "data": {"generator": "multiclass_blobs", "n": 60, "noise": 0.1, "seed": 4, "classes": 10},
            "batch_size": 1,
            "seed": 0,
        },
        [("neuron", 2, 3, None), ("edge", 2, 3, 1)],
    ),
    "the worked example with an L1 penalty": (
        {
            "layers": [2, 2, 2],
            "activations": ["sigmoid", "sigmoid"],
            "loss": "half_sse",
            "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
            "biases": [[0.35, 0.35], [0.60, 0.60]],
            "data": {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]},
            "batch_size": 1,
            "regularization": {"kind": "l1", "rate": 0.001},
        },
        [("edge", 2, 0, 0), ("edge", 1, 1, 0), ("bias", 2, 1, None)],
    ),
    "a wide layer and a batch of thirty": (
        {
            "layers": [2, 32, 8, 1],
            "activations": ["tanh", "tanh", "sigmoid"],
            "loss": "bce",
            "data": {"generator": "moons", "n": 60, "noise": 0.1, "seed": 1},
            "batch_size": 30,
            "seed": 0,
            "regularization": {"kind": "l2", "rate": 0.001},
        },
        [("edge", 2, 0, 5), ("neuron", 2, 3, None), ("edge", 3, 0, 2)],
    ),
}

OVERFLOW = """() => {
  const panel = document.querySelector('[data-inspector]');
  const box = panel.getBoundingClientRect();
  const wider = [];
  for (const el of panel.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > box.right + 0.5 || r.left < box.left - 0.5)) wider.push(el.localName);
  }
  const scrolled = [...panel.querySelectorAll('.eq')].filter((e) => e.scrollWidth > e.clientWidth + 1);
  return {
    wider,
    scrolled: scrolled.length,
    page: document.documentElement.scrollWidth - window.innerWidth,
    lines: panel.querySelectorAll('.eq math').length,
    stacked: panel.querySelectorAll('[data-stack] mtable').length,
  };
}"""


@pytest.fixture(params=[390, 1280, 1920], ids=lambda w: f"{w}px")
def wide_ui(request, sized_ui) -> Iterator[UI]:
    with sized_ui(request.param, 900) as page_ui:
        yield page_ui


@pytest.mark.parametrize("case", list(CASES))
def test_no_equation_is_wider_than_the_inspector(wide_ui: UI, live_server: str, case: str) -> None:
    spec, targets = CASES[case]
    created = httpx.post(f"{live_server}/api/networks", json=spec)
    assert created.status_code == 201, created.text
    ui = wide_ui.open(f"#net={created.json()['id']}")
    for phase in ("Forward", "Loss", "Backward"):
        ui.press(phase)
    width = ui.page.viewport_size["width"]
    for kind, layer, j, i in targets:
        name = f"{kind}:{layer}:{j}" + ("" if i is None else f":{i}")
        selector = f'[data-network] [data-kind={kind}][data-layer="{layer}"][data-j="{j}"]'
        ui.page.locator(selector + ("" if i is None else f'[data-i="{i}"]')).first.dispatch_event("click")
        ui.page.wait_for_function(
            "name => document.querySelector('[data-inspector-body]').dataset.target === name", arg=name
        )
        fit = ui.page.evaluate(OVERFLOW)
        assert fit["wider"] == [] and fit["scrolled"] == 0 and fit["page"] <= 0, (width, name, fit)
        if kind == "neuron" and spec["activations"][-1] == "softmax" and width < 1900:
            assert fit["stacked"] == 1, (width, fit)  # ten e^z do not fit on one line there
    ui.assert_no_console_errors()


def test_the_lines_are_fitted_again_when_the_panel_changes_width(ui: UI, live_server: str) -> None:
    spec, _ = CASES["softmax over ten classes"]
    created = httpx.post(f"{live_server}/api/networks", json=spec)
    ui.page.set_viewport_size({"width": 1920, "height": 900})  # the inspector is widest there
    ui.open(f"#net={created.json()['id']}")
    for phase in ("Forward", "Loss", "Backward"):
        ui.press(phase)
    ui.page.locator('[data-network] [data-kind=neuron][data-layer="2"][data-j="3"]').dispatch_event("click")
    ui.page.wait_for_function("() => document.querySelector('[data-inspector-body]').dataset.target")
    wide = ui.page.evaluate(OVERFLOW)
    ui.page.set_viewport_size({"width": 390, "height": 900})
    ui.page.wait_for_function(
        f"() => document.querySelectorAll('[data-inspector] .eq math').length > {wide['lines']}"
    )
    narrow = ui.page.evaluate(OVERFLOW)
    assert narrow["wider"] == [] and narrow["scrolled"] == 0, narrow
