"""The tables as SQLite holds them, and the upgrade of a file written by an older release.

The file's version is ``PRAGMA user_version``: 1, one JSON document per network; 2, networks
in rows (``networks.py``), their data rows apart; 3, owners, sizes and totals
(``accounts.py``); 4, an index of when each network last changed (the expiry sweep).
:func:`upgrade` brings any older file to :data:`SCHEMA_VERSION` in place, in one
``BEGIN IMMEDIATE`` transaction per stage, and creates a new file's tables.
"""

from __future__ import annotations

import json

from . import accounts, steplog
from .accounts import ALL
from .sql import ARRAY_KEYS, Connection, MigrateNetwork, dumps, statements

SCHEMA_VERSION = 4  # what a file is brought to; a newer file is refused
NETWORKS = """
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
# Timeline snapshots (snapshots.py) and each network's count and bytes of them, kept by
# triggers on every insert, update and delete of a snapshot, in the same transaction.
SNAPSHOTS = """
CREATE TABLE IF NOT EXISTS snapshots (
    network_id TEXT NOT NULL,
    kind TEXT NOT NULL,             -- 'epoch' (after an epoch closed) or 'step' (after an update)
    step INTEGER NOT NULL,          -- updates applied when it was taken
    epoch INTEGER NOT NULL,         -- epochs completed when it was taken
    train_loss REAL,                -- the epoch's training loss, or the update's batch loss
    size INTEGER NOT NULL,          -- bytes of header + arrays (what the byte budget counts)
    header TEXT NOT NULL,
    arrays BLOB NOT NULL,
    PRIMARY KEY (network_id, kind, step)
);
CREATE INDEX IF NOT EXISTS snapshots_by_step ON snapshots (network_id, step)
"""
SNAPSHOT_USAGE = """
CREATE TABLE IF NOT EXISTS snapshot_usage (
    network_id TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL
) WITHOUT ROWID"""
SNAPSHOT_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS snapshot_added AFTER INSERT ON snapshots BEGIN
    INSERT INTO snapshot_usage (network_id, count, bytes) VALUES (NEW.network_id, 1, NEW.size)
    ON CONFLICT (network_id) DO UPDATE SET count = count + 1, bytes = bytes + NEW.size;
END""",
    """CREATE TRIGGER IF NOT EXISTS snapshot_replaced AFTER UPDATE ON snapshots BEGIN
    UPDATE snapshot_usage SET bytes = bytes - OLD.size WHERE network_id = OLD.network_id;
    INSERT INTO snapshot_usage (network_id, count, bytes) VALUES (NEW.network_id, 0, NEW.size)
    ON CONFLICT (network_id) DO UPDATE SET bytes = bytes + NEW.size;
END""",
    """CREATE TRIGGER IF NOT EXISTS snapshot_removed AFTER DELETE ON snapshots BEGIN
    UPDATE snapshot_usage SET count = count - 1, bytes = bytes - OLD.size
    WHERE network_id = OLD.network_id;
    DELETE FROM snapshot_usage WHERE network_id = OLD.network_id AND count <= 0;
END""",
)
STEP_LOSSES = """
CREATE TABLE IF NOT EXISTS step_losses (
    network_id TEXT NOT NULL,
    first_step INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    steps BLOB NOT NULL,            -- int64 little-endian, ascending
    epochs BLOB NOT NULL,           -- int64 little-endian: the 1-based epoch of each update
    losses BLOB NOT NULL,           -- float64 little-endian: each update's batch loss
    PRIMARY KEY (network_id, first_step)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS step_losses_by_last ON step_losses (network_id, last_step)"""
# Owners, sizes and totals (accounts.py): columns added to a file from before them.
NETWORK_COLUMNS = (
    ("owner", "TEXT NOT NULL DEFAULT ''"),
    ("name", "TEXT"),
    ("scratch", "INTEGER NOT NULL DEFAULT 0"),  # built by the page, not yet changed since
    ("bytes", "INTEGER NOT NULL DEFAULT 0"),
    ("log_bytes", "INTEGER NOT NULL DEFAULT 0"),  # its epoch history, part of bytes
)
DATASET_COLUMNS = (("owner", "TEXT NOT NULL DEFAULT ''"), ("bytes", "INTEGER NOT NULL DEFAULT 0"))
# Version 4: the expiry sweep finds networks unchanged since a time without reading them all.
EXPIRY_INDEX = "CREATE INDEX IF NOT EXISTS networks_by_update ON networks (updated_at)"
ACCOUNTS = (
    """CREATE TABLE IF NOT EXISTS usage (
    owner TEXT PRIMARY KEY,
    networks INTEGER NOT NULL,
    datasets INTEGER NOT NULL,
    bytes INTEGER NOT NULL
) WITHOUT ROWID""",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS networks_by_owner ON networks (owner, created_at, id)",
    "CREATE INDEX IF NOT EXISTS datasets_by_owner ON datasets (owner, created_at, id)",
)


