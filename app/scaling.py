"""The data's units and the network's: a row as the data has it and as the input layer sees it.

An upload (standardize=true) and the shipped real datasets keep their feature columns
standardized, x' = (x − feature_mean)/feature_std; regression targets may be standardized too,
y' = (y − target_mean)/target_std; a 2-D generator's network may see engineered features of
(x1, x2). A request with ``"units": "data"`` sends rows as the data has them: this module turns
them into what the network sees, in one place. It also says, in sentences, when data kept
as they were are far from the scale a network learns well on.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from backprop_explorer.engine import Dataset
from backprop_explorer.engine.features import FeaturedDataset, feature_columns, raw_dataset

from . import serialize
from .errors import InvalidInput

Units = Literal["network", "data"]
# A column whose mean or standard deviation is this far from 0 and 1 is "far from unit scale":
# with weights of the usual initial size (about ±1), z = w·x + b lands in the tens.
FAR = 10.0
SPREAD_RATIO = 100.0  # columns whose spreads differ by this factor or more


def _scale(dataset: Dataset, name: str) -> np.ndarray | None:
    values = getattr(raw_dataset(dataset), name, None)
    return None if values is None else np.asarray(values, dtype=np.float64)


def network_inputs(dataset: Dataset | None, rows: list, units: Units, width: int) -> np.ndarray:
    """``rows`` as the input layer sees them: as sent (``units="network"``, ``width`` columns),
    or from the data's units (standardized with the data's means and stds, engineered
    features computed from (x1, x2))."""
    if units == "network":
        return serialize.matrix(rows, "inputs", width)
    if dataset is None:
        raise InvalidInput('units "data" needs a network with data: this one has none, send its own units')
    raw = raw_dataset(dataset)
    X = serialize.matrix(rows, "inputs (in the data's units)", raw.X.shape[1])
    mean, std = _scale(dataset, "feature_mean"), _scale(dataset, "feature_std")
    if mean is not None and std is not None:
        X = (X - mean) / std
    if isinstance(dataset, FeaturedDataset) and dataset.raw is not None:
        X = feature_columns(X, dataset.features)
    return X


def network_targets(dataset: Dataset | None, rows: list, units: Units, width: int) -> np.ndarray:
    """``rows`` of targets as the network learns them: standardized regression targets from the
    data's units when ``units="data"`` (class targets are the same in both)."""
    Y = serialize.matrix(rows, "targets", width)
    if units == "network":
        return Y
    if dataset is None:
        raise InvalidInput('units "data" needs a network with data: this one has none, send its own units')
    mean, std = _scale(dataset, "target_mean"), _scale(dataset, "target_std")
    return Y if mean is None or std is None else (Y - mean) / std


def data_outputs(dataset: Dataset | None, outputs: np.ndarray) -> np.ndarray:
    """The network's outputs in the data's units: ŷ·target_std + target_mean for standardized
    targets, else as they are."""
    if dataset is None:
        return outputs
    mean, std = _scale(dataset, "target_mean"), _scale(dataset, "target_std")
    return outputs if mean is None or std is None else outputs * std + mean


def _spreads(X: np.ndarray, names: list[str]) -> tuple[tuple[float, str], tuple[float, str]] | None:
    """((largest std, its column), (smallest nonzero std, its column)) when they differ by a
    factor of SPREAD_RATIO or more, else None."""
    varied = [(float(s), n) for s, n in zip(X.std(axis=0), names, strict=True) if s > 0]
    if len(varied) < 2:
        return None
    large, small = max(varied), min(varied)
    return (large, small) if large[0] >= SPREAD_RATIO * small[0] else None


def _far(values: np.ndarray) -> tuple[int, float, float] | None:
    """(column, mean, std) of the column farthest from mean 0, std 1, if it is FAR or more."""
    mean, std = values.mean(axis=0), values.std(axis=0)
    size = np.maximum(np.abs(mean), std)
    k = int(np.argmax(size))
    return (k, float(mean[k]), float(std[k])) if size[k] >= FAR else None


def scale_warnings(
    X: np.ndarray,
    Y: np.ndarray,
    feature_names: list[str],
    target_names: list[str],
    task: str,
    *,
    features_standardized: bool,
    targets_standardized: bool,
) -> list[dict]:
    """Sentences (``{"about": "features" | "targets", "text": what it does, "fix": the upload
    option that fixes it}``) for data kept as they were that a network will struggle with:
    feature columns whose spreads differ by a factor of SPREAD_RATIO or more, or far from mean 0
    and std 1; regression targets far from them."""
    out = []
    fix = "upload with standardize=true (each column to mean 0, std 1)"
    fix_targets = "upload with standardize_targets=true (predictions are still shown in the data's units)"
    if not features_standardized:
        spreads = _spreads(X, feature_names)
        far = _far(X)
        if spreads is not None:
            (large, large_name), (small, small_name) = spreads
            text = (
                f"the feature columns differ in scale by a factor of {large / small:,.0f} ({large_name!r} "
                f"has standard deviation {large:.4g}, {small_name!r} {small:.4g}): unstandardized, the large "
                "columns saturate tanh and sigmoid neurons while the small ones barely move them"
            )
            out.append({"about": "features", "text": text, "fix": fix})
        elif far is not None:
            k, mean, std = far
            text = (
                f"the feature column {feature_names[k]!r} has mean {mean:.4g} and standard deviation "
                f"{std:.4g}: unstandardized, z = w·x + b is in the tens for weights of the usual initial "
                "size, so tanh and sigmoid neurons saturate and the gradients are as large"
            )
            out.append({"about": "features", "text": text, "fix": fix})
    far = None if targets_standardized or task != "regression" else _far(Y)
    if far is not None:
        k, mean, std = far
        text = (
            f"the target {target_names[k]!r} has mean {mean:.4g} and standard deviation {std:.4g}: "
            "unstandardized, the loss is in its squared units and its gradients are as large, so a "
            "learning rate that suits standardized data takes steps far too big"
        )
        out.append({"about": "targets", "text": text, "fix": fix_targets})
    return out
