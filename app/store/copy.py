"""``backprop-explorer db copy SRC DST``: every network, upload and snapshot of one store into
another, SQLite or PostgreSQL either way.

Rows are copied as they are stored (so a network, its logs and its timeline answer exactly as
before, and its owner and share links stay), table by table in key order, a batch at a time,
from one state of the source into one transaction of the target: a copy that fails leaves
the target as it was. The target's triggers count its totals as the rows arrive. The target
must hold no network and no upload; the source should not be written meanwhile (its servers
stopped), or the copy holds the state it read when it began.
"""

from __future__ import annotations

from .sql import Connection
from .store import Store

# table → (its key columns, every column: the key's first)
TABLES = {
    "datasets": (("id",), ("id", "created_at", "owner", "bytes", "info", "arrays")),
    "network_data": (("key",), ("key", "data")),
    "networks": (
        ("id",),
        (
            "id",
            "version",
            "data_key",
            "dataset_id",
            "layers",
            "activations",
            "loss",
            "task",
            "phase",
            "epoch",
            "step",
            "created_at",
            "updated_at",
            "owner",
            "name",
            "scratch",
            "bytes",
            "log_bytes",
            "spec",
            "state",
        ),
    ),  # fmt: skip
    "history": (("network_id", "epoch"), ("network_id", "epoch", "entry")),
    "step_losses": (
        ("network_id", "first_step"),
        ("network_id", "first_step", "last_step", "steps", "epochs", "losses"),
    ),
    "snapshots": (
        ("network_id", "kind", "step"),
        ("network_id", "kind", "step", "epoch", "train_loss", "size", "header", "arrays"),
    ),
    "meta": (("key",), ("key", "value")),
}
BATCH = 50  # rows per read: a batch of snapshots or large networks is tens of MB at most
OWN_META = "schema_version"  # each database's own: never copied


class CopyRefused(Exception):
    """``db copy`` cannot copy into that target (a command's refusal, never an API answer)."""


def copy(source: Store, target: Store) -> dict[str, int]:
    """Copy everything ``source`` stores into the empty ``target``; rows copied per table."""
    if source.describe() == target.describe():
        raise CopyRefused("the source and the target are the same database")
    counts = {}
    with target._db.transaction() as out:
        (held,) = out.execute(
            "SELECT (SELECT COUNT(*) FROM networks) + (SELECT COUNT(*) FROM datasets)"
        ).fetchone()
        if held:
            raise CopyRefused(
                f"{target.describe()} already holds {held} networks and uploads: copy into an empty database"
            )
        with source._db.reading() as into:
            for table, (keys, columns) in TABLES.items():
                counts[table] = _copy_table(into, out, table, keys, columns)
    return counts


def _copy_table(source: Connection, target: Connection, table: str, keys: tuple, columns: tuple) -> int:
    names, marks = ", ".join(columns), ", ".join("?" * len(columns))
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    if table == "meta":  # the target may have made its own share secret: the source's wins
        insert += " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    own = f"key != '{OWN_META}'" if table == "meta" else "1 = 1"
    after: tuple = ()
    copied = 0
    while True:
        where = f"({', '.join(keys)}) > ({', '.join('?' * len(keys))})" if after else "1 = 1"
        rows = source.execute(
            f"SELECT {names} FROM {table} WHERE {own} AND {where} ORDER BY {', '.join(keys)} LIMIT {BATCH}",
            after,
        ).fetchall()
        if not rows:
            return copied
        target.executemany(insert, [tuple(row) for row in rows])
        copied += len(rows)
        after = tuple(rows[-1][: len(keys)])
