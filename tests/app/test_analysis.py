"""The loss landscape and each sample's share of a gradient, against the phase
endpoints' own numbers on the real app and a real SQLite file."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import MAZUR, MAZUR_INPUTS, MAZUR_TARGETS, create

BLOBS = {
    "layers": [2, 3, 1],
    "activations": ["tanh", "sigmoid"],
    "loss": "bce",
    "learning_rate": 0.5,
    "regularization": {"kind": "l2", "rate": 0.05},
    "init": {"method": "normal", "seed": 4, "scale": 0.8},
    "data": {"generator": "blobs", "n": 24, "noise": 0.2, "seed": 2},
}


def phases(client: TestClient, net_id: str, *names: str) -> dict:
    out = {}
    for name in names:
        response = client.post(f"/api/networks/{net_id}/{name}", json={})
        assert response.status_code == 200, response.text
        out[name] = response.json()
    return out


def landscape(client: TestClient, net_id: str, **body) -> dict:
    response = client.post(f"/api/networks/{net_id}/landscape", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def loss_with(client: TestClient, net: dict, layer: int, name: str, index: list[int], value: float) -> float:
    """The loss phase's answer with one parameter set by hand (a direct evaluation)."""
    url = f"/api/networks/{net['id']}"
    params = client.get(url).json()["parameters"]
    target = params["weights" if name == "W" else "biases"][layer - 1]
    if name == "W":
        target[index[0]][index[1]] = value
    else:
        target[index[0]] = value
    assert client.put(f"{url}/parameters", json=params).status_code == 200
    return phases(client, net["id"], "forward", "loss")["loss"]["loss"]


@pytest.mark.parametrize("data, batch_size", [("train", 24), ("batch", 24), ("batch", 8)])
def test_the_curves_slope_is_the_backward_gradient(client: TestClient, data: str, batch_size: int) -> None:
    # With the full batch the step in progress is the whole training split, so both data
    # choices differentiate the scalar the loss phase reports; "batch" does for any batch.
    net = create(client, {**BLOBS, "batch_size": batch_size})
    traces = phases(client, net["id"], "forward", "loss", "backward")
    for layer, name, index in [(1, "W", [1, 0]), (2, "W", [0, 2]), (1, "b", [2]), (2, "b", [0])]:
        h = 1e-5
        out = landscape(
            client,
            net["id"],
            parameters=[{"layer": layer, "name": name, "index": index}],
            radius=h,
            points=3,
            data=data,
        )
        grads = traces["backward"]["layers"][layer - 1]
        want = grads["dL_dW"][index[0]][index[1]] if name == "W" else grads["dL_db"][index[0]]
        slope = (out["loss"][2] - out["loss"][0]) / (out["axes"][0][2] - out["axes"][0][0])
        assert slope == pytest.approx(want, rel=1e-5, abs=1e-10)
        assert out["current"]["gradient"] == [pytest.approx(want, rel=1e-12, abs=1e-15)]
        assert out["current"]["loss"] == pytest.approx(traces["loss"]["loss"], rel=1e-12)
        assert out["loss"][1] == pytest.approx(traces["loss"]["loss"], rel=1e-12)
        assert out["n_samples"] == batch_size and out["data"] == data and out["trajectory"] == []
    # Nothing was saved: the step in progress is where it was.
    assert client.get(f"/api/networks/{net['id']}").json()["phase"] == "backward"


def test_the_minimum_is_where_direct_evaluation_puts_it(client: TestClient) -> None:
    net = create(client, {**BLOBS, "batch_size": 24})
    choice = {"layer": 2, "name": "W", "index": [0, 1]}
    out = landscape(client, net["id"], parameters=[choice], radius=3.0, points=41)
    assert len(out["axes"][0]) == len(out["loss"]) == 41
    assert out["parameters"][0] == {**choice, "value": net["parameters"]["weights"][1][0][1]}
    low = min(range(41), key=out["loss"].__getitem__)
    assert 0 < low < 40, "the minimum should lie inside the window"
    direct = {i: loss_with(client, net, 2, "W", [0, 1], out["axes"][0][i]) for i in (low - 1, low, low + 1)}
    for i, value in direct.items():
        assert out["loss"][i] == pytest.approx(value, rel=1e-12)
    assert direct[low] <= direct[low - 1] and direct[low] <= direct[low + 1]


def test_two_parameters_give_a_grid_with_the_first_along_rows(client: TestClient) -> None:
    net = create(client, {**BLOBS, "batch_size": 24})
    first, second = {"layer": 1, "name": "W", "index": [0, 0]}, {"layer": 2, "name": "b", "index": [0]}
    out = landscape(client, net["id"], parameters=[first, second], radius=1.0, points=5)
    assert len(out["loss"]) == 5 and all(len(row) == 5 for row in out["loss"])
    assert [p["value"] for p in out["parameters"]] == out["current"]["value"]
    assert len(out["current"]["gradient"]) == 2
    # loss[4][0]: the first parameter at its largest value, the second at its smallest.
    url = f"/api/networks/{net['id']}"
    params = client.get(url).json()["parameters"]
    params["weights"][0][0][0] = out["axes"][0][4]
    params["biases"][1][0] = out["axes"][1][0]
    assert client.put(f"{url}/parameters", json=params).status_code == 200
    assert out["loss"][4][0] == pytest.approx(
        phases(client, net["id"], "forward", "loss")["loss"]["loss"], rel=1e-12
    )


