"""Error responses: always {"detail": ...}; NaN/infinity and over-limit requests are refused."""

from __future__ import annotations

import numpy as np
import pytest
from backprop_explorer.app import serialize
from backprop_explorer.app.errors import InvalidInput
from fastapi.testclient import TestClient

from .conftest import MOONS, create


def post_raw(client: TestClient, url: str, body: bytes):
    return client.post(url, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e999"])
@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/api/networks", b'{"layers": [2, 1], "learning_rate": %s}'),
        ("/api/networks", b'{"layers": [2, 1], "weights": [[[%s, 1]]]}'),
        ("/api/networks", b'{"layers": [2, 1], "data": {"inputs": [[%s, 1]], "targets": [[1]]}}'),
        ("{net}/forward", b'{"inputs": [[%s, 1]]}'),
        ("{net}/step", b'{"inputs": [[0, 1]], "targets": [[%s]]}'),
        ("{net}/predict", b'{"grid": {"resolution": 5, "x1_min": %s}}'),
        ("{net}/train", b'{"epochs": 1, "early_stopping": {"patience": 1, "min_delta": %s}}'),
        ("{net}/gradcheck", b'{"inputs": [[0, 1]], "targets": [[%s]]}'),
    ],
)
def test_non_finite_numbers_are_422(client: TestClient, token: bytes, path: str, template: bytes) -> None:
    net = create(client, MOONS)
    url = path.replace("{net}", f"/api/networks/{net['id']}")
    response = post_raw(client, url, template % token)
    assert response.status_code == 422
    body = response.json()
    assert isinstance(body["detail"], str) and body["errors"]
    assert client.get(f"/api/networks/{net['id']}").json() == net


def test_non_finite_in_put_and_patch(client: TestClient) -> None:
    net = create(client, MOONS)
    url = f"/api/networks/{net['id']}"
    response = client.put(f"{url}/parameters", content=b'{"biases": [[NaN, 0, 0, 0], [0]]}')
    assert response.status_code == 422
    response = client.patch(url, content=b'{"learning_rate": Infinity}')
    assert response.status_code == 422
    assert client.get(url).json() == net


def test_validation_errors_name_the_field(client: TestClient) -> None:
    response = client.post("/api/networks", json={"layers": [2, "x"], "loss": "hinge"})
    assert response.status_code == 422
    body = response.json()
    assert "layers.1" in body["detail"] and "loss" in body["detail"]
    assert {tuple(e["loc"]) for e in body["errors"]} >= {("body", "layers", 1), ("body", "loss")}


