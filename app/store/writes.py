"""Writing networks, the store's part that changes them (a base of :class:`~.store.Store`).

:meth:`NetworkWrites.lock` holds a network: one request at a time, in every process on the
database. :meth:`~NetworkWrites.save` writes a network with its per-update losses, epoch history
and timeline snapshots in one transaction, only on top of the version the holder loaded
(else :class:`StaleWrite`), counting its size against the owner's quotas in the same
transaction. Deleting frees the space: by hand, the networks that expired, and an owner's
oldest scratch networks past their limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..config import Limits
from ..errors import DomainError, InvalidInput, NotFound
from . import accounts, snapshots, steplog
from .accounts import TEACHER
from .networks import NetworkRows
from .snapshots import Snapshot
from .space import Space
from .sql import NO_LIMIT, Connection, Database, dumps


class StaleWrite(DomainError):
    """The network changed since it was loaded (a writer that bypassed the lock)."""

    status_code = 409
    code = "stale_write"


@dataclass
class _Hold:
    """A network held by :meth:`NetworkWrites.lock`: the thread holding it and the version it read."""

    thread: int
    version: int | None = None


class NetworkWrites(Space):
    """Holding, saving and deleting networks (a base of :class:`~.store.Store`)."""

    _db: Database
    _rows: NetworkRows
    _holds: dict[str, _Hold]
    limits: Limits

    @contextmanager
    def lock(self, network_id: str) -> Iterator[None]:
        """Hold the network: one request at a time per network, in every process on the database.

        A :meth:`load` inside the block records the version read; a :meth:`save` inside it
        writes only if the network is still at that version (else :class:`StaleWrite`).
        """
        with self._db.hold(network_id):
            self._holds[network_id] = _Hold(threading.get_ident())
            try:
                yield
            finally:
                del self._holds[network_id]

    def _hold(self, network_id: str) -> _Hold | None:
        hold = self._holds.get(network_id)
        return hold if hold is not None and hold.thread == threading.get_ident() else None

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
        owner: str = "",
        scratch: bool = False,
        exempt: bool = False,
    ) -> int:
        """Write a network, append per-update losses and epoch entries: one transaction.
        Returns the version written.

        Losses and history are append-only tables, so a request costs the same after
        10,000 epochs as after one. ``clear_logs`` empties both first (reset), and the
        timeline's snapshots too. ``timeline``: snapshots of states this save produced
        (``snapshots.py``); ``rewound_to=(epoch, step)`` drops every log and snapshot after
        that point (a rewind).

        A new network belongs to ``owner``; ``scratch``: the page built it, and only the
        owner's newest ``max_scratch_networks`` such networks nobody has changed are kept
        (older ones are deleted here). Its size is counted and the quotas checked in the
        same transaction (``accounts.py``): going over one raises LimitExceeded (``exempt``:
        the writer has no per-owner quota).
        """
        network_id = doc["id"]
        step_losses, history = list(step_losses), list(history)
        hold = self._hold(network_id)
        now = time.time()
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT version, data_key, dataset_id, step, owner, bytes, log_bytes, scratch"
                " FROM networks WHERE id = ? FOR UPDATE",
                (network_id,),
            ).fetchone()
            current = None if row is None else row[0]
            if hold is not None and hold.version is not None and current != hold.version:
                if current is None:
                    raise NotFound(f"no network with id {network_id!r}: it was deleted meanwhile")
                raise StaleWrite(
                    f"network {network_id!r} changed while this request ran; nothing was saved — retry"
                )
            if current is None:
                self._check_dataset(conn, doc["spec"].get("data"), owner)
                if scratch:
                    self._drop_scratch(conn, owner, keep=self.limits.max_scratch_networks - 1)
            else:
                owner = row[4]
            version = (current or 0) + 1
            log_bytes = 0 if row is None or clear_logs else row[6]
            if clear_logs:
                steplog.delete_all(conn, network_id)
                conn.execute("DELETE FROM history WHERE network_id = ?", (network_id,))
                snapshots.delete_all(conn, network_id)
            if rewound_to is not None:
                steplog.truncate(conn, network_id, rewound_to[1])
                snapshots.truncate(conn, network_id, *rewound_to)
                (log_bytes,) = conn.execute(
                    "SELECT coalesce(sum(length(entry)), 0) FROM history WHERE network_id = ?", (network_id,)
                ).fetchone()
            if history:
                entries = [(network_id, entry["epoch"], dumps(entry)) for entry in history]
                conn.executemany(
                    "INSERT INTO history (network_id, epoch, entry) VALUES (?, ?, ?)"
                    " ON CONFLICT (network_id, epoch) DO UPDATE SET entry = excluded.entry",
                    entries,
                )
                log_bytes += sum(len(text) for _, _, text in entries)
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
            steps = min((doc.get("trainer") or {}).get("step", 0), self.limits.max_step_losses)
            losses = accounts.STEP_LOSS_BYTES * steps
            account: dict = {
                "log_bytes": log_bytes,
                "other_bytes": log_bytes + losses + snapshots.usage(conn, network_id)[1],
            }
            if row is None:
                account.update(owner=owner, scratch=int(scratch))
            elif row[7]:
                account["scratch"] = 0  # changed: no longer a scratch network
            size = self._rows.write(
                conn,
                doc,
                version,
                doc.get("created_at", now),
                now,
                old_data_key=row and row[1],
                old_dataset_id=row and row[2],
                update=row is not None,
                account=account,
            )
            accounts.check(
                conn,
                owner,
                self.limits,
                kind="networks",
                added=row is None,
                grew=row is None or size > row[5],
                exempt=exempt,
            )
        if hold is not None:
            hold.version = version
        doc.setdefault("created_at", now)
        doc["updated_at"] = now
        return version

    @staticmethod
    def _check_dataset(conn: Connection, data: object, owner: str) -> None:
        # Inside the transaction: a dataset deleted meanwhile is never referenced. Another
        # owner's upload is unknown here, as it is to GET /api/datasets/{id}.
        if isinstance(data, dict) and "dataset_id" in data:
            found = conn.execute(
                "SELECT owner FROM datasets WHERE id = ? FOR SHARE", (data["dataset_id"],)
            ).fetchone()
            if found is None or found[0] not in ("", owner) and owner != TEACHER:
                raise InvalidInput(
                    f"unknown dataset_id {data['dataset_id']!r}: upload it with POST /api/datasets",
                    "dataset_not_found",
                )

    def delete(self, network_id: str) -> bool:
        """Delete a network and everything it stores, and give the space back to the disk.
        On a full disk the reserve beside the database makes room for the deletion."""

        def delete() -> bool:
            with self._db.transaction() as conn:
                return self._delete_rows(conn, network_id)

        deleted = self._with_room(delete)
        if deleted:
            self.compact()
        return deleted

    def _delete_rows(self, conn: Connection, network_id: str) -> bool:
        row = conn.execute("SELECT data_key FROM networks WHERE id = ? FOR UPDATE", (network_id,)).fetchone()
        conn.execute("DELETE FROM networks WHERE id = ?", (network_id,))
        steplog.delete_all(conn, network_id)
        conn.execute("DELETE FROM history WHERE network_id = ?", (network_id,))
        snapshots.delete_all(conn, network_id)
        if row is not None:
            self._rows.drop_orphan_data(conn, row[0])
        return row is not None

    def _drop_scratch(self, conn: Connection, owner: str, keep: int) -> None:
        """Delete the owner's scratch networks (built by the page, never changed) but the newest
        ``keep``; one another request is saving right now stays."""
        rows = conn.execute(
            "SELECT id FROM networks WHERE owner = ? AND scratch = 1 ORDER BY created_at DESC, id DESC"
            " LIMIT ? OFFSET ? FOR UPDATE SKIP LOCKED",
            (owner, NO_LIMIT, max(0, keep)),
        ).fetchall()
        for (network_id,) in rows:
            self._delete_rows(conn, network_id)

    def expire(self, before: float) -> int:
        """Delete the networks unchanged since ``before`` (a timestamp) but the teacher's, and the
        uploads made before it that no network uses; returns how many went. What another
        request is saving right now (its row locked) stays for the next sweep."""

        def expire() -> int:
            with self._db.transaction() as conn:
                ids = conn.execute(
                    "SELECT id FROM networks WHERE updated_at < ? AND owner != ? FOR UPDATE SKIP LOCKED",
                    (before, TEACHER),
                ).fetchall()
                for (network_id,) in ids:
                    self._delete_rows(conn, network_id)
                gone = conn.execute(
                    "DELETE FROM datasets WHERE id IN (SELECT id FROM datasets WHERE created_at < ?"
                    " AND owner != ? AND NOT EXISTS (SELECT 1 FROM networks WHERE dataset_id = datasets.id)"
                    " FOR UPDATE SKIP LOCKED)",
                    (before, TEACHER),
                ).rowcount
            return len(ids) + gone

        removed = self._with_room(expire)
        if removed:
            self.compact()
        return removed

    def rename(self, network_id: str, name: str | None) -> bool:
        """Name a network (None: no name); a named network is no longer a scratch one."""
        with self._db.transaction() as conn:
            return (
                conn.execute(
                    "UPDATE networks SET name = ?, scratch = 0 WHERE id = ?", (name, network_id)
                ).rowcount
                > 0
            )
