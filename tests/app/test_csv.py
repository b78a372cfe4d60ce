"""CSV parsing is linear in the number of columns, and columns and rows are capped by
documented limits whose 413 names the line; the numbers parsed are unchanged."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from backprop_explorer.app.config import Limits
from backprop_explorer.app.csvdata import Table, parse_csv, standardize
from backprop_explorer.app.errors import InvalidInput, LimitExceeded

from .serving import Served, serve


def columns(table: Table) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    return table.X, table.Y, table.feature_names, table.target_names


def wide_csv(columns: int, rows: int, duplicate_last: bool = False) -> bytes:
    names = [f"c{i}" for i in range(columns)]
    if duplicate_last:
        names[-1] = names[0]
    lines = [",".join(names)]
    lines += [",".join(str((r * columns + i) % 97 / 8) for i in range(columns)) for r in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_forty_thousand_columns_parse_in_well_under_a_second_per_ten_thousand() -> None:
    """Searching every column name in the header made 40,000 columns take about a minute (over
    200 s on a loaded machine). The bound leaves a 40× margin."""
    raw = wide_csv(40_000, 3)
    started = time.perf_counter()
    X, Y, features, targets = columns(parse_csv(raw, None, None, 10, max_columns=40_000, max_neurons=40_000))
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0, f"{elapsed:.1f} s for 40,000 columns"
    assert X.shape == (3, 39_999) and Y.shape == (3, 1)
    assert features[:2] == ["c0", "c1"] and targets == ["c39999"]
    assert X[2, 5] == (2 * 40_000 + 5) % 97 / 8 and Y[1, 0] == (40_000 + 39_999) % 97 / 8


def test_a_duplicate_among_forty_thousand_names_is_found_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match=r"line 1: duplicate column names \['c0'\]"):
        parse_csv(wide_csv(40_000, 1, duplicate_last=True), None, None, 10, max_columns=40_000)
    assert time.perf_counter() - started < 5.0


def test_chosen_columns_come_out_in_the_order_asked() -> None:
    raw = b"a,b,c,y,z\n1,2,3,4,5\n6,7,8,9,10\n"
    X, Y, features, targets = columns(parse_csv(raw, ["c", "a"], ["z", "y"], 10))
    assert features == ["c", "a"] and targets == ["z", "y"]
    assert X.tolist() == [[3.0, 1.0], [8.0, 6.0]] and Y.tolist() == [[5.0, 4.0], [10.0, 9.0]]
    X, Y, features, targets = columns(parse_csv(raw, None, ["b"], 10))
    assert features == ["a", "c", "y", "z"] and X[1].tolist() == [6.0, 8.0, 9.0, 10.0]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,inf,x", "line 3, column 2 ('b'): 'inf' is not finite"),  # the first bad cell wins
        ("1, x ,nan", "line 3, column 2 ('b'): 'x' is not a number"),
        ("1e3,1_000,-0", None),  # what float() accepts is accepted
    ],
)
def test_the_first_bad_cell_is_named(row: str, message: str | None) -> None:
    raw = f"a,b,y\n1,2,3\n{row}\n".encode()
    if message is None:
        X, Y, _, _ = columns(parse_csv(raw, None, None, 10))
        assert X[1].tolist() == [1000.0, 1000.0] and Y[1, 0] == 0.0
        return
    with pytest.raises(InvalidInput) as caught:
        parse_csv(raw, None, None, 10)
    assert caught.value.detail == message


def test_the_column_limit_is_a_documented_413() -> None:
    assert Limits().max_csv_columns == 1_000
    with pytest.raises(LimitExceeded) as caught:
        parse_csv(wide_csv(6, 1), None, None, 10, max_columns=5)
    assert caught.value.detail == (
        "line 1: the header has 6 columns, over the limit max_csv_columns=5 "
        "(set BACKPROP_EXPLORER_MAX_CSV_COLUMNS)"
    )
    X, _, _, _ = columns(parse_csv(wide_csv(5, 1), None, None, 10, max_columns=5))
    assert X.shape == (1, 4)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = serve(tmp_path_factory.mktemp("csv"), "--max-samples", "20")
    yield served
    served.stop()


def upload(server: Served, content: bytes, **form: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/datasets", files={"file": ("d.csv", content, "text/csv")}, data=form, timeout=60
    )


def test_over_the_row_limit_names_the_line(server: Served) -> None:
    assert upload(server, b"a,b,y\n" + b"1,2,3\n" * 20).status_code == 201
    response = upload(server, b"a,b,y\n" + b"1,2,3\n" * 21)
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "line 22: the CSV has more than 20 data rows, over the limit max_samples=20 "
        "(set BACKPROP_EXPLORER_MAX_SAMPLES)"
    )


def test_more_feature_columns_than_a_network_takes_are_refused_at_upload(server: Served) -> None:
    # A 1,000-column CSV (999 features) was stored though no input layer takes over 256.
    response = upload(server, wide_csv(1_000, 2))
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "line 1: 999 feature columns chosen, but a network's input layer takes at most "
        "max_neurons=256 (set BACKPROP_EXPLORER_MAX_NEURONS): choose fewer with `features`"
    )
    chosen = ",".join(f"c{i}" for i in range(256))
    response = httpx.post(
        f"{server.url}/api/datasets",
        files={"file": ("d.csv", wide_csv(1_000, 2), "text/csv")},
        data={"features": chosen},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    assert len(response.json()["feature_names"]) == 256


def test_over_the_column_limit_is_refused_at_once_and_others_are_served(server: Served) -> None:
    wide = wide_csv(40_000, 2)
    assert len(wide) < Limits().max_upload_bytes
    started = time.perf_counter()
    response = upload(server, wide)
    assert response.status_code == 413
    assert "over the limit max_csv_columns=1000" in response.json()["detail"]
    assert time.perf_counter() - started < 10.0
    assert httpx.get(f"{server.url}/api/health").status_code == 200


def test_the_numbers_arrive_unchanged(server: Served, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    table = rng.normal(size=(15, 4)) * 1e3
    text = "p,q,r,t\n" + "\n".join(",".join(repr(float(v)) for v in row) for row in table) + "\n"
    response = upload(server, text.encode(), standardize="false")
    assert response.status_code == 201, response.text
    stored = httpx.get(f"{server.url}/api/datasets/{response.json()['dataset_id']}").json()
    assert np.array(stored["inputs"]).tolist() == table[:, :3].tolist()
    assert np.array(stored["targets"]).tolist() == table[:, 3:].tolist()


def test_values_a_network_could_not_read_are_refused_unless_standardized(server: Served) -> None:
    """Data sent in a request lie within ±1e9; an upload kept at its own scale holds to the same
    bound (1e300 made every step of a network on it overflow, and its scale warning say "inf")."""
    huge = b"a,b,y\n1e300,2,0.5\n-1e300,3,1.5\n5,4,1\n"
    refused = upload(server, huge, standardize="false")
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "'a': values up to 1e+300 lie beyond ±1e9, the most a network's data may hold: "
        "standardize=true standardizes the features, or scale the column down"
    )
    target = upload(server, b"a,b,y\n1,2,2e10\n2,3,1\n3,1,0\n")  # the features standardized
    assert target.status_code == 422 and target.json()["detail"].startswith(
        "'y': values up to 2e+10 lie beyond"
    )
    assert "standardize_targets=true standardizes a regression target" in target.json()["detail"]
    assert upload(server, b"a,b,y\n1,2,2e10\n2,3,1\n3,1,0\n", standardize_targets="true").status_code == 201
    assert upload(server, b"a,b,y\n1e9,2,1\n-1e9,3,0\n", standardize="false").status_code == 201  # the bound


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"a;b;y\n1;2;0\n", "; this one looks separated by semicolons"),
        (b"a\tb\ty\n1\t2\t0\n", "; this one looks separated by tabs"),
        (b"a\n1\n", ""),
    ],
)
def test_a_header_of_one_column_says_which_separator_it_seems_to_use(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_csv(raw, None, None, 10)
    expected = "line 1: the header needs at least two columns (features and a target)"
    assert caught.value.detail == expected + (
        message.replace("; ", ", separated by commas: ") if message else ""
    )


def test_a_column_too_large_to_standardize_is_named() -> None:
    # The mean of two 1e308 overflows float64: the upload says which column and what to do,
    # not the training's advice about weights and learning rates.
    A = np.array([[1.0, 1e308], [2.0, 1e308], [3.0, -1e308]])
    with pytest.raises(InvalidInput) as caught:
        standardize(A, ["a", "price"])
    assert caught.value.detail == (
        "'price': values up to 1e+308 are too large to standardize (their mean or spread overflows "
        "float64): scale the column down, or upload it without standardizing"
    )
    X, mean, std = standardize(np.array([[1.0, 5.0], [3.0, 5.0]]), ["a", "b"])
    assert (
        X.tolist() == [[-1.0, 0.0], [1.0, 0.0]] and mean.tolist() == [2.0, 5.0] and std.tolist() == [1.0, 1.0]
    )
