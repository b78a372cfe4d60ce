"""`backprop-explorer` as a newcomer meets it: a bare command prints help, `python -m
backprop_explorer` works, serve binds before it prints (the address printed is the one in use,
--port 0 included), a taken port is one line, --open without a browser says so, the limits are
grouped in --help, --log-level and --root-path (the page works under a sub-path)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import httpx
import pytest
from backprop_explorer.app import listen
from backprop_explorer.app.config import Limits

from tests.conftest import ROOT

from .proxy import Proxy
from .serving import command, serve


def run(*args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)


def test_a_bare_command_prints_help_and_python_m_is_the_same_command() -> None:
    bare = run(sys.executable, "-m", "backprop_explorer")
    assert bare.returncode == 0 and bare.stderr == ""
    assert bare.stdout.startswith("usage: backprop-explorer [-h] [--version] COMMAND")
    assert "serve     start the web page and the REST API" in bare.stdout
    assert run(sys.executable, "-m", "backprop_explorer", "--version").stdout.startswith("backprop-explorer ")


def test_serve_help_explains_the_port_and_groups_the_limits() -> None:
    text = run(sys.executable, "-m", "backprop_explorer", "serve", "--help").stdout
    assert re.search(r"--port N\s+the port; 0 picks a free one", text)
    assert "--root-path PATH" in text and "--log-level {critical,error,warning,info,debug,trace}" in text
    groups = re.findall(r"^(limits: [A-Za-z ]+):$", text, flags=re.MULTILINE)
    assert groups == [
        "limits: network size",
        "limits: data",
        "limits: one request",
        "limits: what is kept",
        "limits: owners",
        "limits: the whole server",
        "limits: clients",
        "limits: PostgreSQL",
    ]
    section = text[text.index("limits: network size:") :]
    assert len(re.findall(r"^  --max-[a-z-]+ N", section, flags=re.MULTILINE)) == len(
        [f for f in fields(Limits) if f.name.startswith("max_")]
    )  # a flag for every limit
    assert re.search(
        r"--max-layers N\s+weight layers per network \(default 10; env\s+BACKPROP_EXPLORER_MAX_LAYERS\)", text
    )


def option_help(text: str) -> dict[str, str]:
    """Each option of ``--help`` (its flag) and its help, joined onto one line."""
    found: dict[str, str] = {}
    for entry in re.split(r"\n(?=  -)", text):
        if entry.startswith("  --"):
            flag, _, rest = entry.strip().partition(" ")
            found[flag] = " ".join(rest.split())
    return found


def test_serve_help_says_each_default_once_and_names_the_documented_variables() -> None:
    text = run(sys.executable, "-m", "backprop_explorer", "serve", "--help").stdout
    helps = option_help(text)
    cores = os.cpu_count() or 1
    assert helps["--max-cpu-work"] == (
        f"N heavy requests at once (default the core count, {cores} here; env BACKPROP_EXPLORER_MAX_CPU_WORK)"
    )
    assert all(line.count("(default") <= 1 for line in helps.values()), helps
    teacher = "a second token that may list, open, change and delete every network and upload"
    assert helps["--teacher-token"].startswith(f"T {teacher} (env BACKPROP_EXPLORER_TEACHER_TOKEN)")
    # Every option docs/configuration.md gives an environment variable names it in its help.
    table = (ROOT / "docs" / "configuration.md").read_text()
    rows = re.findall(
        r"^\| `(--[a-z-]+)[^`]*` \| `(BACKPROP_EXPLORER_[A-Z_]+)[^`]*`", table, flags=re.MULTILINE
    )
    assert {"--lessons", "--allow-listing", "--db", "--token"} <= {flag for flag, _ in rows}
    for flag, variable in rows:
        assert variable in helps[flag], (flag, helps[flag])
    assert "a second token that may list, open, change and delete every network and upload" in table


def test_port_zero_prints_the_port_it_is_bound_to(tmp_path: Path) -> None:
    log = tmp_path / "zero.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command("serve", "--port", "0", "--db", str(tmp_path / "z.db"), "--log-level", "warning"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"http://127\.0\.0\.1:(\d+)/\n", log.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        port = int(found.group(1))
        assert port != 0
        # Printed before uvicorn's first line: the socket was bound first, so it already answers.
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/api/health").json()["status"] == "ok"
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert "INFO" not in log.read_text()  # --log-level warning: uvicorn's info lines are gone
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run(*command("serve", "--port", str(port), "--db", str(tmp_path / "t.db")))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        f"backprop-explorer: port {port} on 127.0.0.1 is in use (another server?): choose another "
        "with --port N, or --port 0 for any free port"
    )


@pytest.mark.parametrize("value", ["-1", "65536", "70000", "eighty"])
def test_a_port_out_of_range_is_refused_by_the_parser(tmp_path: Path, value: str) -> None:
    db = tmp_path / "p.db"
    result = run(*command("serve", f"--port={value}", "--db", str(db)))
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "backprop-explorer serve: error: argument --port: must be a whole number from 0 to 65535 "
        f"(0: any free port), got '{value}'"
    )
    assert not db.exists()  # refused before the database is opened


def test_a_teacher_token_equal_to_the_class_token_is_refused(tmp_path: Path) -> None:
    """With one token for both, every student would be the teacher (no quota, every network)."""
    said = (
        "the teacher token must differ from the class token: with the same one every student would be "
        "the teacher (list, open, change and delete every network, with no quota)"
    )
    db = tmp_path / "t.db"
    flags = run(
        *command(
            "serve", "--port", "0", "--db", str(db), "--token", "class-0001", "--teacher-token", "class-0001"
        )
    )
    assert flags.returncode == 1 and flags.stderr.strip() == said
    env = {
        **os.environ,
        "BACKPROP_EXPLORER_TOKEN": "class-0001",
        "BACKPROP_EXPLORER_TEACHER_TOKEN": "class-0001",
    }
    by_env = run(*command("serve", "--port", "0", "--db", str(db)), env=env)
    assert by_env.returncode != 0 and said in by_env.stderr and "Traceback" not in by_env.stderr
    assert not db.exists()


def test_without_a_port_the_next_free_one_is_taken() -> None:
    """What serve does without --port (8000 taken → 8001 …), on a range of ports this test owns."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        start = taken.getsockname()[1]
        original = listen.DEFAULT_PORT
        listen.DEFAULT_PORT = start
        try:
            with listen.bind("127.0.0.1", None) as next_free:
                assert start < next_free.getsockname()[1] < start + listen.PORT_TRIES
        finally:
            listen.DEFAULT_PORT = original
    with pytest.raises(listen.CannotListen, match="not an address of this machine"):
        listen.bind("192.0.2.1", 0)  # TEST-NET-1: never one of ours