def test_batch_data_is_the_step_in_progress(client: TestClient) -> None:
    net = create(client, MAZUR)
    url = f"/api/networks/{net['id']}"
    body = {"parameters": [{"layer": 2, "name": "W", "index": [0, 0]}], "data": "batch"}
    response = client.post(f"{url}/landscape", json=body)
    assert response.status_code == 409 and response.json()["detail"].startswith("run forward first")
    assert client.post(f"{url}/forward", json={"inputs": MAZUR_INPUTS}).status_code == 200
    response = client.post(f"{url}/landscape", json=body)
    assert response.status_code == 409 and response.json()["detail"].startswith("run loss first")
    assert client.post(f"{url}/loss", json={"targets": MAZUR_TARGETS}).status_code == 200
    out = landscape(client, net["id"], **body)
    assert out["current"]["loss"] == pytest.approx(0.298371109, abs=1e-9)  # E_total
    assert out["current"]["gradient"][0] == pytest.approx(0.082167041, abs=1e-9)  # ∂E/∂w5
    response = client.post(f"{url}/landscape", json={**body, "data": "train"})
    assert response.status_code == 422 and "no training data" in response.json()["detail"]


def test_the_work_limit_is_a_413(make_client) -> None:
    n_parameters = 2 * 3 + 3 + 3 * 1 + 1  # BLOBS is 2-3-1
    client = make_client(max_landscape_work=41 * 41 * n_parameters * 24 - 1)  # 24 samples
    net = create(client, BLOBS)
    assert net["n_parameters"] == n_parameters
    body = {
        "parameters": [{"layer": 1, "name": "W", "index": [0, 0]}, {"layer": 1, "name": "W", "index": [0, 1]}]
    }
    response = client.post(f"/api/networks/{net['id']}/landscape", json=body)
    assert response.status_code == 413
    assert "max_landscape_work" in response.json()["detail"]
    assert "BACKPROP_EXPLORER_MAX_LANDSCAPE_WORK" in response.json()["detail"]
    ok = client.post(f"/api/networks/{net['id']}/landscape", json={**body, "points": 40})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "body, status",
    [
        ({"parameters": [{"layer": 3, "name": "W", "index": [0, 0]}]}, 422),
        ({"parameters": [{"layer": 1, "name": "W", "index": [0]}]}, 422),
        ({"parameters": [{"layer": 1, "name": "b", "index": [7]}]}, 422),
        ({"parameters": [{"layer": 1, "name": "b", "index": [0]}] * 2}, 422),
        ({"parameters": []}, 422),
        ({"parameters": [{"layer": 1, "name": "b", "index": [0]}], "points": 102}, 422),
        ({"parameters": [{"layer": 1, "name": "b", "index": [0]}], "radius": 0}, 422),
        ({"parameters": [{"layer": 1, "name": "b", "index": [0]}], "data": "test"}, 422),
    ],
)
def test_bad_landscape_requests_are_4xx(client: TestClient, body: dict, status: int) -> None:
    net = create(client, BLOBS)
    response = client.post(f"/api/networks/{net['id']}/landscape", json=body)
    assert response.status_code == status
    assert response.json()["detail"]


def test_unknown_network_is_a_404(client: TestClient) -> None:
    body = {"parameters": [{"layer": 1, "name": "b", "index": [0]}]}
    assert client.post("/api/networks/nope/landscape", json=body).status_code == 404
    assert client.post("/api/networks/nope/gradient-shares", json=body["parameters"][0]).status_code == 404


# --- each sample's share --------------------------------------------------------------


@pytest.mark.parametrize("choice", [[1, "W", [2, 1]], [2, "W", [0, 1]], [1, "b", [0]], [2, "b", [0]]])
def test_the_terms_sum_to_the_backward_gradient(client: TestClient, choice: list) -> None:
    layer, name, index = choice
    net = create(client, {**BLOBS, "batch_size": 8})
    traces = phases(client, net["id"], "forward", "loss", "backward")
    response = client.post(
        f"/api/networks/{net['id']}/gradient-shares", json={"layer": layer, "name": name, "index": index}
    )
    assert response.status_code == 200, response.text
    out = response.json()
    grads = traces["backward"]["layers"][layer - 1]
    want = grads["dL_dW"][index[0]][index[1]] if name == "W" else grads["dL_db"][index[0]]
    assert out["gradient"] == want
    assert out["sum_of_terms"] + out["penalty_gradient"] == pytest.approx(want, abs=1e-12)
    assert sum(out["terms"]) == pytest.approx(out["sum_of_terms"], abs=1e-12)
    assert out["batch_size"] == out["trace_samples"] == len(out["terms"]) == 8 and out["cut"] is False
    assert out["indices"] == traces["forward"]["indices"]
    # Each term is δ_s · a_prev,s, both read from the phases' traces.
    delta = [row[index[0]] for row in grads["dL_dz"]]
    assert out["dL_dz"] == pytest.approx(delta, abs=1e-15)
    if name == "W":
        below = traces["forward"]["inputs"] if layer == 1 else traces["forward"]["layers"][layer - 2]["a"]
        assert out["a_prev"] == pytest.approx([row[index[1]] for row in below], abs=1e-15)
        weight = net["parameters"]["weights"][layer - 1][index[0]][index[1]]
        assert out["penalty_gradient"] == pytest.approx(0.05 * weight)  # l2: λ·w
    else:
        assert out["a_prev"] == [1.0] * 8 and out["penalty_gradient"] == 0.0
    assert out["terms"] == pytest.approx([d * a for d, a in zip(out["dL_dz"], out["a_prev"])], abs=1e-15)


