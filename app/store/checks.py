"""Consistency of what the store keeps, checked with queries that run on both databases.

The database checks its own files and indexes (``Database.integrity``); these check what only
the store knows: every total kept by a trigger equals what the rows add up to, every size is
what its network stores, every reference points at a row, no row outlives its network, and
the per-update losses of a network neither overlap nor run past its step.
"""

from __future__ import annotations

from .accounts import ALL, LOG_BYTES, NETWORK_BYTES, TOTALS
from .sql import Connection

# (what is wrong, a query listing the rows it is wrong for)
ORPHANS = (
    ("uses data rows that are missing", "SELECT id FROM networks WHERE data_key IS NOT NULL"
     " AND NOT EXISTS (SELECT 1 FROM network_data WHERE key = networks.data_key)"),
    ("uses an upload that is missing", "SELECT id FROM networks WHERE dataset_id IS NOT NULL"
     " AND NOT EXISTS (SELECT 1 FROM datasets WHERE id = networks.dataset_id)"),
    ("has epoch history but no network", "SELECT DISTINCT network_id FROM history"
     " WHERE NOT EXISTS (SELECT 1 FROM networks WHERE id = history.network_id)"),
    ("has update losses but no network", "SELECT DISTINCT network_id FROM step_losses"
     " WHERE NOT EXISTS (SELECT 1 FROM networks WHERE id = step_losses.network_id)"),
    ("has snapshots but no network", "SELECT DISTINCT network_id FROM snapshots"
     " WHERE NOT EXISTS (SELECT 1 FROM networks WHERE id = snapshots.network_id)"),
    ("has update losses past its step", "SELECT DISTINCT s.network_id FROM step_losses s"
     " JOIN networks n ON n.id = s.network_id WHERE s.last_step > n.step"),
    ("has update losses that overlap", "SELECT DISTINCT a.network_id FROM step_losses a"
     " JOIN step_losses b ON a.network_id = b.network_id AND a.first_step < b.first_step"
     " AND a.last_step >= b.first_step"),
    ("has epoch history past its epoch", "SELECT DISTINCT h.network_id FROM history h"
     " JOIN networks n ON n.id = h.network_id WHERE h.epoch > n.epoch"),
    ("has a snapshot past its step", "SELECT DISTINCT s.network_id FROM snapshots s"
     " JOIN networks n ON n.id = s.network_id WHERE s.step > n.step"),
)  # fmt: skip


def consistency(conn: Connection, step_loss_cap: int) -> list[str]:
    """Each inconsistency found, as a sentence naming the rows (none: [])."""
    problems = []
    for what, query in ORPHANS:
        ids = [row[0] for row in conn.execute(query).fetchall()]
        if ids:
            problems.append(f"{len(ids)} {what}: {', '.join(map(str, ids[:5]))}")
    wrong = conn.execute(
        f"SELECT id, bytes, {NETWORK_BYTES}, log_bytes, {LOG_BYTES} FROM networks"
        f" WHERE bytes != {NETWORK_BYTES} OR log_bytes != {LOG_BYTES}",
        (step_loss_cap, step_loss_cap, step_loss_cap, step_loss_cap),
    ).fetchall()
    for network_id, kept, counted, log_kept, log_counted in wrong[:5]:
        problems.append(
            f"network {network_id} is said to take {kept} bytes ({log_kept} of history) but takes "
            f"{counted} ({log_counted})"
        )
    upload_bytes = "length(info) + length(arrays)"
    wrong = conn.execute(
        f"SELECT id, bytes, {upload_bytes} FROM datasets WHERE bytes != {upload_bytes}"
    ).fetchall()
    problems += [
        f"upload {item} is said to take {kept} bytes but takes {counted}" for item, kept, counted in wrong
    ]
    kept_totals, counted_totals = _keyed(conn, "SELECT * FROM usage"), _keyed(conn, TOTALS)
    for owner in sorted(set(kept_totals) | set(counted_totals)):
        kept, counted = kept_totals.get(owner, (0, 0, 0)), counted_totals.get(owner, (0, 0, 0))
        if kept != counted:
            who = "the whole store" if owner == ALL else f"owner {owner!r}"
            problems.append(
                f"the totals of {who} (networks, uploads, bytes) are {kept}; its rows add up to {counted}"
            )
    kept_totals = _keyed(conn, "SELECT network_id, count, bytes FROM snapshot_usage")
    counted_totals = _keyed(conn, "SELECT network_id, COUNT(*), SUM(size) FROM snapshots GROUP BY network_id")
    differ = sorted(
        key
        for key in kept_totals.keys() | counted_totals.keys()
        if kept_totals.get(key) != counted_totals.get(key)
    )
    if differ:
        problems.append(
            f"the snapshot totals of {len(differ)} network(s) differ from their snapshots: {differ[:5]}"
        )
    return problems


def _keyed(conn: Connection, query: str) -> dict:
    """The rows of ``query``, by their first column."""
    return {row[0]: tuple(int(value) for value in row[1:]) for row in conn.execute(query).fetchall()}
