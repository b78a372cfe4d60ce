"""Small real datasets shipped with the package: iris, wine, breast cancer, digits, diabetes.

The files beside this module are scikit-learn's copies (``sklearn/datasets/data``), unchanged
but for gzip compression; README.md gives each one's source, licence and citation. A network
uses one as ``"data": {"generator": "iris"}``: the name takes the place of a generator's, and
``n``, ``noise`` and ``seed`` do not apply (every row is used; the validation split is the
spec's). Features are standardized to mean 0, std 1 (population std), as ``house_prices`` is,
except the digits' pixels, which are divided by 16 into [0, 1] so each sample stays a picture.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np

DIGIT_PIXELS = [f"pixel {row},{col}" for row in range(8) for col in range(8)]
BREAST_CANCER_FEATURES = [
    f"{kind} {measure}"
    for kind in ("mean", "error", "worst")
    for measure in (
        "radius",
        "texture",
        "perimeter",
        "area",
        "smoothness",
        "compactness",
        "concavity",
        "concave points",
        "symmetry",
        "fractal dimension",
    )
]


@dataclass(frozen=True)
class RealDataset:
    """One shipped dataset: how to read it and how to describe it."""

    name: str
    title: str
    description: str
    task: str  # "binary", "multiclass" or "regression"
    files: tuple[str, ...]
    feature_names: list[str]
    target_name: str
    source: str
    license: str
    citation: str
    image_shape: list[int] | None = None
    class_names: list[str] = field(default_factory=list)  # else from the file's first line


REAL_DATASETS: dict[str, RealDataset] = {
    d.name: d
    for d in (
        RealDataset(
            "iris",
            "iris",
            "150 iris flowers: sepal and petal length and width (cm, standardized) → one of 3 species",
            "multiclass",
            ("iris.csv",),
            ["sepal length", "sepal width", "petal length", "petal width"],
            "species",
            "https://archive.ics.uci.edu/dataset/53/iris",
            "CC BY 4.0",
            "Fisher, R. A. (1936). Iris [Dataset]. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C56C76",
        ),
        RealDataset(
            "wine",
            "wine",
            "178 Italian wines: 13 chemical measurements (standardized) → one of 3 cultivars",
            "multiclass",
            ("wine_data.csv.gz",),
            [
                "alcohol",
                "malic acid",
                "ash",
                "alcalinity of ash",
                "magnesium",
                "total phenols",
                "flavanoids",
                "nonflavanoid phenols",
                "proanthocyanins",
                "color intensity",
                "hue",
                "OD280/OD315",
                "proline",
            ],
            "cultivar",
            "https://archive.ics.uci.edu/dataset/109/wine",
            "CC BY 4.0",
            "Aeberhard, S. & Forina, M. (1992). Wine [Dataset]. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C5PC7J",
        ),
        RealDataset(
            "breast_cancer",
            "breast cancer",
            "569 breast masses: 30 measurements of cell nuclei (standardized) → malignant (y = 0) "
            "or benign (y = 1)",
            "binary",
            ("breast_cancer.csv.gz",),
            BREAST_CANCER_FEATURES,
            "diagnosis",
            "https://archive.ics.uci.edu/dataset/17/breast+cancer+wisconsin+diagnostic",
            "CC BY 4.0",
            "Wolberg, W., Mangasarian, O., Street, N. & Street, W. (1993). Breast Cancer Wisconsin "
            "(Diagnostic) [Dataset]. UCI Machine Learning Repository. https://doi.org/10.24432/C5DW2B",
        ),
        RealDataset(
            "digits",
            "digits 8×8",
            "1,797 handwritten digits as 8×8 pictures: 64 pixels (0 blank … 1 full) → the digit 0–9",
            "multiclass",
            ("digits.csv.gz",),
            DIGIT_PIXELS,
            "digit",
            "https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits",
            "CC BY 4.0",
            "Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits [Dataset]. "
            "UCI Machine Learning Repository. https://doi.org/10.24432/C50P49",
            image_shape=[8, 8],
            class_names=[str(k) for k in range(10)],
        ),
        RealDataset(
            "diabetes",
            "diabetes",
            "442 diabetes patients: age, sex, BMI, blood pressure and 6 blood serum measurements "
            "(standardized) → disease progression a year later (standardized; shown in its units)",
            "regression",
            ("diabetes_data_raw.csv.gz", "diabetes_target.csv.gz"),
            ["age", "sex", "BMI", "blood pressure"]
            + ["s1 TC", "s2 LDL", "s3 HDL", "s4 TCH", "s5 LTG", "s6 glucose"],
            "progression",
            "https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html",
            "none stated at the source; distributed with scikit-learn (BSD-3-Clause)",
            "Efron, B., Hastie, T., Johnstone, I. & Tibshirani, R. (2004). Least Angle Regression. "
            "Annals of Statistics 32(2), 407–499. https://doi.org/10.1214/009053604000000067",
        ),
    )
}


@dataclass(frozen=True)
class RealTable:
    """A shipped dataset's rows as the network sees them, with what turns them back: a feature
    in the file's units is x·feature_std + feature_mean (the digits: mean 0, std 16)."""

    X: np.ndarray
    Y: np.ndarray
    target_names: list[str]
    class_names: list[str] | None
    target_mean: list[float] | None
    target_std: list[float] | None
    feature_mean: list[float]
    feature_std: list[float]


def _text(file: str) -> str:
    data = resources.files(__name__).joinpath(file).read_bytes()
    return (gzip.decompress(data) if file.endswith(".gz") else data).decode("utf-8")


def _standardize(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean, std = A.mean(axis=0), A.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (A - mean) / std, mean, std


@cache
def read(name: str) -> RealTable:
    """The dataset ``name`` from its packaged files (read once per process)."""
    info = REAL_DATASETS[name]
    if name == "diabetes":
        X = np.loadtxt(_text(info.files[0]).splitlines())
        y = np.loadtxt(_text(info.files[1]).splitlines())[:, None]
        y, mean, std = _standardize(y)
        X, x_mean, x_std = _standardize(X)
        return RealTable(
            X, y, [info.target_name], None, mean.tolist(), std.tolist(), x_mean.tolist(), x_std.tolist()
        )
    # scikit-learn's layout: rows of features and a class code, under a first line
    # "n_samples,n_features,class names…" (digits has none: its classes are the digits).
    rows = _text(info.files[0]).splitlines()
    classes = info.class_names or rows.pop(0).split(",")[2:]
    table = np.loadtxt(rows, delimiter=",", dtype=np.float64)
    X, codes = table[:, :-1], table[:, -1].astype(int)
    if info.image_shape:  # pixels 0..16 into [0, 1]: a picture stays a picture
        X, x_mean, x_std = X / 16.0, np.zeros(X.shape[1]), np.full(X.shape[1], 16.0)
    else:
        X, x_mean, x_std = _standardize(X)
    scale = (x_mean.tolist(), x_std.tolist())
    if info.task == "binary":
        return RealTable(
            X, codes.astype(np.float64)[:, None], [info.target_name], classes, None, None, *scale
        )
    return RealTable(X, np.eye(len(classes))[codes], list(classes), classes, None, None, *scale)