def test_a_cut_trace_says_so_and_still_sums_every_sample(make_client) -> None:
    client = make_client(max_trace_samples=3)
    net = create(client, {**BLOBS, "batch_size": 8})
    traces = phases(client, net["id"], "forward", "loss", "backward")
    out = client.post(
        f"/api/networks/{net['id']}/gradient-shares", json={"layer": 1, "name": "W", "index": [0, 0]}
    ).json()
    assert out["cut"] is True and out["trace_samples"] == 3 and out["batch_size"] == 8
    assert len(out["terms"]) == len(out["indices"]) == 3
    want = traces["backward"]["layers"][0]["dL_dW"][0][0]
    assert out["sum_of_terms"] + out["penalty_gradient"] == pytest.approx(want, abs=1e-12)
    assert abs(sum(out["terms"]) - out["sum_of_terms"]) > 1e-12  # five samples are not shown


def test_shares_need_the_backward_pass_of_the_step_in_progress(client: TestClient) -> None:
    net = create(client, {**BLOBS, "batch_size": 4})
    url = f"/api/networks/{net['id']}"
    body = {"layer": 1, "name": "W", "index": [0, 0]}
    for done in ("ready", "forward", "loss", "backward", "update"):
        if done != "ready":
            assert client.post(f"{url}/{done}", json={}).status_code == 200
        response = client.post(f"{url}/gradient-shares", json=body)
        if done == "backward":
            assert response.status_code == 200
            bad = client.post(f"{url}/gradient-shares", json={**body, "index": [9, 0]})
            assert bad.status_code == 422 and "index must be" in bad.json()["detail"]
        else:
            assert response.status_code == 409, done
            assert response.json()["detail"].startswith("run backward first")


def test_shares_of_explicit_inputs_have_no_dataset_rows(client: TestClient) -> None:
    net = create(client, MAZUR)
    url = f"/api/networks/{net['id']}"
    client.post(f"{url}/forward", json={"inputs": MAZUR_INPUTS + [[0.2, -0.3]]})
    client.post(f"{url}/loss", json={"targets": MAZUR_TARGETS + [[0.5, 0.5]]})
    backward = client.post(f"{url}/backward").json()
    out = client.post(f"{url}/gradient-shares", json={"layer": 2, "name": "W", "index": [0, 0]}).json()
    assert out["indices"] is None and out["batch_size"] == 2
    assert out["sum_of_terms"] == pytest.approx(backward["layers"][1]["dL_dW"][0][0], abs=1e-12)


def test_a_snapshots_landscape_is_drawn_around_that_moments_parameters(client: TestClient) -> None:
    # Without a penalty, the landscape's loss at a snapshot is that epoch's training loss.
    net = create(client, {**BLOBS, "batch_size": 8, "regularization": {"kind": "none"}})
    url = f"/api/networks/{net['id']}"
    trained = client.post(f"{url}/train", json={"epochs": 5}).json()
    choice = {"layer": 1, "name": "W", "index": [0, 1]}
    then = client.get(f"{url}/snapshots/epoch/2").json()["network"]
    out = landscape(client, net["id"], parameters=[choice], radius=0.5, points=5, snapshot={"epoch": 2})
    assert out["current"]["value"] == [then["parameters"]["weights"][0][0][1]]
    now = landscape(client, net["id"], parameters=[choice], radius=0.5, points=5)
    assert now["current"]["value"] == [trained["network"]["parameters"]["weights"][0][0][1]]
    assert now["current"]["value"] != out["current"]["value"]
    assert out["current"]["loss"] == pytest.approx(trained["history"][1]["train_loss"], rel=1e-12)
    body = {"parameters": [choice], "data": "batch", "snapshot": {"epoch": 2}}
    refused = client.post(f"{url}/landscape", json=body)
    assert refused.status_code == 422 and "snapshot" in refused.json()["detail"]
    missing = client.post(f"{url}/landscape", json={"parameters": [choice], "snapshot": {"epoch": 99}})
    assert missing.status_code == 422  # the network is there; the snapshot the body names is not kept
    assert "epoch 99" in missing.json()["detail"]
