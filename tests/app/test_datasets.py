"""Generator previews, JSON data and CSV uploads (with errors naming the line and column)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import create

CSV = b"size,rooms,price\n50,2,100\n80,3,160\n120,4,250\n65,2,\xc2\xa0130\n"


def upload(client: TestClient, content: bytes, **form: str):
    return client.post("/api/datasets", files={"file": ("data.csv", content, "text/csv")}, data=form)


@pytest.mark.parametrize(
    ("generator", "task", "shape"),
    [
        ("xor", "binary", (4, 2, 1)),
        ("spiral", "binary", (30, 2, 1)),
        ("house_prices", "regression", (30, 3, 1)),
    ],
)
def test_preview(client: TestClient, generator: str, task: str, shape: tuple) -> None:
    response = client.post("/api/datasets/preview", json={"generator": generator, "n": 30})
    assert response.status_code == 200
    data = response.json()
    assert data["task"] == task
    assert (len(data["inputs"]), len(data["inputs"][0]), len(data["targets"][0])) == shape
    assert len(data["feature_names"]) == shape[1]


def test_preview_is_seeded_and_matches_the_network_data(client: TestClient) -> None:
    spec = {"generator": "multiclass_blobs", "n": 30, "noise": 0.2, "seed": 5, "classes": 4}
    preview = client.post("/api/datasets/preview", json=spec).json()
    assert preview == client.post("/api/datasets/preview", json=spec).json()
    assert preview["task"] == "multiclass" and len(preview["targets"][0]) == 4
    net = create(
        client, {"layers": [2, 4], "activations": ["softmax"], "loss": "cross_entropy", "data": spec}
    )
    data = client.get(f"/api/networks/{net['id']}/data").json()
    assert data["inputs"] == preview["inputs"] and data["targets"] == preview["targets"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"generator": "nope"}, 422),
        ({"generator": "spiral", "classes": 5}, 422),
        ({"generator": "moons", "n": 0}, 422),
        ({"generator": "moons", "n": 20_000}, 413),
        ({"generator": "moons", "noise": -1}, 422),
    ],
)
def test_preview_errors(client: TestClient, body: dict, status: int) -> None:
    response = client.post("/api/datasets/preview", json=body)
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)


def test_json_data_in_the_spec(client: TestClient) -> None:
    data = {"inputs": [[0, 0], [1, 1], [2, 2]], "targets": [[0], [1], [2.5]], "feature_names": ["a", "b"]}
    net = create(client, {"layers": [2, 1], "activations": ["linear"], "data": data})
    assert net["task"] == "regression" and net["feature_names"] == ["a", "b"]
    response = client.post(f"/api/networks/{net['id']}/step", json={"indices": [2]})
    assert response.status_code == 200
    assert response.json()["loss"]["targets"] == [[2.5]]


def test_csv_upload_and_use(client: TestClient) -> None:
    response = upload(client, CSV, features="size, rooms", targets="price", standardize="true")
    assert response.status_code == 201
    info = response.json()
    assert info["n_samples"] == 4 and info["task"] == "regression"
    assert info["feature_names"] == ["size", "rooms"] and info["target_names"] == ["price"]
    assert info["means"][:2] == [78.75, 2.75]
    response = client.get(f"/api/datasets/{info['dataset_id']}")
    assert response.status_code == 200
    dataset = response.json()
    assert sum(row[0] for row in dataset["inputs"]) == pytest.approx(0.0, abs=1e-12)
    net = create(
        client, {"layers": [2, 1], "activations": ["linear"], "data": {"dataset_id": info["dataset_id"]}}
    )
    assert net["feature_names"] == ["size", "rooms"] and net["cursor"]["n_train"] == 4
    assert client.post(f"/api/networks/{net['id']}/train", json={"epochs": 2}).status_code == 200
    assert client.get("/api/datasets/nope").status_code == 404


def test_csv_defaults_to_the_last_column_as_target(client: TestClient) -> None:
    response = upload(client, b"x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    assert response.status_code == 201
    assert response.json()["feature_names"] == ["x1", "x2"] and response.json()["task"] == "binary"


@pytest.mark.parametrize(
    ("content", "form", "status", "fragment"),
    [
        (b"a,b,y\n1,2,3\n4,oops,6\n", {}, 422, "line 3, column 2 ('b'): 'oops' is not a number"),
        (b"a,b,y\n1,2,3\n4,5\n", {}, 422, "line 3: 2 cells, but the header has 3 columns"),
        (b"", {}, 422, "empty"),
        (b"a,b,y\n", {}, 422, "no data rows"),
        (b"a,b,y\n1,nan,3\n", {}, 422, "line 2, column 2 ('b'): 'nan' is not finite"),
        (b"a,b,y\n1,2,3\n", {"targets": "z"}, 422, "unknown column 'z'"),
        (b"a,a,y\n1,2,3\n", {}, 422, "duplicate column"),
        (b"a,b,y\n1,2,3\n", {"features": "a,y", "targets": "y"}, 422, "both features and targets"),
        (b"\xff\xfe,b\n", {}, 422, "not UTF-8"),
        (b"a,b,y\n" + b"1,2,3\n" * 30, {}, 413, "max_samples"),
    ],
)
def test_bad_csv(make_client, content: bytes, form: dict, status: int, fragment: str) -> None:
    client = make_client(max_samples=20)
    response = upload(client, content, **form)
    assert response.status_code == status
    assert fragment in response.json()["detail"]


def test_csv_over_the_upload_limit_is_413(make_client) -> None:
    client = make_client(max_upload_bytes=1000)
    response = upload(client, b"a,b,y\n" + b"1,2,3\n" * 500)
    assert response.status_code == 413
    assert "max_upload_bytes" in response.json()["detail"]


def test_the_upload_list_gives_twenty_a_page_unless_asked_for_up_to_a_hundred(client: TestClient) -> None:
    ids = [upload(client, CSV).json()["dataset_id"] for _ in range(23)]
    first = client.get("/api/datasets").json()
    assert first["total"] == 23 and len(first["datasets"]) == 20
    asked = client.get("/api/datasets", params={"limit": 50}).json()
    assert [d["dataset_id"] for d in asked["datasets"]] == ids  # oldest first
    assert client.get("/api/datasets", params={"limit": 100}).status_code == 200
    assert client.get("/api/datasets", params={"limit": 101}).status_code == 422
