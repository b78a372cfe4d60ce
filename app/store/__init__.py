"""SQLite persistence: networks (spec, per-step state, data rows apart), their epoch history
and per-update losses (append-only), and uploaded datasets.

The database is the source of truth. WAL mode with ``synchronous=NORMAL`` survives a killed
process (only an OS crash or power loss can drop the last transactions), and every write
commits before the function returns, so a response is only sent for committed state.

Several server processes may share the file (``uvicorn --workers N``, or two servers):
:meth:`Store.lock` holds the network across threads *and* processes (see ``locks.py``), and
every save checks, inside its ``BEGIN IMMEDIATE`` transaction, that the network is still at
the version the holder loaded, so no acknowledged write is ever overwritten unseen.
"""

from __future__ import annotations

import builtins
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import Limits
from ..errors import DomainError, InvalidInput, LimitExceeded, NotFound
from . import snapshots, steplog
from .db import ARRAY_KEYS, Database, dumps
from .locks import NetworkBusy, NetworkLocks
from .networks import NetworkRows
from .snapshots import Snapshot

__all__ = ["DatasetInUse", "NetworkBusy", "StaleWrite", "Store", "dumps", "new_id"]


def new_id() -> str:
    """Unguessable ids for networks and datasets."""
    return secrets.token_urlsafe(16)


class StaleWrite(DomainError):
    """The network changed since it was loaded (a writer that bypassed the lock)."""

    status_code = 409


class DatasetInUse(DomainError):
    status_code = 409


@dataclass
class _Hold:
    """A network held by :meth:`Store.lock`: the thread holding it and the version it read."""

    thread: int
    version: int | None = None


