"""`backprop-explorer`: --version, serve --open (the browser opens once the server answers),
serve --workers N, and the address (with its token) printed at startup."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import backprop_explorer

from .serving import command, serve


def entry_point() -> str:
    beside = Path(sys.executable).with_name("backprop-explorer")
    found = str(beside) if beside.exists() else shutil.which("backprop-explorer")
    assert found, "the backprop-explorer script is not installed"
    return found


def test_version_comes_from_the_package() -> None:
    result = subprocess.run([entry_point(), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == f"backprop-explorer {backprop_explorer.__version__}"
    assert importlib.metadata.version("backprop-explorer") == backprop_explorer.__version__


def test_serve_prints_the_address_to_open(tmp_path: Path) -> None:
    server = serve(tmp_path)
    try:
        port = server.url.rsplit(":", 1)[1]
        assert f"    http://127.0.0.1:{port}/\n" in server.output
        assert "token" not in server.output  # loopback without --token: none needed
        assert "warning" not in server.output.lower()
    finally:
        server.stop()


def fake_browser(tmp_path: Path) -> tuple[Path, Path]:
    """A $BROWSER that records the URL it was given and whether the server answered then."""
    record = tmp_path / "opened.txt"
    script = tmp_path / "browser.py"
    script.write_text(
        "import sys, urllib.request\n"
        "url = sys.argv[1]\n"
        "health = url.split('/?')[0].rstrip('/') + '/api/health'\n"
        "status = urllib.request.urlopen(health, timeout=5).status\n"
        f"open({str(record)!r}, 'w').write(f'{{url}} {{status}}')\n"
    )
    launcher = tmp_path / "browser.sh"
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} {script} "$1"\n')
    launcher.chmod(0o755)
    return launcher, record


def wait_for(path: Path, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{path} was not written within {timeout} s")


def test_open_launches_the_browser_once_the_server_answers(tmp_path: Path) -> None:
    launcher, record = fake_browser(tmp_path)
    server = serve(tmp_path, "--open", env={"BROWSER": str(launcher)})
    try:
        url, status = wait_for(record).split()
        assert url == f"{server.url}/" and status == "200"
    finally:
        server.stop()


def test_open_beyond_loopback_carries_the_token(tmp_path: Path) -> None:
    launcher, record = fake_browser(tmp_path)
    server = serve(
        tmp_path, "--open", "--token", "open-sesame", host="0.0.0.0", env={"BROWSER": str(launcher)}
    )
    try:
        url, status = wait_for(record).split()
        assert url == f"{server.url}/?token=open-sesame" and status == "200"
        assert httpx.get(url, follow_redirects=True).status_code == 200
    finally:
        server.stop()


def test_workers_start_several_processes_sharing_the_database(tmp_path: Path) -> None:
    server = serve(tmp_path, "--workers", "2")
    try:
        ids = [
            httpx.post(f"{server.url}/api/networks", json={"layers": [2, 1]}).json()["id"] for _ in range(8)
        ]
        # Each request may land on either worker: all read the one SQLite file.
        assert all(httpx.get(f"{server.url}/api/networks/{i}").status_code == 200 for i in ids)
        deadline = time.monotonic() + 30
        while len(set(re.findall(r"Started server process \[(\d+)\]", server.output))) < 2:
            assert time.monotonic() < deadline, server.output
            time.sleep(0.2)
    finally:
        server.stop()


def test_bad_flags_are_refused_in_one_line(tmp_path: Path) -> None:
    for flags, message in (
        (["--workers", "0"], "--workers must be ≥ 1"),
        (["--max-layers", "0"], "--max-layers must be ≥ 1"),
    ):
        result = subprocess.run(
            command("serve", "--db", str(tmp_path / "x.db"), *flags),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0 and result.stderr.strip() == message


def test_a_lesson_folder_from_the_environment_is_checked_as_the_flag_is(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_EXPLORER_")}
    missing = tmp_path / "no-lessons"
    result = subprocess.run(
        command("serve", "--db", str(tmp_path / "x.db"), "--port", "0"),
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "BACKPROP_EXPLORER_LESSONS": str(missing)},
    )
    assert (
        result.returncode != 0
        and result.stderr.strip() == f"BACKPROP_EXPLORER_LESSONS={missing}: no such folder"
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            ("BACKPROP_EXPLORER_TOKEN", "semi;colon"),
            "BACKPROP_EXPLORER_TOKEN must be 8 to 256 characters among A-Z a-z 0-9 . _ ~ -",
        ),
        (
            ("BACKPROP_EXPLORER_MAX_LAYERS", "ten"),
            "BACKPROP_EXPLORER_MAX_LAYERS must be a whole number, got 'ten'",
        ),
    ],
)
def test_plain_uvicorn_refuses_a_malformed_setting_in_one_line(
    tmp_path: Path, setting: tuple[str, str], message: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_EXPLORER_")}
    env |= {"BACKPROP_EXPLORER_DB": str(tmp_path / "x.db"), setting[0]: setting[1]}
    args = [sys.executable, "-m", "uvicorn", "backprop_explorer.app.main:app", "--port", "1"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"backprop-explorer: {message}"
