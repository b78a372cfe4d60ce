"""The timeline: snapshots after epochs and updates, rewinding to them exactly.

"Exactly" is checked on the export document: spec, parameters, optimizer state (momentum's
velocity, Adam's moments and counts), trainer counters and cursor, epoch history and update
losses, compared as JSON (Python writes floats with round-trip precision, so equal text means
equal bits).
"""

from __future__ import annotations

import json
import signal

import httpx
import pytest
from backprop_explorer.app.networks import timeline
from backprop_explorer.app.networks.timeline import MAX_VERIFIED_REPLAYS, VerifiedReplays
from fastapi.testclient import TestClient

from ..conftest import start_server, stop_server
from .conftest import MAZUR, MAZUR_INPUTS, MAZUR_TARGETS, MOONS, create

ADAM = {**MOONS, "optimizer": {"name": "adam"}, "learning_rate": 0.05}
MOMENTUM = {**MOONS, "optimizer": {"name": "momentum", "beta": 0.9}, "learning_rate": 0.1}


def state(client: TestClient | httpx.Client, network_id: str) -> dict:
    response = client.get(f"/api/networks/{network_id}/export")
    assert response.status_code == 200, response.text
    return response.json()


def snapshots(client: TestClient | httpx.Client, network_id: str) -> list[dict]:
    response = client.get(f"/api/networks/{network_id}/snapshots")
    assert response.status_code == 200, response.text
    return response.json()["snapshots"]


def post(client: TestClient | httpx.Client, path: str, body: dict | None = None) -> dict:
    response = client.post(path, json=body if body is not None else {})
    assert response.status_code == 200, response.text
    return response.json()


def rewind(client: TestClient | httpx.Client, network_id: str, **point: int) -> dict:
    return post(client, f"/api/networks/{network_id}/rewind", point)


@pytest.mark.parametrize("spec", [ADAM, MOMENTUM], ids=["adam", "momentum"])
def test_rewind_to_a_step_restores_the_state_exactly(client: TestClient, spec: dict) -> None:
    net = create(client, spec)["id"]
    base = f"/api/networks/{net}"
    for _ in range(2):
        post(client, f"{base}/step")
    at_two = state(client, net)
    assert at_two["trainer"]["cursor"] > 0 and at_two["optimizer_state"]["state"]  # mid-epoch, with state
    post(client, f"{base}/train", {"epochs": 3})
    for _ in range(3):
        post(client, f"{base}/step")
    assert state(client, net) != at_two

    answer = rewind(client, net, step=2)

    assert answer["id"] == net and answer["phase"] == "ready"
    assert state(client, net) == at_two  # parameters, optimizer state, cursor, history, losses


def test_rewind_to_an_epoch_restores_it_and_drops_later_history(client: TestClient) -> None:
    net = create(client, ADAM)["id"]
    base = f"/api/networks/{net}"
    post(client, f"{base}/train", {"epochs": 2})
    at_two = state(client, net)
    post(client, f"{base}/train", {"epochs": 3})
    post(client, f"{base}/step")
    assert len(state(client, net)["history"]) == 5

    rewind(client, net, epoch=2)

    after = state(client, net)
    assert after == at_two
    assert [e["epoch"] for e in after["history"]] == [1, 2]
    assert max(s["step"] for s in after["steps"]) == at_two["trainer"]["step"]
    kept = snapshots(client, net)
    assert max(s["step"] for s in kept) == at_two["trainer"]["step"]
    assert [s["epoch"] for s in kept if s["kind"] == "epoch"] == [0, 1, 2]


def test_training_on_from_a_rewound_epoch_repeats_the_run_bit_for_bit(client: TestClient) -> None:
    net = create(client, MOMENTUM)["id"]
    base = f"/api/networks/{net}"
    post(client, f"{base}/train", {"epochs": 6})
    original = state(client, net)

    rewind(client, net, epoch=2)
    post(client, f"{base}/train", {"epochs": 4})

    assert state(client, net) == original


