"""Engineered input features in the API, and CSV targets kept in (or convertible to) their units."""

from __future__ import annotations

import math

import httpx
import pytest
from backprop_explorer.app.store import Store
from fastapi.testclient import TestClient

from ..conftest import LiveServer
from .conftest import create

CIRCLES = {"generator": "circles", "n": 200, "noise": 0.05, "seed": 3}
SQUARES = {
    "layers": [2, 1],
    "activations": ["sigmoid"],
    "loss": "bce",
    "learning_rate": 0.5,
    "batch_size": 10,
    "features": ["x1^2", "x2^2"],
    "data": CIRCLES,
}
PRICES = b"size,rooms,price\n50,2,100\n80,3,160\n120,4,250\n65,2,130\n"


def upload(client: TestClient, content: bytes, **form: str) -> httpx.Response:
    return client.post("/api/datasets", files={"file": ("data.csv", content, "text/csv")}, data=form)


def test_squares_learn_circles_without_a_hidden_layer(live_server: LiveServer) -> None:
    """The Playground classic, over a real server: x1², x2² make the rings linearly separable,
    and the grid (raw x1, x2 points) shows a round boundary."""
    with httpx.Client(base_url=str(live_server), timeout=120) as api:
        net = api.post("/api/networks", json=SQUARES).json()
        assert net["features"] == ["x1^2", "x2^2"] and net["feature_names"] == ["X1²", "X2²"]
        trained = api.post(f"/api/networks/{net['id']}/train", json={"epochs": 60})
        assert trained.status_code == 200, trained.text
        assert trained.json()["history"][-1]["train_accuracy"] > 0.9

        R = 41
        grid = {"resolution": R, "x1_min": -1.5, "x1_max": 1.5, "x2_min": -1.5, "x2_max": 1.5}
        answer = api.post(f"/api/networks/{net['id']}/predict", json={"grid": grid}).json()
        x1s, x2s, outputs = answer["axes"]["x1"], answer["axes"]["x2"], answer["outputs"]
        inside = outside = 0
        for j, x2 in enumerate(x2s):
            for i, x1 in enumerate(x1s):
                r, y = math.hypot(x1, x2), outputs[j * R + i][0]
                if r <= 0.55:  # the inner ring (label 1) is at radius 0.5
                    assert y > 0.5, (x1, x2, y)
                    inside += 1
                elif r >= 0.95:  # the outer ring (label 0) at 1.0, and beyond in every direction
                    assert y < 0.5, (x1, x2, y)
                    outside += 1
        assert inside > 50 and outside > 900

        # `inputs` are feature rows: (x1², x2²) of a grid point give the grid's answer there.
        j, i = 7, 30
        rows = [[x1s[i] ** 2, x2s[j] ** 2]]
        direct = api.post(f"/api/networks/{net['id']}/predict", json={"inputs": rows}).json()
        assert direct["outputs"][0][0] == pytest.approx(outputs[j * R + i][0], rel=1e-12)


def test_the_data_answer_has_raw_points_and_feature_columns(client: TestClient) -> None:
    spec = {**SQUARES, "layers": [3, 1], "features": ["x1*x2", "sin(x1)", "x2"]}
    net = create(client, spec)
    data = client.get(f"/api/networks/{net['id']}/data").json()
    assert data["features"] == ["x1*x2", "sin(x1)", "x2"]
    assert data["feature_names"] == ["X1·X2", "sin(X1)", "X2"] and data["raw_feature_names"] == ["X1", "X2"]
    preview = client.post("/api/datasets/preview", json=CIRCLES).json()
    assert data["raw_inputs"] == preview["inputs"] and data["targets"] == preview["targets"]
    for (x1, x2), row in zip(data["raw_inputs"], data["inputs"], strict=True):
        assert row == pytest.approx([x1 * x2, math.sin(x1), x2], rel=1e-15)
    # A step's forward trace runs on the feature row of the sample.
    step = client.post(f"/api/networks/{net['id']}/step", json={"indices": [5]}).json()
    assert step["forward"]["inputs"] == [data["inputs"][5]]


def test_a_grid_works_with_any_number_of_features(client: TestClient) -> None:
    spec = {**SQUARES, "layers": [5, 3, 1], "activations": ["tanh", "sigmoid"]}
    spec["features"] = ["x1", "x2", "x1^2", "x2^2", "x1*x2"]
    net = create(client, spec)
    answer = client.post(f"/api/networks/{net['id']}/predict", json={"grid": {"resolution": 5}})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["outputs"]) == 25 and len(answer.json()["layers"][0]["a"][0]) == 3
    # Without bounds the grid spans the raw points (padded by 10 %), not the feature columns.
    raw = client.get(f"/api/networks/{net['id']}/data").json()["raw_inputs"]
    lo, hi = min(r[0] for r in raw), max(r[0] for r in raw)
    axis = answer.json()["axes"]["x1"]
    assert axis[0] == pytest.approx(lo - 0.1 * (hi - lo)) and axis[-1] == pytest.approx(hi + 0.1 * (hi - lo))


