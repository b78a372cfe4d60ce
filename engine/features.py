"""Engineered input features: named functions of a 2-D point (x1, x2), as in TensorFlow Playground.

A network on 2-D data may see, instead of (x1, x2), any ordered choice of the columns in
:data:`FEATURES` (``x1^2``, ``x1*x2``, ``sin(x1)``, …). :func:`with_features` turns a 2-D
dataset into a :class:`FeaturedDataset` whose ``X`` holds those columns and whose ``raw``
keeps the points they were computed from, so plots stay in the data's own (x1, x2) plane.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .data import Dataset
from .errors import EngineError


@dataclass(frozen=True)
class FeatureInfo:
    """``name`` is what a spec says; ``label`` what a diagram shows; ``formula`` of x1, x2."""

    name: str
    label: str
    formula: str
    column: Callable[[np.ndarray, np.ndarray], np.ndarray]


FEATURES: dict[str, FeatureInfo] = {
    info.name: info
    for info in (
        FeatureInfo("x1", "X1", "x1", lambda x1, x2: x1),
        FeatureInfo("x2", "X2", "x2", lambda x1, x2: x2),
        FeatureInfo("x1^2", "X1²", "x1²", lambda x1, x2: x1 * x1),
        FeatureInfo("x2^2", "X2²", "x2²", lambda x1, x2: x2 * x2),
        FeatureInfo("x1*x2", "X1·X2", "x1·x2", lambda x1, x2: x1 * x2),
        FeatureInfo("sin(x1)", "sin(X1)", "sin x1", lambda x1, x2: np.sin(x1)),
        FeatureInfo("sin(x2)", "sin(X2)", "sin x2", lambda x1, x2: np.sin(x2)),
    )
}
DEFAULT_FEATURES: tuple[str, ...] = ("x1", "x2")


def check_features(names: Sequence[str]) -> list[str]:
    """The names as a list; EngineError for an empty choice, an unknown name or a repeat."""
    if len(names) == 0:
        raise EngineError(f"features needs at least one of {list(FEATURES)}")
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise EngineError(f"unknown feature {unknown[0]!r}; choose from {list(FEATURES)}")
    repeated = sorted({n for n in names if list(names).count(n) > 1})
    if repeated:
        raise EngineError(f"feature {repeated[0]!r} is named twice: each feature may appear once")
    return list(names)


def feature_columns(points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """(N, len(names)): the named features of (N, 2) raw points, in the order given."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise EngineError(f"features are computed from 2-D points (x1, x2), got shape {points.shape}")
    x1, x2 = points[:, 0], points[:, 1]
    check_features(names)
    return np.column_stack([FEATURES[n].column(x1, x2) for n in names]).reshape(len(points), len(names))


def feature_labels(names: Sequence[str]) -> list[str]:
    return [FEATURES[n].label for n in check_features(names)]


@dataclass(repr=False)
class FeaturedDataset(Dataset):
    """A dataset whose ``X`` holds engineered features of ``raw``'s 2-D points (same rows)."""

    raw: Dataset | None = None
    features: tuple[str, ...] = DEFAULT_FEATURES


def raw_dataset(dataset: Dataset) -> Dataset:
    """The dataset as it was before features (itself when it has none)."""
    if isinstance(dataset, FeaturedDataset) and dataset.raw is not None:
        return dataset.raw
    return dataset


def with_features(dataset: Dataset, names: Sequence[str]) -> Dataset:
    """``dataset`` seen through the named features; the dataset itself for (x1, x2) as they are."""
    names = check_features(names)
    if tuple(names) == DEFAULT_FEATURES:
        return dataset
    if dataset.X.shape[1] != 2:
        raise EngineError(f"features need 2-D data (x1, x2); this data has {dataset.X.shape[1]} columns")
    return FeaturedDataset(
        feature_columns(dataset.X, names),
        dataset.Y,
        dataset.task,
        feature_labels(names),
        list(dataset.target_names),
        dataset.name,
        raw=dataset,
        features=tuple(names),
    )
