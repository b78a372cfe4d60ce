"""Per-update losses stored one row per save (app/store/steplog.py), on a real database (a
SQLite file, and PostgreSQL)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from backprop_explorer.app.config import Limits
from backprop_explorer.app.store import Store, steplog
from backprop_explorer.app.store.sql import Connection
from fastapi.testclient import TestClient

from .conftest import MOONS, create, sqlite_only


@pytest.fixture
def conn(new_database) -> Iterator[Connection]:
    """A connection of a new store's database, each statement committed on its own."""
    NETWORK_STEP.clear()
    store = Store(new_database(), limits=Limits())
    with store._db.connection() as connection:
        yield connection
    store.close()


def losses(first: int, last: int, epoch: int = 1) -> list[list]:
    return [[step, epoch, step / 7] for step in range(first, last + 1)]


NETWORK_STEP: dict[str, int] = {}  # what the networks table would say


def save(conn: Connection, network_id: str, entries: list[list], keep: int) -> None:
    """As Store.save calls the log: with the network's step before the save."""
    steplog.append(conn, network_id, entries, keep, NETWORK_STEP.get(network_id))
    NETWORK_STEP[network_id] = max(entry[0] for entry in entries)


def rewind(conn: Connection, network_id: str, after: int) -> None:
    steplog.truncate(conn, network_id, after)
    NETWORK_STEP[network_id] = after


def served(conn: Connection, since: int = -1, keep: int = 10_000) -> list[list]:
    return [[e["step"], e["epoch"], e["loss"]] for e in steplog.read(conn, "n", since, keep)]


def test_saves_read_back_exactly_in_order(conn: Connection) -> None:
    save(conn, "n", losses(1, 1), keep=100)
    save(conn, "n", losses(2, 40, epoch=2), keep=100)
    save(conn, "other", losses(1, 5), keep=100)
    assert served(conn) == losses(1, 1) + losses(2, 40, epoch=2)
    assert served(conn, since=37) == losses(38, 40, epoch=2)
    assert served(conn, since=40) == []
    assert (conn.execute("SELECT COUNT(*) FROM step_losses WHERE network_id = 'n'").fetchone()) == (2,)


@pytest.mark.parametrize("keep", [1, 3, 10, 25])
def test_only_the_last_keep_updates_are_served_and_older_rows_are_dropped(
    conn: Connection, keep: int
) -> None:
    for first in range(1, 60, 6):  # saves of 6 updates each
        save(conn, "n", losses(first, first + 5), keep=keep)
        last = first + 5
        assert served(conn, keep=keep) == losses(max(1, last - keep + 1), last)
    stored = conn.execute("SELECT MIN(first_step) FROM step_losses").fetchone()[0]
    assert stored > 60 - keep - 6  # rows wholly before the kept updates are gone


def test_a_rewind_cuts_the_row_that_straddles_it(conn: Connection) -> None:
    save(conn, "n", losses(1, 10), keep=100)
    save(conn, "n", losses(11, 20), keep=100)
    rewind(conn, "n", after=14)
    assert served(conn) == losses(1, 14)
    rewind(conn, "n", after=0)
    assert served(conn) == []


def test_a_save_from_an_earlier_step_replaces_what_followed(conn: Connection) -> None:
    save(conn, "n", losses(1, 10), keep=100)
    again = [[step, 9, -1.0] for step in range(6, 8)]
    save(conn, "n", again, keep=100)
    assert served(conn) == losses(1, 5) + again


@sqlite_only
def test_a_file_with_one_row_per_update_is_moved_into_the_log(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    """A file written before the log (table ``steps``, one row per update) opens with every loss."""
    db = tmp_path / "old.db"
    client = make_client(db)
    network = create(client, MOONS)
    url = f"/api/networks/{network['id']}"
    assert client.post(f"{url}/train", json={"epochs": 3}).status_code == 200
    history = client.get(f"{url}/history").json()
    assert len(history["steps"]) == 12  # 30 training rows in batches of 8, 3 epochs
    client.close()
    with sqlite3.connect(db) as old:
        old.execute(
            "CREATE TABLE steps (network_id TEXT NOT NULL, step INTEGER NOT NULL, epoch INTEGER NOT NULL,"
            " loss REAL NOT NULL, PRIMARY KEY (network_id, step))"
        )
        old.executemany(
            "INSERT INTO steps VALUES (?, ?, ?, ?)",
            [(network["id"], s["step"], s["epoch"], s["loss"]) for s in history["steps"]],
        )
        old.execute("DROP TABLE step_losses")
    reopened = make_client(db)
    assert reopened.get(f"{url}/history").json() == history
    with sqlite3.connect(db) as moved:
        tables = {name for (name,) in moved.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "steps" not in tables and "step_losses" in tables
    assert reopened.post(f"{url}/step", json={}).status_code == 200
    assert [s["step"] for s in reopened.get(f"{url}/history").json()["steps"]] == list(range(1, 14))