def _counting(table: str, column: str) -> tuple[str, ...]:
    """Triggers keeping ``usage`` in step with ``table`` (``column``: its count in usage)."""
    other = "datasets" if column == "networks" else "networks"
    add = (
        f"INSERT INTO usage (owner, {column}, {other}, bytes) VALUES (NEW.owner, 1, 0, NEW.bytes), "
        f"('{ALL}', 1, 0, NEW.bytes) ON CONFLICT (owner) DO UPDATE SET "
        f"{column} = {column} + 1, bytes = bytes + excluded.bytes;"
    )
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_counted AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_resized AFTER UPDATE OF bytes ON {table} BEGIN "
        f"UPDATE usage SET bytes = bytes + NEW.bytes - OLD.bytes WHERE owner IN (NEW.owner, '{ALL}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_uncounted AFTER DELETE ON {table} BEGIN "
        f"UPDATE usage SET {column} = {column} - 1, bytes = bytes - OLD.bytes "
        f"WHERE owner IN (OLD.owner, '{ALL}'); END",
    )


ACCOUNT_TRIGGERS = (*_counting("networks", "networks"), *_counting("datasets", "datasets"))


def version(conn: Connection) -> int:
    (found,) = conn.execute("PRAGMA user_version").fetchone()
    return found


def upgrade(conn: Connection, stage: int, migrate_network: MigrateNetwork, step_loss_cap: int) -> None:
    """Stage 1: tables in rows (version 2), from version-1 documents if there are any. Stage 2:
    everything else, each part added where missing (a file of version 2 or 3 gets what it
    lacks), then the version. Each stage runs in its own transaction."""
    if stage == 1:
        if version(conn) < 2:
            _rows_from_documents(conn, migrate_network)
        return
    _snapshots(conn)
    _step_losses(conn)
    _accounts(conn, step_loss_cap)
    conn.execute(EXPIRY_INDEX)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _rows_from_documents(conn: Connection, migrate_network: MigrateNetwork) -> None:
    """Create the tables, or bring a version-1 file (one JSON document per row) to version 2."""
    old = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "networks" in old:
        conn.execute("ALTER TABLE networks RENAME TO networks_v1")
    if "datasets" in old:
        conn.execute("ALTER TABLE datasets RENAME TO datasets_v1")
    for statement in statements(NETWORKS):
        conn.execute(statement)
    if "networks" in old:
        rows = conn.execute("SELECT doc, created_at, updated_at FROM networks_v1").fetchall()
        for text, created, updated in rows:
            migrate_network(conn, json.loads(text), created, updated)
        conn.execute("DROP TABLE networks_v1")
    if "datasets" in old:
        rows = conn.execute("SELECT id, doc, created_at FROM datasets_v1").fetchall()
        for dataset_id, text, created in rows:
            doc = json.loads(text)
            info = {k: v for k, v in doc.items() if k not in ARRAY_KEYS}
            arrays = {k: doc[k] for k in ARRAY_KEYS}
            conn.execute(
                "INSERT INTO datasets (id, info, arrays, created_at) VALUES (?, ?, ?, ?)",
                (dataset_id, dumps(info), dumps(arrays), created),
            )
        conn.execute("DROP TABLE datasets_v1")
    conn.execute("PRAGMA user_version = 2")


def _snapshots(conn: Connection) -> None:
    """The snapshots table and its usage totals (filled from the snapshots of a file made
    before the totals existed)."""
    for statement in statements(SNAPSHOTS):
        conn.execute(statement)
    had_usage = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshot_usage'"
    ).fetchone()
    conn.execute(SNAPSHOT_USAGE)
    for trigger in SNAPSHOT_TRIGGERS:
        conn.execute(trigger)
    if had_usage is None:
        conn.execute(
            "INSERT INTO snapshot_usage (network_id, count, bytes)"
            " SELECT network_id, COUNT(*), SUM(size) FROM snapshots GROUP BY network_id"
        )


def _step_losses(conn: Connection) -> None:
    """The per-update loss table; the losses of a file from before it (one row per update, in
    a table ``steps``) move into it, one row per network."""
    for statement in statements(STEP_LOSSES):
        conn.execute(statement)
    legacy = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'steps'").fetchone()
    if legacy is None:
        return
    ids = [network_id for (network_id,) in conn.execute("SELECT DISTINCT network_id FROM steps")]
    for network_id in ids:
        rows = conn.execute(
            "SELECT step, epoch, loss FROM steps WHERE network_id = ? ORDER BY step", (network_id,)
        ).fetchall()
        steplog.insert(conn, network_id, rows)
    conn.execute("DROP TABLE steps")


def _accounts(conn: Connection, step_loss_cap: int) -> None:
    """Owners, sizes and totals; a file from before owners gets the columns (everything in it
    belongs to the anonymous owner) and its sizes and totals counted once."""
    upgraded = False
    for table, columns in (("networks", NETWORK_COLUMNS), ("datasets", DATASET_COLUMNS)):
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns:
            if name not in present:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                upgraded = True
    had_usage = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'usage'").fetchone()
    for statement in (*ACCOUNTS, *ACCOUNT_TRIGGERS):
        conn.execute(statement)
    if upgraded or had_usage is None:
        accounts.recount(conn, step_loss_cap)
