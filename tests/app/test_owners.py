"""Owners: every client acts for one; another owner's networks and uploads answer 404 unless
a share key lets it view; quotas say which limit and how to free space; scratch networks and
idle ones do not pile up; the teacher sees everything; a store from before owners upgrades."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from backprop_explorer.app.store.accounts import size_words
from backprop_explorer.app.store.sqlite_schema import SCHEMA_VERSION
from fastapi.testclient import TestClient

from .conftest import MOONS, sqlite_only
from .serving import Served, serve

ALICE = {"X-Owner-Key": "alice-0123456789abcdef"}
BOB = {"X-Owner-Key": "bob-0123456789abcdef00"}
CSV = b"x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"


def created(client: httpx.Client | TestClient, headers: dict, spec: dict = MOONS, **params: str) -> str:
    response = client.post("/api/networks", json=spec, headers=headers, params=params)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def uploaded(client: httpx.Client | TestClient, headers: dict) -> str:
    response = client.post("/api/datasets", files={"file": ("xor.csv", io.BytesIO(CSV))}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["dataset_id"]


@pytest.fixture
def server(tmp_path: Path, new_database) -> Served:
    served = serve(tmp_path, "--teacher-token", "teacher-secret-1", db=new_database())
    try:
        yield served
    finally:
        served.stop()


def test_two_owners_cannot_see_each_others_networks(server: Served) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        net = created(http, ALICE)
        dataset = uploaded(http, ALICE)
        assert http.post(f"/api/networks/{net}/step", json={}, headers=ALICE).status_code == 200
        for method, path in (
            ("GET", f"/api/networks/{net}"),
            ("POST", f"/api/networks/{net}/step"),
            ("POST", f"/api/networks/{net}/predict"),
            ("GET", f"/api/networks/{net}/export"),
            ("GET", f"/api/networks/{net}/share"),
            ("DELETE", f"/api/networks/{net}"),
            ("GET", f"/api/datasets/{dataset}"),
            ("DELETE", f"/api/datasets/{dataset}"),
        ):
            response = http.request(method, path, json={} if method == "POST" else None, headers=BOB)
            assert response.status_code == 404, (method, path, response.text)
            assert response.json()["detail"] in (
                f"no network with id {net!r}",
                f"no dataset with id {dataset!r}",
            )
        # Bob cannot build on Alice's upload either: it is unknown to him.
        spec = {"layers": [2, 2, 1], "data": {"dataset_id": dataset}}
        refused = http.post("/api/networks", json=spec, headers=BOB)
        assert refused.status_code == 422 and "unknown dataset_id" in refused.json()["detail"]
        assert http.post("/api/networks", json=spec, headers=ALICE).status_code == 201
        # Each lists only its own.
        mine = http.get("/api/networks", headers=ALICE).json()
        assert {n["id"] for n in mine["networks"]} >= {net} and mine["total"] == 2
        assert http.get("/api/networks", headers=BOB).json() == {
            "networks": [],
            "total": 0,
            "limit": 100,
            "offset": 0,
        }
        assert [d["dataset_id"] for d in http.get("/api/datasets", headers=ALICE).json()["datasets"]] == [
            dataset
        ]
        assert http.get("/api/datasets", headers=BOB).json()["total"] == 0
        # Alice's network is untouched by Bob's attempts.
        assert http.get(f"/api/networks/{net}", headers=ALICE).json()["step"] == 1


def test_a_browser_is_an_owner_by_its_cookie(server: Served) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as first, httpx.Client(base_url=server.url) as second:
        page = first.get("/")
        cookie = page.headers["set-cookie"]
        assert cookie.startswith(f"backprop_explorer_owner_{server.url.rsplit(':', 1)[1]}=")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=" in cookie
        assert "set-cookie" not in first.get("/").headers  # kept, not replaced
        assert "set-cookie" not in first.get("/api/catalog").headers
        net = created(first, {})
        assert first.post(f"/api/networks/{net}/step", json={}).status_code == 200
        second.get("/")  # another browser: another cookie
        assert second.get(f"/api/networks/{net}").status_code == 404
        assert second.get("/api/networks").json()["total"] == 0
        me = first.get("/api/owner").json()
        assert me["owner"].startswith("o-") and not me["teacher"] and me["usage"]["networks"] == 1


def test_a_script_without_identity(tmp_path: Path) -> None:
    """On a server only this machine reaches (no token), a request with no identity acts for
    the machine's user and sees everything, as before owners; with a token (a class: behind
    a proxy every request comes from this machine too) it is the anonymous owner, which sees
    only the anonymous owner's networks."""
    local = serve(tmp_path)
    try:
        net = created(httpx.Client(base_url=local.url), ALICE)
        assert httpx.get(f"{local.url}/api/networks/{net}").status_code == 200
        assert [n["id"] for n in httpx.get(f"{local.url}/api/networks").json()["networks"]] == [net]
    finally:
        local.stop()
    token = {"Authorization": "Bearer class-token-1"}
    classroom = serve(tmp_path, "--token", "class-token-1")
    try:
        net = created(httpx.Client(base_url=classroom.url), {**ALICE, **token})
        assert httpx.get(f"{classroom.url}/api/networks/{net}", headers=token).status_code == 404
        mine = created(httpx.Client(base_url=classroom.url), token)
        listing = httpx.get(f"{classroom.url}/api/networks", headers=token).json()["networks"]
        assert [n["id"] for n in listing] == [mine]
        assert httpx.get(f"{classroom.url}/api/networks/{mine}", headers={**BOB, **token}).status_code == 200
    finally:
        classroom.stop()


