"""The store in one SQLite file: a laptop's database, with nothing to install.

Each thread borrows its own connection from a pool, so reads never wait for a writer (WAL)
and no Python lock spans a query. Writes run in ``BEGIN IMMEDIATE`` transactions, which
SQLite serializes across every connection and process on the file; ``busy_timeout`` makes a
writer wait for another rather than fail. WAL with ``synchronous=NORMAL`` survives a killed
process (only an OS crash or power loss can drop the last transactions).

Several server processes may share the file (``uvicorn --workers N``, or two servers on one
machine): :meth:`SQLiteDatabase.hold` locks a network across threads and processes with a
byte of ``<file>-locks`` (``locks.py``). A full disk is met with ``<file>-reserve``
(``space.py``), deleted to make room for a DELETE.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from ..errors import StorageError
from . import sqlite_schema
from .locks import NetworkLocks
from .space import Reserve
from .sql import Connection, Cursor, Database, MigrateNetwork, without_row_locks

T = TypeVar("T")
WAL_LIMIT = 4 * 1024 * 1024  # bytes the write-ahead log keeps on disk between checkpoints
log = logging.getLogger(__name__)

# SQLite's result codes for a database this process cannot use right now: answered with 503
# (the request was fine; the storage is not). Any other sqlite3 error is a bug: 500.
STORAGE_PROBLEMS = {
    "SQLITE_FULL": "the disk holding the database is full: free some space, then try again",
    "SQLITE_READONLY": "the database is read-only, so nothing can be saved",
    "SQLITE_CANTOPEN": "the database file cannot be opened or created (is its folder writable?)",
    "SQLITE_PERM": "the database file may not be written (permission denied)",
    "SQLITE_IOERR": "the disk holding the database failed to read or write (I/O error)",
    "SQLITE_BUSY": "the database is locked by another process: try again",
    "SQLITE_LOCKED": "the database is locked: try again",
    "SQLITE_CORRUPT": "the database file is damaged",
    "SQLITE_NOTADB": "the file is not a SQLite database",
}


def storage_problem(exc: BaseException) -> str | None:
    """The readable problem behind a sqlite3 error, looking through errors raised while handling it
    (a failed ROLLBACK after a full disk, say); None when it is not a storage problem."""
    seen: BaseException | None = exc
    while seen is not None:
        name = getattr(seen, "sqlite_errorname", None) or ""
        # Extended codes (SQLITE_READONLY_DBMOVED, SQLITE_IOERR_WRITE…) share their primary's text.
        for code, problem in STORAGE_PROBLEMS.items():
            if name == code or name.startswith(code + "_"):
                return problem
        seen = seen.__cause__ or seen.__context__
    return None


def storage_error(exc: sqlite3.Error) -> StorageError:
    problem = storage_problem(exc)
    return StorageError(str(exc), problem, full=problem == STORAGE_PROBLEMS["SQLITE_FULL"])


class SQLiteConnection(Connection):
    __slots__ = ("raw",)

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.raw.execute(without_row_locks(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.raw.executemany(without_row_locks(sql), rows)

    def json_values(self, column: str, paths: Sequence[Sequence[str]]) -> str:
        assert len(paths) >= 2  # with two paths or more, json_extract answers an array
        return f"json_extract({column}, " + ", ".join("'$." + ".".join(path) + "'" for path in paths) + ")"


class SQLiteDatabase(Database):
    kind = "sqlite"
    schema_version = sqlite_schema.SCHEMA_VERSION

    def __init__(self, path: Path | str) -> None:
        self.memory = str(path) == ":memory:"
        self.path = Path(path)
        if self.memory:
            # One shared in-memory database for every pooled connection of this Store.
            self._target, self._uri = f"file:store-{id(self)}?mode=memory&cache=shared", True
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._target, self._uri = str(path), False
        self._idle: queue.SimpleQueue[SQLiteConnection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []
        try:
            self._keepalive = self._connect()  # an in-memory database lives while a connection does
        except sqlite3.Error as exc:
            raise storage_error(exc) from None
        self._locks = NetworkLocks(None if self.memory else Path(f"{path}-locks"))
        self._reserve = None if self.memory else Reserve(Path(f"{path}-reserve"))

    def describe(self) -> str:
        return str(self.path)

    def _connect(self) -> SQLiteConnection:
        conn = sqlite3.connect(self._target, uri=self._uri, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=30000")
        # A new file gives the pages of deleted rows back to the disk (compact); this must come
        # before the journal mode is set. An older file is converted once (prepare).
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        # Deleting must not write every freed page again (zeros): on a full disk a DELETE has
        # to fit in the little room left. FAST still clears what it rewrites anyway.
        conn.execute("PRAGMA secure_delete=FAST")
        conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
        if not self.memory:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        self._all.append(conn)
        return SQLiteConnection(conn)

    def close(self) -> None:
        for conn in self._all:
            conn.close()
        self._all.clear()
        self._locks.close()

    @contextmanager
    def connection(self) -> Iterator[SQLiteConnection]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            try:
                conn = self._connect()
            except sqlite3.Error as exc:
                raise storage_error(exc) from None
        try:
            yield conn
        except sqlite3.Error as exc:
            raise storage_error(exc) from exc
        finally:
            self._idle.put(conn)

    @contextmanager
    def transaction(self) -> Iterator[SQLiteConnection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` if the block raises)."""
        with self.connection() as conn:
            conn.raw.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.raw.execute("ROLLBACK")
                raise
            conn.raw.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[SQLiteConnection]:
        """A read transaction: in WAL mode it sees the file as of its first read."""
        with self.connection() as conn:
            conn.raw.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.raw.execute("ROLLBACK")

    def hold(self, network_id: str) -> AbstractContextManager[None]:
        return self._locks.hold(network_id)

    def prepare(self, migrate_network: MigrateNetwork, step_loss_cap: int) -> None:
        with self.transaction() as conn:
            found = sqlite_schema.version(conn)
            if found > sqlite_schema.SCHEMA_VERSION:
                raise StorageError(
                    f"schema version {found}",
                    f"it was written by a newer release (schema version {found}; this release "
                    f"reads up to {sqlite_schema.SCHEMA_VERSION}): upgrade backprop-explorer",
                )
            sqlite_schema.upgrade(conn, 1, migrate_network, step_loss_cap)
        with self.transaction() as conn:
            sqlite_schema.upgrade(conn, 2, migrate_network, step_loss_cap)
        self._reclaim_pages()

    def check_writable(self) -> None:
        """A read-only file opens and reads fine, only a write shows it. The probe is rolled back."""
        if self.memory:
            return
        try:
            probe = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
            try:
                probe.execute("BEGIN IMMEDIATE")
                try:
                    probe.execute("CREATE TABLE backprop_explorer_write_probe (x)")
                finally:
                    probe.execute("ROLLBACK")
            finally:
                probe.close()
        except sqlite3.Error as exc:
            raise storage_error(exc) from None

    def integrity(self) -> list[str]:
        with self.connection() as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        return [] if [tuple(row) for row in rows] == [("ok",)] else [row[0] for row in rows]

    def _reclaim_pages(self) -> None:
        """Convert a file made without ``auto_vacuum`` (before version 3), once: a VACUUM
        rewrites it. Without room on the disk for a copy it stays as it is (deleting still
        frees pages for reuse, without giving them back to the disk)."""
        with self.connection() as conn:
            (mode,) = conn.execute("PRAGMA auto_vacuum").fetchone()
            if mode != 0 or self.memory:
                return
            try:
                conn.raw.execute("PRAGMA auto_vacuum=INCREMENTAL")
                conn.raw.execute("VACUUM")
            except sqlite3.OperationalError as exc:
                log.warning(
                    "cannot convert %s to give freed space back (%s): it keeps its size", self._target, exc
                )

    def with_room(self, write: Callable[[], T]) -> T:
        """On a full disk, delete the reserve and retry once."""
        try:
            return write()
        except StorageError as exc:
            if not exc.full or self._reserve is None or not self._reserve.release():
                raise
            return write()

    def compact(self, pages_per_step: int = 256) -> None:
        """Give the pages of deleted rows back to the disk, a few at a time with a checkpoint
        between steps, so the write-ahead log never needs more than ~1 MB of room; then refill
        the reserve."""
        with self.connection() as conn:
            while True:
                (free,) = conn.execute("PRAGMA freelist_count").fetchone()
                if free == 0:
                    break
                conn.execute(f"PRAGMA incremental_vacuum({pages_per_step})").fetchall()
                (left,) = conn.execute("PRAGMA freelist_count").fetchone()
                if not self.memory:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                if left >= free:  # not a file that can give pages back (auto_vacuum off)
                    break
            if not self.memory:
                # Empty the log too, if no reader holds it within a moment (else it is reused).
                conn.raw.execute("PRAGMA busy_timeout=100")
                try:
                    conn.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                except sqlite3.OperationalError:
                    pass  # busy: the log is emptied by a later checkpoint
                finally:
                    conn.raw.execute("PRAGMA busy_timeout=30000")
        if self._reserve is not None:
            self._reserve.fill()
