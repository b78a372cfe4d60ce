"""`serve --db`, and `backprop-explorer db copy` and `db check` as a user runs them (real
processes): a URL's password is never printed, a database that cannot be reached is one
line, a copy keeps owners, names and share links, a check finds what is wrong, a SQLite file
or folder that is not there is refused without creating anything, and serve reads
BACKPROP_EXPLORER_DB when --db is not given."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx

from tests.conftest import ROOT, free_port, start_process
from tests.postgres import Cluster

from .conftest import MOONS, query
from .serving import command, serve


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_serve_on_postgresql_prints_the_database_without_its_password(
    tmp_path: Path, postgres_cluster: Cluster
) -> None:
    url = postgres_cluster.create_database().replace("backprop@", "backprop:not-to-be-printed@")
    server = serve(tmp_path, db=url)
    try:
        created = httpx.post(f"{server.url}/api/networks", json=MOONS, timeout=60)
        assert created.status_code == 201
        assert "networks in postgresql://backprop:***@127.0.0.1:" in server.output
    finally:
        server.stop()
    assert "not-to-be-printed" not in server.output


def test_a_database_that_cannot_be_reached_is_refused_in_one_line(postgres_cluster: Cluster) -> None:
    nowhere = f"postgresql://backprop:secret@127.0.0.1:{free_port()}/networks"
    missing = postgres_cluster.url("no_such_database")
    for url, reason in (
        (nowhere, "Connection refused"),
        (missing, 'database "no_such_database" does not exist'),
    ):
        refused = run("serve", "--db", url, "--port", "1")
        output = (refused.stdout + refused.stderr).strip()
        assert refused.returncode != 0 and "Traceback" not in output and len(output.splitlines()) == 1, output
        shown = url.replace(":secret@", ":***@")
        assert output.startswith(f"backprop-explorer: cannot use the database {shown}: the database server ")
        assert reason in output and "secret" not in output


def test_a_copy_keeps_owners_names_and_share_links(tmp_path: Path, postgres_cluster: Cluster) -> None:
    source, target = tmp_path / "class.db", postgres_cluster.create_database()
    keys = {"ada": "ada-key-0123456789abcdef", "bo": "bo-key-0123456789abcdef"}
    server = serve(tmp_path, db=source)
    try:
        ids, shares, before = {}, {}, {}
        for name, key in keys.items():
            with httpx.Client(base_url=server.url, headers={"X-Owner-Key": key}, timeout=60) as client:
                network_id = client.post("/api/networks", json=MOONS).json()["id"]
                client.post(f"/api/networks/{network_id}/train", json={"epochs": 2})
                assert (
                    client.put(f"/api/networks/{network_id}/name", json={"name": f"{name}'s"}).status_code
                    == 200
                )
                ids[name], shares[name] = network_id, client.get(f"/api/networks/{network_id}/share").json()
                before[name] = client.get("/api/networks").json()
    finally:
        server.stop()
    copied = run("db", "copy", str(source), target)
    assert copied.returncode == 0, copied.stdout + copied.stderr
    server = serve(tmp_path, db=target)
    try:
        for name, key in keys.items():
            with httpx.Client(base_url=server.url, headers={"X-Owner-Key": key}, timeout=60) as client:
                assert client.get("/api/networks").json() == before[name]  # its own, named, sized
                assert client.get(f"/api/networks/{ids[name]}/share").json() == shares[name]
            other = "bo" if name == "ada" else "ada"
            with httpx.Client(
                base_url=server.url, headers={"X-Owner-Key": keys[other]}, timeout=60
            ) as client:
                assert client.get(f"/api/networks/{ids[name]}").status_code == 404
                shared = client.get(
                    f"/api/networks/{ids[name]}", headers={"X-Share-Key": shares[name]["share"]}
                )
                assert shared.status_code == 200
    finally:
        server.stop()
    again = run("db", "copy", str(source), target)
    assert again.returncode == 1
    assert again.stdout.strip().endswith("already holds 2 networks and uploads: copy into an empty database")


def test_db_check_finds_what_is_wrong(make_client, new_database) -> None:
    db = new_database()
    client = make_client(db)
    explicit = {"layers": [1, 1], "data": {"inputs": [[0.0], [1.0]], "targets": [[0.0], [1.0]]}}
    for spec in (MOONS, explicit):
        network_id = client.post("/api/networks", json=spec).json()["id"]
        assert client.post(f"/api/networks/{network_id}/train", json={"epochs": 2}).status_code == 200
    client.app.state.service.store.close()
    checked = run("db", "check", str(db))
    assert checked.returncode == 0 and "sound (2 networks, 0 uploads" in checked.stdout, checked.stdout
    query(db, "UPDATE usage SET bytes = bytes + 1 WHERE owner = '*'")
    query(db, "DELETE FROM network_data")
    query(db, "DELETE FROM snapshot_usage WHERE network_id = ?", (network_id,))
    checked = run("db", "check", str(db))
    assert checked.returncode == 1
    problems = checked.stdout
    assert "1 uses data rows that are missing" in problems
    assert "the totals of the whole store (networks, uploads, bytes)" in problems
    assert f"the snapshot totals of 1 network(s) differ from their snapshots: ['{network_id}']" in problems


def test_a_sqlite_store_that_is_not_there_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    checked = run("db", "check", str(missing))
    assert checked.returncode == 1 and checked.stdout.strip().splitlines() == [
        f"backprop-explorer: cannot use the database {missing}: there is no such file (check the path)"
    ]
    copied = run("db", "copy", str(missing), str(tmp_path / "copy.db"))
    assert copied.returncode == 1 and copied.stdout.strip().splitlines() == [
        f"backprop-explorer: cannot use the database {missing}: there is no such file (check the path)"
    ]
    folder = run("db", "check", str(tmp_path))
    assert folder.returncode == 1
    assert (
        folder.stdout.strip()
        == f"backprop-explorer: cannot use the database {tmp_path}: it is a folder, not a SQLite file"
    )
    assert list(tmp_path.iterdir()) == []  # no file, lock file or reserve left behind


def test_a_copy_into_a_folder_that_is_not_there_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "class.db"
    server = serve(tmp_path, db=source)
    try:
        assert httpx.post(f"{server.url}/api/networks", json={"layers": [2, 1]}).status_code == 201
    finally:
        server.stop()
    target = tmp_path / "typo" / "copy.db"
    copied = run("db", "copy", str(source), str(target))
    assert copied.returncode == 1 and copied.stdout.strip() == (
        f"backprop-explorer: cannot use the database {target}: cannot create it in {target.parent}: "
        "there is no such folder (check the path, or create the folder first)"
    )
    assert not target.parent.exists()


def test_serve_refuses_a_database_folder_that_is_not_there(tmp_path: Path) -> None:
    for flags, env in (
        (["--db", str(tmp_path / "no" / "such" / "x.db")], {}),
        ([], {"BACKPROP_EXPLORER_DB": str(tmp_path / "no" / "such" / "x.db")}),
    ):
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_EXPLORER_")}
        refused = subprocess.run(
            command("serve", "--port", "0", *flags),
            capture_output=True, text=True, timeout=60, env={**inherited, **env},
        )  # fmt: skip
        assert refused.returncode == 1 and refused.stdout == "", refused.stdout
        assert refused.stderr.strip() == (
            f"backprop-explorer: cannot use the database {tmp_path / 'no' / 'such' / 'x.db'}: cannot create "
            f"it in {tmp_path / 'no' / 'such'}: there is no such folder (check the path, or create the "
            "folder first)"
        )
    assert list(tmp_path.iterdir()) == []


def test_serve_without_db_uses_the_environment_s_database(tmp_path: Path) -> None:
    db, port = tmp_path / "from-env.db", free_port()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_EXPLORER_")}
    env = {**inherited, "BACKPROP_EXPLORER_DB": str(db), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    server = start_process(command("serve", "--port", str(port)), port=port, db=db, env=env, cwd=tmp_path)
    try:
        assert f"networks in {db}\n" in server.output
        assert httpx.post(f"{server.url}/api/networks", json={"layers": [2, 1]}).status_code == 201
    finally:
        server.stop()
    assert db.exists() and not (tmp_path / "xdg").exists()