def test_the_anonymous_owners_networks_stay_open_by_id(server: Served) -> None:
    """A client that sends no identity (curl) keeps working as before owners: its networks
    open to whoever has their id, so a script can build one and a browser show it."""
    net = created(httpx.Client(base_url=server.url), {})
    with httpx.Client(base_url=server.url) as browser:
        browser.get("/")
        assert browser.post(f"/api/networks/{net}/step", json={}).status_code == 200
    assert httpx.get(f"{server.url}/api/networks/{net}").json()["step"] == 1


def test_a_share_key_lets_another_owner_view_but_not_change(server: Served) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        net = created(http, ALICE)
        assert http.post(f"/api/networks/{net}/epoch", json={}, headers=ALICE).status_code == 200
        share = http.get(f"/api/networks/{net}/share", headers=ALICE).json()
        assert share["link"] == f"/#net={net}&share={share['share']}"
        viewer = {**BOB, "X-Share-Key": share["share"]}
        shown = http.get(f"/api/networks/{net}", headers=viewer)
        assert shown.status_code == 200 and shown.json()["epoch"] == 1
        for method, path, body in (
            ("GET", f"/api/networks/{net}/history", None),
            ("GET", f"/api/networks/{net}/data", None),
            ("GET", f"/api/networks/{net}/snapshots", None),
            ("GET", f"/api/networks/{net}/export", None),
            ("POST", f"/api/networks/{net}/predict", {"grid": {"resolution": 5}}),
            ("POST", f"/api/networks/{net}/gradcheck", {}),
            ("POST", f"/api/networks/{net}/graph", {}),  # the page's computational graph
        ):
            assert http.request(method, path, json=body, headers=viewer).status_code == 200, path
        # The key in the query string works the same (the page's links carry it).
        assert (
            http.get(f"/api/networks/{net}", params={"share": share["share"]}, headers=BOB).status_code == 200
        )
        for method, path in (
            ("POST", f"/api/networks/{net}/step"),
            ("PATCH", f"/api/networks/{net}"),
            ("DELETE", f"/api/networks/{net}"),
            ("PUT", f"/api/networks/{net}/name"),
            ("POST", f"/api/networks/{net}/rewind"),
        ):
            refused = http.request(method, path, json={} if method != "DELETE" else None, headers=viewer)
            assert refused.status_code == 403, (path, refused.text)
            assert (
                "shared with you to view" in refused.json()["detail"] and "import" in refused.json()["detail"]
            )
        key = share["share"]
        other = key[:-1] + ("y" if key.endswith("x") else "x")  # one character off
        wrong = http.get(f"/api/networks/{net}", headers={**BOB, "X-Share-Key": other})
        assert wrong.status_code == 404
        assert http.get(f"/api/networks/{net}", headers=ALICE).json()["epoch"] == 1  # nothing changed


