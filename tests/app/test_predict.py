"""Predict's compact uint8 maps and the limits that bound predict and gradcheck."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from fastapi.testclient import TestClient

from .conftest import MOONS, create

DEEP = {
    **MOONS,
    "layers": [2, 6, 5, 3],
    "activations": ["tanh", "relu", "sigmoid"],
    "loss": "half_sse",
    "data": None,
}


def decode(entry: dict, points: int) -> np.ndarray:
    """A map entry's bytes as activations (n_l, points)."""
    raw = np.frombuffer(base64.b64decode(entry["data"]), dtype=np.uint8)
    n = len(entry["min"])
    assert raw.size == n * points
    lo, hi = np.array(entry["min"])[:, None], np.array(entry["max"])[:, None]
    return lo + (hi - lo) * raw.reshape(n, points) / 255


@pytest.mark.parametrize("resolution", [2, 7, 16])
def test_uint8_maps_match_the_float_answer(client: TestClient, resolution: int) -> None:
    net = create(client, DEEP)
    url = f"/api/networks/{net['id']}/predict"
    grid = {"resolution": resolution, "x1_min": -2, "x1_max": 1.5, "x2_min": -1, "x2_max": 3}
    floats = client.post(url, json={"grid": grid})
    compact = client.post(url, json={"grid": grid, "maps": "uint8"})
    assert floats.status_code == 200 and compact.status_code == 200, compact.text
    f, c = floats.json(), compact.json()
    assert c["outputs"] == f["outputs"]
    assert c["axes"] == f["axes"] == {"x1": f["x1"], "x2": f["x2"]}
    assert c["axes"]["x1"][0] == -2 and c["axes"]["x2"][-1] == 3
    assert [m["index"] for m in c["maps"]] == [1, 2, 3]
    points = resolution * resolution
    for entry, layer in zip(c["maps"], f["layers"], strict=True):
        a = np.array(layer["a"]).T  # (n_l, points)
        assert entry["min"] == a.min(axis=1).tolist() and entry["max"] == a.max(axis=1).tolist()
        step = (np.array(entry["max"]) - np.array(entry["min"]))[:, None] / 255
        assert np.all(np.abs(decode(entry, points) - a) <= step / 2 + 1e-12)


def test_uint8_map_layout_is_neuron_major_then_point(client: TestClient) -> None:
    # One linear neuron computing x1 + 10·x2 on a 3×3 grid: its bytes give the point order.
    spec = {"layers": [2, 1], "activations": ["linear"], "weights": [[[1.0, 10.0]]], "biases": [[0.0]]}
    net = create(client, spec)
    grid = {"resolution": 3, "x1_min": 0, "x1_max": 2, "x2_min": 0, "x2_max": 2}
    answer = client.post(f"/api/networks/{net['id']}/predict", json={"grid": grid, "maps": "uint8"}).json()
    values = decode(answer["maps"][0], 9)[0]
    expected = [x1 + 10 * x2 for x2 in (0, 1, 2) for x1 in (0, 1, 2)]  # p = j*R + i
    assert np.allclose(values, expected, atol=22 / 255)
    assert answer["maps"][0]["min"] == [0.0] and answer["maps"][0]["max"] == [22.0]


def test_a_constant_neuron_maps_to_zero_bytes(client: TestClient) -> None:
    spec = {"layers": [2, 1], "activations": ["linear"], "weights": [[[0.0, 0.0]]], "biases": [[0.5]]}
    net = create(client, spec)
    answer = client.post(
        f"/api/networks/{net['id']}/predict", json={"grid": {"resolution": 4}, "maps": "uint8"}
    ).json()
    assert answer["maps"][0]["min"] == answer["maps"][0]["max"] == [0.5]
    assert base64.b64decode(answer["maps"][0]["data"]) == bytes(16)


def test_maps_need_a_grid(client: TestClient) -> None:
    net = create(client, DEEP)
    response = client.post(f"/api/networks/{net['id']}/predict", json={"inputs": [[0, 0]], "maps": "uint8"})
    assert response.status_code == 422 and "grid" in response.json()["detail"]
    response = client.post(f"/api/networks/{net['id']}/predict", json={"grid": {}, "maps": "uint16"})
    assert response.status_code == 422


def test_predict_answers_are_bounded_by_limits(make_client) -> None:
    client = make_client(max_predict_values=1_000, max_map_bytes=2_000)
    net = create(client, DEEP)  # 14 neurons, 3 outputs
    url = f"/api/networks/{net['id']}/predict"
    assert client.post(url, json={"grid": {"resolution": 8}}).status_code == 200  # 64 × 14 = 896
    response = client.post(url, json={"grid": {"resolution": 9}})  # 81 × 14 = 1,134
    assert response.status_code == 413
    assert "max_predict_values=1000" in response.json()["detail"] and "uint8" in response.json()["detail"]
    response = client.post(url, json={"inputs": [[0.0, 0.0]] * 72})  # 72 × 14 = 1,008
    assert response.status_code == 413
    assert client.post(url, json={"grid": {"resolution": 11}, "maps": "uint8"}).status_code == 200
    response = client.post(url, json={"grid": {"resolution": 12}, "maps": "uint8"})  # 144 × 14 bytes
    assert response.status_code == 413 and "max_map_bytes=2000" in response.json()["detail"]


@pytest.mark.slow  # a second or more alone
def test_chunked_predict_equals_one_forward_pass(client: TestClient) -> None:
    # More points than one chunk holds: the answer is the same as row-by-row predictions.
    spec = {**DEEP, "layers": [2, 200, 200, 1], "activations": ["tanh", "tanh", "sigmoid"]}
    net = create(client, spec)
    url = f"/api/networks/{net['id']}/predict"
    grid = {"resolution": 60, "x1_min": -1, "x1_max": 1, "x2_min": -1, "x2_max": 1}
    big = client.post(url, json={"grid": grid})
    assert big.status_code == 200
    outputs = np.array(big.json()["outputs"])
    axis = np.linspace(-1, 1, 60)
    picks = [0, 59, 60 * 33 + 7, 3599]
    rows = [[axis[p % 60], axis[p // 60]] for p in picks]
    single = client.post(url, json={"inputs": rows}).json()["outputs"]
    assert np.allclose(outputs[picks], single, rtol=0, atol=1e-12)


def test_gradcheck_work_is_bounded(make_client) -> None:
    client = make_client(max_gradcheck_work=17 * 17 * 4)
    net = create(client, {**MOONS, "batch_size": 4, "validation_split": 0})  # 17 parameters
    url = f"/api/networks/{net['id']}/gradcheck"
    assert client.post(url, json={}).status_code == 200
    response = client.post(url, json={"inputs": [[0.0, 0.0]] * 5, "targets": [[1.0]] * 5})
    assert response.status_code == 413 and "max_gradcheck_work" in response.json()["detail"]
