"""Property tests against a real server: random imports, random PATCH sequences between
steps and training, and random lesson render contexts never end in a 5xx, and a network's
stored document stays exportable (nothing non-finite is ever saved)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import httpx
import pytest
from backprop_explorer.app.lessons import LESSONS
from backprop_explorer.engine import ACTIVATIONS, LOSSES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import LiveServer, start_server, stop_server
from .contexts import context_at

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
SPECS = [
    {  # issue 17's: spiral, 3 classes, relu into softmax
        "layers": [2, 8, 3],
        "activations": ["relu", "softmax"],
        "loss": "cross_entropy",
        "data": {"generator": "spiral", "classes": 3, "n": 60},
        "batch_size": 10,
    },
    {
        "layers": [2, 4, 1],
        "activations": ["tanh", "sigmoid"],
        "loss": "bce",
        "optimizer": {"name": "momentum"},
        "data": {"generator": "moons", "n": 40},
        "batch_size": 8,
        "validation_split": 0.25,
    },
    {
        "layers": [2, 1],
        "activations": ["linear"],
        "loss": "mse",
        "learning_rate": 1.5,
        "optimizer": {"name": "adam"},
        "data": {"generator": "linear", "n": 50, "seed": 1},
        "batch_size": 10,
    },
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**52, 2**53, 2**53 + 1, -(2**53), 10**200, 0, -1]),
    st.floats(),  # NaN and infinity included: json.dumps writes them as NaN and Infinity
    st.sampled_from([1e308, -1e308, 1e154, 1e200, 5e-324, -0.0]),
    st.text(max_size=6),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server: LiveServer = start_server(tmp_path_factory.mktemp("props") / "networks.db")
    try:
        with httpx.Client(base_url=str(server), timeout=120) as client:
            yield client
    finally:
        stop_server(server)


def send(http: httpx.Client, method: str, path: str, body: object = None) -> httpx.Response:
    """The request, its body written by json.dumps (NaN and Infinity tokens included)."""
    content = None if body is None else json.dumps(body).encode()
    response = http.request(method, path, content=content, headers={"content-type": "application/json"})
    assert response.status_code < 500, f"{method} {path} {json.dumps(body)[:2000]} → {response.text}"
    return response


def assert_stored_state_is_finite(http: httpx.Client, network_id: str) -> None:
    response = send(http, "GET", f"/api/networks/{network_id}/export")
    assert response.status_code == 200, response.text
    json.loads(response.text, parse_constant=lambda name: pytest.fail(f"stored {name}"))


def _at(document: object, place: tuple) -> object:
    for part in place:
        document = document[part]  # type: ignore[index]
    return document


def paths(value: object, at: tuple = ()) -> Iterator[tuple]:
    """Every place in a JSON document: (keys and positions)."""
    yield at
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*at, key))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from paths(item, (*at, k))


NUMBERS = {
    int: st.one_of(st.integers(0, 12), st.integers(0, 2**53 + 2)),
    float: st.one_of(st.floats(-10, 10), st.floats(), st.sampled_from([1e154, 1e200, -1e300])),
}


def tamper(document: dict, data: st.DataObject) -> dict:
    """The document with a few places changed: a number into another number of its kind (most
    often: such a document is nearly valid and reaches the engine), any place into random
    JSON, deleted, or grown."""
    doc = json.loads(json.dumps(document))
    for _ in range(data.draw(st.integers(1, 4))):
        places = [p for p in paths(doc) if p]
        numbers = [p for p in places if type(_at(doc, p)) in NUMBERS]
        action = data.draw(st.sampled_from(["number"] * 4 + ["replace", "delete", "grow"]))
        place = data.draw(st.sampled_from(numbers if action == "number" and numbers else places))
        parent = _at(doc, place[:-1])
        if action == "number" and type(parent[place[-1]]) in NUMBERS:
            parent[place[-1]] = data.draw(NUMBERS[type(parent[place[-1]])])
        elif action == "delete":
            del parent[place[-1]]
        elif action == "grow" and isinstance(parent[place[-1]], list):
            parent[place[-1]].append(data.draw(VALUES))
        elif action == "grow" and isinstance(parent[place[-1]], dict):
            parent[place[-1]][data.draw(st.text(max_size=4))] = data.draw(VALUES)
        else:
            parent[place[-1]] = data.draw(VALUES)
    return doc


@pytest.fixture(scope="module")
def exports(http: httpx.Client) -> list[dict]:
    """Export documents of trained networks with each optimizer: the material imports tamper."""
    documents = []
    for spec in SPECS:
        net = send(http, "POST", "/api/networks", spec).json()["id"]
        send(http, "POST", f"/api/networks/{net}/epoch", {})
        for _ in range(2):
            send(http, "POST", f"/api/networks/{net}/step", {})
        documents.append(send(http, "GET", f"/api/networks/{net}/export").json())
    return documents


@SETTINGS
@given(data=st.data())
def test_a_random_import_never_ends_in_a_500(http: httpx.Client, exports: list[dict], data) -> None:
    document = tamper(data.draw(st.sampled_from(exports)), data)
    imported = send(http, "POST", "/api/networks/import", document)
    if imported.status_code != 201:
        return
    net = imported.json()["id"]
    for path, body in (("step", {}), ("epoch", {}), ("train", {"epochs": 2}), ("gradcheck", {})):
        send(http, "POST", f"/api/networks/{net}/{path}", body)
    assert_stored_state_is_finite(http, net)


NAMES = st.sampled_from(sorted(ACTIVATIONS))
PATCHES = st.fixed_dictionaries(
    {},
    optional={
        "learning_rate": st.one_of(st.floats(1e-6, 1e3), st.sampled_from([0.0, -1.0, 1e4, None])),
        "optimizer": st.fixed_dictionaries(
            {"name": st.sampled_from(["sgd", "momentum", "adam"])},
            optional={"beta": st.floats(0, 0.999), "beta1": st.floats(0, 0.999), "eps": st.floats(1e-12, 1)},
        ),
        "regularization": st.fixed_dictionaries(
            {"kind": st.sampled_from(["none", "l1", "l2"]), "rate": st.floats(0, 1e3)}
        ),
        "batch_size": st.integers(-1, 100),
        "loss": st.sampled_from(sorted(LOSSES)),
        "activations": st.lists(NAMES, min_size=1, max_size=3),
        "trainable": st.one_of(
            st.fixed_dictionaries({"weights": st.booleans(), "biases": st.booleans()}),
            st.lists(st.fixed_dictionaries({"weights": st.booleans(), "biases": st.booleans()}), max_size=3),
        ),
    },
)
ACTIONS = st.one_of(
    st.tuples(st.just("patch"), PATCHES),
    st.tuples(
        st.sampled_from(["step", "epoch", "forward", "loss", "backward", "update", "gradcheck"]), st.just({})
    ),
    st.tuples(st.just("train"), st.fixed_dictionaries({"epochs": st.integers(1, 3)})),
    st.tuples(st.just("rewind"), st.fixed_dictionaries({"step": st.integers(0, 12)})),
    st.tuples(st.just("predict"), st.just({"grid": {"resolution": 5}})),
    st.tuples(st.just("parameters"), st.floats(-1e9, 1e9)),
)


@SETTINGS
@given(spec=st.sampled_from(SPECS), actions=st.lists(ACTIONS, min_size=1, max_size=8))
def test_a_random_patch_sequence_never_ends_in_a_500_nor_stores_a_non_finite_number(
    http: httpx.Client, spec: dict, actions: list
) -> None:
    net = send(http, "POST", "/api/networks", spec).json()["id"]
    url = f"/api/networks/{net}"
    for action, body in actions:
        if action == "patch":
            send(http, "PATCH", url, body)
        elif action == "parameters":  # every weight set to one value, up to the ±1e9 a request takes
            weights = send(http, "GET", url).json()["parameters"]["weights"]
            scaled = [[[body for _ in row] for row in W] for W in weights]
            send(http, "PUT", f"{url}/parameters", {"weights": scaled})
        else:
            send(http, "POST", f"{url}/{action}", body)
    assert_stored_state_is_finite(http, net)
    trained = send(http, "POST", f"{url}/train", {"epochs": 2}).json()
    if "history" in trained:
        assert all(math.isfinite(entry["train_loss"]) for entry in trained["history"])


STEPS = [(lesson.id, k, step.reads) for lesson in LESSONS.values() for k, step in enumerate(lesson.steps)]


def context_with(reads: list, data: st.DataObject) -> dict:
    """A context holding a random JSON value at every place the step reads (some left out)."""
    kept = [path for path in reads if data.draw(st.integers(0, 9))]  # one path in ten left out
    return context_at(kept, lambda: data.draw(VALUES), shortest=2)


@SETTINGS
@given(step=st.sampled_from(STEPS), stage=st.sampled_from(["before", "after"]), data=st.data())
def test_a_random_render_context_never_ends_in_a_500(
    http: httpx.Client, step: tuple, stage: str, data
) -> None:
    lesson_id, index, reads = step
    body = {"context": context_with(reads, data), "stage": stage}
    response = send(http, "POST", f"/api/lessons/{lesson_id}/steps/{index}/render", body)
    assert response.status_code in (200, 422), response.text


def test_a_lone_surrogate_escape_in_any_text_is_a_422_naming_where(http: httpx.Client) -> None:
    """JSON parsers take "\\ud800" (half of a UTF-16 pair) as a string; it is no character, so no
    store or answer can encode it. It is refused before any route runs, and a pair is one
    character, kept as it was sent."""
    net = send(http, "POST", "/api/networks", SPECS[0]).json()["id"]
    assert send(http, "PUT", f"/api/networks/{net}/name", {"name": "spiral 😀"}).json()["name"] == "spiral 😀"
    literal = send(http, "PUT", f"/api/networks/{net}/name", {"name": "\\ud800 as text"})
    assert literal.json()["name"] == "\\ud800 as text"  # an escaped backslash: six characters
    for lone in ("a\ud800b", "\udc00"):
        refused = send(http, "PUT", f"/api/networks/{net}/name", {"name": lone})
        assert refused.status_code == 422
        assert refused.json()["detail"].startswith("body.name: text holds a lone UTF-16 surrogate")
    context = {"forward": {"layers": [{"z": [[1]], "a": [[1]]}, {"z": [[1]]}], "output": [["\ud800"]]}}
    body = {"context": context, "stage": "after"}
    refused = send(http, "POST", "/api/lessons/chain-rule/steps/1/render", body)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("body.context.forward.output[0][0]: text holds a lone")
    listed = send(http, "GET", "/api/networks").json()["networks"]
    assert [n["name"] for n in listed if n["id"] == net] == ["\\ud800 as text"]