def test_the_teacher_lists_opens_changes_and_deletes_everything(server: Served) -> None:
    teacher = {"Authorization": "Bearer teacher-secret-1"}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        alices, bobs = created(http, ALICE), created(http, BOB)
        anonymous = created(http, {})
        stepped = http.post(f"/api/networks/{alices}/step", json={}, headers=teacher)
        assert stepped.status_code == 200 and stepped.json()["update"]["step"] == 1
        upload = uploaded(http, BOB)
        assert http.get(f"/api/datasets/{upload}", headers=teacher).status_code == 200
        assert http.delete(f"/api/datasets/{upload}", headers=teacher).status_code == 204
        assert http.get(f"/api/datasets/{upload}", headers=BOB).status_code == 404
        listing = http.get("/api/networks", headers=teacher).json()
        owners = {n["id"]: n["owner"] for n in listing["networks"]}
        assert set(owners) == {alices, bobs, anonymous} and listing["total"] == 3
        assert owners[anonymous] == "" and owners[alices] != owners[bobs]
        me = http.get("/api/owner", headers=teacher).json()
        assert me["teacher"] and me["quotas"] is None and me["usage"]["networks"] == 3
        assert http.get(f"/api/networks/{bobs}", headers=teacher).status_code == 200
        assert http.delete(f"/api/networks/{bobs}", headers=teacher).status_code == 204
        assert http.get(f"/api/networks/{bobs}", headers=BOB).status_code == 404
        # The teacher token opens the page like the class token and keeps its powers in the cookie.
        opened = http.get("/", params={"token": "teacher-secret-1"})
        assert opened.status_code == 303 and "teacher-secret-1" in opened.headers["set-cookie"]
        name = opened.headers["set-cookie"].split("=", 1)[0]
    with httpx.Client(base_url=server.url, cookies={name: "teacher-secret-1"}) as browser:
        assert browser.get("/api/networks").json()["total"] == 2


def test_a_malformed_owner_key_is_refused_not_taken_for_the_anonymous_owner(
    make_client: Callable[..., TestClient],
) -> None:
    """A script whose key breaks the syntax would otherwise make networks anyone may open."""
    client = make_client()
    net = created(client, ALICE)
    for key, says in (
        ("my.key@example.com", "this one has 18, among them '.', '@'"),
        ("short", "this one has 5."),
        ("k" * 129, "this one has 129."),
        ("clé-0123456789abcd".encode(), "this one has 18, among them 'é'"),  # sent as UTF-8
    ):
        for method, path in (
            ("POST", "/api/networks"),
            ("GET", f"/api/networks/{net}"),
            ("GET", "/api/owner"),
        ):
            refused = client.request(
                method, path, json=MOONS if method == "POST" else None, headers={"X-Owner-Key": key}
            )
            assert refused.status_code == 422, (key, path, refused.text)
            detail = refused.json()["detail"]
            assert detail.startswith("X-Owner-Key must be 16 to 128 characters of A-Z a-z 0-9 _ -"), detail
            assert says in detail and "Nothing was run" in detail
    assert client.get("/api/networks", headers=ALICE).json()["networks"][0]["id"] == net
    assert client.get("/api/owner").json()["usage"]["networks"] == 1  # the one Alice made, nothing more


