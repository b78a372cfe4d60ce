"""The store's one class over either database: opening it, and reading what it holds
(networks' summaries and sizes, their logs and their timeline, owners' totals). Holding,
saving and deleting networks come from :class:`~.writes.NetworkWrites`, uploads from
:class:`~.uploads.Uploads`, freeing room on the disk from :class:`~.space.Space`. See the
package's docstring."""

from __future__ import annotations

import builtins
import json
from pathlib import Path

from ..config import Limits
from . import accounts, checks, snapshots, steplog
from .networks import NetworkRows
from .snapshots import Snapshot
from .sql import NO_LIMIT, Connection, Database, is_postgres
from .uploads import Uploads
from .writes import NetworkWrites


def open_database(target: Path | str, limits: Limits) -> Database:
    """A ``postgresql://`` URL opens PostgreSQL (psycopg is imported only then); anything else
    is a SQLite file's path (``:memory:``: a database that lives as long as the store)."""
    if is_postgres(target):
        from .postgres import PostgresDatabase

        return PostgresDatabase(str(target), pool_size=limits.max_db_connections)
    from .sqlite import SQLiteDatabase

    return SQLiteDatabase(target)


class Store(NetworkWrites, Uploads):
    def __init__(self, target: Path | str, *, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.from_env()
        self.target = target  # the file's path or the database URL it was opened with
        self._db = open_database(target, self.limits)
        self._rows = NetworkRows()
        self._holds = {}
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

    def _migrate_network(self, conn: Connection, doc: dict, created: float, updated: float) -> None:
        self._rows.write(conn, doc, 1, created, updated)

    # --- networks --------------------------------------------------------------------

    def exists(self, network_id: str) -> bool:
        with self._db.connection() as conn:
            row = conn.execute("SELECT 1 FROM networks WHERE id = ?", (network_id,)).fetchone()
        return row is not None

    def step(self, network_id: str) -> int | None:
        """Updates the network has applied (None: no such network), from its summary column."""
        with self._db.connection() as conn:
            row = conn.execute("SELECT step FROM networks WHERE id = ?", (network_id,)).fetchone()
        return None if row is None else int(row[0])

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
