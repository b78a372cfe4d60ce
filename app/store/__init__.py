"""SQLite persistence: one JSON document per network, its epoch history and per-update
losses (append-only tables), and uploaded datasets.

The database is the source of truth. WAL mode with ``synchronous=NORMAL`` survives a killed
process (only an OS crash or power loss can drop the last transactions), and every write
commits before the function returns, so a response is only sent for committed state.
Requests on one network are serialized by :meth:`Store.lock`, an in-process lock per id
(the server is one process).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS networks (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS steps (
    network_id TEXT NOT NULL,
    step INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    loss REAL NOT NULL,
    PRIMARY KEY (network_id, step)
);
CREATE TABLE IF NOT EXISTS history (
    network_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (network_id, epoch)
);
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""

MAX_STEPS_RETURNED = 10_000


def new_id() -> str:
    """Unguessable ids for networks and datasets."""
    return secrets.token_urlsafe(16)


def dumps(doc: dict) -> str:
    # allow_nan=False: a non-finite number must never be stored (it could not be served).
    return json.dumps(doc, separators=(",", ":"), allow_nan=False)


def _network(row: tuple[str, float, float]) -> dict:
    """A ``(doc, created_at, updated_at)`` row as the document with its timestamps."""
    text, created, updated = row
    doc = json.loads(text)
    doc["created_at"], doc["updated_at"] = created, updated
    return doc


class Store:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db_lock = threading.RLock()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        with self._db_lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA busy_timeout=30000")
            self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._db_lock:
            self._conn.close()

    @contextmanager
    def lock(self, network_id: str) -> Iterator[None]:
        """Hold the network's lock: one request at a time per network."""
        with self._locks_guard:
            lock = self._locks.setdefault(network_id, threading.Lock())
        with lock:
            yield

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._db_lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # --- networks --------------------------------------------------------------------

    def exists(self, network_id: str) -> bool:
        with self._db_lock:
            row = self._conn.execute("SELECT 1 FROM networks WHERE id = ?", (network_id,)).fetchone()
        return row is not None

    def load(self, network_id: str) -> dict | None:
        with self._db_lock:
            row = self._conn.execute(
                "SELECT doc, created_at, updated_at FROM networks WHERE id = ?", (network_id,)
            ).fetchone()
        return None if row is None else _network(row)

    def save(
        self,
        doc: dict,
        step_losses: list[tuple[int, int, float]] = (),
        history: list[dict] = (),
        *,
        clear_logs: bool = False,
    ) -> None:
        """Write a network document, append per-update losses and epoch entries: one transaction.

        Losses and history are append-only tables, so a request costs the same after
        10,000 epochs as after one. ``clear_logs`` empties both first (reset).
        """
        now = time.time()
        body = {k: v for k, v in doc.items() if k not in ("created_at", "updated_at")}
        text = dumps(body)
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO networks (id, doc, created_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
                (doc["id"], text, doc.get("created_at", now), now),
            )
            if clear_logs:
                conn.execute("DELETE FROM steps WHERE network_id = ?", (doc["id"],))
                conn.execute("DELETE FROM history WHERE network_id = ?", (doc["id"],))
            if history:
                conn.executemany(
                    "INSERT OR REPLACE INTO history (network_id, epoch, entry) VALUES (?, ?, ?)",
                    [(doc["id"], entry["epoch"], dumps(entry)) for entry in history],
                )
            if step_losses:
                conn.executemany(
                    "INSERT OR REPLACE INTO steps (network_id, step, epoch, loss) VALUES (?, ?, ?, ?)",
                    [(doc["id"], step, epoch, loss) for step, epoch, loss in step_losses],
                )
                # Only the last MAX_STEPS_RETURNED are ever served: keep the table bounded.
                conn.execute(
                    "DELETE FROM steps WHERE network_id = ? AND step <= ?",
                    (doc["id"], max(step for step, _, _ in step_losses) - MAX_STEPS_RETURNED),
                )
        doc.setdefault("created_at", now)
        doc["updated_at"] = now

    def delete(self, network_id: str) -> bool:
        with self._transaction() as conn:
            deleted = conn.execute("DELETE FROM networks WHERE id = ?", (network_id,)).rowcount
            conn.execute("DELETE FROM steps WHERE network_id = ?", (network_id,))
            conn.execute("DELETE FROM history WHERE network_id = ?", (network_id,))
        return deleted > 0

    def list(self) -> list[dict]:
        with self._db_lock:
            rows = self._conn.execute(
                "SELECT doc, created_at, updated_at FROM networks ORDER BY created_at"
            ).fetchall()
        return [_network(row) for row in rows]

    def steps(self, network_id: str, since_step: int | None = None) -> list[dict]:
        """The last MAX_STEPS_RETURNED step losses, oldest first; only those after `since_step` if given."""
        with self._db_lock:
            rows = self._conn.execute(
                "SELECT step, epoch, loss FROM steps WHERE network_id = ? AND step > ?"
                " ORDER BY step DESC LIMIT ?",
                (network_id, -1 if since_step is None else since_step, MAX_STEPS_RETURNED),
            ).fetchall()
        return [{"step": s, "epoch": e, "loss": loss} for s, e, loss in reversed(rows)]

    def history(self, network_id: str) -> list[dict]:
        with self._db_lock:
            rows = self._conn.execute(
                "SELECT entry FROM history WHERE network_id = ? ORDER BY epoch", (network_id,)
            ).fetchall()
        return [json.loads(entry) for (entry,) in rows]

    # --- datasets --------------------------------------------------------------------

    def save_dataset(self, dataset_id: str, doc: dict) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO datasets (id, doc, created_at) VALUES (?, ?, ?)",
                (dataset_id, dumps(doc), time.time()),
            )

    def load_dataset(self, dataset_id: str) -> dict | None:
        with self._db_lock:
            row = self._conn.execute("SELECT doc FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        return None if row is None else json.loads(row[0])
