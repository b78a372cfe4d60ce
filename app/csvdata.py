"""CSV uploads: a header row, then numeric rows; errors name the line and the column.

Columns are capped by ``max_csv_columns`` and data rows by ``max_samples`` (413 naming the line).
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter

import numpy as np

from .config import Limits
from .errors import InvalidInput, LimitExceeded


def parse_csv(
    raw: bytes,
    features: list[str] | None,
    targets: list[str] | None,
    max_samples: int,
    max_columns: int = Limits.max_csv_columns,
    max_name_length: int = Limits.max_name_length,
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """(X, Y, feature names, target names). Line numbers count the header as line 1.

    Linear in the size of the file: columns are looked up by name in a dict, never searched.
    """
    if not raw.strip():
        raise InvalidInput("the CSV file is empty: it needs a header row and at least one data row")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the CSV file is not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as exc:
        raise InvalidInput(f"line 1: {exc}") from None
    if len(header) > max_columns:
        raise LimitExceeded(
            f"line 1: the header has {len(header)} columns, over the limit max_csv_columns={max_columns} "
            f"(set {Limits.env_name('max_csv_columns')})"
        )
    if len(header) < 2:
        raise InvalidInput("line 1: the header needs at least two columns (features and a target)")
    for col, name in enumerate(header, start=1):
        if not name:
            raise InvalidInput(f"line 1, column {col}: empty column name")
        if len(name) > max_name_length:
            raise LimitExceeded(
                f"line 1, column {col}: the column name {name[:20]!r}… has {len(name)} characters, over "
                f"the limit max_name_length={max_name_length} (set {Limits.env_name('max_name_length')})"
            )
    duplicates = sorted(name for name, count in Counter(header).items() if count > 1)
    if duplicates:
        raise InvalidInput(f"line 1: duplicate column names {duplicates}")
    column = {name: index for index, name in enumerate(header)}
    targets = targets or [header[-1]]
    chosen_targets = set(targets)
    features = features or [n for n in header if n not in chosen_targets]
    for name in features + targets:
        if name not in column:
            shown = header if len(header) <= 20 else [*header[:20], "…"]
            raise InvalidInput(f"unknown column {name!r}; the header has {shown}")
    overlap = sorted(set(features) & chosen_targets)
    if overlap:
        raise InvalidInput(f"columns {overlap} are both features and targets")
    if not features:
        raise InvalidInput("choose at least one feature column")
    rows: list[list[float]] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines (often a trailing newline) carry no sample
            if len(row) != len(header):
                raise InvalidInput(f"line {line}: {len(row)} cells, but the header has {len(header)} columns")
            if len(rows) >= max_samples:
                raise LimitExceeded(
                    f"line {line}: the CSV has more than {max_samples} data rows, over the limit "
                    f"max_samples={max_samples} (set {Limits.env_name('max_samples')})"
                )
            try:
                values = [float(cell) for cell in row]
            except ValueError:
                values = []
            if len(values) != len(row) or not all(map(math.isfinite, values)):
                raise _first_bad_cell(line, header, row)
            rows.append(values)
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: {exc}") from None
    if not rows:
        raise InvalidInput("the CSV has a header but no data rows")
    table = np.array(rows, dtype=np.float64)
    X = table[:, [column[n] for n in features]]
    Y = table[:, [column[n] for n in targets]]
    return X, Y, features, targets


def _first_bad_cell(line: int, header: list[str], row: list[str]) -> InvalidInput:
    """The error naming the first cell of ``row`` that is not a finite number."""
    for col, (name, cell) in enumerate(zip(header, row, strict=True), start=1):
        try:
            value = float(cell)
        except ValueError:
            return InvalidInput(
                f"line {line}, column {col} ({name!r}): {cell.strip()[:40]!r} is not a number"
            )
        if not math.isfinite(value):
            return InvalidInput(f"line {line}, column {col} ({name!r}): {cell.strip()[:40]!r} is not finite")
    raise AssertionError("the row has no bad cell")


def standardize(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zero mean, unit variance per column; a constant column is only centered."""
    mean = A.mean(axis=0)
    std = A.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (A - mean) / std, mean, std
