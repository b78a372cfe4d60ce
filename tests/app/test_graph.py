"""POST …/graph: the computational graph of one sample, stepping with the phases, against the
phase endpoints' own numbers on the real app and a real SQLite file."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import MAZUR, MAZUR_INPUTS, MAZUR_TARGETS, MOONS, create


def graph(client: TestClient, net_id: str, **body) -> dict:
    response = client.post(f"/api/networks/{net_id}/graph", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def run(client: TestClient, net_id: str, phase: str, body: dict | None = None) -> dict:
    response = client.post(f"/api/networks/{net_id}/{phase}", json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


def by_id(answer: dict) -> dict[str, dict]:
    return {node["id"]: node for node in answer["nodes"]}


def test_numbers_appear_phase_by_phase_and_are_the_phases_own(client: TestClient) -> None:
    net = create(client, {**MAZUR, "batch_size": 1})
    nid = net["id"]
    ready = by_id(graph(client, nid))
    assert ready["W1[0][0]"]["value"] == 0.15 and ready["z1[0]"]["value"] is None
    assert all(node["grad"] is None for node in ready.values())

    forward = run(client, nid, "forward", {"inputs": MAZUR_INPUTS})
    nodes = by_id(after_forward := graph(client, nid))
    assert after_forward["phase"] == "forward" and after_forward["batch_size"] == 1
    for layer in forward["layers"]:
        for j, (z, a) in enumerate(zip(layer["z"][0], layer["a"][0], strict=True)):
            assert nodes[f"z{layer['index']}[{j}]"]["value"] == z
            assert nodes[f"a{layer['index']}[{j}]"]["value"] == a
    assert nodes["L_s"]["value"] is None and nodes["y[0]"]["value"] is None

    loss = run(client, nid, "loss", {"targets": MAZUR_TARGETS})
    nodes = by_id(graph(client, nid))
    assert nodes["L_s"]["value"] == loss["per_sample"][0] == loss["loss"]  # one sample, no penalty
    assert [nodes["y[0]"]["value"], nodes["y[1]"]["value"]] == MAZUR_TARGETS[0]
    assert all(node["grad"] is None for node in nodes.values())

    backward = run(client, nid, "backward")
    nodes = by_id(graph(client, nid))
    for layer in backward["layers"]:
        l = layer["index"]
        for j, delta in enumerate(layer["dL_dz"][0]):
            assert nodes[f"z{l}[{j}]"]["grad"] == delta and nodes[f"b{l}[{j}]"]["grad"] == delta
            assert nodes[f"a{l}[{j}]"]["grad"] == layer["dL_da"][0][j]
            for i, g in enumerate(layer["dL_dW"][j]):  # one sample: its term is the whole gradient
                assert nodes[f"W{l}[{j}][{i}]"]["grad"] == pytest.approx(g, rel=1e-15, abs=1e-18)
    # Mazur's ∂E_total/∂w₅, to the article's digits.
    assert nodes["W2[0][0]"]["grad"] == pytest.approx(0.082167041, abs=5e-10)

    run(client, nid, "update")
    after = by_id(graph(client, nid))
    assert after["z1[0]"]["value"] is None and after["W2[0][0]"]["value"] == pytest.approx(
        0.35891648, abs=5e-9
    )


def test_a_focused_graph_of_a_batch_row_sums_to_the_batch_gradient(client: TestClient) -> None:
    net = create(client, {**MOONS, "regularization": {"kind": "l2", "rate": 0.1}})
    nid = net["id"]
    run(client, nid, "forward")
    run(client, nid, "loss")
    backward = run(client, nid, "backward")
    B = len(backward["layers"][0]["dL_dz"])
    total = 0.0
    for s in range(B):
        answer = graph(client, nid, sample=s, focus={"layer": 1, "neuron": 2})
        assert (
            answer["sample"] == s
            and answer["batch_size"] == B
            and answer["focus"] == {"layer": 1, "neuron": 2}
        )
        nodes = by_id(answer)
        assert nodes["z1[2]"]["grad"] == backward["layers"][0]["dL_dz"][s][2]
        assert nodes["L"]["grad"] == 1.0 and nodes["L_s"]["grad"] == 1 / B
        total += nodes["W1[2][0]"]["grad"]
    W = client.get(f"/api/networks/{nid}").json()["parameters"]["weights"][0][2][0]
    # The batch's ∂L/∂w: every sample's term plus the L2 penalty's gradient λ·w.
    assert total + 0.1 * W == pytest.approx(backward["layers"][0]["dL_dW"][2][0], rel=1e-12)
    assert answer["backward_order"][0] == "L" and answer["whole_network_nodes"] == 2 + 4 * 7 + 11 + 3


@pytest.mark.parametrize(
    "body, message",
    [
        ({"focus": {"layer": 3, "neuron": 0}}, "focus must be a neuron"),
        ({"focus": {"layer": 1, "neuron": 4}}, "focus must be a neuron"),
        ({"sample": 8}, "sample must be 0..7"),
        ({"sample": -1}, "greater than or equal to 0"),
        ({"focus": {"layer": 1}}, "neuron"),
        ({"whole": True}, "Extra inputs"),
    ],
)
def test_bad_requests_are_422_with_a_reason(client: TestClient, body: dict, message: str) -> None:
    nid = create(client, MOONS)["id"]
    run(client, nid, "forward")
    response = client.post(f"/api/networks/{nid}/graph", json=body)
    assert response.status_code == 422
    assert message in str(response.json()["detail"])


def test_a_network_too_big_for_one_picture_is_told_to_choose_a_neuron(client: TestClient) -> None:
    nid = create(client, {**MOONS, "layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"]})["id"]
    response = client.post(f"/api/networks/{nid}/graph", json={})
    assert response.status_code == 422 and "choose a neuron" in response.json()["detail"]
    assert graph(client, nid, focus={"layer": 2, "neuron": 7})["whole_network_nodes"] > 160
    assert client.post("/api/networks/nope/graph", json={}).status_code == 404


def test_the_body_is_optional(client: TestClient) -> None:
    """No body at all is the defaults, row 0 and the whole network, as `{}` is."""
    nid = create(client, MOONS)["id"]
    run(client, nid, "forward")
    run(client, nid, "loss")
    bare = client.post(f"/api/networks/{nid}/graph")
    assert bare.status_code == 200, bare.text
    assert bare.json() == graph(client, nid) == graph(client, nid, sample=0, focus=None)
    assert bare.json()["nodes"] and any(node["value"] is not None for node in bare.json()["nodes"])
