"""Export/import keeps every log, and PATCH keeps history a stored document still carries."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from .conftest import MOONS, create


def test_export_import_keeps_the_update_losses(client: TestClient) -> None:
    net = create(client, MOONS)
    url = f"/api/networks/{net['id']}"
    client.post(f"{url}/train", json={"epochs": 4})
    for _ in range(3):
        client.post(f"{url}/step", json={})
    client.post(f"{url}/step", json={"inputs": [[0.1, 0.2]], "targets": [[1.0]]})
    before = client.get(f"{url}/history").json()
    assert len(before["steps"]) == 4 * 4 + 4  # 30 training rows in batches of 8, then 4 steps
    document = client.get(f"{url}/export").json()
    assert document["steps"] == before["steps"]
    copy = client.post("/api/networks/import", json=document)
    assert copy.status_code == 201, copy.text
    after = client.get(f"/api/networks/{copy.json()['id']}/history").json()
    assert after == before
    # The copy goes on counting from where the original stopped.
    step = client.post(f"/api/networks/{copy.json()['id']}/step", json={}).json()["update"]["step"]
    assert step == before["steps"][-1]["step"] + 1


def test_import_without_steps_and_with_steps_from_the_future(client: TestClient) -> None:
    net = create(client, MOONS)
    url = f"/api/networks/{net['id']}"
    client.post(f"{url}/step", json={})
    document = client.get(f"{url}/export").json()
    older = {k: v for k, v in document.items() if k != "steps"}  # written before steps were exported
    response = client.post("/api/networks/import", json=older)
    assert response.status_code == 201
    assert client.get(f"/api/networks/{response.json()['id']}/history").json()["steps"] == []
    future = {**document, "steps": [{"step": 2, "epoch": 1, "loss": 0.5}]}  # trainer.step is 1
    response = client.post("/api/networks/import", json=future)
    assert response.status_code == 422 and "at most trainer.step (1)" in response.json()["detail"]


def test_patch_keeps_history_carried_by_an_older_document(client: TestClient) -> None:
    # Documents written before history had its own table carry it in trainer.history; the
    # first request that saves the network moves it to the table. PATCH reopens the network
    # with its new spec and must not drop those entries (the fix of commit 5523117).
    net = create(client, MOONS)
    store = client.app.state.service.store
    doc = store.load(net["id"])
    entry = {
        "epoch": 1,
        "train_loss": 0.5,
        "val_loss": 0.6,
        "train_accuracy": 0.75,
        "val_accuracy": 0.7,
        "grad_norms": [0.1, 0.2],
    }
    doc["trainer"] = {**doc["trainer"], "epoch": 1, "history": [entry]}
    store.save(doc)
    assert client.get(f"/api/networks/{net['id']}/history").json()["history"] == []
    response = client.patch(f"/api/networks/{net['id']}", json={"learning_rate": 0.05})
    assert response.status_code == 200 and response.json()["learning_rate"] == 0.05
    assert client.get(f"/api/networks/{net['id']}/history").json()["history"] == [entry]
    assert "history" not in store.load(net["id"])["trainer"]


def exported(client: TestClient, optimizer: str) -> dict:
    """An export of a MOONS network after a full epoch and three more steps with ``optimizer``."""
    net = create(client, {**MOONS, "optimizer": {"name": optimizer}})
    url = f"/api/networks/{net['id']}"
    client.post(f"{url}/epoch", json={})
    for _ in range(3):
        client.post(f"{url}/step", json={})
    return client.get(f"{url}/export").json()


def tampered(document: dict, change) -> dict:
    copy = json.loads(json.dumps(document))
    change(copy)
    return copy


def slot(key: str, value):
    return lambda d: d["optimizer_state"]["state"].__setitem__("W1", {key: value})


TAMPERED = {
    "momentum slot with only m": (
        "momentum",
        lambda d: d["optimizer_state"]["state"]["W1"].update(m=d["optimizer_state"]["state"]["W1"].pop("v")),
        "momentum keeps v",
    ),
    "momentum slot with only t": ("momentum", slot("t", 3), "momentum keeps v"),
    "Adam slot without m": (
        "adam",
        lambda d: d["optimizer_state"]["state"]["W1"].pop("m"),
        "adam keeps m and v",
    ),
    "Adam slot without v": (
        "adam",
        lambda d: d["optimizer_state"]["state"]["W1"].pop("v"),
        "adam keeps m and v",
    ),
    "Adam's v negative": (
        "adam",
        lambda d: d["optimizer_state"]["state"]["b1"].update(v=[-1.0] * 4),
        "negative",
    ),
    "Adam's slot count beyond t": (
        "adam",
        lambda d: d["optimizer_state"]["state"]["W1"].update(t=99),
        "from 1",
    ),
    "state under SGD": ("sgd", slot("v", [[0.0, 0.0]] * 4), "sgd keeps nothing"),
    "ragged matrix": (
        "momentum",
        lambda d: d["optimizer_state"]["state"]["W1"].update(v=[[0, 0], [0], [0, 0], [0, 0]]),
        "shape (4, 2)",
    ),
    "epoch 2^53": (
        "sgd",
        lambda d: d["trainer"].update(epoch=2**53),
        "less than or equal to 4503599627370496",
    ),
    "more epochs than updates": (
        "sgd",
        lambda d: d["trainer"].update(epoch=99),
        "cannot exceed trainer.step",
    ),
    "an epoch's end after the last update": (
        "sgd",
        lambda d: d["trainer"].update(epoch_end_step=8),
        "from trainer.epoch (1, an update each) to trainer.step (7)",
    ),
    "no update since the epoch's end, mid-epoch": (
        "sgd",
        lambda d: d["trainer"].update(epoch_end_step=7),
        "must be below trainer.step (7)",
    ),
    "an epoch's end before any epoch": (
        "sgd",
        lambda d: d["trainer"].update(epoch=0),
        "must be 0 while no epoch has closed",
    ),
    "optimizer t beyond step": (
        "momentum",
        lambda d: d["optimizer_state"].update(t=999),
        "at most trainer.step",
    ),
    "history out of order": ("sgd", lambda d: d["history"].append(dict(d["history"][0])), "must come after"),
    "history norms of another network": (
        "sgd",
        lambda d: d["history"][0].update(grad_norms=[1.0]),
        "one norm",
    ),
    "negative loss": ("sgd", lambda d: d["history"][0].update(train_loss=-1.0), "greater than or equal to 0"),
    "steps out of order": ("sgd", lambda d: d["steps"].reverse(), "must come after"),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_a_tampered_import_is_refused_and_nothing_is_stored(client: TestClient, case: str) -> None:
    # Each of these imported with 201 (or 500) and broke every later /step and /train, or
    # carried a counter past 2^53.
    optimizer, change, says = TAMPERED[case]
    document = exported(client, optimizer)
    assert client.post("/api/networks/import", json=document).status_code == 201  # untouched: fine
    count = len(client.get("/api/networks").json())
    response = client.post("/api/networks/import", json=tampered(document, change))
    assert response.status_code == 422, response.text
    assert says in response.json()["detail"]
    assert len(client.get("/api/networks").json()) == count


def test_an_import_holds_only_parameters_an_update_could_leave(client: TestClient) -> None:
    # Every update refuses parameters whose sum of squares overflows: an import holding them
    # would refuse every update after it.
    document = exported(client, "sgd")
    big = tampered(document, lambda d: d["parameters"].update(weights=[[[1e154] * 2] * 4, [[1e154] * 4]]))
    response = client.post("/api/networks/import", json=big)
    assert response.status_code == 422 and "sum of their squares" in response.json()["detail"]
    huge = tampered(document, lambda d: d["parameters"]["weights"][0][0].__setitem__(0, 1e200))
    response = client.post("/api/networks/import", json=huge)
    assert response.status_code == 422 and "parameters.weights.0.0.0" in response.json()["detail"]
