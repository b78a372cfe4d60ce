"""Networks as a resource: create, list, read, PATCH, DELETE, PUT parameters, reset, export/import."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest
from backprop_explorer.app.config import Limits
from backprop_explorer.engine.features import FEATURES
from fastapi.testclient import TestClient

from .conftest import MAZUR, MAZUR_INPUTS, MAZUR_TARGETS, MOONS, create


def test_health_and_catalog(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    response = client.get("/api/catalog")
    assert response.status_code == 200
    catalog = response.json()
    assert {a["name"] for a in catalog["activations"]} >= {"sigmoid", "tanh", "relu", "softmax"}
    assert {x["name"] for x in catalog["losses"]} == {"half_sse", "mse", "bce", "cross_entropy"}
    assert [o["name"] for o in catalog["optimizers"]] == ["sgd", "momentum", "adam"]
    assert catalog["regularizations"] == ["none", "l1", "l2"]
    spiral = next(d for d in catalog["datasets"] if d["name"] == "house_prices")
    assert (spiral["task"], spiral["n_features"], spiral["n_outputs"]) == ("regression", 3, 1)
    assert catalog["limits"]["max_layers"] == 10
    assert catalog["limits"]["env"]["max_layers"] == "BACKPROP_EXPLORER_MAX_LAYERS"
    # Every limit in force is served, with its value and its variable.
    assert (
        set(catalog["limits"]) - {"env"} == set(catalog["limits"]["env"]) == {f.name for f in fields(Limits)}
    )
    assert catalog["phases"] == ["forward", "loss", "backward", "update"]
    assert catalog["pairings"]["binary"] == {"activation": "sigmoid", "loss": "bce"}
    assert set(catalog["dL_dz_rules"]) == {
        "chain",
        "softmax_jacobian",
        "paired_sigmoid_bce",
        "paired_softmax_ce",
    }
    assert set(catalog["health_thresholds"]) == {"vanishing_ratio", "exploding_ratio", "exploding_norm"}
    # The page's feature checkboxes come from here, in the engine's order.
    assert [f["name"] for f in catalog["features"]] == list(FEATURES)
    assert catalog["features"][2] == {"name": "x1^2", "label": "X1²", "formula": "x1²"}
    assert catalog["default_features"] == ["x1", "x2"]


def test_create_fills_defaults_and_returns_the_network(client: TestClient) -> None:
    response = client.post("/api/networks", json={"layers": [2, 3, 1]})
    assert response.status_code == 201
    net = response.json()
    assert len(net["id"]) >= 20  # secrets.token_urlsafe: unguessable
    assert net["activations"] == ["sigmoid", "sigmoid"]
    assert (net["loss"], net["phase"], net["epoch"], net["step"]) == ("half_sse", "ready", 0, 0)
    assert net["data"]["generator"] == "xor" and net["task"] == "binary"
    assert net["n_parameters"] == 2 * 3 + 3 + 3 + 1
    assert [len(W) for W in net["parameters"]["weights"]] == [3, 1]
    assert net["cursor"]["n_train"] == 4 and len(net["cursor"]["next_indices"]) == 1


def test_create_is_seeded(client: TestClient) -> None:
    spec = {"layers": [2, 3, 1], "init": {"method": "normal", "seed": 7, "scale": 0.3}}
    assert create(client, spec)["parameters"] == create(client, spec)["parameters"]
    other = create(client, {**spec, "init": {"method": "normal", "seed": 8}})
    assert other["parameters"] != create(client, spec)["parameters"]


def test_get_list_delete(client: TestClient) -> None:
    a, b = create(client, MAZUR), create(client, MOONS)
    response = client.get(f"/api/networks/{a['id']}")
    assert response.status_code == 200
    assert response.json() == a
    response = client.get("/api/networks")
    assert response.status_code == 200
    assert [n["id"] for n in response.json()["networks"]] == [a["id"], b["id"]]
    assert response.json()["networks"][1]["task"] == "binary"
    response = client.delete(f"/api/networks/{a['id']}")
    assert response.status_code == 204
    assert client.get(f"/api/networks/{a['id']}").status_code == 404
    assert client.delete(f"/api/networks/{a['id']}").status_code == 404


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"layers": [2, 2], "activations": ["sigmoid", "tanh"]}, "one name per non-input layer"),
        ({"layers": [2, 2, 1], "activations": ["softmax", "sigmoid"]}, "output layer only"),
        ({"layers": [2, 2], "activations": ["swish"]}, "activations.0"),
        ({"layers": [2, 2], "weights": [[[1.0], [2.0]]]}, "2×2 matrix"),
        ({"layers": [2, 2], "biases": [[1.0]]}, "must have 2 values"),
        ({"layers": [2, 1], "data": {"generator": "moons"}, "loss": "hinge"}, "loss"),
        ({"layers": [3, 1], "data": {"generator": "moons"}}, "2 features but the input layer has 3"),
        ({"layers": [2, 1], "data": {"inputs": [[1, 2], [3]], "targets": [[1], [0]]}}, "row 1"),
        ({"layers": [2, 1], "data": {"dataset_id": "missing"}}, "unknown dataset_id"),
        ({"layers": [2, 1], "trainable": [{"weights": False}, {"weights": True}]}, "trainable"),
        ({"layers": [2, 1], "learning_rate": 0}, "learning_rate"),
        ({"layers": [2, 1], "validation_split": 1.0}, "validation_split"),
        ({"layers": [2, 1], "unknown_field": 1}, "unknown_field"),
        ({"layers": [0, 1]}, "layers.0"),
    ],
)
def test_create_rejects_invalid_specs(client: TestClient, spec: dict, fragment: str) -> None:
    response = client.post("/api/networks", json=spec)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


def test_patch_changes_hyperparameters_and_discards_the_step(client: TestClient) -> None:
    net = create(client, MOONS)
    url = f"/api/networks/{net['id']}"
    client.post(f"{url}/forward", json={})
    response = client.patch(
        url, json={"learning_rate": 0.05, "optimizer": {"name": "momentum", "beta": 0.5}, "batch_size": 3}
    )
    assert response.status_code == 200
    patched = response.json()
    assert patched["learning_rate"] == 0.05
    assert patched["optimizer"]["name"] == "momentum" and patched["optimizer"]["beta"] == 0.5
    assert patched["phase"] == "ready" and patched["cursor"]["batch_size"] == 3
    assert patched["parameters"] == net["parameters"]
    response = client.patch(url, json={"activations": ["relu", "sigmoid"], "loss": "mse"})
    assert response.status_code == 200
    assert response.json()["activations"] == ["relu", "sigmoid"]
    response = client.patch(url, json={"activations": ["softmax", "sigmoid"]})
    assert response.status_code == 422
    assert client.get(url).json()["activations"] == ["relu", "sigmoid"]  # unchanged
    response = client.patch(url, json={"layers": [2, 9, 1]})
    assert response.status_code == 422
    assert client.patch("/api/networks/nope", json={}).status_code == 404


def test_a_patch_never_leads_to_a_500_or_a_non_finite_value(client: TestClient) -> None:
    # Spiral, relu/softmax, one step, activations patched to linear under cross-entropy: every
    # /epoch and /train then ended in a 500 while saving infinite gradient-norm sums. That patch
    # is refused now (cross-entropy reads probabilities); linear outputs under a squared loss at
    # the largest learning rate take the same road to overflow.
    spec = {
        "layers": [2, 8, 3],
        "activations": ["relu", "softmax"],
        "loss": "cross_entropy",
        "data": {"generator": "spiral", "classes": 3},
    }
    url = f"/api/networks/{create(client, spec)['id']}"
    assert client.post(f"{url}/step", json={}).status_code == 200
    before = client.get(url).json()
    refused = client.patch(url, json={"activations": ["linear", "linear"]})
    assert refused.status_code == 422 and "a linear output" in refused.json()["detail"]
    assert client.get(url).json() == before
    patch = {"activations": ["linear", "linear"], "loss": "half_sse", "learning_rate": 1000}
    assert client.patch(url, json=patch).status_code == 200
    assert client.post(f"{url}/step", json={}).status_code in (200, 422)
    for request in ({"epochs": 3}, {"epochs": 3}):
        epoch = client.post(f"{url}/epoch", json={})
        train = client.post(f"{url}/train", json=request)
        assert epoch.status_code == train.status_code == 200, (epoch.text, train.text)
        assert (
            train.json()["diverged"] is not None
            and "lower learning rate" in train.json()["diverged"]["detail"]
        )
    stored = client.get(url).json()
    assert all(math.isfinite(x) for W in stored["parameters"]["weights"] for row in W for x in row)
    for phase in ("forward", "loss", "backward"):  # its next step still runs every phase
        assert client.post(f"{url}/{phase}", json={}).status_code == 200, phase


def test_a_patch_that_would_leave_a_next_step_overflowing_is_refused(client: TestClient) -> None:
    # A tanh layer holds a weight of 1e100 (trained weights may grow past what a create takes)
    # before an output weight of 1e60: as a linear layer it would send 1e160 into the squared
    # loss, which overflows.
    document = {
        "spec": {
            "layers": [1, 1, 1],
            "activations": ["tanh", "linear"],
            "loss": "half_sse",
            "data": {"inputs": [[1.0]], "targets": [[0.0]]},
        },
        "parameters": {"weights": [[[1e100]], [[1e60]]], "biases": [[0.0], [0.0]]},
    }
    imported = client.post("/api/networks/import", json=document)
    assert imported.status_code == 201, imported.text
    url = f"/api/networks/{imported.json()['id']}"
    response = client.patch(url, json={"activations": ["linear", "linear"]})
    assert response.status_code == 422
    assert "next batch's loss would overflow" in response.json()["detail"]
    assert client.get(url).json()["activations"] == ["tanh", "linear"]  # nothing changed
    assert client.patch(url, json={"learning_rate": 0.01}).status_code == 200
    assert client.post(f"{url}/step", json={}).status_code == 200


DEEP_LINEAR = {
    "layers": [2, 100, 100, 100, 100, 100, 100, 100, 100, 100, 1],
    "activations": ["linear"] * 10,
    "loss": "mse",
    "data": {"inputs": [[1.0, 1.0]], "targets": [[0.0]]},
}


def test_parameters_that_leave_the_next_step_overflowing_are_refused(client: TestClient) -> None:
    """Every weight within ±1e9 (what a request may set), and yet 1e9 ** 10 · 100 ** 9 overflows:
    the network could run no step, whatever the learning rate. Setting them, or importing a
    network that holds them, is refused; the network as it was still steps."""
    net = create(client, DEEP_LINEAR)
    url = f"/api/networks/{net['id']}"
    before = client.get(url).json()["parameters"]
    huge = [
        np.full((n_out, n_in), 1e9).tolist()
        for n_in, n_out in zip(DEEP_LINEAR["layers"], DEEP_LINEAR["layers"][1:])
    ]
    refused = client.put(f"{url}/parameters", json={"weights": huge})
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "with these parameters the next batch's gradients would overflow (not finite numbers), so nothing "
        "was changed — choose smaller weights or biases"
    )
    assert client.get(url).json()["parameters"] == before
    assert client.post(f"{url}/step", json={}).status_code == 200
    document = client.get(f"{url}/export").json()
    document["parameters"]["weights"] = huge
    imported = client.post("/api/networks/import", json=document)
    assert imported.status_code == 422
    assert "the first batch overflows in its gradients" in imported.json()["detail"]
    assert "no network was made" in imported.json()["detail"]


def test_an_overflow_in_a_phase_does_not_blame_the_learning_rate_alone(client: TestClient) -> None:
    """Inputs sent to a phase can overflow a network no update has touched: the 422 names inputs
    and weights, and the learning rate only for weights that training made large."""
    net = create(client, DEEP_LINEAR)
    url = f"/api/networks/{net['id']}"
    shapes = zip(DEEP_LINEAR["layers"], DEEP_LINEAR["layers"][1:])
    weights = [np.full((n_out, n_in), 1e6).tolist() for n_in, n_out in shapes]
    assert client.put(f"{url}/parameters", json={"weights": weights}).status_code == 200  # its data step
    assert client.post(f"{url}/forward", json={"inputs": [[1e9, 1e9]]}).status_code == 200
    assert client.post(f"{url}/loss", json={"targets": [[0.0]]}).status_code == 200
    refused = client.post(f"{url}/backward")
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "the gradient of layer 1 (Hidden 1) overflowed (not finite): the inputs or weights are too large for "
        "float64; nothing was changed — use smaller inputs or weights, or reset the network (weights "
        "that training made this large call for a lower learning rate)"
    )
    assert client.get(url).json()["step"] == 0


def test_put_parameters_sets_every_weight_and_bias(client: TestClient) -> None:
    net = create(client, {**MAZUR, "weights": None, "biases": None})
    response = client.put(
        f"/api/networks/{net['id']}/parameters", json={"weights": MAZUR["weights"], "biases": MAZUR["biases"]}
    )
    assert response.status_code == 200
    assert response.json()["parameters"] == {"weights": MAZUR["weights"], "biases": MAZUR["biases"]}
    response = client.post(
        f"/api/networks/{net['id']}/step", json={"inputs": MAZUR_INPUTS, "targets": MAZUR_TARGETS}
    )
    assert response.json()["loss"]["loss"] == pytest.approx(0.298371109, abs=1e-9)
    response = client.put(f"/api/networks/{net['id']}/parameters", json={"biases": [[1.0], [2.0, 3.0]]})
    assert response.status_code == 422
    assert "biases[0]" in response.json()["detail"]
    assert client.put("/api/networks/nope/parameters", json={}).status_code == 404


def test_reset_reinitializes_and_clears_history(client: TestClient) -> None:
    net = create(client, MOONS)
    url = f"/api/networks/{net['id']}"
    assert client.post(f"{url}/train", json={"epochs": 2}).status_code == 200
    client.post(f"{url}/step", json={})
    response = client.post(f"{url}/reset")
    assert response.status_code == 200
    reset = response.json()
    assert reset["parameters"] == net["parameters"]
    assert (reset["epoch"], reset["step"], reset["phase"]) == (0, 0, "ready")
    assert client.get(f"{url}/history").json() == {"history": [], "steps": []}
    assert client.post("/api/networks/nope/reset").status_code == 404


def test_export_import_round_trip(client: TestClient) -> None:
    net = create(client, {**MOONS, "optimizer": {"name": "adam"}})
    url = f"/api/networks/{net['id']}"
    client.post(f"{url}/train", json={"epochs": 2})
    client.post(f"{url}/step", json={})
    response = client.get(f"{url}/export")
    assert response.status_code == 200
    document = response.json()
    assert document["format"] == "backprop-explorer/1"
    state = document["optimizer_state"]
    # Adam's moments per tensor, and each tensor's own update count (its bias correction).
    assert state["t"] == 9 and set(state["state"]["W1"]) == {"m", "v", "t"}
    assert state["state"]["W1"]["t"] == 9
    response = client.post("/api/networks/import", json=document)
    assert response.status_code == 201
    copy = response.json()
    original = client.get(url).json()
    assert copy["id"] != original["id"]
    for key in ("parameters", "epoch", "step", "cursor", "optimizer", "layers"):
        assert copy[key] == original[key]
    # Same state, same future: the next step gives identical numbers on both.
    a = client.post(f"{url}/step", json={}).json()
    b = client.post(f"/api/networks/{copy['id']}/step", json={}).json()
    assert a["update"]["layers"] == b["update"]["layers"]
    assert client.get(f"/api/networks/{copy['id']}/history").json()["history"] == document["history"]


def test_import_rejects_inconsistent_documents(client: TestClient) -> None:
    net = create(client, MOONS)
    document = client.get(f"/api/networks/{net['id']}/export").json()
    bad = {**document, "parameters": {"weights": document["parameters"]["weights"][:1], "biases": []}}
    response = client.post("/api/networks/import", json=bad)
    assert response.status_code == 422
    bad = {**document, "optimizer_state": {"t": 1, "state": {"W9": {"v": [[0.0]]}}}}
    response = client.post("/api/networks/import", json=bad)
    assert response.status_code == 422
    assert "W9" in response.json()["detail"]
    response = client.post("/api/networks/import", json={**document, "format": "other/2"})
    assert response.status_code == 422
    assert client.get("/api/networks/nope/export").status_code == 404


def test_network_data(client: TestClient) -> None:
    net = create(client, MOONS)
    response = client.get(f"/api/networks/{net['id']}/data")
    assert response.status_code == 200
    data = response.json()
    assert len(data["inputs"]) == 40 and data["task"] == "binary"
    assert sorted(data["train_indices"] + data["val_indices"]) == list(range(40))
    assert len(data["val_indices"]) == 10
    no_data = create(client, MAZUR)
    assert client.get(f"/api/networks/{no_data['id']}/data").status_code == 422
    assert client.get("/api/networks/nope/data").status_code == 404


def test_trainable_switches_hold_parameters_fixed(client: TestClient) -> None:
    spec = {**MOONS, "trainable": [{"weights": False, "biases": True}, {"weights": True, "biases": False}]}
    net = create(client, spec)
    step = client.post(f"/api/networks/{net['id']}/step", json={}).json()["update"]
    assert step["layers"][0]["W_new"] == step["layers"][0]["W_old"]
    assert step["layers"][1]["b_new"] == step["layers"][1]["b_old"]
    assert step["layers"][1]["W_new"] != step["layers"][1]["W_old"]


def test_export_import_of_large_trained_weights(client: TestClient) -> None:
    # Hand-written values are capped at 1e9, but training may go far beyond; export must follow.
    spec = {"layers": [1, 1], "activations": ["linear"], "learning_rate": 1e3, "weights": [[[1e9]]]}
    net = create(client, spec)
    step = client.post(f"/api/networks/{net['id']}/step", json={"inputs": [[1e9]], "targets": [[0.0]]})
    assert step.status_code == 200
    assert abs(step.json()["update"]["layers"][0]["W_new"][0][0]) > 1e20
    response = client.get(f"/api/networks/{net['id']}/export")
    assert response.status_code == 200
    response = client.post("/api/networks/import", json=response.json())
    assert response.status_code == 201
    assert response.json()["parameters"] == client.get(f"/api/networks/{net['id']}").json()["parameters"]


def test_history_is_kept_out_of_the_network_document(client: TestClient) -> None:
    net = create(client, MOONS)
    assert client.post(f"/api/networks/{net['id']}/train", json={"epochs": 3}).status_code == 200
    stored = client.app.state.service.store.load(net["id"])
    assert "history" not in stored["trainer"] and stored["trainer"]["epoch"] == 3
    assert [h["epoch"] for h in client.get(f"/api/networks/{net['id']}/history").json()["history"]] == [
        1,
        2,
        3,
    ]