def test_training_on_from_a_rewound_step_repeats_the_run_bit_for_bit(client: TestClient) -> None:
    # batch 8 of 30 training rows: 4 updates per epoch, so step 5 is inside epoch 2.
    net = create(client, ADAM)["id"]
    base = f"/api/networks/{net}"
    for _ in range(11):
        post(client, f"{base}/step")
    post(client, f"{base}/epoch")
    original, original_snapshots = state(client, net), snapshots(client, net)

    rewind(client, net, step=5)
    assert state(client, net)["trainer"]["cursor"] == 8  # one batch into epoch 2
    for _ in range(6):
        post(client, f"{base}/step")
    post(client, f"{base}/epoch")

    assert state(client, net) == original
    assert snapshots(client, net) == original_snapshots


def test_snapshots_list_epochs_and_updates(client: TestClient) -> None:
    net = create(client, MOONS)["id"]
    base = f"/api/networks/{net}"
    start = snapshots(client, net)
    assert [{k: v for k, v in s.items() if k != "settings"} for s in start] == [
        {"epoch": 0, "step": 0, "kind": "epoch", "train_loss": None, "cursor": 0, "epoch_end_step": 0}
    ]
    step = post(client, f"{base}/step")
    post(client, f"{base}/train", {"epochs": 2})

    kept = snapshots(client, net)
    history = state(client, net)["history"]

    loss = step["loss"]["loss"]
    settings = start[0]["settings"]
    assert kept[1] == {
        "epoch": 0,
        "step": 1,
        "kind": "step",
        "train_loss": loss,
        "settings": settings,
        "cursor": 8,
        "epoch_end_step": 0,
    }
    epochs = [s for s in kept if s["kind"] == "epoch"][1:]
    assert [(s["epoch"], s["train_loss"]) for s in epochs] == [(e["epoch"], e["train_loss"]) for e in history]
    assert [s["step"] for s in kept] == sorted(s["step"] for s in kept)


def test_each_snapshot_names_the_settings_it_was_made_with(live_server: str) -> None:
    """Settings changed between two runs (what Play does between its chunks): the snapshots
    before the change list the old ones, those after it the new ones, in the listing (kept and
    replayed updates alike) and in a preview; a rewind brings back the settings of its point."""
    with httpx.Client(base_url=live_server, timeout=30) as api:
        spec = {**MOONS, "learning_rate": 0.5}
        net = create(api, spec)["id"]  # type: ignore[arg-type]
        base = f"/api/networks/{net}"
        post(api, f"{base}/train", {"epochs": 2})
        changed = {"learning_rate": 0.05, "optimizer": {"name": "momentum", "beta": 0.8}, "batch_size": 5}
        assert api.patch(base, json=changed).status_code == 200
        post(api, f"{base}/train", {"epochs": 2})

        kept = snapshots(api, net)
        epochs = [(s["epoch"], s["settings"]["learning_rate"]) for s in kept if s["kind"] == "epoch"]
        assert epochs == [(0, 0.5), (1, 0.5), (2, 0.5), (3, 0.05), (4, 0.05)]
        later = [s for s in kept if s["kind"] == "step" and s["epoch"] >= 2]  # replayed updates
        assert later and {s["settings"]["learning_rate"] for s in later} == {0.05}
        assert {s["settings"]["batch_size"] for s in later} == {5}
        assert {s["settings"]["optimizer"]["name"] for s in later} == {"momentum"}
        first = kept[0]["settings"]
        assert first["loss"] == "bce" and first["activations"] == ["tanh", "sigmoid"]

        for epoch, rate in [(2, 0.5), (3, 0.05)]:
            seen = api.get(f"{base}/snapshots/epoch/{epoch}").json()
            assert seen["snapshot"]["settings"]["learning_rate"] == rate
            assert seen["network"]["learning_rate"] == rate
        assert rewind(api, net, epoch=2)["learning_rate"] == 0.5