def test_networks_have_names_and_sizes(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    net = created(client, ALICE)
    named = client.put(f"/api/networks/{net}/name", json={"name": "  my moons  "}, headers=ALICE)
    assert named.status_code == 200 and named.json() == {"id": net, "name": "my moons"}
    (summary,) = client.get("/api/networks", headers=ALICE).json()["networks"]
    assert summary["name"] == "my moons" and summary["bytes"] > 1000 and summary["scratch"] is False
    before = summary["bytes"]
    assert client.post(f"/api/networks/{net}/train", json={"epochs": 5}, headers=ALICE).status_code == 200
    (summary,) = client.get("/api/networks", headers=ALICE).json()["networks"]
    assert summary["bytes"] > before  # history and snapshots are counted
    assert client.get("/api/owner", headers=ALICE).json()["usage"]["bytes"] == summary["bytes"]
    long = client.put(f"/api/networks/{net}/name", json={"name": "x" * 101}, headers=ALICE)
    assert long.status_code == 422 and "max_name_length=100" in long.json()["detail"]
    for control in ("a\x00b", "two\nlines", "tab\there"):  # refused alike on SQLite and PostgreSQL
        refused = client.put(f"/api/networks/{net}/name", json={"name": control}, headers=ALICE)
        assert refused.status_code == 422 and "control character (U+00" in refused.json()["detail"]
    assert client.get("/api/networks", headers=ALICE).json()["networks"][0]["name"] == "my moons"
    assert client.put(f"/api/networks/{net}/name", json={"name": ""}, headers=ALICE).json()["name"] is None


@pytest.mark.parametrize(
    ("limits", "make", "says"),
    [
        (
            {"max_owner_networks": 2},
            "network",
            r"you already keep 2 networks, the limit max_owner_networks=2 per owner \(set \S+\): "
            r"delete some of your networks \(the page's My networks, or DELETE /api/networks/\{id\}\) "
            "to make room$",
        ),
        (
            {"max_owner_datasets": 1},
            "dataset",
            r"you already keep 1 upload, the limit max_owner_datasets=1 per owner \(set \S+\): "
            r"delete one of your uploads \(the page's My networks, or DELETE /api/datasets/\{id\}; "
            r"one a network uses, once that network is deleted\) to make room$",
        ),
        (
            {"max_owner_datasets": 2},
            "dataset",
            r"you already keep 2 uploads, the limit max_owner_datasets=2 per owner",
        ),
        (
            {"max_owner_bytes": 60_000},
            "network",
            r"your networks and uploads would take [1-9]\d* kB, over the limit max_owner_bytes=60000 "
            r"per owner \(set \S+\): delete some of your networks",
        ),
        (
            {"max_store_bytes": 60_000},
            "network",
            r"^the server is full: ask the teacher to remove old networks and uploads \(they would "
            r"take [1-9]\d* kB, over the limit max_store_bytes=60000, set \S+\)$",
        ),
        (
            {"max_networks": 2},
            "network",
            r"^the server is full: ask the teacher to remove old networks and uploads "
            r"\(2 networks stored, the limit max_networks=2, set BACKPROP_EXPLORER_MAX_NETWORKS\)$",
        ),
        (
            {"max_datasets": 1},
            "dataset",
            r"^the server is full: ask the teacher to remove old networks and uploads "
            r"\(1 upload stored, the limit max_datasets=1, set BACKPROP_EXPLORER_MAX_DATASETS\)$",
        ),
    ],
)
def test_quotas_say_which_limit_and_how_to_free_space(
    make_client: Callable[..., TestClient], limits: dict, make: str, says: str
) -> None:
    client = make_client(**limits)

    def add(headers: dict) -> httpx.Response:
        if make == "dataset":
            return client.post("/api/datasets", files={"file": ("x.csv", io.BytesIO(CSV))}, headers=headers)
        return client.post("/api/networks", json=MOONS, headers=headers)

    kept = []
    while (response := add(ALICE)).status_code == 201:
        kept.append(response.json().get("id") or response.json()["dataset_id"])
        assert len(kept) < 50
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert re.search(says, detail), detail  # the limit, in words that are true, and what to do
    whole_store = "the server is full" in says
    # The quota is Alice's own (the store's cap is everyone's).
    assert add(BOB).status_code == (413 if whole_store else 201)
    # Deleting frees the room again.
    kind = "datasets" if make == "dataset" else "networks"
    assert client.delete(f"/api/{kind}/{kept[0]}", headers=ALICE).status_code == 204
    if whole_store and "max_store_bytes" not in says:
        assert add(BOB).status_code == 201  # Bob's refused one was not kept: the room is his
    else:
        assert add(ALICE).status_code == 201


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (31_400, "31 kB"),
        (49_999, "50 kB"),
        (999_499, "999 kB"),
        (999_500, "1.0 MB"),
        (4_240_000, "4.2 MB"),
    ],
)
def test_sizes_in_refusals_read_in_bytes_kilobytes_or_megabytes(size: int, words: str) -> None:
    assert size_words(size) == words


