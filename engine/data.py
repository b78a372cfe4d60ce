"""Datasets: seeded generators and user-supplied arrays.

``X``: (N, n_features), ``Y``: (N, n_targets). Binary labels are one column of 0/1,
multi-class labels are one-hot rows, regression targets are real numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import EngineError


@dataclass
class Dataset:
    """``task`` is "binary", "multiclass" or "regression" (see :func:`infer_task`)."""

    X: np.ndarray
    Y: np.ndarray
    task: str
    feature_names: list[str]
    target_names: list[str]
    name: str = "custom"

    def __post_init__(self) -> None:
        if self.X.ndim != 2 or self.Y.ndim != 2 or len(self.X) != len(self.Y):
            raise EngineError(
                f"inputs and targets must be 2-D with one row per sample, "
                f"got {tuple(self.X.shape)} and {tuple(self.Y.shape)}"
            )
        if len(self.X) == 0:
            raise EngineError("a dataset needs at least one sample")
        if not (np.isfinite(self.X).all() and np.isfinite(self.Y).all()):
            raise EngineError("inputs and targets must be finite numbers")

    def __repr__(self) -> str:
        return f"Dataset({self.name}, {self.task}, X{self.X.shape}, Y{self.Y.shape})"


# The output activation and loss that belong to each task (the UI pairs them when the task changes).
PAIRINGS = {
    "binary": {"activation": "sigmoid", "loss": "bce"},
    "multiclass": {"activation": "softmax", "loss": "cross_entropy"},
    "regression": {"activation": "linear", "loss": "mse"},
}


def infer_task(Y: np.ndarray) -> str:
    """Classification when targets are 0/1 (one column) or one-hot rows; else regression."""
    if not np.isin(Y, (0.0, 1.0)).all():
        return "regression"
    if Y.shape[1] == 1:
        return "binary"
    return "multiclass" if (Y.sum(axis=1) == 1).all() else "regression"


def from_arrays(inputs, targets, feature_names=None, target_names=None, name="custom") -> Dataset:
    X = np.asarray(inputs, dtype=np.float64)
    Y = np.asarray(targets, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    features = feature_names or [f"X{i + 1}" for i in range(X.shape[1] if X.ndim == 2 else 0)]
    targets_ = target_names or [f"y{k + 1}" for k in range(Y.shape[1])]
    return Dataset(X, Y, infer_task(Y), list(features), list(targets_), name)


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def _truth_table(out: list[int], name: str) -> Dataset:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    return Dataset(X, np.array(out, dtype=np.float64)[:, None], "binary", ["X1", "X2"], ["y"], name)


def _binary(X: np.ndarray, labels: np.ndarray, name: str) -> Dataset:
    return Dataset(X, labels.astype(np.float64)[:, None], "binary", ["X1", "X2"], ["y"], name)


def _multiclass(X: np.ndarray, labels: np.ndarray, classes: int, name: str) -> Dataset:
    names = [f"class {k}" for k in range(classes)]
    return Dataset(X, one_hot(labels, classes), "multiclass", ["X1", "X2"], names, name)


def xor(rng, n, noise, classes):
    return _truth_table([0, 1, 1, 0], "xor")


def and_(rng, n, noise, classes):
    return _truth_table([0, 0, 0, 1], "and")


def or_(rng, n, noise, classes):
    return _truth_table([0, 1, 1, 1], "or")


def quadrants(rng, n, noise, classes):
    X = rng.uniform(-1, 1, (n, 2))
    labels = X[:, 0] * X[:, 1] > 0
    return _binary(X + rng.normal(0, noise, X.shape), labels, "quadrants")


def blobs(rng, n, noise, classes):
    labels = np.arange(n) % 2
    centers = np.array([[-1.0, -1.0], [1.0, 1.0]])
    X = centers[labels] + rng.normal(0, 0.5 + noise, (n, 2))
    return _binary(X, labels, "blobs")


def circles(rng, n, noise, classes):
    labels = np.arange(n) % 2
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(labels == 1, 0.5, 1.0)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _binary(X + rng.normal(0, noise, X.shape), labels, "circles")


def moons(rng, n, noise, classes):
    labels = np.arange(n) % 2
    t = rng.uniform(0, np.pi, n)
    X = np.where(
        labels[:, None] == 0,
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]),
    )
    return _binary(X + rng.normal(0, noise, X.shape), labels, "moons")


def spiral(rng, n, noise, classes):
    if classes not in (2, 3):
        raise EngineError("spiral has 2 or 3 classes")
    labels = np.arange(n) % classes
    r = rng.uniform(0.05, 1.0, n)
    theta = 1.75 * 2 * np.pi * r + labels * 2 * np.pi / classes
    X = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    X = X + rng.normal(0, noise, X.shape)
    return _binary(X, labels, "spiral") if classes == 2 else _multiclass(X, labels, 3, "spiral")


def multiclass_blobs(rng, n, noise, classes):
    if classes < 3:
        raise EngineError("multiclass_blobs has 3 or more classes")
    labels = np.arange(n) % classes
    angles = 2 * np.pi * np.arange(classes) / classes
    centers = 1.5 * np.column_stack([np.cos(angles), np.sin(angles)])
    X = centers[labels] + rng.normal(0, 0.4 + noise, (n, 2))
    return _multiclass(X, labels, classes, "multiclass_blobs")


def linear_plane(rng, n, noise, classes):
    X = rng.uniform(-1, 1, (n, 2))
    y = 2.0 * X[:, 0] - 1.0 * X[:, 1] + 0.5 + rng.normal(0, noise, n)
    return Dataset(X, y[:, None], "regression", ["X1", "X2"], ["y"], "linear")


def sine(rng, n, noise, classes):
    x = rng.uniform(-np.pi, np.pi, n)
    y = np.sin(x) + rng.normal(0, noise, n)
    return Dataset(x[:, None], y[:, None], "regression", ["x"], ["y"], "sine")


def standardize(X: np.ndarray) -> np.ndarray:
    """Each column to mean 0 and (population, ddof = 0) standard deviation 1. A column with
    no spread (one sample, or amenities all equal in a tiny draw) is only centered: all 0."""
    spread = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(spread > 0, spread, 1.0)


def house_prices(rng, n, noise, classes):
    size = rng.normal(150, 40, n).clip(30, None)  # m²
    location = rng.uniform(1, 10, n)  # score
    amenities = rng.integers(0, 6, n).astype(np.float64)  # count
    price = 2.0 * size + 25.0 * location + 10.0 * amenities + rng.normal(0, 20 + 100 * noise, n)
    X = standardize(np.column_stack([size, location, amenities]))
    y = standardize(price[:, None])[:, 0]
    names = ["size", "location score", "amenities"]
    return Dataset(X, y[:, None], "regression", names, ["price"], "house_prices")


# name -> (generator, description, uses n/noise, default classes)
GENERATORS = {
    "xor": (xor, "XOR truth table (4 rows): not linearly separable", False, 2),
    "and": (and_, "AND truth table (4 rows)", False, 2),
    "or": (or_, "OR truth table (4 rows)", False, 2),
    "quadrants": (quadrants, "points in [−1, 1]², label 1 where X1·X2 > 0", True, 2),
    "blobs": (blobs, "two Gaussian clusters around (−1, −1) and (1, 1)", True, 2),
    "circles": (circles, "a small circle inside a larger one", True, 2),
    "moons": (moons, "two interleaving half-moons", True, 2),
    "spiral": (spiral, "2 or 3 interleaved spiral arms (classes)", True, 2),
    "multiclass_blobs": (multiclass_blobs, "3+ Gaussian clusters, one-hot targets", True, 3),
    "linear": (linear_plane, "regression plane y = 2·X1 − X2 + 0.5", True, 1),
    "sine": (sine, "1-D regression y = sin(x), x in [−π, π]", True, 1),
    "house_prices": (
        house_prices,
        "synthetic prices from size, location score, amenities (standardized)",
        True,
        1,
    ),
}


def generate(
    name: str, rng: np.random.Generator, n: int = 200, noise: float = 0.1, classes: int | None = None
) -> Dataset:
    if name not in GENERATORS:
        raise EngineError(f"unknown dataset generator {name!r}; choose one of {sorted(GENERATORS)}")
    if n < 1:
        raise EngineError("n must be ≥ 1")
    if not (np.isfinite(noise) and noise >= 0):
        raise EngineError("noise must be a finite number ≥ 0")
    fn, _, _, default_classes = GENERATORS[name]
    return fn(rng, n, noise, default_classes if classes is None else classes)
