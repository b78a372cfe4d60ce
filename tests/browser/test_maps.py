"""The heatmaps the page draws are the server's numbers: the compact uint8 maps, decoded by
api.js, equal the float predict answer to within half a quantization step."""

from __future__ import annotations

import httpx
import numpy as np

from .conftest import UI

MAPS = "#ds=moons&n=120&noise=0.1&dseed=2&h=5.tanh,3.relu&out=sigmoid&loss=bce&lr=0.5&bs=8"


def test_decoded_neuron_maps_equal_the_float_answer(ui: UI, live_server: str) -> None:
    ui.open(MAPS)
    ui.page.wait_for_function(
        "() => { const g = window.backpropExplorer.getState().grid; return g && g.kind === 'grid'; }"
    )
    page_grid = ui.state(
        "{ axes: s.grid.axes, outputs: s.grid.outputs,"
        " layers: s.grid.layers.map((l) => ({ index: l.index, a: l.a.map((row) => Array.from(row)) })) }"
    )
    resolution = len(page_grid["axes"]["x1"])
    response = httpx.post(
        f"{live_server}/api/networks/{ui.network_id}/predict", json={"grid": {"resolution": resolution}}
    )
    assert response.status_code == 200
    floats = response.json()
    assert page_grid["axes"] == floats["axes"]
    assert page_grid["outputs"] == floats["outputs"]  # outputs travel as floats, exactly
    assert [layer["index"] for layer in page_grid["layers"]] == [1, 2, 3]
    for drawn, exact in zip(page_grid["layers"], floats["layers"], strict=True):
        a_page, a_exact = np.array(drawn["a"]), np.array(exact["a"])
        assert a_page.shape == a_exact.shape == (resolution * resolution, a_exact.shape[1])
        half_step = (a_exact.max(axis=0) - a_exact.min(axis=0)) / 255 / 2
        assert (np.abs(a_page - a_exact) <= half_step + 1e-12).all()
    # Every hidden neuron has its map drawn in the plots column.
    assert ui.page.locator("[data-neuron-map]").count() == 5 + 3
    ui.assert_no_console_errors()
