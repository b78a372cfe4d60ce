"""Timeline snapshots in the store: enough state to restore a network exactly, bounded per network.

A snapshot is a small JSON header (the trainer's counters and cursor, the optimizer's step
count, the spec without its data rows, and the layout of the arrays) plus one BLOB holding
every parameter and optimizer-state array as raw float64 bytes: exact to the bit and about a
third the size of the same numbers as JSON text. Rows are written in the transaction of the
save that produced their state, and pruned in that same transaction:

- ``step`` snapshots: only those of the last ``max_step_snapshots`` updates are kept;
- all snapshots of a network together hold at most ``max_snapshot_bytes``: beyond it the
  oldest step snapshots go first, then the oldest epoch snapshots (the newest is always kept).

Each network's count and bytes are kept in ``snapshot_usage`` by triggers (each backend's
schema), so checking the budget after a save reads one row instead of summing every snapshot
(epoch snapshots pile up to the budget: summing them made each ``/step`` slower the longer a
network had trained).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .sql import Connection, dumps

KINDS = ("epoch", "step")


@dataclass
class Snapshot:
    kind: str
    epoch: int
    step: int
    train_loss: float | None
    header: dict  # JSON-able; header["layout"] = [[name, shape], …] in the order of ``arrays``
    arrays: bytes

    @cached_property
    def header_text(self) -> str:
        """The header as stored (a snapshot's header is never changed once taken)."""
        return dumps(self.header)

    @property
    def size(self) -> int:
        return len(self.header_text) + len(self.arrays)

    def unpack(self) -> dict[str, np.ndarray]:
        """name → array (float64), read back from the bytes."""
        flat = np.frombuffer(self.arrays, dtype="<f8")
        out, offset = {}, 0
        for name, shape in self.header["layout"]:
            count = int(np.prod(shape, dtype=np.int64))
            out[name] = flat[offset : offset + count].reshape(shape).copy()
            offset += count
        return out

    def value_at(self, name: str, index: tuple[int, ...]) -> float:
        """One number of one array, without unpacking the rest."""
        offset = 0
        for array_name, shape in self.header["layout"]:
            if array_name == name:
                flat_index = int(np.ravel_multi_index(index, shape)) if shape else 0
                return float(
                    np.frombuffer(self.arrays, dtype="<f8", count=1, offset=8 * (offset + flat_index))[0]
                )
            offset += int(np.prod(shape, dtype=np.int64))
        raise KeyError(name)


def pack(named: Iterable[tuple[str, np.ndarray]]) -> tuple[list, bytes]:
    """The layout and the little-endian float64 bytes of named arrays."""
    layout, chunks = [], []
    for name, array in named:
        a = np.asarray(array, dtype="<f8")
        layout.append([name, list(a.shape)])
        chunks.append(a.tobytes())
    return layout, b"".join(chunks)


def write(
    conn: Connection,
    network_id: str,
    snapshots: Iterable[Snapshot],
    *,
    max_step_snapshots: int,
    max_bytes: int,
) -> None:
    """Insert ``snapshots`` (replacing any of the same kind and step) and prune to the bounds."""
    rows = [
        (network_id, s.kind, s.step, s.epoch, s.train_loss, s.size, s.header_text, s.arrays)
        for s in snapshots
    ]
    if not rows:
        return
    # An upsert, not INSERT OR REPLACE: a replacing delete would fire no trigger.
    conn.executemany(
        "INSERT INTO snapshots (network_id, kind, step, epoch, train_loss, size, header, arrays)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (network_id, kind, step) DO UPDATE SET"
        " epoch = excluded.epoch, train_loss = excluded.train_loss, size = excluded.size,"
        " header = excluded.header, arrays = excluded.arrays",
        rows,
    )
    # The newest snapshot is one written now: a save comes after every state stored (a
    # rewind or reset first drops the states after the point it goes back to).
    oldest_kept = max(row[2] for row in rows) - max_step_snapshots
    if oldest_kept > 0:
        conn.execute(
            "DELETE FROM snapshots WHERE network_id = ? AND kind = 'step' AND step <= ?",
            (network_id, oldest_kept),
        )
    _, total = usage(conn, network_id)
    if total > max_bytes:
        _trim(conn, network_id, total - max_bytes)


def _trim(conn: Connection, network_id: str, excess: int) -> None:
    # Oldest step snapshots first, then the oldest epoch snapshots; never the newest of all.
    candidates = conn.execute(
        "SELECT kind, step, size FROM snapshots WHERE network_id = ? ORDER BY kind = 'epoch', step",
        (network_id,),
    ).fetchall()
    (newest,) = conn.execute("SELECT MAX(step) FROM snapshots WHERE network_id = ?", (network_id,)).fetchone()
    doomed = []
    for kind, step, size in candidates:
        if excess <= 0:
            break
        if step == newest:
            continue
        doomed.append((network_id, kind, step))
        excess -= size
    conn.executemany("DELETE FROM snapshots WHERE network_id = ? AND kind = ? AND step = ?", doomed)


def truncate(conn: Connection, network_id: str, epoch: int, step: int) -> None:
    """Drop what comes after a rewound point: snapshots and epoch history (``steplog``
    truncates the update losses)."""
    conn.execute(
        "DELETE FROM snapshots WHERE network_id = ? AND (step > ? OR epoch > ?)", (network_id, step, epoch)
    )
    conn.execute("DELETE FROM history WHERE network_id = ? AND epoch > ?", (network_id, epoch))


def delete_all(conn: Connection, network_id: str) -> None:
    conn.execute("DELETE FROM snapshots WHERE network_id = ?", (network_id,))


# The hyperparameters a snapshot's state was made with, read from its header's spec.
SETTINGS = ("learning_rate", "optimizer", "regularization", "batch_size", "loss", "activations")
# Where the epoch in progress stood: samples consumed, and the step the last epoch closed at.
POSITION = ("cursor", "epoch_end_step")
_HEADER_PATHS = (*(("spec", name) for name in SETTINGS), *(("trainer", name) for name in POSITION))


def listing(conn: Connection, network_id: str) -> list[dict]:
    """Every snapshot's ``{"epoch", "step", "kind", "train_loss", "settings", "cursor",
    "epoch_end_step"}``, oldest first (epoch before step at the same step). ``settings`` holds
    the :data:`SETTINGS` in force when the state was made: those the epoch or the update that
    produced it ran with; ``cursor`` and ``epoch_end_step`` are the trainer's then (the latter
    None in a header stored before it was counted)."""
    rows = conn.execute(
        f"SELECT epoch, step, kind, train_loss, {conn.json_values('header', _HEADER_PATHS)}"
        " FROM snapshots"
        " WHERE network_id = ? ORDER BY step, kind",
        (network_id,),
    ).fetchall()
    listed = []
    for e, s, k, loss, text in rows:
        values = json.loads(text) if isinstance(text, str) else text
        cursor, ended = values[len(SETTINGS) :]
        listed.append(
            {
                "epoch": e,
                "step": s,
                "kind": k,
                "train_loss": loss,
                "settings": settings_of(values[: len(SETTINGS)]),
                "cursor": cursor,
                "epoch_end_step": ended,
            }
        )
    return listed


def settings_of(values: str | list) -> dict:
    """The :data:`SETTINGS` as a dict, from their JSON array (or list) in that order."""
    return dict(zip(SETTINGS, json.loads(values) if isinstance(values, str) else values, strict=True))


def find(
    conn: Connection, network_id: str, *, step: int | None = None, epoch: int | None = None
) -> Snapshot | None:
    """The snapshot after update ``step`` (a step snapshot if kept, else an epoch one), or the
    one after epoch ``epoch``."""
    if step is not None:
        query = (
            "SELECT kind, epoch, step, train_loss, header, arrays FROM snapshots"
            " WHERE network_id = ? AND step = ? ORDER BY kind = 'epoch' LIMIT 1"
        )
        row = conn.execute(query, (network_id, step)).fetchone()
    else:
        query = (
            "SELECT kind, epoch, step, train_loss, header, arrays FROM snapshots"
            " WHERE network_id = ? AND kind = 'epoch' AND epoch = ? ORDER BY step DESC LIMIT 1"
        )
        row = conn.execute(query, (network_id, epoch)).fetchone()
    return None if row is None else _snapshot(row)


def all_of(conn: Connection, network_id: str) -> list[Snapshot]:
    """Every snapshot, oldest first, one per step (a step snapshot before an epoch one)."""
    rows = conn.execute(
        "SELECT kind, epoch, step, train_loss, header, arrays FROM snapshots WHERE network_id = ?"
        " ORDER BY step, kind = 'epoch'",
        (network_id,),
    ).fetchall()
    out: list[Snapshot] = []
    for row in rows:
        if out and out[-1].step == row[2]:
            continue
        out.append(_snapshot(row))
    return out


def usage(conn: Connection, network_id: str) -> tuple[int, int]:
    """(count, bytes) of a network's snapshots."""
    row = conn.execute(
        "SELECT count, bytes FROM snapshot_usage WHERE network_id = ?", (network_id,)
    ).fetchone()
    return (0, 0) if row is None else (row[0], row[1])


def _snapshot(row: tuple) -> Snapshot:
    kind, epoch, step, train_loss, header, arrays = row
    return Snapshot(kind, epoch, step, train_loss, json.loads(header), bytes(arrays))
