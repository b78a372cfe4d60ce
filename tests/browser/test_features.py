"""Engineered input features from the settings form, and the form describing the
live network: hand-written data kept on rebuild, η applied by PATCH."""

from __future__ import annotations

import httpx
import numpy as np

from .conftest import UI

STATE = "window.backpropExplorer.getState()"
CIRCLES = "#ds=circles&n=200&noise=0.05&dseed=1&h=4.tanh,4.tanh&out=sigmoid&loss=bce&lr=0.5&bs=10"


def accuracy(live_server: str, network_id: str) -> float:
    data = httpx.get(f"{live_server}/api/networks/{network_id}/data").json()
    res = httpx.post(f"{live_server}/api/networks/{network_id}/predict", json={"inputs": data["inputs"]})
    assert res.status_code == 200
    yhat = np.array(res.json()["outputs"])[:, 0] > 0.5
    return float((yhat == (np.array(data["targets"])[:, 0] > 0.5)).mean())


def set_features(ui: UI, names: set[str]) -> None:
    """Tick the wanted boxes first, then untick the others (the last ticked box stays)."""
    boxes = ui.page.locator("[data-feature]").all()
    for box in boxes:
        if box.get_attribute("data-feature") in names and not box.is_checked():
            box.click()
    for box in boxes:
        if box.get_attribute("data-feature") not in names and box.is_checked():
            box.click()
    ui.idle()


def test_circles_with_squared_features_and_no_hidden_layer(ui: UI, live_server: str) -> None:
    ui.open(CIRCLES)
    page = ui.page
    # The checkboxes are the catalog's features, in its order.
    catalog = httpx.get(f"{live_server}/api/catalog").json()
    assert [b.get_attribute("data-feature") for b in page.locator("[data-feature]").all()] == [
        f["name"] for f in catalog["features"]
    ]
    assert page.locator("[data-feature='x1']").is_checked()
    assert not page.locator("[data-feature='x1^2']").is_checked()
    page.get_by_role("button", name="− Layer").click()
    page.get_by_role("button", name="− Layer").click()
    set_features(ui, {"x1^2", "x2^2"})
    assert page.locator("[data-layers] .layer-row").first.text_content().strip().endswith("2 features")
    assert "Build network" in (page.locator("[data-dirty]").text_content() or "")
    page.get_by_role("button", name="Build network").click()
    page.wait_for_function(f"() => {STATE}.network.features?.join() === 'x1^2,x2^2'")
    ui.idle()
    nid = ui.network_id
    assert ui.state("s.network.layers") == [2, 1]
    assert "feat=x1%5E2%2Cx2%5E2" in page.url
    # The inputs of the diagram are labelled with the features.
    labels = page.locator("[data-network]").text_content() or ""
    assert "X1²" in labels and "X2²" in labels
    for _ in range(15):
        ui.press("Epoch")
    # A linear boundary in (x1², x2²) is a circle in (x1, x2): as in TensorFlow Playground.
    assert accuracy(live_server, nid) >= 0.95
    page.wait_for_function(f"() => {STATE}.grid?.kind === 'grid'")

    # The same link reopens the network with its features ticked …
    page.goto("about:blank")
    page.goto(f"{live_server}/{CIRCLES.replace('&h=4.tanh,4.tanh', '&h=')}&feat=x1%5E2%2Cx2%5E2&net={nid}")
    page.wait_for_selector("body[data-ready=true]")
    assert ui.network_id == nid
    boxes = page.locator("[data-feature]").all()
    checked = {b.get_attribute("data-feature") for b in boxes if b.is_checked()}
    assert checked == {"x1^2", "x2^2"}
    # … and without a known network the hash alone rebuilds one with those features.
    page.goto("about:blank")
    page.goto(f"{live_server}/{CIRCLES}&feat=x1%2Cx2%2Cx1*x2")
    page.wait_for_selector("body[data-ready=true]")
    assert ui.state("s.network.features") == ["x1", "x2", "x1*x2"]
    assert ui.state("s.network.layers")[0] == 3
    ui.assert_no_console_errors()


def test_plain_inputs_cannot_separate_circles_without_a_hidden_layer(ui: UI, live_server: str) -> None:
    """The contrast that makes the features worth having: (x1, x2) alone stays near chance."""
    ui.open(CIRCLES.replace("&h=4.tanh,4.tanh", "&h="))
    assert ui.state("s.network.layers") == [2, 1] and ui.state("s.network.features") == ["x1", "x2"]
    for _ in range(15):
        ui.press("Epoch")
    assert accuracy(live_server, ui.network_id) < 0.75
    ui.assert_no_console_errors()


def test_features_are_hidden_with_a_reason_for_other_data(ui: UI) -> None:
    ui.open("#ds=house_prices&h=8.tanh&out=linear&loss=mse&lr=0.05&bs=10")
    page = ui.page
    assert page.locator("[data-feature-boxes]").is_hidden()
    assert "2-D data" in (page.locator("[data-features-note]").text_content() or "")
    assert ui.state("s.network.features") is None  # the spec sent none
    ui.assert_no_console_errors()


def test_a_lesson_on_hand_written_rows_fills_the_form(ui: UI, live_server: str) -> None:
    page = ui.page
    page.goto(f"{live_server}/lessons/worked-example")
    page.wait_for_selector("body[data-ready=true]")
    ui.idle()
    network = ui.state("s.network")
    rows = network["data"]["inputs"]
    # The form shows the lesson's network, not the default setup.
    assert page.locator("select[name=dataset]").input_value() == "inline"
    description = page.locator("[data-dataset-description]").text_content() or ""
    assert f"data: {len(rows)} hand-written row{'' if len(rows) == 1 else 's'} (" in description
    assert float(page.locator("input[name=learning_rate]").input_value()) == network["learning_rate"]
    sizes = [int(t) for t in page.locator("[data-layer-size]").all_text_contents()]
    assert sizes == network["layers"][1:-1]
    assert page.locator("[data-feature-boxes]").is_hidden()
    # Out of the tour (which locks the form: tour/lock.js), η changes by PATCH: same network,
    # same weights.
    page.locator("[data-tour-leave]").click()
    lr = page.locator("input[name=learning_rate]")
    lr.fill("0.25")
    lr.press("Tab")  # a learner leaves the field: its change applies
    page.wait_for_function(f"() => {STATE}.network.learning_rate === 0.25")
    assert ui.network_id == network["id"]
    assert ui.state("s.network.parameters") == network["parameters"]
    # An architecture change rebuilds on the same hand-written rows.
    page.get_by_role("button", name="More neurons in Hidden 1").click()
    page.get_by_role("button", name="Build network").click()
    ui.idle()
    assert ui.error("build") == "" and ui.error("dataset") == "", ui.errors
    page.wait_for_function(f"() => {STATE}.network.id !== '{network['id']}'")
    ui.idle()
    rebuilt = ui.state("s.network")
    assert rebuilt["layers"][1] == network["layers"][1] + 1
    assert rebuilt["data"]["inputs"] == rows and rebuilt["data"]["targets"] == network["data"]["targets"]
    assert rebuilt["learning_rate"] == 0.25
    ui.assert_no_console_errors()