def test_updates_on_explicit_inputs_are_snapshotted_and_rewound(client: TestClient) -> None:
    net = create(client, MAZUR)["id"]
    base = f"/api/networks/{net}"
    body = {"inputs": MAZUR_INPUTS, "targets": MAZUR_TARGETS}
    post(client, f"{base}/step", body)
    at_one = state(client, net)
    for _ in range(3):
        post(client, f"{base}/step", body)

    rewind(client, net, step=1)

    assert state(client, net) == at_one
    assert [(s["kind"], s["step"]) for s in snapshots(client, net)] == [("epoch", 0), ("step", 1)]


def test_the_cap_on_step_snapshots_holds(make_client) -> None:
    client = make_client(max_step_snapshots=5)
    net = create(client, MAZUR)["id"]
    body = {"inputs": MAZUR_INPUTS, "targets": MAZUR_TARGETS}
    for _ in range(12):
        post(client, f"/api/networks/{net}/step", body)

    kept = snapshots(client, net)

    assert [s["step"] for s in kept if s["kind"] == "step"] == [8, 9, 10, 11, 12]
    assert [s["step"] for s in kept if s["kind"] == "epoch"] == [0]  # the first state stays
    response = client.post(f"/api/networks/{net}/rewind", json={"step": 3})
    assert response.status_code == 422  # the network is there; the point asked for is not kept
    assert "steps 0, 8–12" in response.json()["detail"]


