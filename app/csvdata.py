"""CSV uploads: a header row, then rows of numbers; errors name the line and the column.

Feature columns hold numbers. One target column may instead hold class labels, integers
(``0, 1, 2``) or strings (``setosa``): it is then a classification target, one output per
class (one 0/1 output for two classes), with the label names kept in order. A first column
with no name is an index (pandas writes one) and is left out unless asked to keep it.
Columns are capped by ``max_csv_columns``, the feature and target columns chosen (and a label
column's classes) by ``max_neurons``, the widest layer, and data rows by ``max_samples`` (413
naming the line).
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass
from typing import Literal

import numpy as np

from backprop_explorer import engine

from .config import Limits
from .errors import InvalidInput, LimitExceeded

TaskChoice = Literal["auto", "classification", "regression"]
IndexChoice = Literal["auto", "ignore", "keep"]
# Integer targets 0..K−1 (or 1..K) with at most this many values are read as class labels
# unless the upload says task=regression; beyond it, as numbers unless it says classification.
MAX_DETECTED_CLASSES = 20


class InvalidCsv(InvalidInput):
    """A CSV file, or a choice of its columns, that makes no dataset (422)."""

    code = "invalid_csv"


@dataclass
class Table:
    """What an upload holds: ``X`` (N, n_features), ``Y`` (N, n_outputs) as the network sees them.

    ``class_names``: for a classification target read from labels, the label of each class in
    output order (two classes: the labels of y = 0 and y = 1); None for numeric targets.
    """

    X: np.ndarray
    Y: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    task: str
    class_names: list[str] | None
    index_column: str | None  # the header of the first column, when it was left out as an index


def parse_csv(
    raw: bytes,
    features: list[str] | None,
    targets: list[str] | None,
    max_samples: int,
    max_columns: int = Limits.max_csv_columns,
    task: TaskChoice = "auto",
    index_column: IndexChoice = "auto",
    max_neurons: int = Limits.max_neurons,
    max_name_length: int = Limits.max_name_length,
) -> Table:
    """The upload's table. Line numbers count the header as line 1. The feature and target
    columns chosen, and a label column's classes, are at most ``max_neurons`` each: a network's
    input and output layers are no wider. Column names and class labels are at most
    ``max_name_length`` characters (they are shown and stored with it).

    Linear in the size of the file: columns are looked up by name in a dict, never searched.
    """
    header, rows, lines, index_name = _read(raw, max_samples, max_columns, index_column)
    _check_names(header, max_name_length, "line 1, column {k}: the column name")
    column = {name: index for index, name in enumerate(header)}
    targets = targets or [header[-1]]
    chosen_targets = set(targets)
    features = features or [n for n in header if n not in chosen_targets]
    for name in features + targets:
        if name not in column:
            shown = header if len(header) <= 20 else [*header[:20], "…"]
            raise InvalidCsv(f"unknown column {name!r}; the header has {shown}")
    overlap = sorted(set(features) & chosen_targets)
    if overlap:
        raise InvalidCsv(f"columns {overlap} are both features and targets")
    if not features:
        raise InvalidCsv("choose at least one feature column")
    for kind, chosen, layer in (("feature", features, "input"), ("target", targets, "output")):
        if len(chosen) > max_neurons:
            raise LimitExceeded(
                f"line 1: {len(chosen)} {kind} columns chosen, but a network's {layer} layer takes at "
                f"most max_neurons={max_neurons} (set {Limits.env_name('max_neurons')}): choose fewer "
                f"with `{kind}s`"
            )
    X = _numbers(rows, lines, header, [column[n] for n in features])
    if len(targets) == 1:
        Y, names, found_task, classes = _one_target(
            rows, lines, header, column[targets[0]], task, max_neurons
        )
        _check_names(classes or [], max_name_length, f"the target column {targets[0]!r}: class label {{k}}")
        return Table(X, Y, features, names, found_task, classes, index_name)
    Y = _numbers(rows, lines, header, [column[n] for n in targets])
    return Table(X, Y, features, targets, _columns_task(Y, task), None, index_name)


def _check_names(names: list[str], max_length: int, where: str) -> None:
    """413 for the first name longer than ``max_length`` (``where`` names it, ``{k}``: its 1-based place)."""
    for k, name in enumerate(names, start=1):
        if len(name) > max_length:
            raise LimitExceeded(
                f"{where.format(k=k)} {name[:20]!r}… has {len(name)} characters, over the limit "
                f"max_name_length={max_length} (set {Limits.env_name('max_name_length')})"
            )


def _read(
    raw: bytes, max_samples: int, max_columns: int, index_column: IndexChoice
) -> tuple[list[str], list[list[str]], list[int], str | None]:
    """(header, rows of cells, each row's line number, the index column's header if left out)."""
    if not raw.strip():
        raise InvalidCsv("the CSV file is empty: it needs a header row and at least one data row")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidCsv(f"the CSV file is not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as exc:
        raise InvalidCsv(f"line 1: {exc}") from None
    if len(header) > max_columns:
        raise LimitExceeded(
            f"line 1: the header has {len(header)} columns, over the limit max_csv_columns={max_columns} "
            f"(set {Limits.env_name('max_csv_columns')})"
        )
    drop = index_column == "ignore" or (index_column == "auto" and len(header) > 0 and header[0] == "")
    index_name = header[0] if drop else None
    if index_column == "keep" and header and header[0] == "":
        header[0] = "column 1"
    width = len(header)
    if len(header) - drop < 2:
        seps = ((";", "semicolons"), ("\t", "tabs"))
        other = next((name for sep, name in seps if any(sep in cell for cell in header)), None)
        looks = f", separated by commas: this one looks separated by {other}" if other else ""
        raise InvalidCsv(f"line 1: the header needs at least two columns (features and a target){looks}")
    for col, name in enumerate(header, start=1):
        if not name and not (drop and col == 1):
            raise InvalidCsv(f"line 1, column {col}: empty column name")
    duplicates = sorted(name for name, count in Counter(header[drop:]).items() if count > 1)
    if duplicates:
        raise InvalidCsv(f"line 1: duplicate column names {duplicates}")
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines (often a trailing newline) carry no sample
            if len(row) != width:
                raise InvalidCsv(f"line {line}: {len(row)} cells, but the header has {width} columns")
            if len(rows) >= max_samples:
                raise LimitExceeded(
                    f"line {line}: the CSV has more than {max_samples} data rows, over the limit "
                    f"max_samples={max_samples} (set {Limits.env_name('max_samples')})"
                )
            rows.append(row[1:] if drop else row)
            lines.append(line)
    except csv.Error as exc:
        raise InvalidCsv(f"line {reader.line_num}: {exc}") from None
    if not rows:
        raise InvalidCsv("the CSV has a header but no data rows")
    return header[1:] if drop else header, rows, lines, index_name


def _numbers(rows: list[list[str]], lines: list[int], header: list[str], columns: list[int]) -> np.ndarray:
    """(N, len(columns)) floats; the first cell (in column order) that is not a finite number is named."""
    out = np.empty((len(rows), len(columns)), dtype=np.float64)
    for r, row in enumerate(rows):
        try:
            values = [float(row[c]) for c in columns]
        except ValueError:
            values = []
        if len(values) != len(columns) or not all(map(math.isfinite, values)):
            raise _first_bad_cell(lines[r], header, row, sorted(columns))
        out[r] = values
    return out


def _first_bad_cell(line: int, header: list[str], row: list[str], columns: list[int]) -> InvalidCsv:
    """The error naming the first of ``columns`` in ``row`` whose cell is not a finite number."""
    for col in columns:
        name, cell = header[col], row[col]
        try:
            value = float(cell)
        except ValueError:
            return InvalidCsv(
                f"line {line}, column {col + 1} ({name!r}): {cell.strip()[:40]!r} is not a number"
            )
        if not math.isfinite(value):
            return InvalidCsv(
                f"line {line}, column {col + 1} ({name!r}): {cell.strip()[:40]!r} is not finite"
            )
    raise AssertionError("the row has no bad cell")


def _one_target(
    rows: list[list[str]], lines: list[int], header: list[str], col: int, task: TaskChoice, max_classes: int
) -> tuple[np.ndarray, list[str], str, list[str] | None]:
    """(Y, target names, task, class names) of a single target column: numbers or class labels."""
    name = header[col]
    cells = [row[col].strip() for row in rows]
    try:
        values = np.array([float(cell) for cell in cells], dtype=np.float64)
    except ValueError:
        values = None
    if values is not None and not np.isfinite(values).all():
        r = _first_non_number(cells)  # nan, inf: a number that is not finite, not a label
        raise _first_bad_cell(lines[r], header, rows[r], [col])
    if values is None:  # strings: class labels, unless asked for numbers
        if task == "regression":
            r = _first_non_number(cells)
            raise _first_bad_cell(lines[r], header, rows[r], [col])
        for r, cell in enumerate(cells):
            if not cell:
                raise InvalidCsv(f"line {lines[r]}, column {col + 1} ({name!r}): empty class label")
        return _classes(cells, sorted(set(cells)), name, max_classes, numbers=False)
    distinct = np.unique(values)
    integral = bool(np.all(distinct == np.round(distinct)))
    detected = (
        integral
        and 2 <= len(distinct) <= MAX_DETECTED_CLASSES
        and distinct[0] in (0.0, 1.0)
        and distinct[-1] - distinct[0] == len(distinct) - 1
    )
    if task == "classification" or (task == "auto" and detected):
        labels = [_label(v) for v in distinct]
        return _classes([_label(v) for v in values], labels, name, max_classes, numbers=True)
    return values[:, None], [name], "regression", None


def _first_non_number(cells: list[str]) -> int:
    """The position of the first cell that is not a finite number."""
    for r, cell in enumerate(cells):
        try:
            if math.isfinite(float(cell)):
                continue
        except ValueError:
            pass
        return r
    raise AssertionError("every cell is a number")


def _label(value: float) -> str:
    return str(int(value)) if value == round(value) else repr(float(value))


def _classes(
    labels: list[str], classes: list[str], name: str, max_classes: int, *, numbers: bool
) -> tuple[np.ndarray, list[str], str, list[str]]:
    """One 0/1 column for two classes (y = 1 is the second), one-hot columns for more.
    ``numbers``: the labels are numbers, which a regression target could use instead."""
    if len(classes) < 2:
        raise InvalidCsv(
            f"the target column {name!r} holds one class ({classes[0]!r}): classification needs two or more"
        )
    if len(classes) > max_classes:
        too_many = (
            f"the target column {name!r} holds {len(classes)} different values, more classes than an "
            f"output layer may have (max_neurons={max_classes})"
        )
        if numbers:
            raise InvalidCsv(f"{too_many}: send task=regression to use them as numbers")
        raise InvalidCsv(
            f"{too_many}; its labels are text, not numbers, so it cannot be a regression target either: "
            f"upload a target column with at most {max_classes} different labels"
        )
    position = {label: k for k, label in enumerate(classes)}
    codes = np.array([position[label] for label in labels])
    if len(classes) == 2:
        return codes.astype(np.float64)[:, None], [name], "binary", classes
    return np.eye(len(classes))[codes], list(classes), "multiclass", classes


def _columns_task(Y: np.ndarray, task: TaskChoice) -> str:
    """The task of several numeric target columns: one-hot 0/1 rows are classification."""
    found = engine.infer_task(Y)
    if task == "regression":
        return "regression"
    if task == "classification" and found == "regression":
        raise InvalidCsv(
            "classification with several target columns needs one-hot rows of 0 and 1; "
            "or give one target column of class labels"
        )
    return found


def standardize(A: np.ndarray, names: list[str] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zero mean, unit variance per column; a constant column is only centered. A 422 naming
    the column (``names``) whose mean or spread overflows float64."""
    with np.errstate(over="ignore", invalid="ignore"):
        mean = A.mean(axis=0)
        std = A.std(axis=0)
    too_large = ~(np.isfinite(mean) & np.isfinite(std))
    if too_large.any():
        k = int(np.argmax(too_large))
        name = repr(names[k]) if names is not None else f"column {k + 1}"
        raise InvalidCsv(
            f"{name}: values up to {float(np.abs(A[:, k]).max()):.3g} are too large to standardize "
            "(their mean or spread overflows float64): scale the column down, or upload it without "
            "standardizing"
        )
    std = np.where(std > 0, std, 1.0)
    return (A - mean) / std, mean, std
