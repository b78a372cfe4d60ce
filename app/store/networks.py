"""A network document in rows: its spec, its per-step state, its data rows kept apart.

A step changes the parameters, the optimizer and trainer state and the step in progress, never
the data. So explicit data rows (``spec.data.inputs``/``targets``) are stored once, under a
hash of their content, in ``network_data``; the network row holds the key. Parsed data is
cached per process by that key and handed out by identity: a save that carries the very
lists a load returned writes no data at all, and :meth:`NetworkRows.data_key` lets the
dataset cache recognize them without hashing.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from .sql import Connection, dumps

TIMESTAMPS = ("created_at", "updated_at")
SUMMARY = (
    "id", "layers", "activations", "loss", "task", "phase", "epoch", "step", *TIMESTAMPS,
    "owner", "name", "bytes", "scratch",
)  # fmt: skip
# Parsed data rows kept per process: bounded by numbers held, not entries.
CACHE_NUMBERS = 1_000_000


def explicit(data: object) -> bool:
    return isinstance(data, dict) and "inputs" in data


def _size(data: dict) -> int:
    return sum(len(row) for key in ("inputs", "targets") for row in data.get(key) or [])


class DataCache:
    """key → parsed explicit data (and the length of its stored text), least recently used
    first out."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[dict, int, int]] = OrderedDict()
        self._numbers = 0
        self._guard = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self._guard:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: str, data: dict, text_bytes: int) -> dict:
        with self._guard:
            if key in self._items:
                return self._items[key][0]
            size = _size(data)
            self._items[key] = (data, size, text_bytes)
            self._numbers += size
            while self._numbers > CACHE_NUMBERS and len(self._items) > 1:
                _, (_, dropped, _) = self._items.popitem(last=False)
                self._numbers -= dropped
            return data

    def key_of(self, data: dict) -> tuple[str, int] | None:
        """The key of ``data`` and its stored text's length, when its arrays are the very lists
        this cache handed out."""
        with self._guard:
            for key, (cached, _, text_bytes) in reversed(self._items.items()):
                if all(data.get(k) is cached.get(k) for k in ("inputs", "targets")):
                    return key, text_bytes
        return None