@pytest.mark.parametrize("body", [b"{", b"[]", b'"x"', b"null", b"\xff"])
def test_malformed_bodies_are_422(client: TestClient, body: bytes) -> None:
    response = post_raw(client, "/api/networks", body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


FORMS = (
    "Input should hold generator (a generator's name), inputs and targets (rows of numbers), or dataset_id"
)


@pytest.mark.parametrize(
    ("data", "detail", "loc"),
    [
        (
            {"inputs": [[1e10, 2]], "targets": [[1]]},
            "data.inputs.0.0: Input should be less than or equal to 1e9",
            ["body", "data", "inputs", 0, 0],
        ),
        (
            {"generator": "xor", "n": 0},
            "data.n: Input should be greater than or equal to 1",
            ["body", "data", "n"],
        ),
        (
            {"dataset_id": ""},
            "data.dataset_id: String should have at least 1 character",
            ["body", "data", "dataset_id"],
        ),
        ({"targets": [[1]]}, "data.inputs: Field required", ["body", "data", "inputs"]),
        ({"generator": "xor", "inputs": [[0, 1]]}, "data.inputs: Extra inputs are not permitted", None),
        (  # a key named like a form's tag is a key of the body, and named as one
            {"inputs": [[0, 1]], "targets": [[1]], "ArrayData": 1},
            "data.ArrayData: Extra inputs are not permitted",
            ["body", "data", "ArrayData"],
        ),
        ({"n": 5}, f"data: {FORMS} (an uploaded dataset's id)", ["body", "data"]),
        ("xor", f"data: {FORMS} (an uploaded dataset's id)", ["body", "data"]),
    ],
)
def test_a_bad_data_field_is_reported_against_the_form_its_keys_pick(
    client: TestClient, data: object, detail: str, loc: list | None
) -> None:
    # `data` is a generator's name, rows of numbers or an uploaded dataset: the keys sent say
    # which, and the answer is about that form alone, not every form the body was never meant as.
    response = client.post("/api/networks", json={"layers": [2, 1], "data": data})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == detail
    if loc is not None:
        assert [e["loc"] for e in body["errors"]] == [loc]
    assert client.get("/api/networks").json()["networks"] == []


@pytest.mark.parametrize(
    ("trainable", "detail"),
    [
        ({"weights": 1}, "trainable.weights: Input should be a valid boolean"),
        ([{"weights": True}, {"biases": 2}], "trainable.1.biases: Input should be a valid boolean"),
        ("yes", "trainable: Input should be an object {weights, biases} or a list of them, one per layer"),
    ],
)
def test_a_bad_trainable_is_reported_against_the_shape_it_was_sent_in(
    client: TestClient, trainable: object, detail: str
) -> None:
    # An object is one setting for every layer, a list one per layer: not both forms' errors.
    response = client.post("/api/networks", json={"layers": [2, 2, 1], "trainable": trainable})
    assert response.status_code == 422 and response.json()["detail"] == detail
    net = create(client, MOONS)
    response = client.patch(f"/api/networks/{net['id']}", json={"trainable": trainable})
    assert response.status_code == 422 and response.json()["detail"] == detail
    assert client.get(f"/api/networks/{net['id']}").json() == net


def test_huge_bounds_are_written_readably(client: TestClient) -> None:
    # pydantic writes a float bound with all its digits: 1e154 had 155 of them.
    net = create(client, MOONS)
    document = client.get(f"/api/networks/{net['id']}/export").json()
    document["parameters"]["weights"][0][0] = [1e200, -1e200]
    response = client.post("/api/networks/import", json=document)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "parameters.weights.0.0.0: Input should be less than or equal to 1e154; "
        "parameters.weights.0.0.1: Input should be greater than or equal to -1e154"
    )
    assert [e["msg"] for e in response.json()["errors"]] == [
        "Input should be less than or equal to 1e154",
        "Input should be greater than or equal to -1e154",
    ]
    # Small bounds read as before; an integer bound stays exact to the digit.
    for spec, detail in [
        ({"learning_rate": 1e5}, "learning_rate: Input should be less than or equal to 1000"),
        ({"optimizer": {"name": "adam", "eps": 0}}, "optimizer.eps: Input should be greater than 0"),
        ({"optimizer": {"name": "adam", "beta2": 1}}, "optimizer.beta2: Input should be less than 1"),
        ({"init": {"seed": 2**53 + 2}}, "init.seed: Input should be less than or equal to 9007199254740992"),
    ]:
        response = client.post("/api/networks", json={"layers": [2, 1], **spec})
        assert response.status_code == 422 and response.json()["detail"] == detail


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        # A byte-order mark: Python's JSON decoder reads the rest as UTF-16, which is no JSON.
        (b"\xff\xfe{}", "Expecting value at line 1, column 1 (character 0)"),
        (b"\xff\xfe{", "read as UTF-16-LE, it breaks off at byte 2 (truncated data)"),
        (b"\xff", "the byte 0xff at offset 0 is not UTF-8 (invalid start byte)"),
        (
            b'{"layers": [2, 1], "name": "caf\xe9"}',
            "the byte 0xe9 at offset 31 is not UTF-8 (invalid continuation byte)",
        ),
        (b'{"layers": [2,\n 1', "Expecting ',' delimiter at line 2, column 3 (character 17)"),
    ],
)
def test_a_body_that_is_not_json_in_utf8_says_so_and_where(
    client: TestClient, body: bytes, detail: str
) -> None:
    response = post_raw(client, "/api/networks", body)
    assert response.status_code == 422
    assert response.json()["detail"] == f"the body is not valid JSON in UTF-8: {detail}"


@pytest.mark.parametrize(
    ("spec", "limit"),
    [
        ({"layers": [2] * 5 + [1]}, "max_layers=4"),
        ({"layers": [2, 65, 1]}, "max_neurons=64"),
        ({"layers": [2, 60, 60, 1]}, "max_parameters=1000"),
        ({"layers": [2, 1], "data": {"generator": "moons", "n": 101}}, "max_samples=100"),
        ({"layers": [2, 1], "data": {"inputs": [[0, 0]] * 101, "targets": [[0]] * 101}}, "max_samples=100"),
    ],
)
def test_limits_are_413_naming_the_limit(make_client, spec: dict, limit: str) -> None:
    client = make_client(max_layers=4, max_neurons=64, max_parameters=1000, max_samples=100)
    response = client.post("/api/networks", json=spec)
    assert response.status_code == 413
    assert limit in response.json()["detail"]
    assert "BACKPROP_EXPLORER_MAX_" in response.json()["detail"]


def test_limits_on_requests(make_client) -> None:
    client = make_client(max_samples=10, max_epochs=5)
    net = create(client, {**MOONS, "data": {"generator": "moons", "n": 10}})
    url = f"/api/networks/{net['id']}"
    response = client.post(f"{url}/forward", json={"inputs": [[0, 0]] * 11})
    assert response.status_code == 413
    assert "max_samples=10" in response.json()["detail"]
    response = client.post(f"{url}/train", json={"epochs": 6})
    assert response.status_code == 413
    assert "max_epochs=5" in response.json()["detail"]
    limits = client.get("/api/catalog").json()["limits"]
    assert (limits["max_samples"], limits["max_epochs"]) == (10, 5)