def test_the_byte_budget_holds_and_drops_the_oldest_first(make_client) -> None:
    probe = make_client()
    net = create(probe, MAZUR)["id"]
    one = probe.app.state.service.store.snapshot_usage(net)[1]  # bytes of one snapshot
    client = make_client(max_snapshot_bytes=4 * one + one // 2)
    net = create(client, MAZUR)["id"]
    body = {"inputs": MAZUR_INPUTS, "targets": MAZUR_TARGETS}
    for _ in range(10):
        post(client, f"/api/networks/{net}/step", body)

    count, size = client.app.state.service.store.snapshot_usage(net)

    assert size <= 4 * one + one // 2 and count == 4
    assert [s["step"] for s in snapshots(client, net)] == [0, 8, 9, 10]  # step snapshots go first


def test_reset_and_delete_clear_the_timeline(client: TestClient) -> None:
    net = create(client, MOONS)["id"]
    post(client, f"/api/networks/{net}/train", {"epochs": 2})
    post(client, f"/api/networks/{net}/reset")
    assert [(s["kind"], s["step"]) for s in snapshots(client, net)] == [("epoch", 0)]
    assert client.delete(f"/api/networks/{net}").status_code == 204
    assert client.app.state.service.store.snapshot_usage(net) == (0, 0)
    assert client.get(f"/api/networks/{net}/snapshots").status_code == 404


@pytest.mark.parametrize(
    "body, status",
    [
        ({}, 422),
        ({"step": 1, "epoch": 1}, 422),
        ({"step": -1}, 422),
        ({"step": "1"}, 422),
        ({"epoch": 7}, 422),
    ],
)
def test_bad_rewinds_are_refused_and_change_nothing(client: TestClient, body: dict, status: int) -> None:
    net = create(client, MOONS)["id"]
    post(client, f"/api/networks/{net}/train", {"epochs": 2})
    before = state(client, net)

    response = client.post(f"/api/networks/{net}/rewind", json=body)

    assert response.status_code == status, response.text
    assert isinstance(response.json()["detail"], str)
    if body == {"epoch": 7}:
        assert "epochs 0–2" in response.json()["detail"]
    assert state(client, net) == before
    assert client.post("/api/networks/nope/rewind", json={"step": 0}).status_code == 404


def test_the_landscape_trajectory_is_the_parameters_at_the_snapshots(client: TestClient) -> None:
    net = create(client, MOONS)["id"]
    base = f"/api/networks/{net}"
    weights = {}
    for _ in range(3):
        post(client, f"{base}/epoch")
        doc = state(client, net)
        weights[doc["trainer"]["step"]] = (
            doc["parameters"]["weights"][0][1][0],
            doc["parameters"]["biases"][1][0],
        )
    choice = [{"layer": 1, "name": "W", "index": [1, 0]}, {"layer": 2, "name": "b", "index": [0]}]

    land = post(client, f"{base}/landscape", {"parameters": choice, "points": 5})

    path = {p["step"]: tuple(p["value"]) for p in land["trajectory"]}
    assert path == weights  # the first state has no loss recorded, so it is not on the path
    losses = [s["train_loss"] for s in snapshots(client, net) if s["kind"] == "epoch"][1:]
    assert [p["loss"] for p in land["trajectory"]] == losses


def test_snapshots_survive_a_killed_server(new_database) -> None:
    db = new_database()
    server = start_server(db)
    try:
        with httpx.Client(base_url=str(server)) as http:
            response = http.post("/api/networks", json=ADAM)
            assert response.status_code == 201, response.text
            net = response.json()["id"]
            for _ in range(3):
                post(http, f"/api/networks/{net}/step")
            at_three = state(http, net)
            post(http, f"/api/networks/{net}/train", {"epochs": 2})
            final = state(http, net)
            kept = snapshots(http, net)
    finally:
        stop_server(server, signal.SIGKILL)
    server = start_server(db)
    try:
        with httpx.Client(base_url=str(server)) as http:
            assert snapshots(http, net) == kept
            rewind(http, net, step=3)
            assert state(http, net) == at_three
            post(http, f"/api/networks/{net}/train", {"epochs": 2})
            assert state(http, net) == final
    finally:
        stop_server(server)


def test_a_long_run_keeps_its_newest_epochs_within_the_byte_budget(make_client) -> None:
    probe = make_client()
    one = probe.app.state.service.store.snapshot_usage(create(probe, MOONS)["id"])[1]
    client = make_client(max_snapshot_bytes=3 * one + one // 2)
    net = create(client, MOONS)["id"]

    post(client, f"/api/networks/{net}/train", {"epochs": 10})

    kept = snapshots(client, net)
    assert [(s["kind"], s["epoch"]) for s in kept if s["kind"] == "epoch"] == [
        ("epoch", 8),
        ("epoch", 9),
        ("epoch", 10),
    ]
    # The updates between the kept epochs are offered, replayed (4 updates an epoch, the
    # last closing it); those before epoch 8 are not: their start was pruned.
    assert [s["step"] for s in kept if s["kind"] == "step"] == [33, 34, 35, 37, 38, 39]
    assert client.app.state.service.store.snapshot_usage(net)[1] <= 3 * one + one // 2


def parameters_now(client: TestClient, network_id: str) -> dict:
    response = client.get(f"/api/networks/{network_id}")
    assert response.status_code == 200, response.text
    return response.json()["parameters"]


def preview(client: TestClient, network_id: str, kind: str, number: int) -> dict:
    response = client.get(f"/api/networks/{network_id}/snapshots/{kind}/{number}")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_preview_holds_the_parameters_the_network_had_then_and_changes_nothing(client: TestClient) -> None:
    net = create(client, ADAM)["id"]
    base = f"/api/networks/{net}"
    seen = {0: parameters_now(client, net)}  # step → parameters read while training
    for action in ["step", "step", "epoch", "epoch", "step", "step", "step"]:
        post(client, f"{base}/{action}")
        seen[state(client, net)["trainer"]["step"]] = parameters_now(client, net)
    before, now = state(client, net), client.get(base).json()
    kept = snapshots(client, net)
    # The updates inside the two /epoch calls have no stored snapshot: they are offered replayed
    # (the ones that closed an epoch are stored). Their parameters are those of a twin network
    # taken there one /step at a time, and their losses those /history recorded.
    virtual = {s["step"] for s in kept} - set(seen)
    assert virtual == {3, 5, 6, 7}
    twin = create(client, ADAM)["id"]
    for step in range(1, max(virtual) + 1):
        post(client, f"/api/networks/{twin}/step")
        if step in virtual:
            seen[step] = parameters_now(client, twin)
    losses = {s["step"]: s["loss"] for s in client.get(f"{base}/history").json()["steps"]}
    assert all(s["train_loss"] == losses[s["step"]] for s in kept if s["step"] in virtual)

    for s in kept:
        number = s["step"] if s["kind"] == "step" else s["epoch"]
        answer = preview(client, net, s["kind"], number)
        assert answer["snapshot"] == s
        assert answer["network"]["parameters"] == seen[s["step"]]
        assert (answer["network"]["step"], answer["network"]["epoch"]) == (s["step"], s["epoch"])
        assert answer["drops"] == {"updates": now["step"] - s["step"], "epochs": now["epoch"] - s["epoch"]}

    assert state(client, net) == before  # previewing rewinds nothing
    at_epoch_one = preview(client, net, "epoch", 1)
    assert rewind(client, net, epoch=1) == at_epoch_one["network"]  # what a rewind answers


def test_predict_at_a_snapshot_equals_predict_after_rewinding(client: TestClient) -> None:
    net = create(client, MOMENTUM)["id"]
    base = f"/api/networks/{net}"
    post(client, f"{base}/train", {"epochs": 3})
    post(client, f"{base}/step")
    grid = {"grid": {"resolution": 12}, "maps": "uint8"}
    rows = {"inputs": [[0.5, -0.25], [1.0, 0.3]]}
    now_grid = post(client, f"{base}/predict", grid)
    before = state(client, net)

    then_grid = post(client, f"{base}/predict", {**grid, "snapshot": {"epoch": 2}})
    then_rows = post(client, f"{base}/predict", {**rows, "snapshot": {"step": 8}})  # step 8 closed epoch 2

    assert then_grid != now_grid
    assert state(client, net) == before
    rewind(client, net, epoch=2)
    assert post(client, f"{base}/predict", grid) == then_grid
    assert post(client, f"{base}/predict", rows) == then_rows


@pytest.mark.parametrize(
    "path, body, status, says",
    [
        ("snapshots/epoch/9", None, 404, "epochs 0–2"),
        ("snapshots/step/99", None, 404, "steps 0, 4, 8"),
        ("snapshots/weeks/1", None, 422, "step"),
        ("snapshots/step/-1", None, 422, "0"),
        ("predict", {"inputs": [[0, 0]], "snapshot": {"epoch": 9}}, 422, "epochs 0–2"),
        ("predict", {"inputs": [[0, 0]], "snapshot": {"epoch": 1, "step": 4}}, 422, "exactly one"),
        ("predict", {"inputs": [[0, 0]], "snapshot": {}}, 422, "exactly one"),
        (
            "predict",
            {"grid": {"resolution": 100_000}, "maps": "uint8", "snapshot": {"epoch": 1}},
            413,
            "limit",
        ),
    ],
)
def test_bad_previews_are_refused_clearly(
    client: TestClient, path: str, body: dict | None, status: int, says: str
) -> None:
    net = create(client, MOONS)["id"]
    post(client, f"/api/networks/{net}/train", {"epochs": 2})

    url = f"/api/networks/{net}/{path}"
    response = client.get(url) if body is None else client.post(url, json=body)

    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert says in (detail if isinstance(detail, str) else json.dumps(detail))


def test_rewind_to_an_update_inside_a_train_run_and_train_on_repeats_it(client: TestClient) -> None:
    net = create(client, MOONS)["id"]  # plain SGD: its epochs run on the fast kernel
    base = f"/api/networks/{net}"
    post(client, f"{base}/train", {"epochs": 3})
    final = state(client, net)
    kept = snapshots(client, net)
    assert [s["step"] for s in kept] == list(range(13))  # every update, 4 an epoch
    assert [s["kind"] for s in kept if s["step"] % 4] == ["step"] * 9

    answer = rewind(client, net, step=6)  # mid-epoch 2, inside the run
    assert (answer["epoch"], answer["step"], answer["cursor"]["position"]) == (1, 6, 16)
    # Kept: everything up to it, the run's updates 5 and 6 included.
    assert snapshots(client, net) == [s for s in kept if s["step"] <= 6]
    post(client, f"{base}/epoch")
    post(client, f"{base}/train", {"epochs": 1})
    assert state(client, net) == final
    assert snapshots(client, net) == kept  # the same updates are offered again


def test_a_rewind_into_a_train_run_drops_only_what_comes_after_it(client: TestClient) -> None:
    # moons n=40, batches of 10, 2 epochs: [e0, s1, s2, s3, e4, s5, s6, s7, e8]. Rewinding to s6
    # left [e0, s1, s2, s3, e4]: s5 and s6 answered 404 to a preview or a rewind.
    spec = {
        **MOONS,
        "data": {"generator": "moons", "n": 40, "seed": 3},
        "batch_size": 10,
        "validation_split": 0,
    }
    net = create(client, spec)["id"]
    post(client, f"/api/networks/{net}/train", {"epochs": 2})
    kept = snapshots(client, net)
    assert [f"{s['kind'][0]}{s['step']}" for s in kept] == [
        "e0",
        "s1",
        "s2",
        "s3",
        "e4",
        "s5",
        "s6",
        "s7",
        "e8",
    ]
    at_six, at_five = preview(client, net, "step", 6), preview(client, net, "step", 5)

    answer = rewind(client, net, step=6)

    assert snapshots(client, net) == kept[:7]
    assert answer == at_six["network"]
    assert preview(client, net, "step", 5)["network"] == at_five["network"]
    assert preview(client, net, "step", 6)["network"] == at_six["network"]
    assert rewind(client, net, step=5) == at_five["network"]
    assert snapshots(client, net) == kept[:6]


def test_an_edit_between_requests_hides_the_updates_it_would_falsify(client: TestClient) -> None:
    net = create(client, MOONS)["id"]
    base = f"/api/networks/{net}"
    post(client, f"{base}/step")
    weights = parameters_now(client, net)["weights"]
    weights[0][0][0] += 0.25  # after the stored step 1: a replay from it cannot know this
    response = client.put(f"{base}/parameters", json={"weights": weights})
    assert response.status_code == 200, response.text
    post(client, f"{base}/epoch")  # updates 2, 3 and 4, which closes epoch 1
    # Listed from the run's recorded losses; opening one replays the run from step 1, which
    # does not reproduce step 4: it is refused, says why, and the list drops those updates.
    assert [s["step"] for s in snapshots(client, net)] == [0, 1, 2, 3, 4]
    before = state(client, net)
    for path, status in (("snapshots/step/3", 404), ("rewind", 422)):
        response = client.request(
            "GET" if path.startswith("snapshots") else "POST", f"{base}/{path}", json={"step": 3}
        )
        assert response.status_code == status, response.text
        assert "cannot be replayed: the network was edited" in response.json()["detail"]
    assert [s["step"] for s in snapshots(client, net)] == [0, 1, 4]
    assert state(client, net) == before


@pytest.mark.slow  # a second or more alone
def test_each_service_keeps_its_own_replay_verdicts(make_client) -> None:
    # Two apps on two database files: the gap one of them found falsified (an edit before the
    # run) is its own verdict, not the other's.
    clients = [make_client(), make_client()]
    net = create(clients[0], MOONS)["id"]
    base = f"/api/networks/{net}"
    post(clients[0], f"{base}/step")
    weights = parameters_now(clients[0], net)["weights"]
    weights[0][0][0] += 0.25
    assert clients[0].put(f"{base}/parameters", json={"weights": weights}).status_code == 200
    post(clients[0], f"{base}/epoch")
    assert clients[0].get(f"{base}/snapshots/step/3").status_code == 404
    other = create(clients[1], MOONS)["id"]
    post(clients[1], f"/api/networks/{other}/train", {"epochs": 1})
    assert preview(clients[1], other, "step", 3)["snapshot"]["step"] == 3

    verdicts = [client.app.state.service.replays for client in clients]
    assert verdicts[0] is not verdicts[1]
    assert (len(verdicts[0]), len(verdicts[1])) == (1, 1)
    assert [s["step"] for s in snapshots(clients[0], net)] == [0, 1, 4]
    assert [s["step"] for s in snapshots(clients[1], other)] == [0, 1, 2, 3, 4]


def test_replay_verdicts_keep_the_most_recently_used_1024() -> None:
    replays = VerifiedReplays()
    replayed: list[int] = []

    def check(key: int, verdict: bool = True) -> bool:
        def replay() -> bool:
            replayed.append(key)
            return verdict

        return replays.check((key,), replay)

    assert replays.verdict((0,)) is None and not check(0, False) and replays.verdict((0,)) is False
    for key in range(1, MAX_VERIFIED_REPLAYS):
        check(key)
    assert len(replays) == MAX_VERIFIED_REPLAYS == 1024
    assert not check(0, True)  # known: not replayed again, and now the most recent
    check(MAX_VERIFIED_REPLAYS)  # one more: the least recently used (key 1) goes
    assert len(replays) == 1024 and replays.verdict((1,)) is None and replays.verdict((0,)) is False
    assert replayed == list(range(MAX_VERIFIED_REPLAYS + 1))


def test_opening_a_replayed_update_loads_the_network_once(client: TestClient, monkeypatch) -> None:
    net = create(client, MOONS)["id"]
    base = f"/api/networks/{net}"
    post(client, f"{base}/train", {"epochs": 2})  # updates 1-3 and 5-7 are replayed when opened
    store = client.app.state.service.store
    real_load, loads = store.load, []

    def load(network_id: str) -> dict | None:  # the store's own load, counted
        loads.append(network_id)
        return real_load(network_id)

    monkeypatch.setattr(store, "load", load)
    requests = [
        ("GET", "snapshots/step/3", None),  # replays 1-4 to check it, then up to 3
        ("POST", "predict", {"inputs": [[0.5, -0.25]], "snapshot": {"step": 6}}),  # checks 5-8
        ("POST", "rewind", {"step": 2}),  # checked already
    ]
    for method, path, body in requests:
        loads.clear()
        response = client.request(method, f"{base}/{path}", json=body)
        assert response.status_code == 200, response.text
        assert loads == [net], path


@pytest.mark.parametrize("spec", [MOONS, ADAM, MOMENTUM], ids=["sgd", "adam", "momentum"])
def test_a_runs_header_texts_are_what_the_store_writes(client: TestClient, spec: dict) -> None:
    # A training run writes its snapshots' headers from the JSON of the spec and the layout
    # kept for the run; the text must be the header's own JSON, epoch after epoch, also once
    # the optimizer's state (Adam's counts) joins the layout after the first update.
    network_id = create(client, spec)["id"]
    service = client.app.state.service
    session = service.open(service.load(network_id))
    texts = timeline.HeaderTexts(session.spec)
    assert session.trainer is not None
    for epoch in range(4):
        if epoch:
            session.trainer.run_epoch(session.net, session.opt)
        snapshot = timeline.capture(session, "epoch", 0.5, texts)
        assert snapshot.header_text == json.dumps(snapshot.header, separators=(",", ":"))
        assert json.loads(snapshot.header_text) == snapshot.header
    other = dict(session.spec)  # a spec that is not the run's: written whole
    session.doc["spec"] = other
    snapshot = timeline.capture(session, "epoch", 0.5, texts)
    assert snapshot.header_text == json.dumps(snapshot.header, separators=(",", ":"))
