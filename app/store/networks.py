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
import sqlite3
import threading
from collections import OrderedDict

from .db import dumps

TIMESTAMPS = ("created_at", "updated_at")
# Parsed data rows kept per process: bounded by numbers held, not entries.
CACHE_NUMBERS = 4_000_000


def explicit(data: object) -> bool:
    return isinstance(data, dict) and "inputs" in data


def _size(data: dict) -> int:
    return sum(len(row) for key in ("inputs", "targets") for row in data.get(key) or [])


class DataCache:
    """key → parsed explicit data, least recently used first out."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[dict, int]] = OrderedDict()
        self._numbers = 0
        self._guard = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self._guard:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: str, data: dict) -> dict:
        with self._guard:
            if key in self._items:
                return self._items[key][0]
            size = _size(data)
            self._items[key] = (data, size)
            self._numbers += size
            while self._numbers > CACHE_NUMBERS and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self._numbers -= dropped
            return data

    def key_of(self, data: dict) -> str | None:
        """The key of ``data`` when its arrays are the very lists this cache handed out."""
        with self._guard:
            for key, (cached, _) in reversed(self._items.items()):
                if all(data.get(k) is cached.get(k) for k in ("inputs", "targets")):
                    return key
        return None


def content_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class NetworkRows:
    """Reading and writing one network's row (and its data rows) on a given connection."""

    def __init__(self) -> None:
        self.cache = DataCache()

    def data_key(self, data: dict) -> str:
        """A content key for explicit data: free for data this store loaded, else a hash."""
        return self.cache.key_of(data) or content_key(dumps(data))

    def _store_data(self, conn: sqlite3.Connection, data: dict) -> str:
        key = self.cache.key_of(data)
        if key is None:
            text = dumps(data)
            key = content_key(text)
            conn.execute("INSERT OR IGNORE INTO network_data (key, data) VALUES (?, ?)", (key, text))
        return key

    def _load_data(self, conn: sqlite3.Connection, key: str) -> dict:
        data = self.cache.get(key)
        if data is None:
            (text,) = conn.execute("SELECT data FROM network_data WHERE key = ?", (key,)).fetchone()
            data = self.cache.put(key, json.loads(text))
        # A fresh dict around the shared lists: replacing a key never touches the cache.
        return dict(data)

    def read(self, conn: sqlite3.Connection, network_id: str) -> tuple[dict, int] | None:
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
        conn: sqlite3.Connection,
        doc: dict,
        version: int,
        created: float,
        now: float,
        *,
        old_data_key: str | None | bool = False,
        old_dataset_id: str | None = None,
        update: bool = False,
    ) -> None:
        """Insert or replace the network's row at ``version``. ``old_data_key``: the row's
        current ``data_key`` when the caller has read it already (None: no row or no key).

        ``update``: the caller read the row (its ``data_key`` and ``dataset_id`` are
        ``old_data_key`` and ``old_dataset_id``), so only the columns a save can change are
        set: the row keeps its place and its indexes are untouched unless their columns
        changed (a step rewrites one row, not four b-trees)."""
        spec = doc["spec"]
        data = spec.get("data")
        data_key = dataset_id = None
        if explicit(data):
            data_key = self._store_data(conn, data)
            spec = {**spec, "data": None}
        elif isinstance(data, dict):
            dataset_id = data.get("dataset_id")
        state = {k: v for k, v in doc.items() if k not in ("id", "spec", *TIMESTAMPS)}
        trainer = doc.get("trainer") or {}
        if old_data_key is False:  # not read by the caller
            row = conn.execute("SELECT data_key FROM networks WHERE id = ?", (doc["id"],)).fetchone()
            old_data_key = None if row is None else row[0]
        if update:
            columns = {
                "version": version,
                "spec": dumps(spec),
                "state": dumps(state),
                "layers": dumps(spec["layers"]),
                "activations": dumps(spec["activations"]),
                "loss": spec["loss"],
                "task": doc.get("task"),
                "phase": doc.get("phase", "ready"),
                "epoch": trainer.get("epoch", 0),
                "step": trainer.get("step", 0),
                "updated_at": now,
            }
            if data_key != old_data_key:
                columns["data_key"] = data_key
            if dataset_id != old_dataset_id:
                columns["dataset_id"] = dataset_id
            conn.execute(
                f"UPDATE networks SET {', '.join(f'{name} = ?' for name in columns)} WHERE id = ?",
                (*columns.values(), doc["id"]),
            )
        else:
            self._insert(conn, doc, version, spec, state, data_key, dataset_id, trainer, created, now)
        if isinstance(old_data_key, str) and old_data_key != data_key:
            self.drop_orphan_data(conn, old_data_key)

    @staticmethod
    def _insert(
        conn: sqlite3.Connection,
        doc: dict,
        version: int,
        spec: dict,
        state: dict,
        data_key: str | None,
        dataset_id: str | None,
        trainer: dict,
        created: float,
        now: float,
    ) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO networks (id, version, spec, state, data_key, dataset_id, layers, "
            "activations, loss, task, phase, epoch, step, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc["id"],
                version,
                dumps(spec),
                dumps(state),
                data_key,
                dataset_id,
                dumps(spec["layers"]),
                dumps(spec["activations"]),
                spec["loss"],
                doc.get("task"),
                doc.get("phase", "ready"),
                trainer.get("epoch", 0),
                trainer.get("step", 0),
                created,
                now,
            ),
        )

    @staticmethod
    def drop_orphan_data(conn: sqlite3.Connection, key: str | None) -> None:
        if key is not None:
            conn.execute(
                "DELETE FROM network_data WHERE key = ? AND NOT EXISTS "
                "(SELECT 1 FROM networks WHERE data_key = ?)",
                (key, key),
            )

    @staticmethod
    def summaries(conn: sqlite3.Connection, limit: int, offset: int) -> list[dict]:
        rows = conn.execute(
            "SELECT id, layers, activations, loss, task, phase, epoch, step, created_at, updated_at "
            "FROM networks ORDER BY created_at, id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        keys = ("id", "layers", "activations", "loss", "task", "phase", "epoch", "step", *TIMESTAMPS)
        out = []
        for row in rows:
            summary = dict(zip(keys, row, strict=True))
            summary["layers"], summary["activations"] = json.loads(row[1]), json.loads(row[2])
            out.append(summary)
        return out
