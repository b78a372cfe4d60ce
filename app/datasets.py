"""Datasets: seeded generators, the shipped real datasets, JSON arrays in a spec, and CSV uploads.

Generated data is never stored: it is regenerated from its seeded spec (and seen through the
network's engineered features, if any). Built datasets are
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
from dataclasses import dataclass, field

import numpy as np
from backprop_explorer.engine import Dataset
from backprop_explorer.engine.features import FeaturedDataset, raw_dataset, with_features

from backprop_explorer import engine

from . import costs, csvdata, gate, owners, realdata, scaling, serialize
from .config import Limits
from .errors import InvalidInput, LimitExceeded, NotFound, readable
from .schemas.base import MAX_ABS_VALUE
from .store import Store, new_id

CACHE_SIZE = 32
CACHE_BYTES = 128_000_000  # of arrays kept (an upload can be 10,000 × 1,000 numbers: 80 MB)


def _bytes(dataset: Dataset) -> int:
    return dataset.X.nbytes + dataset.Y.nbytes


@dataclass(repr=False)
class DescribedDataset(Dataset):
    """A real dataset, an upload or rows sent in a spec, with what the engine does not need:
    the scale of its standardized targets and features (None when kept as they were; see
    scaling.py), its class labels (in output order; two classes: the labels of y = 0 and
    y = 1), for pictures their (rows, columns), and sentences about data kept at a scale a
    network learns badly on (``{"about", "text"}``)."""

    target_mean: list[float] | None = None
    target_std: list[float] | None = None
    class_names: list[str] | None = None
    image_shape: list[int] | None = None
    feature_mean: list[float] | None = None
    feature_std: list[float] | None = None
    warnings: list[dict] = field(default_factory=list)


def _target_scale(doc: dict) -> tuple[list[float] | None, list[float] | None]:
    """(target_mean, target_std) of an upload. Uploads stored before the targets had their own
    switch kept a regression target's mean and std after the features' in means/stds."""
    if "target_mean" in doc:
        return doc["target_mean"], doc["target_std"]
    n_features = len(doc["feature_names"])
    if doc.get("standardized") and doc["means"] and len(doc["means"]) > n_features:
        return doc["means"][n_features:], doc["stds"][n_features:]
    return None, None


class Datasets:
    def __init__(
        self, store: Store, limits: Limits, before_upload: Callable[[], object] = lambda: None
    ) -> None:
        self.store = store
        self.limits = limits
        self.before_upload = before_upload  # the service's sweep of idle networks and uploads
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
            while len(self._cache) > 1 and (
                len(self._cache) > CACHE_SIZE or sum(_bytes(d) for d in self._cache.values()) > CACHE_BYTES
            ):
                self._cache.popitem(last=False)
        return dataset

    def generate(self, data: dict) -> Dataset:
        name = data["generator"]
        if name in realdata.REAL_DATASETS:
            return self._cached("real:" + name, lambda: self.real(name))
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

    def real(self, name: str) -> DescribedDataset:
        """A shipped real dataset (``n``, ``noise`` and ``seed`` do not apply)."""
        info, table = realdata.REAL_DATASETS[name], realdata.read(name)
        self.limits.check("max_samples", len(table.X), f"the samples of {name}")
        return DescribedDataset(
            table.X.copy(),
            table.Y.copy(),
            info.task,
            list(info.feature_names),
            list(table.target_names),
            name,
            table.target_mean,
            table.target_std,
            table.class_names,
            info.image_shape,
            table.feature_mean,
            table.feature_std,
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
                        f"unknown dataset_id {dataset_id!r}: upload it with POST /api/datasets",
                        "dataset_not_found",
                    )
                d = engine.from_arrays(
                    doc["inputs"], doc["targets"], doc["feature_names"], doc["target_names"], "upload"
                )
                mean, std = _target_scale(doc)
                n_features = len(doc["feature_names"])
                standardized = bool(doc.get("standardized")) and doc.get("means") is not None
                task = doc.get("task", d.task)  # the upload's task may have been chosen, not inferred
                return DescribedDataset(
                    d.X,
                    d.Y,
                    task,
                    d.feature_names,
                    d.target_names,
                    d.name,
                    mean,
                    std,
                    doc.get("class_names"),
                    feature_mean=doc["means"][:n_features] if standardized else None,
                    feature_std=doc["stds"][:n_features] if standardized else None,
                    warnings=scaling.scale_warnings(
                        d.X,
                        d.Y,
                        d.feature_names,
                        d.target_names,
                        task,
                        features_standardized=standardized,
                        targets_standardized=mean is not None,
                    ),  # fmt: skip
                )

            return self._cached("ds:" + dataset_id, load)
        # The store hands out the same row lists on every load: their key costs nothing.
        return self._cached("arrays:" + self.store.data_key(data), lambda: self.arrays_dataset(data))

    def featured(self, data: dict, dataset: Dataset, features: list[str]) -> Dataset:
        """``dataset`` (built from the spec's ``data``) seen through the engineered ``features``."""
        key = "features:" + json.dumps([data, features], sort_keys=True)
        return self._cached(key, lambda: with_features(dataset, features))

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
            for name in names or ():
                self.limits.check(
                    "max_name_length", len(name), f"the length of the name {name[:20]!r}… in data.{key}"
                )
        d = engine.from_arrays(X, Y, data.get("feature_names"), data.get("target_names"))
        warnings = scaling.scale_warnings(
            d.X, d.Y, d.feature_names, d.target_names, d.task,
            features_standardized=False, targets_standardized=False,
        )  # fmt: skip
        return DescribedDataset(d.X, d.Y, d.task, d.feature_names, d.target_names, d.name, warnings=warnings)

    @staticmethod
    def units(dataset: Dataset | None) -> dict:
        """What converts a standardized target (or prediction) and standardized features back to
        the data's units, the class labels, the picture shape of image-like inputs (all None
        when they do not apply), and the data's scale warnings."""
        if dataset is not None:
            dataset = raw_dataset(dataset)
        if isinstance(dataset, DescribedDataset):
            return {
                "target_mean": dataset.target_mean,
                "target_std": dataset.target_std,
                "feature_mean": dataset.feature_mean,
                "feature_std": dataset.feature_std,
                "class_names": dataset.class_names,
                "image_shape": dataset.image_shape,
                "data_warnings": dataset.warnings,
            }
        return {
            "target_mean": None,
            "target_std": None,
            "feature_mean": None,
            "feature_std": None,
            "class_names": None,
            "image_shape": None,
            "data_warnings": [],
        }

    @staticmethod
    def dataset_out(dataset: Dataset) -> dict:
        """The rows as the network sees them (``inputs``) and as the data has them (``raw_inputs``):
        standardized columns scaled back, x·feature_std + feature_mean (the digits' pixels 0–16),
        and the (x1, x2) points under engineered features. ``raw_inputs`` sent back with
        ``"units": "data"`` give ``inputs`` again."""
        raw = raw_dataset(dataset)
        inputs = serialize.array(dataset.X)
        mean, std = getattr(raw, "feature_mean", None), getattr(raw, "feature_std", None)
        if mean is not None and std is not None:
            raw_inputs = serialize.array(raw.X * np.asarray(std) + np.asarray(mean))
        else:
            raw_inputs = inputs if raw is dataset else serialize.array(raw.X)
        return {
            "inputs": inputs,
            "targets": serialize.array(dataset.Y),
            "task": dataset.task,
            "feature_names": dataset.feature_names,
            "target_names": dataset.target_names,
            "raw_inputs": raw_inputs,
            "raw_feature_names": raw.feature_names,
            "features": list(dataset.features) if isinstance(dataset, FeaturedDataset) else None,
            **Datasets.units(dataset),
        }

    def upload(
        self,
        raw: bytes,
        features: list[str] | None,
        targets: list[str] | None,
        standardize: bool = True,
        standardize_targets: bool = False,
        task: csvdata.TaskChoice = "auto",
        index_column: csvdata.IndexChoice = "auto",
        file_name: str | None = None,
    ) -> dict:
        """Store a CSV. ``standardize`` scales the feature columns to mean 0, std 1, keeping
        their means and stds (x = (raw − mean) / std); ``standardize_targets`` scales
        real-valued targets too (class labels stay 0/1), so answers can be shown in the data's
        units. ``task`` forces classification or regression; ``index_column`` says what to do
        with the first column (see :func:`csvdata.parse_csv`)."""
        self.before_upload()
        gate.reserve(costs.upload(len(raw)), "parsing this upload")
        if len(raw) > self.limits.max_upload_bytes:
            raise LimitExceeded(
                f"the file is over the limit max_upload_bytes={self.limits.max_upload_bytes} "
                f"(set {Limits.env_name('max_upload_bytes')})"
            )
        table = csvdata.parse_csv(
            raw,
            features,
            targets,
            self.limits.max_samples,
            max_columns=self.limits.max_csv_columns,
            task=task,
            index_column=index_column,
            max_neurons=self.limits.max_neurons,
            max_name_length=self.limits.max_name_length,
        )
        X, Y = table.X, table.Y
        standardize_targets = standardize_targets and table.task == "regression"
        # What the network will read lies within ±1e9, as for data sent in a request.
        if not standardize:
            check_range(X, table.feature_names, "standardize=true standardizes the features")
        if not standardize_targets:
            check_range(Y, table.target_names, "standardize_targets=true standardizes a regression target")
        warnings = scaling.scale_warnings(
            X, Y, table.feature_names, table.target_names, table.task,
            features_standardized=standardize, targets_standardized=standardize_targets,
        )  # fmt: skip
        means = stds = target_mean = target_std = None
        if standardize:
            X, x_mean, x_std = csvdata.standardize(X, table.feature_names)
            means, stds = serialize.array(x_mean), serialize.array(x_std)
        if standardize_targets:
            Y, y_mean, y_std = csvdata.standardize(Y, table.target_names)
            target_mean, target_std = serialize.array(y_mean), serialize.array(y_std)
        dataset_id = new_id()
        doc = {
            "dataset_id": dataset_id,
            "file_name": file_name,
            "n_samples": len(X),
            "n_features": X.shape[1],
            "n_outputs": Y.shape[1],
            "feature_names": table.feature_names,
            "target_names": table.target_names,
            "task": table.task,
            "class_names": table.class_names,
            "index_column": table.index_column,
            "standardized": standardize,
            "means": means,
            "stds": stds,
            "standardized_targets": standardize_targets,
            "target_mean": target_mean,
            "target_std": target_std,
            "warnings": [f"{w['text']}; {w['fix']}" for w in warnings],
            "inputs": serialize.array(X),
            "targets": serialize.array(Y),
        }
        me = owners.current()
        self.store.save_dataset(dataset_id, doc, me.owner, exempt=me.everything)
        return {k: v for k, v in doc.items() if k not in ("inputs", "targets")}

    def get(self, dataset_id: str) -> dict:
        gate.reserve(costs.document(self.store.dataset_size(dataset_id) or 0), "this dataset")
        doc = self.store.load_dataset(dataset_id)
        if doc is None:
            raise NotFound(f"no dataset with id {dataset_id!r}", "dataset_not_found")
        return self._current(doc)

    @staticmethod
    def _current(doc: dict) -> dict:
        """An upload's description in today's terms (feature and target scales apart, its shape)."""
        n_features = len(doc["feature_names"])
        shape = {"n_features": n_features, "n_outputs": len(doc["target_names"])}
        if "target_mean" in doc:
            return {**shape, **doc}
        mean, std = _target_scale(doc)
        means, stds = doc.get("means"), doc.get("stds")
        return {
            **shape,
            **doc,
            "means": means[:n_features] if means else means,
            "stds": stds[:n_features] if stds else stds,
            "standardized_targets": mean is not None,
            "target_mean": mean,
            "target_std": std,
        }

    def page(self, limit: int, offset: int, owner: str | None = None) -> dict:
        """Uploaded datasets (counts, not columns), oldest first, and how many there are:
        ``owner``'s, or everyone's (None)."""
        return {
            "datasets": self.store.list_datasets(owner=owner, limit=limit, offset=offset),
            "total": self.store.count_datasets(owner),
            "limit": limit,
            "offset": offset,
        }

    def delete(self, dataset_id: str) -> None:
        """404 for an unknown id, 409 while a network uses it."""
        if not self.store.delete_dataset(dataset_id):
            raise NotFound(f"no dataset with id {dataset_id!r}", "dataset_not_found")
        with self._guard:
            self._cache.pop("ds:" + dataset_id, None)


def check_range(A: np.ndarray, names: list[str], remedy: str) -> None:
    """422 naming the first column with a value beyond ±MAX_ABS_VALUE, the most a network's data
    may hold (its square, in a squared loss, stays far from overflowing)."""
    beyond = np.abs(A) > MAX_ABS_VALUE
    if beyond.any():
        k = int(np.argmax(beyond.any(axis=0)))
        largest = float(np.abs(A[:, k]).max())
        raise InvalidInput(
            f"{names[k]!r}: values up to {largest:.3g} lie beyond ±{readable(MAX_ABS_VALUE)}, the most "
            f"a network's data may hold: {remedy}, or scale the column down"
        )
