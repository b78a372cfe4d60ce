"""The store's one class over either database: networks, their logs and their timeline,
owners' totals; uploads come from :class:`~.uploads.Uploads`, freeing room on the disk from
:class:`~.space.Space`. See the package's docstring."""

from __future__ import annotations

import builtins
import json
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import Limits
from ..errors import DomainError, InvalidInput, NotFound
from . import accounts, checks, snapshots, steplog
from .accounts import TEACHER
from .networks import NetworkRows
from .snapshots import Snapshot
from .sql import NO_LIMIT, Connection, Database, dumps, is_postgres
from .uploads import Uploads


class StaleWrite(DomainError):
    """The network changed since it was loaded (a writer that bypassed the lock)."""

    status_code = 409


@dataclass
class _Hold:
    """A network held by :meth:`Store.lock`: the thread holding it and the version it read."""

    thread: int
    version: int | None = None


def open_database(target: Path | str, limits: Limits) -> Database:
    """A ``postgresql://`` URL opens PostgreSQL (psycopg is imported only then); anything else
    is a SQLite file's path (``:memory:``: a database that lives as long as the store)."""
    if is_postgres(target):
        from .postgres import PostgresDatabase

        return PostgresDatabase(str(target), pool_size=limits.max_db_connections)
    from .sqlite import SQLiteDatabase

    return SQLiteDatabase(target)


class Store(Uploads):
    def __init__(self, target: Path | str, *, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.from_env()
        self.target = target  # the file's path or the database URL it was opened with
        self._db = open_database(target, self.limits)
        self._rows = NetworkRows()
        self._holds: dict[str, _Hold] = {}
        try:
            self._db.prepare(self._migrate_network, self.limits.max_step_losses)
        except BaseException:
            self._db.close()
            raise
        self._secret: str | None = None

    @property
    def kind(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._db.kind

    @property
    def schema_version(self) -> int:
        return self._db.schema_version

    def describe(self) -> str:
        """Where the store is, for messages: a file's path, or a URL without its password."""
        return self._db.describe()

    def check_writable(self) -> None:
        self._db.check_writable()

    def integrity(self) -> builtins.list[str]:
        """Every problem the database finds in its own files and indexes, and every inconsistency
        between the store's rows (``checks.py``), seen in one state of the store; [] when sound.
        Sizes are counted with this store's ``max_step_losses``: the servers' own setting."""
        problems = self._db.integrity()
        with self._db.reading() as conn:
            problems += checks.consistency(conn, self.limits.max_step_losses)
        return problems

    def close(self) -> None:
        self._db.close()

    # --- networks --------------------------------------------------------------------

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
                    f"unknown dataset_id {data['dataset_id']!r}: upload it with POST /api/datasets"
                )

    def _migrate_network(self, conn: Connection, doc: dict, created: float, updated: float) -> None:
        self._rows.write(conn, doc, 1, created, updated)

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

    def size(self, network_id: str) -> int | None:
        """Bytes the network stores (``accounts.py``); None when there is no such network."""
        with self._db.connection() as conn:
            row = conn.execute("SELECT bytes FROM networks WHERE id = ?", (network_id,)).fetchone()
        return None if row is None else row[0]

    def owner_of(self, network_id: str) -> str | None:
        """The network's owner (``""``: anonymous); None when there is no such network."""
        if "\x00" in network_id:  # no id holds one (PostgreSQL's text cannot): asked of every path
            return None
        with self._db.connection() as conn:
            row = conn.execute("SELECT owner FROM networks WHERE id = ?", (network_id,)).fetchone()
        return None if row is None else row[0]

    def usage(self, owner: str | None) -> dict:
        """``{"networks", "datasets", "bytes"}`` stored by ``owner``, or by everyone (None)."""
        with self._db.connection() as conn:
            return accounts.usage(conn, accounts.ALL if owner is None else owner)

    def secret(self) -> str:
        """A random value made once per store and shared by every process on it."""
        if self._secret is None:
            with self._db.transaction() as conn:
                self._secret = accounts.secret(conn, "share")
        return self._secret

    def list(
        self, *, owner: str | None = None, limit: int | None = None, offset: int = 0
    ) -> builtins.list[dict]:
        """Summaries (id, layers, activations, loss, task, phase, epoch, step, timestamps, owner,
        name, bytes, scratch), oldest first: ``owner``'s networks, or every network (None)."""
        with self._db.connection() as conn:
            return self._rows.summaries(conn, owner, NO_LIMIT if limit is None else limit, offset)

    def count(self, owner: str | None = None) -> int:
        with self._db.connection() as conn:
            if owner is None:
                (count,) = conn.execute("SELECT COUNT(*) FROM networks").fetchone()
            else:
                (count,) = conn.execute("SELECT COUNT(*) FROM networks WHERE owner = ?", (owner,)).fetchone()
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