@pytest.mark.slow  # a second or more alone
def test_a_step_past_the_byte_quota_is_refused_and_saves_nothing(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_owner_bytes=200_000)
    net = created(client, ALICE)
    steps = 0
    while (response := client.post(f"/api/networks/{net}/step", json={}, headers=ALICE)).status_code == 200:
        steps += 1
        assert steps < 2_000
    assert response.status_code == 413 and "max_owner_bytes=200000" in response.json()["detail"]
    assert client.get(f"/api/networks/{net}", headers=ALICE).json()["step"] == steps
    usage = client.get("/api/owner", headers=ALICE).json()["usage"]
    assert usage["bytes"] <= 200_000


def test_scratch_networks_beyond_the_newest_few_are_dropped(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_scratch_networks=2)
    first, second = (created(client, ALICE, scratch="true") for _ in range(2))
    assert client.post(f"/api/networks/{first}/forward", json={}, headers=ALICE).status_code == 200  # changed
    third, fourth = (created(client, ALICE, scratch="true") for _ in range(2))
    listed = [n["id"] for n in client.get("/api/networks", headers=ALICE).json()["networks"]]
    # Kept: the changed one and the two newest unchanged ones; the oldest unchanged one went.
    assert listed == [first, third, fourth]
    assert client.get(f"/api/networks/{second}", headers=ALICE).status_code == 404
    # Another owner's scratch networks do not count against Alice's.
    created(client, BOB, scratch="true")
    assert client.get(f"/api/networks/{third}", headers=ALICE).status_code == 200
    # A network made without ?scratch (a script, an import) is never dropped this way.
    kept = created(client, ALICE)
    for _ in range(3):
        created(client, ALICE, scratch="true")
    assert client.get(f"/api/networks/{kept}", headers=ALICE).status_code == 200


@pytest.mark.slow  # a second or more alone
def test_idle_networks_and_uploads_expire(make_client: Callable[..., TestClient]) -> None:
    client = make_client(expire_idle_seconds=2)
    idle, busy = created(client, ALICE), created(client, BOB)
    dataset = uploaded(client, ALICE)
    time.sleep(1.2)
    assert client.post(f"/api/networks/{busy}/step", json={}, headers=BOB).status_code == 200
    time.sleep(1.2)
    created(client, BOB)  # a new network sweeps first
    assert client.get(f"/api/networks/{idle}", headers=ALICE).status_code == 404
    assert client.get(f"/api/datasets/{dataset}", headers=ALICE).status_code == 404
    assert client.get(f"/api/networks/{busy}", headers=BOB).status_code == 200
    assert client.get("/api/owner", headers=ALICE).json()["usage"] == {
        "networks": 0,
        "datasets": 0,
        "bytes": 0,
    }


def test_expiry_is_off_unless_set(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    assert client.get("/api/catalog").json()["limits"]["expire_idle_seconds"] == 0
    net = created(client, ALICE)
    time.sleep(0.2)
    created(client, ALICE)
    assert client.get(f"/api/networks/{net}", headers=ALICE).status_code == 200


def as_previous_release(db: Path) -> None:
    """Turn a store file into what the release before owners wrote: no owner, name, sizes,
    totals or meta (schema version 2)."""
    with sqlite3.connect(db) as conn:
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%count%'"
        ):
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP TRIGGER networks_resized")
        conn.execute("DROP TRIGGER datasets_resized")
        conn.execute("DROP INDEX networks_by_owner")
        conn.execute("DROP INDEX datasets_by_owner")
        conn.execute("DROP TABLE usage")
        conn.execute("DROP TABLE meta")
        for column in ("owner", "name", "scratch", "bytes", "log_bytes"):
            conn.execute(f"ALTER TABLE networks DROP COLUMN {column}")
        for column in ("owner", "bytes"):
            conn.execute(f"ALTER TABLE datasets DROP COLUMN {column}")
        conn.execute("PRAGMA user_version = 2")


