"""forward → loss → backward → update, one request each, and step; the phase state machine."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import MAZUR, MAZUR_INPUTS, MAZUR_TARGETS, MOONS, create


def test_mazur_worked_example_phase_by_phase(client: TestClient) -> None:
    net = create(client, MAZUR)
    url = f"/api/networks/{net['id']}"

    response = client.post(f"{url}/forward", json={"inputs": MAZUR_INPUTS})
    assert response.status_code == 200
    forward = response.json()
    assert forward["phase"] == "forward"
    assert [layer["index"] for layer in forward["layers"]] == [1, 2]
    assert forward["layers"][0]["z"][0] == pytest.approx([0.3775, 0.3925])
    assert forward["layers"][0]["a"][0] == pytest.approx([0.593269992, 0.596884378])
    assert forward["output"][0] == pytest.approx([0.75136507, 0.772928465])
    assert forward["indices"] is None

    response = client.post(f"{url}/loss", json={"targets": MAZUR_TARGETS})
    assert response.status_code == 200
    loss = response.json()
    assert loss["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert loss["data_loss"] == loss["loss"] and loss["penalty"] == 0
    assert loss["dL_da"][0] == pytest.approx([0.74136507, -0.217071535])

    response = client.post(f"{url}/backward")
    assert response.status_code == 200
    backward = response.json()
    assert backward["layers"][1]["dL_dW"][0][0] == pytest.approx(0.082167041)
    assert backward["layers"][0]["dL_dW"][0][0] == pytest.approx(0.000438568)
    assert backward["health"]["layers"][1]["status"] == "ok"

    response = client.post(f"{url}/update")
    assert response.status_code == 200
    update = response.json()
    assert update["layers"][1]["W_new"][0][0] == pytest.approx(0.35891648, abs=1e-8)
    assert update["layers"][1]["W_new"][0][1] == pytest.approx(0.408666186, abs=1e-8)
    assert update["layers"][0]["W_new"][0][0] == pytest.approx(0.149780716, abs=1e-9)
    assert update["layers"][0]["W_new"][1][1] == pytest.approx(0.29950229, abs=1e-8)
    assert update["layers"][0]["b_new"] == update["layers"][0]["b_old"] == [0.35, 0.35]
    assert update["step"] == 1 and update["epoch_completed"] is False

    response = client.get(url)
    assert response.status_code == 200
    assert response.json()["phase"] == "update"
    assert response.json()["parameters"]["weights"][1][0][0] == update["layers"][1]["W_new"][0][0]


def test_step_returns_the_same_numbers_as_the_phases(client: TestClient) -> None:
    a, b = create(client, MAZUR), create(client, MAZUR)
    body = {"inputs": MAZUR_INPUTS, "targets": MAZUR_TARGETS}
    response = client.post(f"/api/networks/{a['id']}/step", json=body)
    assert response.status_code == 200
    step = response.json()
    assert set(step) == {"forward", "loss", "backward", "update"}
    client.post(f"/api/networks/{b['id']}/forward", json={"inputs": MAZUR_INPUTS})
    client.post(f"/api/networks/{b['id']}/loss", json={"targets": MAZUR_TARGETS})
    client.post(f"/api/networks/{b['id']}/backward")
    update = client.post(f"/api/networks/{b['id']}/update").json()
    assert step["update"]["layers"] == update["layers"]
    assert step["update"]["loss_after"] == update["loss_after"]


@pytest.mark.parametrize(
    ("done", "phase", "must_come_first"),
    [
        ([], "loss", "forward"),
        ([], "backward", "forward"),
        ([], "update", "forward"),
        (["forward"], "backward", "loss"),
        (["forward"], "update", "loss"),
        (["forward", "loss"], "update", "backward"),
        (["forward", "loss"], "loss", "forward"),
        (["forward", "loss", "backward", "update"], "loss", "forward"),
    ],
)
def test_phases_out_of_order_are_409_naming_the_phase_first(
    client: TestClient, done: list[str], phase: str, must_come_first: str
) -> None:
    net = create(client, MOONS)
    for earlier in done:
        assert client.post(f"/api/networks/{net['id']}/{earlier}", json={}).status_code == 200
    response = client.post(f"/api/networks/{net['id']}/{phase}", json={})
    assert response.status_code == 409
    assert f"run {must_come_first} first" in response.json()["detail"]


def test_new_forward_restarts_the_step(client: TestClient) -> None:
    net = create(client, MOONS)
    url = f"/api/networks/{net['id']}"
    assert client.post(f"{url}/forward", json={}).status_code == 200
    assert client.post(f"{url}/loss", json={}).status_code == 200
    assert client.post(f"{url}/forward", json={}).status_code == 200
    assert client.post(f"{url}/backward").status_code == 409
    assert client.get(url).json()["phase"] == "forward"


def test_explicit_inputs_require_explicit_targets(client: TestClient) -> None:
    net = create(client, MOONS)
    url = f"/api/networks/{net['id']}"
    client.post(f"{url}/forward", json={"inputs": [[0.1, 0.2]]})
    response = client.post(f"{url}/loss", json={})
    assert response.status_code == 422
    assert "targets are required" in response.json()["detail"]
    response = client.post(f"{url}/step", json={"inputs": [[0.1, 0.2]]})
    assert response.status_code == 422
    assert "targets" in response.json()["detail"]


def test_dataset_batches_refuse_targets(client: TestClient) -> None:
    net = create(client, MOONS)
    url = f"/api/networks/{net['id']}"
    client.post(f"{url}/forward", json={})
    response = client.post(f"{url}/loss", json={"targets": [[1.0]]})
    assert response.status_code == 422
    assert "omit targets" in response.json()["detail"]


def test_update_advances_the_cursor_and_closes_the_epoch(client: TestClient) -> None:
    net = create(client, MOONS)  # 30 training samples, batches of 8: 4 batches
    url = f"/api/networks/{net['id']}"
    cursor = net["cursor"]
    assert (cursor["n_train"], cursor["n_validation"], cursor["batches_per_epoch"]) == (30, 10, 4)
    seen = []
    for k in range(4):
        expected = client.get(url).json()["cursor"]["next_indices"]
        step = client.post(f"{url}/step", json={})
        assert step.status_code == 200
        body = step.json()
        assert body["forward"]["indices"] == expected
        seen += expected
        assert body["update"]["epoch_completed"] is (k == 3)
    assert sorted(seen) == sorted(client.get(f"{url}/data").json()["train_indices"])
    summary = body["update"]["epoch_summary"]
    assert summary["epoch"] == 1 and len(summary["grad_norms"]) == 2
    state = client.get(url).json()
    assert (state["epoch"], state["step"], state["cursor"]["position"]) == (1, 4, 0)


def test_forward_with_indices_does_not_move_the_cursor(client: TestClient) -> None:
    net = create(client, MOONS)
    url = f"/api/networks/{net['id']}"
    response = client.post(f"{url}/step", json={"indices": [0, 5]})
    assert response.status_code == 200
    assert response.json()["forward"]["indices"] == [0, 5]
    state = client.get(url).json()
    assert (state["step"], state["cursor"]["position"]) == (1, 0)
    response = client.post(f"{url}/forward", json={"indices": [999]})
    assert response.status_code == 422
    assert "out of range" in response.json()["detail"]


def test_trace_is_cut_to_max_trace_samples(make_client) -> None:
    client = make_client(max_trace_samples=3)
    net = create(client, {**MOONS, "batch_size": 10})
    response = client.post(f"/api/networks/{net['id']}/step", json={})
    assert response.status_code == 200
    forward = response.json()["forward"]
    assert (forward["trace_samples"], forward["batch_size"]) == (3, 10)
    assert len(forward["inputs"]) == len(forward["layers"][0]["z"]) == 3


def test_phases_of_unknown_network_are_404(client: TestClient) -> None:
    for phase in ("forward", "loss", "backward", "update", "step"):
        response = client.post(f"/api/networks/nope/{phase}", json={})
        assert response.status_code == 404
        assert "nope" in response.json()["detail"]


def test_network_without_data_needs_explicit_inputs(client: TestClient) -> None:
    net = create(client, MAZUR)
    assert net["data"] is None and net["task"] is None
    response = client.post(f"/api/networks/{net['id']}/forward", json={})
    assert response.status_code == 422
    assert "no training data" in response.json()["detail"]


def test_the_phase_is_update_after_a_step_and_ready_after_an_epoch(client: TestClient) -> None:
    """What docs/api.md says of `phase`: the last phase completed, `update` once a step is
    complete, `ready` when no step has begun; from either the next phase is forward."""
    url = f"/api/networks/{create(client, MOONS)['id']}"
    assert client.get(url).json()["phase"] == "ready"
    for phase in ("forward", "loss", "backward", "update"):
        assert client.post(f"{url}/{phase}").status_code == 200
        assert client.get(url).json()["phase"] == phase
    assert client.post(f"{url}/step").json()["update"]["step"] == 2
    assert client.get(url).json()["phase"] == "update"
    assert client.post(f"{url}/loss").status_code == 409  # a new step starts with forward
    assert client.post(f"{url}/epoch").status_code == 200
    assert client.get(url).json()["phase"] == "ready"
    assert client.post(f"{url}/step").status_code == 200
    assert client.post(f"{url}/reset").status_code == 200
    assert client.get(url).json()["phase"] == "ready"