def test_default_features_change_nothing(client: TestClient) -> None:
    plain = {**SQUARES, "features": None}
    net = create(client, {k: v for k, v in plain.items() if k != "features"})
    assert net["features"] == ["x1", "x2"] and net["feature_names"] == ["X1", "X2"]
    explicit = create(client, {**SQUARES, "features": ["x1", "x2"]})
    assert explicit["parameters"] == net["parameters"]
    data = client.get(f"/api/networks/{net['id']}/data").json()
    assert data["inputs"] == data["raw_inputs"] and data["features"] is None
    a = client.post(f"/api/networks/{net['id']}/train", json={"epochs": 3}).json()
    b = client.post(f"/api/networks/{explicit['id']}/train", json={"epochs": 3}).json()
    assert a["history"] == b["history"]
    # Data that is not 2-D generator data has no features.
    house = create(
        client, {"layers": [3, 1], "activations": ["linear"], "data": {"generator": "house_prices"}}
    )
    assert house["features"] is None


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        ({"layers": [3, 1]}, ["2 input column(s) (x1^2, x2^2)", "has 3 neuron(s)"]),
        ({"layers": [1, 1], "data": {"generator": "sine"}}, ["2-D data", "'sine' makes 1 column(s)"]),
        ({"data": {"inputs": [[0, 1]], "targets": [[1]]}}, ["2-D generator data", "data arrays"]),
        ({"data": {"dataset_id": "x"}}, ["2-D generator data", "uploaded data"]),
        ({"features": ["x1^2", "x1^2"]}, ["'x1^2' is named twice"]),
        ({"features": ["x1^3", "x2"]}, ["features"]),
        ({"features": []}, ["features"]),
    ],
)
def test_bad_features_are_422(client: TestClient, change: dict, fragments: list[str]) -> None:
    response = client.post("/api/networks", json={**SQUARES, **change})
    assert response.status_code == 422, response.text
    detail = str(response.json()["detail"])
    for fragment in fragments:
        assert fragment in detail


def test_export_and_import_carry_features(client: TestClient) -> None:
    net = create(client, SQUARES)
    client.post(f"/api/networks/{net['id']}/train", json={"epochs": 2})
    exported = client.get(f"/api/networks/{net['id']}/export").json()
    assert exported["spec"]["features"] == ["x1^2", "x2^2"]
    imported = client.post("/api/networks/import", json=exported)
    assert imported.status_code == 201, imported.text
    copy = imported.json()
    assert copy["features"] == ["x1^2", "x2^2"] and copy["parameters"] == exported["parameters"]
    grid = {"grid": {"resolution": 7}}
    before = client.post(f"/api/networks/{net['id']}/predict", json=grid).json()
    after = client.post(f"/api/networks/{copy['id']}/predict", json=grid).json()
    assert after["outputs"] == before["outputs"]


# --- CSV units -----------------------------------------------------------------------------


def test_standardize_scales_features_only(client: TestClient) -> None:
    info = upload(client, PRICES, targets="price", standardize="true").json()
    assert info["standardized"] and not info["standardized_targets"]
    assert info["target_mean"] is None and len(info["means"]) == 2
    dataset = client.get(f"/api/datasets/{info['dataset_id']}").json()
    assert [row[0] for row in dataset["targets"]] == [100, 160, 250, 130]
    assert sum(row[0] for row in dataset["inputs"]) == pytest.approx(0.0, abs=1e-12)
    net = create(
        client, {"layers": [2, 1], "activations": ["linear"], "data": {"dataset_id": info["dataset_id"]}}
    )
    assert net["target_mean"] is None and net["target_std"] is None


def test_standardized_targets_keep_their_units(client: TestClient) -> None:
    prices = [100.0, 160.0, 250.0, 130.0]
    response = upload(client, PRICES, targets="price", standardize="true", standardize_targets="true")
    assert response.status_code == 201, response.text
    info = response.json()
    mean = sum(prices) / 4
    std = math.sqrt(sum((p - mean) ** 2 for p in prices) / 4)
    assert info["standardized_targets"]
    assert info["target_mean"] == pytest.approx([mean]) and info["target_std"] == pytest.approx([std])
    net = create(
        client, {"layers": [2, 1], "activations": ["linear"], "data": {"dataset_id": info["dataset_id"]}}
    )
    assert net["target_mean"] == info["target_mean"] and net["target_std"] == info["target_std"]
    data = client.get(f"/api/networks/{net['id']}/data").json()
    assert data["target_mean"] == info["target_mean"]
    restored = [row[0] * data["target_std"][0] + data["target_mean"][0] for row in data["targets"]]
    assert restored == pytest.approx(prices, rel=1e-12)
    # Class labels are never scaled, whatever the switch says.
    labels = upload(client, b"a,b,y\n0,1,0\n1,0,1\n2,2,1\n", standardize_targets="true").json()
    assert labels["task"] == "binary" and not labels["standardized_targets"]


def test_uploads_stored_before_the_switch_read_in_todays_terms(new_database, make_client) -> None:
    """Such an upload kept a regression target's mean and std after the features' in means/stds."""
    db = new_database()
    client = make_client(db=db)
    old = {
        "dataset_id": "old1",
        "n_samples": 2,
        "feature_names": ["size"],
        "target_names": ["price"],
        "task": "regression",
        "standardized": True,
        "means": [65.0, 130.0],
        "stds": [15.0, 30.0],
        "inputs": [[-1.0], [1.0]],
        "targets": [[-1.0], [1.0]],
    }
    store = Store(db)
    store.save_dataset("old1", old)
    store.close()
    info = client.get("/api/datasets/old1").json()
    assert info["means"] == [65.0] and info["stds"] == [15.0]
    assert info["target_mean"] == [130.0] and info["target_std"] == [30.0] and info["standardized_targets"]
    net = create(client, {"layers": [1, 1], "activations": ["linear"], "data": {"dataset_id": "old1"}})
    assert net["target_mean"] == [130.0] and net["target_std"] == [30.0]