@sqlite_only
def test_a_store_from_before_owners_is_upgraded_in_place(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    db = tmp_path / "old.db"
    client = make_client(db)
    nets = [created(client, {}) for _ in range(2)]
    client.post(f"/api/networks/{nets[0]}/train", json={"epochs": 3})
    dataset = uploaded(client, {})
    sizes = {n["id"]: n["bytes"] for n in client.get("/api/networks").json()["networks"]}
    answers = {n: client.get(f"/api/networks/{n}").json() for n in nets}
    client.close()
    as_previous_release(db)
    with sqlite3.connect(db) as conn:
        assert "owner" not in {row[1] for row in conn.execute("PRAGMA table_info(networks)")}

    upgraded = make_client(db)
    # Everything belongs to the anonymous owner: open by id, as before.
    for n in nets:
        assert upgraded.get(f"/api/networks/{n}", headers=ALICE).json() == answers[n]
    listing = upgraded.get("/api/networks").json()["networks"]
    assert {n["id"]: n["bytes"] for n in listing} == sizes  # sizes counted from what is stored
    assert all(n["owner"] == "" for n in listing)
    assert upgraded.get(f"/api/datasets/{dataset}").status_code == 200
    total = upgraded.get("/api/owner").json()["usage"]
    assert total["networks"] == 2 and total["datasets"] == 1 and total["bytes"] > sum(sizes.values())
    assert upgraded.post(f"/api/networks/{nets[1]}/step", json={}).status_code == 200
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert conn.execute("PRAGMA auto_vacuum").fetchone() == (2,)  # incremental: deletes shrink it


def test_share_keys_are_the_same_in_every_process_on_a_store(tmp_path: Path, new_database) -> None:
    db = new_database()
    one, two = serve(tmp_path, db=db), serve(tmp_path, db=db)
    try:
        net = created(httpx.Client(base_url=one.url), ALICE)
        key = httpx.get(f"{one.url}/api/networks/{net}/share", headers=ALICE).json()["share"]
        assert httpx.get(f"{two.url}/api/networks/{net}/share", headers=ALICE).json()["share"] == key
        viewer = {**BOB, "X-Share-Key": key}
        assert httpx.get(f"{two.url}/api/networks/{net}", headers=viewer).status_code == 200
    finally:
        one.stop()
        two.stop()


@sqlite_only
def test_owner_keys_are_never_stored(tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    db = tmp_path / "keys.db"
    client = make_client(db)
    created(client, ALICE)
    text = db.read_bytes() + (Path(f"{db}-wal").read_bytes() if Path(f"{db}-wal").exists() else b"")
    assert ALICE["X-Owner-Key"].encode() not in text
    assert json.dumps(ALICE["X-Owner-Key"]).encode() not in text


def test_names_have_length_limits_and_listings_stay_small(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    long = "c" * 131_000
    header = ",".join(f"{long}{i}" for i in range(60)) + "\n"
    refused = client.post(
        "/api/datasets", files={"file": ("x.csv", io.BytesIO((header + "1," * 59 + "1\n").encode()))}
    )
    assert refused.status_code == 413 and "max_name_length=100" in refused.json()["detail"]
    spec = {
        "layers": [1, 1],
        "data": {"inputs": [[1.0]], "targets": [[1.0]], "feature_names": [long], "target_names": ["y"]},
    }
    refused = client.post("/api/networks", json=spec)
    assert refused.status_code == 413 and "data.feature_names" in refused.json()["detail"]
    # Twenty uploads with sixty names of the longest length allowed: the list holds their names
    # and shapes, never their rows or each column's numbers, so it stays near 6 kB an upload.
    header = ",".join(f"{i:03d}" + "c" * 97 for i in range(60)) + "\n"
    row = ",".join("1" for _ in range(60)) + "\n"
    for _ in range(20):
        response = client.post(
            "/api/datasets", files={"file": ("x.csv", io.BytesIO((header + row).encode()))}
        )
        assert response.status_code == 201
    listing = client.get("/api/datasets", params={"limit": 100})
    assert listing.status_code == 200 and listing.json()["total"] == 20
    assert len(listing.content) < 20 * (60 * 103 + 1_500)
    first = listing.json()["datasets"][0]
    assert first["n_features"] == 59 and "means" not in first and "inputs" not in first
    assert client.get("/api/datasets", params={"limit": 101}).status_code == 422
