"""The step the last epoch closed at (`epoch_end_step`): updates on chosen rows after an epoch's
end leave the data cursor at 0, so only this tells "the end of epoch 3" from "an update after it".

MOONS: 30 training rows in batches of 8, four updates an epoch.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import Database

from .conftest import MOONS, create


def network(client: TestClient, network_id: str) -> dict:
    response = client.get(f"/api/networks/{network_id}")
    assert response.status_code == 200, response.text
    return response.json()


def post(client: TestClient, path: str, body: dict | None = None) -> dict:
    response = client.post(path, json=body if body is not None else {})
    assert response.status_code in (200, 201), response.text
    return response.json()


def counters(n: dict) -> tuple[int, int, int | None, int]:
    return n["epoch"], n["step"], n["epoch_end_step"], n["cursor"]["position"]


def position(s: dict) -> tuple[int, int, str, int, int | None]:
    return s["epoch"], s["step"], s["kind"], s["cursor"], s["epoch_end_step"]


def test_updates_on_chosen_rows_after_an_epoch_count_from_its_end(
    make_client: Callable[..., TestClient], new_database: Callable[[], Database]
) -> None:
    db = new_database()
    client = make_client(db)
    net = create(client, MOONS)["id"]
    base = f"/api/networks/{net}"
    assert counters(network(client, net)) == (0, 0, 0, 0)
    post(client, f"{base}/train", {"epochs": 3})
    assert counters(network(client, net)) == (3, 12, 12, 0)

    row = post(client, f"{base}/step", {"indices": [5]})
    assert row["update"]["step"] == 13
    assert counters(network(client, net)) == (3, 13, 12, 0)  # the cursor stays at the epoch's start
    post(client, f"{base}/step")
    assert counters(network(client, net)) == (3, 14, 12, 8)  # now epoch 4 is in progress

    kept = client.get(f"{base}/snapshots").json()["snapshots"]
    assert [position(s) for s in kept if s["step"] >= 12] == [
        (3, 12, "epoch", 0, 12),
        (3, 13, "step", 0, 12),
        (3, 14, "step", 8, 12),
    ]
    # The updates inside a train run, replayed when opened, are listed where they were.
    inside = [s for s in kept if s["kind"] == "step" and 8 < s["step"] < 12]
    assert [position(s) for s in inside] == [
        (2, 9, "step", 8, 8),
        (2, 10, "step", 16, 8),
        (2, 11, "step", 24, 8),
    ]
    for s in inside:
        preview = client.get(f"{base}/snapshots/step/{s['step']}").json()
        assert position(preview["snapshot"]) == position(s)
        assert counters(preview["network"]) == (2, s["step"], 8, s["cursor"])
    preview = client.get(f"{base}/snapshots/step/13").json()
    assert position(preview["snapshot"]) == (3, 13, "step", 0, 12)

    # A new app on the same store (a restart) reads it back; a rewind restores it.
    restarted = make_client(db)
    assert counters(network(restarted, net)) == (3, 14, 12, 8)
    assert counters(post(restarted, f"{base}/rewind", {"step": 13})) == (3, 13, 12, 0)
    assert counters(network(restarted, net)) == (3, 13, 12, 0)

    # Exported and imported with it; the next epoch's end moves it.
    document = restarted.get(f"{base}/export").json()
    assert document["trainer"]["epoch_end_step"] == 12
    copy = post(restarted, "/api/networks/import", document)
    assert counters(copy) == (3, 13, 12, 0)
    imported = restarted.get(f"/api/networks/{copy['id']}/snapshots").json()["snapshots"]
    assert [position(s) for s in imported] == [(3, 13, "step", 0, 12)]  # not the end of epoch 3
    post(restarted, f"/api/networks/{copy['id']}/epoch")
    assert counters(network(restarted, copy["id"])) == (4, 17, 17, 0)


def test_updates_on_chosen_rows_before_any_epoch(client: TestClient) -> None:
    net = create(client, MOONS)["id"]
    for row in (0, 1):
        post(client, f"/api/networks/{net}/step", {"indices": [row]})
    assert counters(network(client, net)) == (0, 2, 0, 0)
    kept = client.get(f"/api/networks/{net}/snapshots").json()["snapshots"]
    assert [position(s) for s in kept] == [(0, 0, "epoch", 0, 0), (0, 1, "step", 0, 0), (0, 2, "step", 0, 0)]
    document = client.get(f"/api/networks/{net}/export").json()
    copy = post(client, "/api/networks/import", document)
    assert counters(copy) == (0, 2, 0, 0)
    kept = client.get(f"/api/networks/{copy['id']}/snapshots").json()["snapshots"]
    assert [position(s) for s in kept] == [(0, 2, "step", 0, 0)]


def test_a_document_without_it_is_not_known_until_the_next_epoch(client: TestClient) -> None:
    """An export (or a stored network) from before the count: null once an epoch has closed, 0
    before any; the next epoch's end makes it known."""
    net = create(client, MOONS)["id"]
    post(client, f"/api/networks/{net}/train", {"epochs": 2})
    post(client, f"/api/networks/{net}/step", {"indices": [3]})
    document = client.get(f"/api/networks/{net}/export").json()
    del document["trainer"]["epoch_end_step"]
    older = post(client, "/api/networks/import", document)
    assert counters(older) == (2, 9, None, 0)
    kept = client.get(f"/api/networks/{older['id']}/snapshots").json()["snapshots"]
    assert [position(s) for s in kept] == [(2, 9, "epoch", 0, None)]
    post(client, f"/api/networks/{older['id']}/epoch")
    assert counters(network(client, older["id"])) == (3, 13, 13, 0)

    fresh = create(client, MOONS)["id"]
    post(client, f"/api/networks/{fresh}/step")
    document = client.get(f"/api/networks/{fresh}/export").json()
    del document["trainer"]["epoch_end_step"]
    assert counters(post(client, "/api/networks/import", document)) == (0, 1, 0, 8)
