"""Per-update losses in the store: one row per save, holding that save's updates as arrays.

Each save appends the losses of the updates it applied (a ``/step``: one; a ``/train``: up
to ``max_step_losses``) as one row: its first and last step numbers and three BLOBs of raw
little-endian numbers (step and epoch as int64, loss as float64: exact to the bit). One row
per save instead of one per update makes a 2,000-update ``/train`` write 48 KB in one
insert instead of 2,000 inserts into a two-key index (0.1 ms instead of 8 ms, which was a
seventh of the engine's own time for those updates on a 2-8-8-1 network).

Only the updates of the last ``max_step_losses`` step numbers are ever served. A save drops
the rows that lie wholly before them; a partly older row stays until it does (reads skip its
older part). A rewind (or a save whose first update is not after the stored ones) cuts the
rows at that step: later rows go, a row straddling it is rewritten without its later part.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .sql import Connection

INT, FLOAT = np.dtype("<i8"), np.dtype("<f8")


def append(
    conn: Connection, network_id: str, entries: Sequence[Sequence], keep: int, stored_step: int | None
) -> None:
    """Store ``entries`` ([step, epoch, loss]) after the stored ones, then drop the rows wholly
    before the last ``keep`` updates. ``stored_step``: the network's step before this save
    (None if it is new): a loss is stored only for an update up to it, so only an entry at
    or before it (re-applying a step) needs the stored ones cut first. One insert, plus an
    index-range delete once the log is longer than ``keep``."""
    entries = sorted(entries, key=lambda entry: entry[0])
    if not entries:
        return
    oldest_kept = int(entries[-1][0]) - keep  # updates up to this one are never served
    entries = [entry for entry in entries if entry[0] > oldest_kept]
    if not entries:  # keep < 1: no update is ever served
        return
    first = int(entries[0][0])
    if stored_step is not None and first <= stored_step:  # it replaces its loss and all later
        _cut(conn, network_id, first - 1)
    insert(conn, network_id, entries)
    if oldest_kept > 0:
        conn.execute(
            "DELETE FROM step_losses WHERE network_id = ? AND last_step <= ?", (network_id, oldest_kept)
        )


def insert(conn: Connection, network_id: str, entries: Sequence[Sequence]) -> None:
    steps = np.array([entry[0] for entry in entries], dtype=INT)
    epochs = np.array([entry[1] for entry in entries], dtype=INT)
    losses = np.array([entry[2] for entry in entries], dtype=FLOAT)
    conn.execute(
        "INSERT INTO step_losses (network_id, first_step, last_step, steps, epochs, losses)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (network_id, int(steps[0]), int(steps[-1]), steps.tobytes(), epochs.tobytes(), losses.tobytes()),
    )


def truncate(conn: Connection, network_id: str, after: int) -> None:
    """Drop every loss of an update numbered above ``after``."""
    _cut(conn, network_id, after)


def _cut(conn: Connection, network_id: str, after: int) -> None:
    """Drop the losses of updates above ``after``, rewriting a row that straddles it."""
    removed = conn.execute(
        "DELETE FROM step_losses WHERE network_id = ? AND last_step > ?"
        " RETURNING first_step, steps, epochs, losses",
        (network_id, after),
    ).fetchall()
    for first_step, *blobs in removed:
        if first_step <= after:
            steps, epochs, losses = _arrays(*blobs)
            kept = steps <= after
            insert(conn, network_id, list(zip(steps[kept], epochs[kept], losses[kept], strict=True)))


def delete_all(conn: Connection, network_id: str) -> None:
    conn.execute("DELETE FROM step_losses WHERE network_id = ?", (network_id,))


def read(conn: Connection, network_id: str, since_step: int, keep: int) -> list[dict]:
    """The last ``keep`` losses of updates numbered above ``since_step``, oldest first."""
    rows = conn.execute(
        "SELECT steps, epochs, losses FROM step_losses WHERE network_id = ? AND last_step > ?"
        " ORDER BY last_step",  # rows never overlap: the order of their steps
        (network_id, since_step),
    ).fetchall()
    if not rows:
        return []
    steps, epochs, losses = _arrays(*(b"".join(column) for column in zip(*rows, strict=True)))
    # Served: the updates of the last `keep` step numbers, those after since_step of them.
    after = (steps > since_step) & (steps > steps[-1] - keep)
    return [
        {"step": s, "epoch": e, "loss": loss}
        for s, e, loss in zip(
            steps[after].tolist(), epochs[after].tolist(), losses[after].tolist(), strict=True
        )
    ]


def _arrays(steps: bytes, epochs: bytes, losses: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.frombuffer(steps, INT), np.frombuffer(epochs, INT), np.frombuffer(losses, FLOAT)