class Store:
    def __init__(self, path: Path | str, *, limits: Limits | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or Limits.from_env()
        self._db = Database(path)
        self._rows = NetworkRows()
        lock_file = None if self._db.memory else Path(f"{path}-locks")
        self._locks = NetworkLocks(lock_file)
        self._holds: dict[str, _Hold] = {}
        self._db.create_schema(self._migrate_network)
        with self._db.transaction() as conn:
            snapshots.create_table(conn)
            steplog.create_table(conn)

    def close(self) -> None:
        self._db.close()
        self._locks.close()

    # --- networks --------------------------------------------------------------------

    @contextmanager
    def lock(self, network_id: str) -> Iterator[None]:
        """Hold the network: one request at a time per network, in every process on the file.

        A :meth:`load` inside the block records the version read; a :meth:`save` inside it
        writes only if the network is still at that version (else :class:`StaleWrite`).
        """
        with self._locks.hold(network_id):
            self._holds[network_id] = _Hold(threading.get_ident())
            try:
                yield
            finally:
                del self._holds[network_id]

    def _hold(self, network_id: str) -> _Hold | None:
        hold = self._holds.get(network_id)
        return hold if hold is not None and hold.thread == threading.get_ident() else None

    def exists(self, network_id: str) -> bool:
        with self._db.connection() as conn:
            row = conn.execute("SELECT 1 FROM networks WHERE id = ?", (network_id,)).fetchone()
        return row is not None

    def load(self, network_id: str) -> dict | None:
        with self._db.connection() as conn:
            found = self._rows.read(conn, network_id)
        if found is None:
            return None
        doc, version = found
        hold = self._hold(network_id)
        if hold is not None:
            hold.version = version
        return doc

    def step(self, network_id: str) -> int | None:
        """Updates the network has applied (None: no such network), from its summary column."""
        with self._db.connection() as conn:
            row = conn.execute("SELECT step FROM networks WHERE id = ?", (network_id,)).fetchone()
        return None if row is None else int(row[0])

    def version(self, network_id: str) -> int | None:
        """The network's stored version (None: no such network), recorded like :meth:`load`
        records it: a save in the same :meth:`lock` block writes only on top of it."""
        with self._db.connection() as conn:
            row = conn.execute("SELECT version FROM networks WHERE id = ?", (network_id,)).fetchone()
        if row is None:
            return None
        hold = self._hold(network_id)
        if hold is not None:
            hold.version = row[0]
        return row[0]

    def save(
        self,
        doc: dict,
        step_losses: Iterable[tuple[int, int, float]] = (),
        history: Iterable[dict] = (),
        *,
        clear_logs: bool = False,
        timeline: Iterable[Snapshot] = (),
        rewound_to: tuple[int, int] | None = None,
    ) -> int:
        """Write a network, append per-update losses and epoch entries: one transaction.
        Returns the version written.

        Losses and history are append-only tables, so a request costs the same after
        10,000 epochs as after one. ``clear_logs`` empties both first (reset), and the
        timeline's snapshots too. ``timeline``: snapshots of states this save produced
        (``snapshots.py``); ``rewound_to=(epoch, step)`` drops every log and snapshot after
        that point (a rewind).
        """
        network_id = doc["id"]
        step_losses, history = list(step_losses), list(history)
        hold = self._hold(network_id)
        now = time.time()
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT version, data_key, dataset_id, step FROM networks WHERE id = ?", (network_id,)
            ).fetchone()
            current = None if row is None else row[0]
            if hold is not None and hold.version is not None and current != hold.version:
                if current is None:
                    raise NotFound(f"no network with id {network_id!r}: it was deleted meanwhile")
                raise StaleWrite(
                    f"network {network_id!r} changed while this request ran; nothing was saved — retry"
                )
            if current is None:
                self._check_room(conn, "networks", "max_networks", "DELETE /api/networks/{id}")
                self._check_dataset(conn, doc["spec"].get("data"))
            version = (current or 0) + 1
            self._rows.write(
                conn,
                doc,
                version,
                doc.get("created_at", now),
                now,
                old_data_key=row and row[1],
                old_dataset_id=row and row[2],
                update=row is not None,
            )
            if clear_logs:
                steplog.delete_all(conn, network_id)
                conn.execute("DELETE FROM history WHERE network_id = ?", (network_id,))
                snapshots.delete_all(conn, network_id)
            if rewound_to is not None:
                steplog.truncate(conn, network_id, rewound_to[1])
                snapshots.truncate(conn, network_id, *rewound_to)
            if history:
                conn.executemany(
                    "INSERT OR REPLACE INTO history (network_id, epoch, entry) VALUES (?, ?, ?)",
                    [(network_id, entry["epoch"], dumps(entry)) for entry in history],
                )
            # After a reset or a rewind the stored losses end at the step they went back to.
            stored_step = None if row is None or clear_logs else row[3]
            if rewound_to is not None and stored_step is not None:
                stored_step = min(stored_step, rewound_to[1])
            steplog.append(conn, network_id, step_losses, self.limits.max_step_losses, stored_step)
            snapshots.write(
                conn,
                network_id,
                timeline,
                max_step_snapshots=self.limits.max_step_snapshots,
                max_bytes=self.limits.max_snapshot_bytes,
            )
        if hold is not None:
            hold.version = version
        doc.setdefault("created_at", now)
        doc["updated_at"] = now
        return version

    def _check_room(self, conn: sqlite3.Connection, table: str, limit: str, remedy: str) -> None:
        (count,) = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        cap = getattr(self.limits, limit)
        if count >= cap:
            raise LimitExceeded(
                f"{count} {table} are stored, the limit {limit}={cap} (set {Limits.env_name(limit)}); "
                f"delete some first ({remedy})"
            )

    @staticmethod
    def _check_dataset(conn: sqlite3.Connection, data: object) -> None:
        # Inside the transaction: a dataset deleted meanwhile is never referenced.
        if isinstance(data, dict) and "dataset_id" in data:
            found = conn.execute("SELECT 1 FROM datasets WHERE id = ?", (data["dataset_id"],)).fetchone()
            if found is None:
                raise InvalidInput(
                    f"unknown dataset_id {data['dataset_id']!r}: upload it with POST /api/datasets"
                )

    def _migrate_network(self, conn: sqlite3.Connection, doc: dict, created: float, updated: float) -> None:
        self._rows.write(conn, doc, 1, created, updated)

    def delete(self, network_id: str) -> bool:
        with self._db.transaction() as conn:
            row = conn.execute("SELECT data_key FROM networks WHERE id = ?", (network_id,)).fetchone()
            conn.execute("DELETE FROM networks WHERE id = ?", (network_id,))
            steplog.delete_all(conn, network_id)
            conn.execute("DELETE FROM history WHERE network_id = ?", (network_id,))
            snapshots.delete_all(conn, network_id)
            if row is not None:
                self._rows.drop_orphan_data(conn, row[0])
        return row is not None

    def list(self, *, limit: int | None = None, offset: int = 0) -> builtins.list[dict]:
        """Summaries (id, layers, activations, loss, task, phase, epoch, step, timestamps), oldest first."""
        with self._db.connection() as conn:
            return self._rows.summaries(conn, -1 if limit is None else limit, offset)

    def count(self) -> int:
        with self._db.connection() as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM networks").fetchone()
        return count

    def data_key(self, data: dict) -> str:
        """A content key for explicit data rows (free for rows this store loaded)."""
        return self._rows.data_key(data)

    def steps(self, network_id: str, since_step: int | None = None) -> builtins.list[dict]:
        """The last max_step_losses step losses, oldest first; only those after `since_step` if given."""
        with self._db.connection() as conn:
            return steplog.read(
                conn, network_id, -1 if since_step is None else since_step, self.limits.max_step_losses
            )

    def history(self, network_id: str) -> builtins.list[dict]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "SELECT entry FROM history WHERE network_id = ? ORDER BY epoch", (network_id,)
            ).fetchall()
        return [json.loads(entry) for (entry,) in rows]

    # --- timeline ---------------------------------------------------------------------

    def snapshots(self, network_id: str) -> builtins.list[dict]:
        """Every snapshot's epoch, step, kind and train_loss, oldest first."""
        with self._db.connection() as conn:
            return snapshots.listing(conn, network_id)

    def snapshot(
        self, network_id: str, *, step: int | None = None, epoch: int | None = None
    ) -> Snapshot | None:
        """The snapshot after update ``step`` or after epoch ``epoch``; None if not kept."""
        with self._db.connection() as conn:
            return snapshots.find(conn, network_id, step=step, epoch=epoch)

    def all_snapshots(self, network_id: str) -> builtins.list[Snapshot]:
        """Every kept state, oldest first, one per step."""
        with self._db.connection() as conn:
            return snapshots.all_of(conn, network_id)

    def snapshot_usage(self, network_id: str) -> tuple[int, int]:
        """(count, bytes) of the network's snapshots."""
        with self._db.connection() as conn:
            return snapshots.usage(conn, network_id)

    # --- datasets --------------------------------------------------------------------

    def save_dataset(self, dataset_id: str, doc: dict) -> None:
        info = {k: v for k, v in doc.items() if k not in ARRAY_KEYS}
        arrays = {k: doc[k] for k in ARRAY_KEYS}
        with self._db.transaction() as conn:
            self._check_room(conn, "datasets", "max_datasets", "DELETE /api/datasets/{id}")
            conn.execute(
                "INSERT INTO datasets (id, info, arrays, created_at) VALUES (?, ?, ?, ?)",
                (dataset_id, dumps(info), dumps(arrays), time.time()),
            )

    def load_dataset(self, dataset_id: str) -> dict | None:
        with self._db.connection() as conn:
            row = conn.execute("SELECT info, arrays FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        return None if row is None else {**json.loads(row[0]), **json.loads(row[1])}

    def list_datasets(self, *, limit: int | None = None, offset: int = 0) -> builtins.list[dict]:
        """Dataset infos (no arrays) with ``created_at``, oldest first."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "SELECT info, created_at FROM datasets ORDER BY created_at, id LIMIT ? OFFSET ?",
                (-1 if limit is None else limit, offset),
            ).fetchall()
        return [{**json.loads(info), "created_at": created} for info, created in rows]

    def count_datasets(self) -> int:
        with self._db.connection() as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM datasets").fetchone()
        return count

    def delete_dataset(self, dataset_id: str) -> bool:
        """Delete an uploaded dataset; :class:`DatasetInUse` while a network uses it."""
        with self._db.transaction() as conn:
            (users,) = conn.execute(
                "SELECT COUNT(*) FROM networks WHERE dataset_id = ?", (dataset_id,)
            ).fetchone()
            if users:
                raise DatasetInUse(f"dataset {dataset_id!r} is used by {users} network(s): delete them first")
            deleted = conn.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,)).rowcount
        return deleted > 0
