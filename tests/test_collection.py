"""Every test pytest collects has an id of its own: pytest-xdist hands tests to its workers by
id, so tests that share one run as one (tests/conftest.py, ``unique_ids``)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from backprop_explorer.app.config import Settings
from backprop_explorer.app.main import create_app

from tests.conftest import ROOT


@pytest.mark.slow  # collecting the fuzz module builds its generated cases: seconds
def test_each_api_operation_is_a_fuzz_test_of_its_own(tmp_path) -> None:
    # Schemathesis makes one test per operation; this pytest gave them all one id, and under
    # pytest-xdist one of the 41 ran.
    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/app/test_fuzz.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ids = [line for line in collected.splitlines() if "::" in line]
    paths = create_app(Settings(tmp_path / "n.db")).openapi()["paths"]
    operations = {f"{method.upper()} {path}" for path, methods in paths.items() for method in methods}
    assert len(ids) == len(set(ids))
    assert {test_id.split("[", 1)[1].removesuffix("]") for test_id in ids} == operations