def test_body_over_the_limit_is_413(make_client) -> None:
    client = make_client(max_body_bytes=2000)
    rows = [[0.5, 0.5]] * 200
    response = client.post(
        "/api/networks", json={"layers": [2, 1], "data": {"inputs": rows, "targets": [[1]] * 200}}
    )
    assert response.status_code == 413
    assert "max_body_bytes=2000" in response.json()["detail"]

    # A body streamed without Content-Length is counted as it arrives.
    def chunks():
        yield b'{"layers": [2, 1], "data": {"inputs": ['
        for _ in range(300):
            yield b"[0.5, 0.5],"
        yield b"[0.5, 0.5]], targets: []}}"

    response = client.post("/api/networks", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_unknown_routes_and_ids_are_404_with_detail(client: TestClient) -> None:
    response = client.get("/api/networks/does-not-exist")
    assert response.status_code == 404
    assert "does-not-exist" in response.json()["detail"]
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_non_finite_results_become_a_422_error() -> None:
    # Inputs and weights are capped at 1e9, so an overflow takes many training steps to
    # reach; the one place that turns arrays into JSON refuses it rather than failing later.
    with pytest.raises(InvalidInput, match="overflowed"):
        serialize.array(np.array([[1.0, np.inf]]))
    with pytest.raises(InvalidInput, match="overflowed"):
        serialize.number(float("nan"))
    assert InvalidInput.status_code == 422


def test_values_beyond_the_magnitude_cap_are_422(client: TestClient) -> None:
    response = client.post("/api/networks", json={"layers": [1, 1], "weights": [[[2e9]]]})
    assert response.status_code == 422
    assert "weights.0.0.0" in response.json()["detail"]


REFUSED_PAIRS = [("bce", out) for out in ("tanh", "linear", "relu", "leaky_relu")] + [
    ("cross_entropy", out) for out in ("sigmoid", "tanh", "linear", "relu", "leaky_relu")
]


@pytest.mark.parametrize(("loss", "output"), REFUSED_PAIRS)
def test_a_probability_loss_needs_the_output_it_reads(client: TestClient, loss: str, output: str) -> None:
    # log ŷ is undefined outside (0, 1): such a loss would be clipped, flat where its gradient is
    # not; cross-entropy over sigmoid outputs would never pull a wrong class down.
    needs = {
        "bce": "it needs a sigmoid (or softmax) output layer",
        "cross_entropy": "it needs a softmax output layer",
    }
    multiclass = {"generator": "multiclass_blobs", "classes": 3}
    width, data = (3, multiclass) if loss == "cross_entropy" else (1, {"generator": "blobs"})
    spec = {
        "layers": [2, 4, width],
        "activations": ["tanh", output],
        "loss": loss,
        "data": data,
    }
    response = client.post("/api/networks", json=spec)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert needs[loss] in detail and f"a {output} output gives" in detail and "mse or half_sse" in detail
    fine = "softmax" if loss == "cross_entropy" else "sigmoid"
    net = create(client, {**spec, "activations": ["tanh", fine], "loss": "mse"})
    url = f"/api/networks/{net['id']}"
    response = client.patch(url, json={"loss": loss, "activations": ["tanh", output]})
    assert response.status_code == 422 and f"a {output} output gives" in response.json()["detail"]
    assert client.get(url).json() == net
    # Each half of the change is made alone where it fits; the other half is then refused.
    assert client.patch(url, json={"activations": ["tanh", output]}).status_code == 200
    response = client.patch(url, json={"loss": loss})
    assert response.status_code == 422 and needs[loss] in response.json()["detail"]
    assert client.get(url).json()["loss"] == "mse"


@pytest.mark.parametrize(
    ("loss", "output", "width"),
    [("bce", "sigmoid", 1), ("cross_entropy", "softmax", 2), ("bce", "softmax", 2)],
)
def test_a_probability_loss_needs_targets_between_0_and_1(
    client: TestClient, loss: str, output: str, width: int
) -> None:
    spec = {"layers": [2, 3, width], "activations": ["tanh", output], "loss": loss}
    inside = [[1.0] + [0.0] * (width - 1), [0.0] * (width - 1) + [1.0]]
    outside = [[1.5] + [0.0] * (width - 1), [0.0] * (width - 1) + [-0.5]]
    data = {"inputs": [[0.1, 0.2], [0.3, -0.4]], "targets": outside}
    response = client.post("/api/networks", json={**spec, "data": data})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"the loss {loss} needs targets between 0 and 1 (probabilities), and this data's targets include "
        "1.5 (from -0.5 to 1.5): choose the loss mse or half_sse"
    )
    net = create(client, {**spec, "data": {**data, "targets": inside}})
    url = f"/api/networks/{net['id']}"
    own = {"inputs": [[0.1, 0.2]], "targets": [outside[0]]}
    for path in ("step", "gradcheck"):
        response = client.post(f"{url}/{path}", json=own)
        assert response.status_code == 422, path
        assert "and the targets sent include 1.5" in response.json()["detail"]
    assert client.get(url).json() == net
    assert client.post(f"{url}/step", json={**own, "targets": [inside[0]]}).status_code == 200
    # Real data whose targets are not probabilities: the diabetes progress score.
    response = client.post(
        "/api/networks", json={"layers": [10, 4, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                               "data": {"generator": "diabetes"}},
    )  # fmt: skip
    assert response.status_code == 422 and "this data's targets include" in response.json()["detail"]
