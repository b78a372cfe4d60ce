"""Who owns what, and how much of the store it takes: owners, byte sizes, totals, quotas.

Every network and uploaded dataset row carries its ``owner`` (an opaque id the app derives
from a cookie or a key; ``""`` for the anonymous owner) and its ``bytes``: everything it
stores. For a network that is its row (spec and state), its explicit data rows, its epoch
history, its per-update losses (24 bytes each, at most ``max_step_losses``) and its timeline
snapshots; for a dataset its row. ``usage`` holds per-owner totals (count of networks,
count of datasets, bytes) and one row for the whole store (owner :data:`ALL`), kept by
triggers in the transaction of every insert, resize and delete, so a quota check reads two
rows however much is stored. A save that grows an owner past a quota is refused in its
transaction (:func:`check`), so nothing over a quota is ever committed.

``meta`` holds the store's own values (the secret share keys are derived from).
"""

from __future__ import annotations

import secrets
import sqlite3

from ..config import Limits
from ..errors import LimitExceeded

ALL = "*"  # the usage row of the whole store (no owner id contains "*")
TEACHER = "teacher"  # the teacher's own networks: no per-owner quota
STEP_LOSS_BYTES = 24  # step, epoch and loss of one update in the per-update loss log

NETWORK_COLUMNS = (
    ("owner", "TEXT NOT NULL DEFAULT ''"),
    ("name", "TEXT"),
    ("scratch", "INTEGER NOT NULL DEFAULT 0"),  # built by the page, not yet changed since
    ("bytes", "INTEGER NOT NULL DEFAULT 0"),
    ("log_bytes", "INTEGER NOT NULL DEFAULT 0"),  # its epoch history, part of bytes
)
DATASET_COLUMNS = (("owner", "TEXT NOT NULL DEFAULT ''"), ("bytes", "INTEGER NOT NULL DEFAULT 0"))
TABLES = (
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


TRIGGERS = (*_counting("networks", "networks"), *_counting("datasets", "datasets"))


def create(conn: sqlite3.Connection, step_loss_cap: int) -> None:
    """Add what this module keeps to a store (columns, totals, triggers); a file from before
    owners gets the columns (everything in it belongs to the anonymous owner) and its sizes
    and totals counted once."""
    upgraded = False
    for table, columns in (("networks", NETWORK_COLUMNS), ("datasets", DATASET_COLUMNS)):
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns:
            if name not in present:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                upgraded = True
    had_usage = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'usage'").fetchone()
    for statement in (*TABLES, *TRIGGERS):
        conn.execute(statement)
    if upgraded or had_usage is None:
        recount(conn, step_loss_cap)


def recount(conn: sqlite3.Connection, step_loss_cap: int) -> None:
    """Every size and total counted from what is stored (a file from before sizes were kept)."""
    conn.execute(
        "UPDATE networks SET log_bytes = coalesce("
        "(SELECT sum(length(entry)) FROM history WHERE history.network_id = networks.id), 0)"
    )
    conn.execute(
        "UPDATE networks SET bytes = length(spec) + length(state) + log_bytes"
        " + coalesce((SELECT length(data) FROM network_data WHERE key = networks.data_key), 0)"
        " + coalesce((SELECT bytes FROM snapshot_usage WHERE network_id = networks.id), 0)"
        f" + {STEP_LOSS_BYTES} * min(step, ?)",
        (step_loss_cap,),
    )
    conn.execute("UPDATE datasets SET bytes = length(info) + length(arrays)")
    conn.execute("DELETE FROM usage")
    conn.execute(
        "INSERT INTO usage (owner, networks, datasets, bytes) SELECT owner, sum(n), sum(d), sum(b) FROM ("
        " SELECT owner, 1 AS n, 0 AS d, bytes AS b FROM networks"
        " UNION ALL SELECT owner, 0, 1, bytes FROM datasets"
        f" UNION ALL SELECT '{ALL}', 1, 0, bytes FROM networks"
        f" UNION ALL SELECT '{ALL}', 0, 1, bytes FROM datasets"
        f" UNION ALL SELECT '{ALL}', 0, 0, 0) GROUP BY owner"
    )


def usage(conn: sqlite3.Connection, owner: str) -> dict:
    """``{"networks", "datasets", "bytes"}`` of ``owner`` (:data:`ALL`: the whole store)."""
    row = conn.execute("SELECT networks, datasets, bytes FROM usage WHERE owner = ?", (owner,)).fetchone()
    networks, datasets, size = row or (0, 0, 0)
    return {"networks": networks, "datasets": datasets, "bytes": size}


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def check(
    conn: sqlite3.Connection,
    owner: str,
    limits: Limits,
    *,
    kind: str,
    added: bool,
    grew: bool,
    exempt: bool = False,
) -> None:
    """Refuse (413) a write that took ``owner`` or the whole store past a quota. ``kind``:
    ``"networks"`` or ``"datasets"``; ``added``: it stored a new one; ``grew``: its size went
    up; ``exempt``: the writer has no per-owner quota (the teacher, the machine's own user).
    Runs after the write, inside its transaction: raising rolls it back."""
    if not (added or grew):
        return
    free = (
        "delete some of your networks or datasets (the page's My networks, or DELETE "
        "/api/networks/{id} and /api/datasets/{id})"
    )
    mine = usage(conn, owner)
    if owner != TEACHER and not exempt:
        cap = limits.max_owner_networks if kind == "networks" else limits.max_owner_datasets
        name = "max_owner_networks" if kind == "networks" else "max_owner_datasets"
        if added and mine[kind] > cap:
            raise LimitExceeded(
                f"you already keep {mine[kind] - 1} {kind}, the limit {name}={cap} per owner "
                f"(set {Limits.env_name(name)}): {free} to make room"
            )
        if mine["bytes"] > limits.max_owner_bytes:
            raise LimitExceeded(
                f"your networks and datasets would take {megabytes(mine['bytes'])}, over the limit "
                f"max_owner_bytes={limits.max_owner_bytes} per owner (set "
                f"{Limits.env_name('max_owner_bytes')}): {free} to free space"
            )
    whole = usage(conn, ALL)
    if whole["bytes"] > limits.max_store_bytes:
        raise LimitExceeded(
            f"the server's store would hold {megabytes(whole['bytes'])}, over its limit "
            f"max_store_bytes={limits.max_store_bytes} (set {Limits.env_name('max_store_bytes')}): "
            f"{free} to free space, or ask the teacher to remove old ones"
        )


def check_count(conn: sqlite3.Connection, table: str, limit: str, limits: Limits, remedy: str) -> None:
    """Refuse (413) one more row in ``table`` (``networks``, ``datasets``) when the store holds
    ``limits.<limit>`` already, whoever owns them."""
    (count,) = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    cap = getattr(limits, limit)
    if count >= cap:
        raise LimitExceeded(
            f"{count} {table} are stored, the limit {limit}={cap} (set {Limits.env_name(limit)}); "
            f"delete some first ({remedy})"
        )


def secret(conn: sqlite3.Connection, key: str) -> str:
    """A random value kept in the store under ``key`` (made on first use, the same for every
    process on the store)."""
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, secrets.token_hex(32)))
    (value,) = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return value