def test_open_without_a_browser_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "no-browsers"
    empty.mkdir()
    env = {"PATH": str(empty), "BROWSER": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    server = serve(tmp_path, "--open", env=env)
    try:
        deadline = time.monotonic() + 30
        while "--open:" not in server.output:
            assert time.monotonic() < deadline, server.output
            time.sleep(0.1)
        assert (
            f"--open: no web browser found here; open {server.url}/ yourself (or set $BROWSER)"
            in server.output
        )
    finally:
        server.stop()


def test_the_page_works_under_a_root_path_behind_a_proxy(tmp_path: Path) -> None:
    server = serve(tmp_path, "--root-path", "/explorer/")
    proxy = Proxy(server.url, "/explorer")
    try:
        assert f"    {server.url}/\n" in server.output
        assert "The page's links and calls start with /explorer/" in server.output
        page = httpx.get(f"{proxy.url}/")
        assert page.status_code == 200 and 'data-root="/explorer"' in page.text
        assert 'src="/explorer/static/js/main.js' in page.text and 'href="/explorer/lessons"' in page.text
        assert httpx.get(f"{proxy.url}/static/js/root.js").status_code == 200
        assert httpx.get(f"{proxy.url}/api/health").json()["status"] == "ok"
        created = httpx.post(f"{proxy.url}/api/networks", json={"layers": [2, 1]})
        assert created.status_code == 201
        lessons = httpx.get(f"{proxy.url}/lessons").text
        assert 'href="/explorer/lessons/one-neuron"' in lessons
        assert httpx.get(f"{server.url}/").status_code == 200  # and directly, without the prefix
    finally:
        proxy.close()
        server.stop()
