"""Datasets: seeded generators, JSON arrays in a spec, and uploaded CSV files.

Generated data is never stored: it is regenerated from its seeded spec. Built datasets are
kept in a small in-memory LRU (read-only arrays), since every request on a network needs
its data, keyed by what they are built from (a generator spec, an upload's id, or a
content key of explicit rows): a change of data in any process never serves a stale copy.
Uploads live in the database.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from backprop_explorer.engine import Dataset

from backprop_explorer import engine

from . import csvdata, serialize
from .config import Limits
from .errors import InvalidInput, LimitExceeded, NotFound
from .store import Store, new_id

CACHE_SIZE = 32


class Datasets:
    def __init__(self, store: Store, limits: Limits) -> None:
        self.store = store
        self.limits = limits
        self._cache: OrderedDict[str, Dataset] = OrderedDict()
        self._guard = threading.Lock()

    def _cached(self, key: str, build: Callable[[], Dataset]) -> Dataset:
        with self._guard:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        dataset = build()
        # Shared between requests: make accidental in-place edits fail loudly.
        dataset.X.setflags(write=False)
        dataset.Y.setflags(write=False)
        with self._guard:
            self._cache[key] = dataset
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return dataset

    def generate(self, data: dict) -> Dataset:
        self.limits.check("max_samples", data.get("n", 200), "n (samples to generate)")
        key = "gen:" + json.dumps(data, sort_keys=True)
        return self._cached(
            key,
            lambda: engine.generate(
                data["generator"],
                np.random.default_rng(data.get("seed", 1)),
                n=data.get("n", 200),
                noise=data.get("noise", 0.1),
                classes=data.get("classes"),
            ),
        )

    def dataset_for(self, data: dict | None, network_id: str) -> Dataset | None:
        if data is None:
            return None
        if "generator" in data:
            return self.generate(data)
        if "dataset_id" in data:
            dataset_id = data["dataset_id"]

            def load() -> Dataset:
                doc = self.store.load_dataset(dataset_id)
                if doc is None:
                    raise InvalidInput(
                        f"unknown dataset_id {dataset_id!r}: upload it with POST /api/datasets"
                    )
                return engine.from_arrays(
                    doc["inputs"], doc["targets"], doc["feature_names"], doc["target_names"], "upload"
                )

            return self._cached("ds:" + dataset_id, load)
        # The store hands out the same row lists on every load: their key costs nothing.
        return self._cached("arrays:" + self.store.data_key(data), lambda: self.arrays_dataset(data))

    def arrays_dataset(self, data: dict) -> Dataset:
        X = serialize.matrix(data["inputs"], "data.inputs")
        Y = serialize.matrix(data["targets"], "data.targets")
        if len(X) != len(Y):
            raise InvalidInput(f"data: {len(X)} input rows but {len(Y)} target rows")
        self.limits.check("max_samples", len(X), "the number of samples")
        for key, width in (("feature_names", X.shape[1]), ("target_names", Y.shape[1])):
            names = data.get(key)
            if names is not None and len(names) != width:
                raise InvalidInput(f"data.{key} needs {width} names, got {len(names)}")
        return engine.from_arrays(X, Y, data.get("feature_names"), data.get("target_names"))

    @staticmethod
    def dataset_out(dataset: Dataset) -> dict:
        return {
            "inputs": serialize.array(dataset.X),
            "targets": serialize.array(dataset.Y),
            "task": dataset.task,
            "feature_names": dataset.feature_names,
            "target_names": dataset.target_names,
        }

    def upload(
        self, raw: bytes, features: list[str] | None, targets: list[str] | None, standardize: bool
    ) -> dict:
        if len(raw) > self.limits.max_upload_bytes:
            raise LimitExceeded(
                f"the file is over the limit max_upload_bytes={self.limits.max_upload_bytes} "
                f"(set {Limits.env_name('max_upload_bytes')})"
            )
        X, Y, feature_names, target_names = csvdata.parse_csv(
            raw, features, targets, self.limits.max_samples, max_columns=self.limits.max_csv_columns
        )
        task = engine.infer_task(Y)
        means = stds = None
        if standardize:
            X, x_mean, x_std = csvdata.standardize(X)
            means, stds = serialize.array(x_mean), serialize.array(x_std)
            if task == "regression":
                # Class labels stay 0/1; real-valued targets are scaled like the features.
                Y, y_mean, y_std = csvdata.standardize(Y)
                means, stds = means + serialize.array(y_mean), stds + serialize.array(y_std)
        dataset_id = new_id()
        doc = {
            "dataset_id": dataset_id,
            "n_samples": len(X),
            "feature_names": feature_names,
            "target_names": target_names,
            "task": task,
            "standardized": standardize,
            "means": means,
            "stds": stds,
            "inputs": serialize.array(X),
            "targets": serialize.array(Y),
        }
        self.store.save_dataset(dataset_id, doc)
        return {k: v for k, v in doc.items() if k not in ("inputs", "targets")}

    def get(self, dataset_id: str) -> dict:
        doc = self.store.load_dataset(dataset_id)
        if doc is None:
            raise NotFound(f"no dataset with id {dataset_id!r}")
        return doc

    def page(self, limit: int, offset: int) -> dict:
        """Uploaded datasets (without their arrays), oldest first, and how many there are."""
        return {
            "datasets": self.store.list_datasets(limit=limit, offset=offset),
            "total": self.store.count_datasets(),
            "limit": limit,
            "offset": offset,
        }

    def delete(self, dataset_id: str) -> None:
        """404 for an unknown id, 409 while a network uses it."""
        if not self.store.delete_dataset(dataset_id):
            raise NotFound(f"no dataset with id {dataset_id!r}")
        with self._guard:
            self._cache.pop("ds:" + dataset_id, None)
