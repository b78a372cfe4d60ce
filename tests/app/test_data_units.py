"""Rows in the data's units: an upload standardized on the way in (features and targets) and the
shipped real datasets serve the means and stds they were scaled with, and forward, loss, step
and predict take ``"units": "data"`` rows, standardized (and featured) by the server; data kept
at a scale a network learns badly on come with a warning that names the option that fixes it."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from backprop_explorer.engine.features import feature_columns

from tests.conftest import LiveServer


def houses_csv(n: int = 60, seed: int = 5) -> tuple[str, np.ndarray]:
    """(CSV text, its rows): area in m², rooms → price in dollars."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(40, 200, n).round()
    rooms = rng.integers(1, 6, n).astype(float)
    price = (2500 * area + 20_000 * rooms + rng.normal(0, 15_000, n)).round()
    table = np.column_stack([area, rooms, price])
    return "area_m2,rooms,price\n" + "".join(f"{a:.0f},{r:.0f},{p:.0f}\n" for a, r, p in table), table


def upload(server: str, text: str, **form: str) -> dict:
    response = httpx.post(
        f"{server}/api/datasets", files={"file": ("houses.csv", text.encode(), "text/csv")}, data=form
    )
    assert response.status_code == 201, response.text
    return response.json()


def build(server: str, data: dict, layers: list[int], **spec) -> dict:
    body = {"layers": layers, "activations": ["tanh", "linear"], "loss": "mse", "data": data, **spec}
    response = httpx.post(f"{server}/api/networks", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def own_forward(network: dict, X: np.ndarray) -> np.ndarray:
    """tanh then linear with the network's parameters, in NumPy: what the output must be."""
    (W1, W2), (b1, b2) = (
        (np.array(w) for w in network["parameters"]["weights"]),
        network["parameters"]["biases"],
    )
    return np.tanh(X @ W1.T + b1) @ W2.T + b2


def test_an_upload_row_in_the_datas_units_is_standardized_by_the_server(live_server: LiveServer) -> None:
    text, table = houses_csv()
    info = upload(live_server, text, standardize="true", standardize_targets="true")
    net = build(live_server, {"dataset_id": info["dataset_id"]}, [2, 6, 1])
    url = f"{live_server}/api/networks/{net['id']}"
    # The network serves the scale its features and targets were standardized with.
    assert np.allclose(net["feature_mean"], table[:, :2].mean(axis=0))
    assert np.allclose(net["feature_std"], table[:, :2].std(axis=0))
    assert np.allclose(net["target_mean"], [table[:, 2].mean()]) and net["data_warnings"] == []
    data = httpx.get(f"{url}/data").json()
    assert data["feature_mean"] == net["feature_mean"] and data["feature_std"] == net["feature_std"]
    # Back in the data's units, a stored row is the CSV's row.
    stored = np.array(data["inputs"]) * net["feature_std"] + np.array(net["feature_mean"])
    assert np.allclose(stored, table[:, :2])
    assert np.allclose(
        np.array(data["targets"])[:, 0] * net["target_std"][0] + net["target_mean"][0], table[:, 2]
    )

    house = [[100.0, 3.0]]
    scaled = (np.array(house) - net["feature_mean"]) / net["feature_std"]
    fwd = httpx.post(f"{url}/forward", json={"inputs": house, "units": "data"}).json()
    assert fwd["data_inputs"] == house and np.allclose(fwd["inputs"], scaled)
    assert np.allclose(fwd["output"], own_forward(net, scaled))
    # Predict answers the same output, and in dollars; the network's own units are unchanged.
    predicted = httpx.post(f"{url}/predict", json={"inputs": house, "units": "data"}).json()
    assert predicted["outputs"] == fwd["output"] and predicted["inputs"] == fwd["inputs"]
    dollars = fwd["output"][0][0] * net["target_std"][0] + net["target_mean"][0]
    assert predicted["data_outputs"] == [[dollars]]
    assert httpx.post(f"{url}/predict", json={"inputs": scaled.tolist()}).json()["outputs"] == fwd["output"]
    # A target in dollars is standardized for the loss.
    price = 328_000.0
    loss = httpx.post(f"{url}/loss", json={"targets": [[price]], "units": "data"}).json()
    assert loss["targets"] == [[(price - net["target_mean"][0]) / net["target_std"][0]]]
    step = httpx.post(f"{url}/step", json={"inputs": house, "targets": [[price]], "units": "data"}).json()
    assert step["forward"]["inputs"] == fwd["inputs"] and step["loss"]["targets"] == loss["targets"]
    # Rows of the wrong width name the data's columns.
    wrong = httpx.post(f"{url}/forward", json={"inputs": [[100.0, 3.0, 1.0]], "units": "data"})
    assert wrong.status_code == 422 and "in the data's units" in wrong.json()["detail"]


def test_a_real_datasets_rows_in_its_own_units_reach_the_network_standardized(
    live_server: LiveServer,
) -> None:
    spec = {"activations": ["tanh", "softmax"], "loss": "cross_entropy"}
    net = build(live_server, {"generator": "iris"}, [4, 5, 3], **spec)
    url = f"{live_server}/api/networks/{net['id']}"
    data = httpx.get(f"{url}/data").json()
    scaled = np.array(data["inputs"][:3])
    in_cm = scaled * net["feature_std"] + np.array(net["feature_mean"])
    assert 4 < in_cm[:, 0].min() and in_cm[:, 0].max() < 8  # sepal lengths in cm
    fwd = httpx.post(f"{url}/forward", json={"inputs": in_cm.tolist(), "units": "data"}).json()
    assert np.allclose(fwd["inputs"], scaled)
    digits = build(live_server, {"generator": "digits"}, [64, 4, 10], **spec)
    assert set(digits["feature_mean"]) == {0.0} and set(digits["feature_std"]) == {16.0}  # pixels / 16


REAL_SPECS = {
    "iris": ([4, 3, 3], ["tanh", "softmax"], "cross_entropy"),
    "wine": ([13, 3, 3], ["tanh", "softmax"], "cross_entropy"),
    "breast_cancer": ([30, 3, 1], ["tanh", "sigmoid"], "bce"),
    "diabetes": ([10, 3, 1], ["tanh", "linear"], "mse"),
    "digits": ([64, 3, 10], ["tanh", "softmax"], "cross_entropy"),
}


def round_trip(server: str, network_id: str) -> tuple[dict, np.ndarray]:
    """(GET …/data, what predict says the input layer got for its raw_inputs in the data's units)."""
    url = f"{server}/api/networks/{network_id}"
    data = httpx.get(f"{url}/data").json()
    sent = httpx.post(f"{url}/predict", json={"inputs": data["raw_inputs"], "units": "data"})
    assert sent.status_code == 200, sent.text
    return data, np.array(sent.json()["inputs"])


@pytest.mark.parametrize("name", sorted(REAL_SPECS))
def test_a_real_datasets_raw_inputs_are_its_own_units_and_come_back_as_its_inputs(
    live_server: LiveServer, name: str
) -> None:
    layers, activations, loss = REAL_SPECS[name]
    net = build(live_server, {"generator": name}, layers, activations=activations, loss=loss)
    data, got = round_trip(live_server, net["id"])
    raw, inputs = np.array(data["raw_inputs"]), np.array(data["inputs"])
    assert np.allclose(got, inputs, rtol=0, atol=1e-12)
    assert np.allclose(raw, inputs * net["feature_std"] + np.array(net["feature_mean"]), rtol=0, atol=1e-9)
    assert not np.allclose(raw, inputs)  # the measurements, not the standardized columns
    if name == "iris":
        assert raw[0].tolist() == pytest.approx([5.1, 3.5, 1.4, 0.2])  # the file's first flower, in cm
    if name == "digits":  # the file's pixel counts 0…16, integers, which the network sees / 16
        assert raw.min() == 0 and raw.max() == 16 and np.allclose(raw, raw.round(), rtol=0, atol=1e-9)
        assert np.allclose(inputs, raw / 16, rtol=0, atol=1e-12)


def test_an_uploads_raw_inputs_are_the_csvs_columns(live_server: LiveServer) -> None:
    text, table = houses_csv()
    info = upload(live_server, text, standardize="true")
    net = build(live_server, {"dataset_id": info["dataset_id"]}, [2, 3, 1])
    data, got = round_trip(live_server, net["id"])
    assert np.allclose(data["raw_inputs"], table[:, :2], rtol=0, atol=1e-9)
    assert np.allclose(got, data["inputs"], rtol=0, atol=1e-12)
    kept = upload(live_server, text, standardize="false")  # kept as they were: the same rows
    plain = build(live_server, {"dataset_id": kept["dataset_id"]}, [2, 3, 1])
    data, got = round_trip(live_server, plain["id"])
    assert data["raw_inputs"] == data["inputs"] == table[:, :2].tolist() and got.tolist() == data["inputs"]


def test_a_featured_network_takes_the_point_x1_x2_in_the_datas_units(live_server: LiveServer) -> None:
    features = ["x1", "x2", "x1^2", "x1*x2", "sin(x2)"]
    spec = {"activations": ["tanh", "sigmoid"], "loss": "bce", "features": features}
    net = build(live_server, {"generator": "circles", "n": 40}, [5, 3, 1], **spec)
    assert net["feature_mean"] is None  # generated points are used as they are
    url = f"{live_server}/api/networks/{net['id']}"
    point = [[0.5, -1.25]]
    fwd = httpx.post(f"{url}/forward", json={"inputs": point, "units": "data"}).json()
    assert np.allclose(fwd["inputs"], feature_columns(np.array(point), features))
    assert httpx.post(f"{url}/forward", json={"inputs": point}).status_code == 422  # 5 columns expected


def test_units_data_needs_data(live_server: LiveServer) -> None:
    net = build(live_server, None, [3, 2, 1])
    response = httpx.post(
        f"{live_server}/api/networks/{net['id']}/forward", json={"inputs": [[1, 2, 3]], "units": "data"}
    )
    assert (
        response.status_code == 422 and 'units "data" needs a network with data' in response.json()["detail"]
    )


@pytest.mark.parametrize(
    ("form", "about"),
    [
        ({"standardize": "false", "standardize_targets": "true"}, ["features"]),
        ({"standardize": "true"}, ["targets"]),
        ({"standardize": "false"}, ["features", "targets"]),
        ({"standardize": "true", "standardize_targets": "true"}, []),
    ],
)
def test_data_kept_at_their_own_scale_are_flagged_on_the_network(
    live_server: LiveServer, form: dict, about: list[str]
) -> None:
    text, table = houses_csv()
    info = upload(live_server, text, **form)
    assert len(info["warnings"]) == len(about)
    net = build(live_server, {"dataset_id": info["dataset_id"]}, [2, 4, 1])
    assert [w["about"] for w in net["data_warnings"]] == about
    assert [f"{w['text']}; {w['fix']}" for w in net["data_warnings"]] == info["warnings"]
    for warning in net["data_warnings"]:
        if warning["about"] == "features":  # area in m²: mean ~120, far from 0 and 1
            assert f"'area_m2' has mean {table[:, 0].mean():.4g}" in warning["text"]
            assert "standardize=true" in warning["fix"]
        else:
            assert f"'price' has mean {table[:, 2].mean():.4g}" in warning["text"]
            assert "standardize_targets=true" in warning["fix"]
