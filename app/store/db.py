"""The SQLite file: schema (and its migration), a pool of connections, transactions.

Each thread borrows its own connection from a pool, so reads never wait for a writer (WAL)
and no Python lock spans a query. Writes run in ``BEGIN IMMEDIATE`` transactions, which
SQLite serializes across every connection and process on the file; ``busy_timeout`` makes a
writer wait for another rather than fail.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 3  # 2: networks in rows; 3: owners, sizes and totals (accounts.py)
SCHEMA = """
CREATE TABLE IF NOT EXISTS networks (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,       -- +1 per save: a write based on an older read is refused
    data_key TEXT,                  -- network_data.key of its explicit data rows
    dataset_id TEXT,                -- the uploaded dataset it uses
    layers TEXT NOT NULL,           -- from here to updated_at: what a listing shows
    activations TEXT NOT NULL,
    loss TEXT NOT NULL,
    task TEXT,
    phase TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    step INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    owner TEXT NOT NULL DEFAULT '',  -- from here to log_bytes: accounts.py
    name TEXT,
    scratch INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    log_bytes INTEGER NOT NULL DEFAULT 0,
    -- Large columns last: SQLite reads a row's columns in order, through overflow pages.
    spec TEXT NOT NULL,             -- the resolved spec (explicit data rows live in network_data)
    state TEXT NOT NULL             -- parameters, optimizer and trainer state, the step in progress
);
CREATE INDEX IF NOT EXISTS networks_by_creation ON networks (created_at, id);
CREATE INDEX IF NOT EXISTS networks_by_data ON networks (data_key);
CREATE INDEX IF NOT EXISTS networks_by_dataset ON networks (dataset_id);
CREATE TABLE IF NOT EXISTS network_data (
    key TEXT PRIMARY KEY,           -- a hash of the content: written once, shared by copies
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    network_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (network_id, epoch)
);
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    bytes INTEGER NOT NULL DEFAULT 0,
    info TEXT NOT NULL,             -- everything but the arrays: what a listing shows
    arrays TEXT NOT NULL            -- {"inputs", "targets"}, last (see networks)
);
CREATE INDEX IF NOT EXISTS datasets_by_creation ON datasets (created_at, id);
"""
ARRAY_KEYS = ("inputs", "targets")
WAL_LIMIT = 4 * 1024 * 1024  # bytes the write-ahead log keeps on disk between checkpoints
log = logging.getLogger(__name__)
# Writes one version-1 network document (with its timestamps) in the current schema.
MigrateNetwork = Callable[[sqlite3.Connection, dict, float, float], None]


class Database:
    def __init__(self, path: Path | str) -> None:
        self.memory = str(path) == ":memory:"
        if self.memory:
            # One shared in-memory database for every pooled connection of this Store.
            self._target, self._uri = f"file:store-{id(self)}?mode=memory&cache=shared", True
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._target, self._uri = str(path), False
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []
        self._keepalive = self._connect()  # an in-memory database lives while a connection does

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._target, uri=self._uri, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=30000")
        # A new file gives the pages of deleted rows back to the disk (Store.compact); this
        # must come before the journal mode is set. An older file is converted once (Store).
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        # Deleting must not write every freed page again (zeros): on a full disk a DELETE has
        # to fit in the little room left. FAST still clears what it rewrites anyway.
        conn.execute("PRAGMA secure_delete=FAST")
        conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
        if not self.memory:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        self._all.append(conn)
        return conn

    def close(self) -> None:
        for conn in self._all:
            conn.close()
        self._all.clear()

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection of this thread's own until the block ends (for reads)."""
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            yield conn
        finally:
            self._idle.put(conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` if the block raises)."""
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def create_schema(
        self, migrate_network: Callable[[sqlite3.Connection, dict, float, float], None]
    ) -> None:
        """Create the tables, or bring a version-1 file (one JSON document per row) to version
        2; the store adds the rest and then calls :meth:`set_version`."""
        with self.transaction() as conn:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version >= 2:
                return
            old = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "networks" in old:
                conn.execute("ALTER TABLE networks RENAME TO networks_v1")
            if "datasets" in old:
                conn.execute("ALTER TABLE datasets RENAME TO datasets_v1")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            if "networks" in old:
                rows = conn.execute("SELECT doc, created_at, updated_at FROM networks_v1").fetchall()
                for text, created, updated in rows:
                    migrate_network(conn, json.loads(text), created, updated)
                conn.execute("DROP TABLE networks_v1")
            if "datasets" in old:
                for dataset_id, text, created in conn.execute(
                    "SELECT id, doc, created_at FROM datasets_v1"
                ).fetchall():
                    doc = json.loads(text)
                    info = {k: v for k, v in doc.items() if k not in ARRAY_KEYS}
                    arrays = {k: doc[k] for k in ARRAY_KEYS}
                    conn.execute(
                        "INSERT INTO datasets (id, info, arrays, created_at) VALUES (?, ?, ?, ?)",
                        (dataset_id, dumps(info), dumps(arrays), created),
                    )
                conn.execute("DROP TABLE datasets_v1")
            conn.execute("PRAGMA user_version = 2")

    def set_version(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def reclaim_pages(self) -> None:
        """Convert a file made without ``auto_vacuum`` (before version 3), once: a VACUUM
        rewrites it. Without room on the disk for a copy it stays as it is (deleting still
        frees pages for reuse, without giving them back to the disk)."""
        with self.connection() as conn:
            (mode,) = conn.execute("PRAGMA auto_vacuum").fetchone()
            if mode != 0 or self.memory:
                return
            try:
                conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
                conn.execute("VACUUM")
            except sqlite3.OperationalError as exc:
                log.warning(
                    "cannot convert %s to give freed space back (%s): it keeps its size", self._target, exc
                )

    def compact(self, pages_per_step: int = 256) -> None:
        """Give the pages of deleted rows back to the disk, a few at a time with a checkpoint
        between steps, so the write-ahead log never needs more than ~1 MB of room."""
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
                conn.execute("PRAGMA busy_timeout=100")
                try:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                except sqlite3.OperationalError:
                    pass  # busy: the log is emptied by a later checkpoint
                finally:
                    conn.execute("PRAGMA busy_timeout=30000")


def dumps(doc: object) -> str:
    # allow_nan=False: a non-finite number must never be stored (it could not be served).
    return json.dumps(doc, separators=(",", ":"), allow_nan=False)
