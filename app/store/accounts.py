"""Who owns what, and how much of the store it takes: owners, byte sizes, totals, quotas.

Every network and uploaded dataset row carries its ``owner`` (an opaque id the app derives
from a cookie or a key; ``""`` for the anonymous owner) and its ``bytes``: everything it
stores. For a network that is its row (spec and state), its explicit data rows, its epoch
history, its per-update losses (24 bytes each, at most ``max_step_losses``) and its timeline
snapshots; for a dataset its row. ``usage`` holds per-owner totals (count of networks,
count of datasets, bytes) and one row for the whole store (owner :data:`ALL`), kept by
triggers (each backend's schema) in the transaction of every insert, resize and delete, so a
quota check reads two rows however much is stored. Every writer that changes a total locks
the whole store's row first, so on PostgreSQL too the checks see every committed total and
no two writers pass a quota together. A save that grows an owner past a quota is refused in its
transaction (:func:`check`), so nothing over a quota is ever committed.

``meta`` holds the store's own values (the secret share keys are derived from).
"""

from __future__ import annotations

import secrets

from ..config import Limits
from ..errors import LimitExceeded
from .sql import Connection

ALL = "*"  # the usage row of the whole store (no owner id contains "*")
TEACHER = "teacher"  # the teacher's own networks: no per-owner quota
STEP_LOSS_BYTES = 24  # step, epoch and loss of one update in the per-update loss log

# What a network stores, counted from its rows (``step_loss_cap``: the parameter).
NETWORK_BYTES = (
    "length(spec) + length(state) + log_bytes"
    " + coalesce((SELECT length(data) FROM network_data WHERE key = networks.data_key), 0)"
    " + coalesce((SELECT bytes FROM snapshot_usage WHERE network_id = networks.id), 0)"
    f" + {STEP_LOSS_BYTES} * CASE WHEN step < ? THEN step ELSE ? END"
)
LOG_BYTES = "coalesce((SELECT sum(length(entry)) FROM history WHERE history.network_id = networks.id), 0)"
# Every owner's totals (and the whole store's), counted from the networks and datasets rows.
TOTALS = (
    "SELECT owner, sum(n), sum(d), sum(b) FROM ("
    " SELECT owner, 1 AS n, 0 AS d, bytes AS b FROM networks"
    " UNION ALL SELECT owner, 0, 1, bytes FROM datasets"
    f" UNION ALL SELECT '{ALL}', 1, 0, bytes FROM networks"
    f" UNION ALL SELECT '{ALL}', 0, 1, bytes FROM datasets"
    f" UNION ALL SELECT '{ALL}', 0, 0, 0) AS rows GROUP BY owner"
)


def recount(conn: Connection, step_loss_cap: int) -> None:
    """Every size and total counted from what is stored (a file from before sizes were kept)."""
    conn.execute(f"UPDATE networks SET log_bytes = {LOG_BYTES}")
    conn.execute(f"UPDATE networks SET bytes = {NETWORK_BYTES}", (step_loss_cap, step_loss_cap))
    conn.execute("UPDATE datasets SET bytes = length(info) + length(arrays)")
    conn.execute("DELETE FROM usage")
    conn.execute(f"INSERT INTO usage (owner, networks, datasets, bytes) {TOTALS}")


def usage(conn: Connection, owner: str) -> dict:
    """``{"networks", "datasets", "bytes"}`` of ``owner`` (:data:`ALL`: the whole store)."""
    row = conn.execute("SELECT networks, datasets, bytes FROM usage WHERE owner = ?", (owner,)).fetchone()
    networks, datasets, size = row or (0, 0, 0)
    return {"networks": networks, "datasets": datasets, "bytes": size}


def size_words(size: int) -> str:
    """A size as a reader takes it in: ``"512 bytes"``, ``"31 kB"``, ``"4.2 MB"``."""
    if size < 1_000:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < 999_500:
        return f"{size / 1e3:.0f} kB"
    return f"{size / 1e6:.1f} MB"


def counted(n: int, kind: str) -> str:
    """``"1 network"``, ``"3 uploads"``: ``kind`` is ``"networks"`` or ``"datasets"`` (the page
    calls an uploaded dataset an upload)."""
    word = "network" if kind == "networks" else "upload"
    return f"{n} {word}{'' if n == 1 else 's'}"


# What an owner can do to make room: the page's My networks deletes networks and uploads.
FREE_NETWORKS = "delete some of your networks (the page's My networks, or DELETE /api/networks/{id})"
FREE_UPLOADS = (
    "delete one of your uploads (the page's My networks, or DELETE /api/datasets/{id}; "
    "one a network uses, once that network is deleted)"
)
ASK_TEACHER = "the server is full: ask the teacher to remove old networks and uploads"


def check(
    conn: Connection, owner: str, limits: Limits, *, kind: str, added: bool, grew: bool, exempt: bool = False
) -> None:
    """Refuse (413) a write that took ``owner`` or the whole store past a quota. ``kind``:
    ``"networks"`` or ``"datasets"``; ``added``: it stored a new one; ``grew``: its size went
    up; ``exempt``: the writer has no per-owner quota (the teacher, the machine's own user).
    Runs after the write, inside its transaction: raising rolls it back. Each refusal names
    the limit and what the owner can do about it."""
    if not (added or grew):
        return
    whole = usage(conn, ALL)
    if added:
        name = "max_networks" if kind == "networks" else "max_datasets"
        if whole[kind] > getattr(limits, name):
            raise LimitExceeded(
                f"{ASK_TEACHER} ({counted(whole[kind] - 1, kind)} stored, the limit "
                f"{name}={getattr(limits, name)}, set {Limits.env_name(name)})",
                "store_full",
            )
    mine = usage(conn, owner)
    if owner != TEACHER and not exempt:
        cap = limits.max_owner_networks if kind == "networks" else limits.max_owner_datasets
        name = "max_owner_networks" if kind == "networks" else "max_owner_datasets"
        if added and mine[kind] > cap:
            raise LimitExceeded(
                f"you already keep {counted(mine[kind] - 1, kind)}, the limit {name}={cap} per owner "
                f"(set {Limits.env_name(name)}): "
                + (FREE_NETWORKS if kind == "networks" else FREE_UPLOADS)
                + " to make room",
                "quota_exceeded",
            )
        if mine["bytes"] > limits.max_owner_bytes:
            raise LimitExceeded(
                f"your networks and uploads would take {size_words(mine['bytes'])}, over the limit "
                f"max_owner_bytes={limits.max_owner_bytes} per owner (set "
                f"{Limits.env_name('max_owner_bytes')}): delete some of your networks or uploads (the "
                "page's My networks, or DELETE /api/networks/{id} and /api/datasets/{id}) to free space",
                "quota_exceeded",
            )
    if whole["bytes"] > limits.max_store_bytes:
        raise LimitExceeded(
            f"{ASK_TEACHER} (they would take {size_words(whole['bytes'])}, over the limit "
            f"max_store_bytes={limits.max_store_bytes}, set {Limits.env_name('max_store_bytes')})",
            "store_full",
        )


def secret(conn: Connection, key: str) -> str:
    """A random value kept in the store under ``key`` (made on first use, the same for every
    process on the store)."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        (key, secrets.token_hex(32)),
    )
    (value,) = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return value