def content_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class NetworkRows:
    """Reading and writing one network's row (and its data rows) on a given connection."""

    def __init__(self) -> None:
        self.cache = DataCache()

    def data_key(self, data: dict) -> str:
        """A content key for explicit data: free for data this store loaded, else a hash."""
        known = self.cache.key_of(data)
        return known[0] if known else content_key(dumps(data))

    def _store_data(self, conn: Connection, data: dict) -> tuple[str, int]:
        """The data's key and the length of its stored text (stored now if it is new). The row
        is locked for sharing until the transaction ends, so another process's deletion of data
        it thinks unused (:meth:`drop_orphan_data`) waits or skips it; data deleted meanwhile is
        stored again."""
        known = self.cache.key_of(data)
        text: str | None = None
        if known is not None:
            key, size = known
        else:
            text = dumps(data)
            key, size = content_key(text), len(text)
        for _ in range(3):
            if conn.execute("SELECT 1 FROM network_data WHERE key = ? FOR SHARE", (key,)).fetchone():
                return key, size
            text = text or dumps(data)
            conn.execute(
                "INSERT INTO network_data (key, data) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, text)
            )
        raise RuntimeError(f"the data rows {key} were deleted as often as they were stored")

    def _load_data(self, conn: Connection, key: str) -> dict:
        data = self.cache.get(key)
        if data is None:
            (text,) = conn.execute("SELECT data FROM network_data WHERE key = ?", (key,)).fetchone()
            data = self.cache.put(key, json.loads(text), len(text))
        # A fresh dict around the shared lists: replacing a key never touches the cache.
        return dict(data)

    def read(self, conn: Connection, network_id: str) -> tuple[dict, int] | None:
        """The document (with its timestamps) and its version, or None."""
        row = conn.execute(
            "SELECT spec, state, data_key, version, created_at, updated_at FROM networks WHERE id = ?",
            (network_id,),
        ).fetchone()
        if row is None:
            return None
        spec_text, state_text, data_key, version, created, updated = row
        spec = json.loads(spec_text)
        if data_key is not None:
            spec["data"] = self._load_data(conn, data_key)
        doc = json.loads(state_text)
        doc["id"], doc["spec"] = network_id, spec
        doc["created_at"], doc["updated_at"] = created, updated
        return doc, version

    def write(
        self,
        conn: Connection,
        doc: dict,
        version: int,
        created: float,
        now: float,
        *,
        old_data_key: str | None | bool = False,
        old_dataset_id: str | None = None,
        update: bool = False,
        account: dict | None = None,
    ) -> int:
        """Insert or replace the network's row at ``version``; returns its ``bytes``.
        ``old_data_key``: the row's current ``data_key`` when the caller has read it already
        (None: no row or no key).

        ``update``: the caller read the row (its ``data_key`` and ``dataset_id`` are
        ``old_data_key`` and ``old_dataset_id``), so only the columns a save can change are
        set: the row keeps its place and its indexes are untouched unless their columns
        changed (a step rewrites one row, not four b-trees).

        ``account`` (``accounts.py``): ``other_bytes``, what the network stores besides its row
        and data (history, losses, snapshots), and ``log_bytes``; ``owner`` and ``scratch`` for
        a new row, ``scratch`` 0 when an update clears it. The row's ``bytes`` is its spec,
        state and data text plus ``other_bytes``."""
        account = account or {}
        spec = doc["spec"]
        data = spec.get("data")
        data_key = dataset_id = None
        data_bytes = 0
        if explicit(data):
            data_key, data_bytes = self._store_data(conn, data)
            spec = {**spec, "data": None}
        elif isinstance(data, dict):
            dataset_id = data.get("dataset_id")
        state = {k: v for k, v in doc.items() if k not in ("id", "spec", *TIMESTAMPS)}
        trainer = doc.get("trainer") or {}
        if old_data_key is False:  # not read by the caller
            row = conn.execute("SELECT data_key FROM networks WHERE id = ?", (doc["id"],)).fetchone()
            old_data_key = None if row is None else row[0]
        spec_text, state_text = dumps(spec), dumps(state)
        size = len(spec_text) + len(state_text) + data_bytes + account.get("other_bytes", 0)
        columns = {
            "version": version,
            "spec": spec_text,
            "state": state_text,
            "layers": dumps(spec["layers"]),
            "activations": dumps(spec["activations"]),
            "loss": spec["loss"],
            "task": doc.get("task"),
            "phase": doc.get("phase", "ready"),
            "epoch": trainer.get("epoch", 0),
            "step": trainer.get("step", 0),
            "updated_at": now,
            "bytes": size,
            "log_bytes": account.get("log_bytes", 0),
        }
        if update:
            if data_key != old_data_key:
                columns["data_key"] = data_key
            if dataset_id != old_dataset_id:
                columns["dataset_id"] = dataset_id
            if "scratch" in account:
                columns["scratch"] = account["scratch"]
            conn.execute(
                f"UPDATE networks SET {', '.join(f'{name} = ?' for name in columns)} WHERE id = ?",
                (*columns.values(), doc["id"]),
            )
        else:
            columns.update(
                id=doc["id"],
                data_key=data_key,
                dataset_id=dataset_id,
                created_at=created,
                owner=account.get("owner", ""),
                scratch=account.get("scratch", 0),
            )
            conn.execute(
                f"INSERT INTO networks ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                tuple(columns.values()),
            )
        if isinstance(old_data_key, str) and old_data_key != data_key:
            self.drop_orphan_data(conn, old_data_key)
        return size

    @staticmethod
    def drop_orphan_data(conn: Connection, key: str | None) -> None:
        """Delete the data rows under ``key`` if no network uses them; rows another transaction
        is about to use (locked by :meth:`_store_data`) stay."""
        if key is None:
            return
        if conn.execute("SELECT 1 FROM network_data WHERE key = ? FOR UPDATE SKIP LOCKED", (key,)).fetchone():
            conn.execute(
                "DELETE FROM network_data WHERE key = ? AND NOT EXISTS "
                "(SELECT 1 FROM networks WHERE data_key = ?)",
                (key, key),
            )

    @staticmethod
    def summaries(conn: Connection, owner: str | None, limit: int, offset: int) -> list[dict]:
        """What a listing shows of each network, oldest first: ``owner``'s, or all (None)."""
        where, args = ("WHERE owner = ?", (owner,)) if owner is not None else ("", ())
        rows = conn.execute(
            f"SELECT {', '.join(SUMMARY)} FROM networks {where} ORDER BY created_at, id LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ).fetchall()
        out = []
        for row in rows:
            summary = dict(zip(SUMMARY, row, strict=True))
            summary["layers"], summary["activations"] = json.loads(row[1]), json.loads(row[2])
            summary["scratch"] = bool(summary["scratch"])
            out.append(summary)
        return out
