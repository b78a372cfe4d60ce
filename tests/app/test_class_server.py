"""A class server no single user can stall or fill, against real `backprop-explorer serve`
processes: health, pages and `/stop` answer within a second under 40 heavy requests; a second
owner is served beside a first one's 40; the process stays under its memory budget at twice
the concurrency the budget allows; a slow-client attack leaves health up and the log small;
redirects stay on the server, the token stays out of the log, and an unexpected error is a
JSON 500 with the usual headers; a DELETE frees space on a full disk, and expiry frees disk.

A latency bound under a deliberate overload is the behaviour asked for: the bounds are
generous (one second, on a 2-core machine shared with other work), and nothing here asserts
how fast the machine computes.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from . import stalls
from .serving import serve
from .test_disk import small_disk

PROMPT = 1.0  # seconds: health, a page, a static file and /stop, whatever else runs


@pytest.mark.parametrize("scenario", list(stalls.SCENARIOS))
def test_health_pages_and_stop_answer_promptly_under_40_heavy_requests(tmp_path: Path, scenario: str) -> None:
    server = serve(tmp_path)
    try:
        with httpx.Client(base_url=server.url, timeout=300, headers=stalls.HEAVY) as client:
            requests = stalls.SCENARIOS[scenario](client, 40)
        outcome = stalls.run(server.url, requests)
    finally:
        server.stop()
    for what in ("health", "page", "static", "stop"):
        assert outcome.worst(what) < PROMPT, f"{what}: {outcome.probes[what]}"
    # Probed all along, not once at the end: at least half the rounds the run's length allowed
    # (a round is four probes under a second each, then a 0.1 s pause).
    round_time = 0.1 + sum(outcome.worst(w) for w in ("health", "page", "static", "stop"))
    rounds = (outcome.seconds - 0.3) / round_time
    assert len(outcome.probes["health"]) >= max(1, int(rounds / 2)), (outcome.seconds, outcome.probes)
    # Served in turn up to the owner's queue, and the rest told to come back, never a 5xx.
    statuses = [a.status_code for a in outcome.answers]
    assert set(statuses) <= {200, 429} and statuses.count(200) >= 10, statuses
    for refused in (a for a in outcome.answers if a.status_code == 429):
        assert refused.headers["retry-after"] == "2"
        assert "max_queued_per_owner=16" in refused.json()["detail"]
        assert refused.json()["code"] == "rate_limited"


def test_one_owners_40_requests_do_not_starve_anothers_one(tmp_path: Path) -> None:
    server = serve(tmp_path)
    try:
        with httpx.Client(base_url=server.url, timeout=300, headers=stalls.HEAVY) as client:
            requests = stalls.landscapes(client, 40)
        with httpx.Client(base_url=server.url, timeout=300, headers=stalls.LIGHT) as light:
            mine = light.post("/api/networks", json=stalls.LANDSCAPE_NET).json()["id"]
            # One landscape alone, for scale.
            started = time.perf_counter()
            assert light.post(f"/api/networks/{mine}/landscape", json=stalls.LANDSCAPE).status_code == 200
            alone = time.perf_counter() - started
            finished: list[float] = []  # when each of the first owner's served requests ended

            def heavy(request: stalls.Request) -> int:
                method, path, body = request
                with httpx.Client(base_url=server.url, timeout=600, headers=stalls.HEAVY) as client:
                    status = client.request(method, path, json=body).status_code
                if status == 200:
                    finished.append(time.perf_counter())
                return status

            with ThreadPoolExecutor(max_workers=40) as pool:
                futures = [pool.submit(heavy, r) for r in requests]
                time.sleep(0.5)  # the 40 are running or queued
                asked = time.perf_counter()
                answer = light.post(f"/api/networks/{mine}/landscape", json=stalls.LANDSCAPE)
                answered = time.perf_counter()
                statuses = [f.result() for f in futures]
    finally:
        server.stop()
    assert answer.status_code == 200
    served = sum(status == 200 for status in statuses)
    done_meanwhile = sum(asked <= t <= answered for t in finished)
    # The other owner's request ran beside the 40, not after those queued before it: while it
    # was served, at most a few of the first owner's finished (a queue in arrival order would
    # have served all of them first). Counted, not timed: the machine's load changes how long
    # each takes, not their order.
    assert done_meanwhile <= 3 < served, (done_meanwhile, served, answered - asked, alone)


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


WIDE = {
    "layers": [2, 256, 256, 128, 1],  # 99,585 parameters: the default limits' widest
    "activations": ["tanh", "tanh", "tanh", "sigmoid"],
    "loss": "bce",
    "data": {"generator": "moons", "n": 10_000, "seed": 1},
    "batch_size": 10_000,
    "validation_split": 0.0,
}


def four_big_steps(tmp_path: Path, memory: int) -> tuple[int, list[int]]:
    """Four batch-10,000 steps at once, from four owners, on a server allowed four heavy
    requests at once and ``memory`` bytes: its peak resident memory and the statuses."""
    server = serve(tmp_path, "--max-memory-bytes", str(memory), "--max-cpu-work", "4")
    try:
        owners = [{"X-Owner-Key": f"memory-owner-{i:012d}"} for i in range(4)]
        ids = [
            httpx.post(f"{server.url}/api/networks", json=WIDE, headers=o, timeout=60).json()["id"]
            for o in owners
        ]

        def step(i: int) -> int:
            url = f"{server.url}/api/networks/{ids[i]}/step"
            return httpx.post(url, json={}, headers=owners[i], timeout=600).status_code

        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(step, range(4)))
        return peak_rss(server.process.pid), statuses
    finally:
        server.stop()


BUDGET = 1_400_000_000  # bytes: two such steps fit in what it leaves for requests, three do not


def test_the_process_stays_under_its_memory_budget_at_twice_the_concurrency_it_allows(tmp_path: Path) -> None:
    # The same load with a budget too large to bind goes past the bound: the load is real.
    unbound, statuses = four_big_steps(tmp_path, 100 * BUDGET)
    assert statuses == [200] * 4
    assert unbound > BUDGET, f"four steps at once peaked at {unbound / 1e6:.0f} MB only"
    peak, statuses = four_big_steps(tmp_path, BUDGET)
    assert statuses == [200] * 4  # the last two waited for the memory, none was refused
    assert peak < BUDGET, f"peak RSS {peak / 1e6:.0f} MB over the budget {BUDGET / 1e6:.0f} MB"


def test_a_request_larger_than_the_whole_budget_is_refused_saying_so(tmp_path: Path) -> None:
    server = serve(tmp_path, "--max-memory-bytes", "600000000")
    try:
        net = httpx.post(f"{server.url}/api/networks", json=WIDE, timeout=60).json()["id"]
        refused = httpx.post(f"{server.url}/api/networks/{net}/step", json={}, timeout=60)
        assert refused.status_code == 413
        assert "max_memory_bytes=600000000" in refused.json()["detail"]
        assert httpx.get(f"{server.url}/api/networks/{net}").json()["step"] == 0
    finally:
        server.stop()


def test_a_budget_that_leaves_requests_nothing_refuses_them_at_the_door_saying_so(tmp_path: Path) -> None:
    """A request is weighed before it runs (its body's size included): under a budget the process
    and its caches use up, each heavy request gets the 413 at the door, naming the budget, while
    reads still answer."""
    server = serve(tmp_path, "--max-memory-bytes", "10")
    try:
        refused = httpx.post(f"{server.url}/api/networks", json={"layers": [2, 1]}, timeout=60)
        assert refused.status_code == 413, refused.text
        assert "0 MB of max_memory_bytes=10" in refused.json()["detail"]
        assert httpx.get(f"{server.url}/api/health", timeout=60).status_code == 200
        assert httpx.get(f"{server.url}/", timeout=60).status_code == 200
    finally:
        server.stop()


def test_health_stays_up_during_a_slow_client_attack(tmp_path: Path) -> None:
    """700 connections that send half a request's headers and wait, under a limit of 640 open
    files (so at most 128 connections): the oldest half-open ones are closed to admit new ones
    (real clients among them, so a health check tries again once, and at most 1 in 20 fails
    twice), slow headers are cut after the deadline, and the log stays small."""
    server = serve(tmp_path, "--max-header-seconds", "3", open_files=640)
    port = int(server.url.rsplit(":", 1)[1])
    attacker = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("slow_clients.py")), str(port), "700"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    times: list[float] = []
    retried: list[str] = []
    failures: list[str] = []
    try:
        # the attack in full swing: more connections than open files
        ready = threading.Thread(target=attacker.stdout.readline, daemon=True)  # type: ignore[union-attr]
        ready.start()
        ready.join(30)
        assert not ready.is_alive() and attacker.poll() is None, "the attack never held 700 connections"
        deadline = time.monotonic() + 8  # past the 3 s header deadline, some 60 probes
        while time.monotonic() < deadline:
            # A probe is a health check that tries again once when its connection is closed
            # before an answer, as a load balancer's does: the server closes the oldest
            # half-open connections to admit new ones, and a probe not yet read is one of them.
            for attempt in (1, 2):
                started = time.perf_counter()
                try:
                    assert httpx.get(f"{server.url}/api/health", timeout=5).status_code == 200
                    times.append(time.perf_counter() - started)
                    break
                except httpx.TransportError as error:
                    (retried if attempt == 1 else failures).append(type(error).__name__)
            time.sleep(0.1)
    finally:
        attacker.stdin.close()  # type: ignore[union-attr]
        attacker.wait(30)
        server.stop()
    assert len(failures) <= len(times) // 20, (failures, retried, len(times))
    assert len(retried) <= len(times) // 4, (retried, len(times))
    assert statistics.median(times) < PROMPT, times
    log = server.output
    assert "Too many open files" not in log
    assert len(log) < 100_000, f"the log grew to {len(log)} bytes"
    assert "the limit max_connections=" in log  # the cap did its work, and said so


def test_redirects_stay_on_this_server_and_the_token_stays_out_of_the_log(tmp_path: Path) -> None:
    server = serve(tmp_path, "--token", "class-token-42")
    try:
        for path, location in (
            ("//other-host/landed.html", "/other-host/landed.html"),
            ("/%5Cother-host/landed.html", "/other-host/landed.html"),
            ("/%E2%82%AC", "/%E2%82%AC"),
            ("/lessons?x=1", "/lessons?x=1"),
        ):
            url = f"{server.url}{path}{'&' if '?' in path else '?'}token=class-token-42"
            response = httpx.get(url)
            assert response.status_code == 303, (path, response.text)
            assert response.headers["location"] == location
        assert httpx.get(f"{server.url}/api/catalog", params={"token": "class-token-42"}).status_code == 200
    finally:
        server.stop()
    # The banner prints the address to open, token included, for the one who started it; the
    # access log names every request and none of their tokens.
    requests = [line for line in server.output.splitlines() if '"GET ' in line]
    assert sum("token=…" in line for line in requests) == 5, requests
    assert not any("class-token-42" in line for line in requests)


def test_an_unexpected_error_is_a_json_500_with_the_usual_headers(tmp_path: Path) -> None:
    db = tmp_path / "broken.db"
    server = serve(tmp_path, db=db)
    try:
        net = httpx.post(f"{server.url}/api/networks", json=stalls.SMALL).json()["id"]
        with sqlite3.connect(db) as conn:  # a row no code wrote: its state is not JSON
            conn.execute("UPDATE networks SET state = '{' WHERE id = ?", (net,))
        for method, path in (("GET", f"/api/networks/{net}"), ("POST", f"/api/networks/{net}/step")):
            response = httpx.request(method, f"{server.url}{path}", json={} if method == "POST" else None)
            assert response.status_code == 500
            assert response.headers["content-type"] == "application/json"
            assert response.json() == {
                "detail": "internal error: the server could not answer this request (its log says why)",
                "code": "internal_error",
            }
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            assert response.headers["x-content-type-options"] == "nosniff"
        assert httpx.get(f"{server.url}/api/health").status_code == 200  # and it carries on
    finally:
        server.stop()
    assert "JSONDecodeError" in server.output  # the traceback is in the log


def disk_bytes(folder: Path) -> int:
    stat = os.statvfs(folder)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize


def rows_of_their_own(k: int) -> dict:
    """A network with 2,000 data rows no other network shares (shared rows are stored once)."""
    rows = [[i / 100, k + (i % 7) / 7] for i in range(2_000)]
    return {"layers": [2, 4, 1], "data": {"inputs": rows, "targets": [[r[0]] for r in rows]}}


def test_delete_frees_space_on_a_full_disk(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "12m") as disk:
        server = serve(tmp_path, db=disk / "networks.db")
        try:
            kept: list[str] = []
            while True:
                response = httpx.post(
                    f"{server.url}/api/networks", json=rows_of_their_own(len(kept)), timeout=60
                )
                if response.status_code != 201:
                    break
                kept.append(response.json()["id"])
                assert len(kept) < 500
            assert response.status_code == 503 and "full" in response.json()["detail"]
            full = disk_bytes(disk)
            for network_id in kept[:3]:
                assert httpx.delete(f"{server.url}/api/networks/{network_id}", timeout=60).status_code == 204
            assert disk_bytes(disk) < full  # the space went back to the disk
            again = httpx.post(f"{server.url}/api/networks", json=rows_of_their_own(-1), timeout=60)
            assert again.status_code == 201
            assert httpx.get(f"{server.url}/api/networks/{kept[-1]}").status_code == 200
        finally:
            server.stop()


def test_expired_networks_give_their_disk_space_back(tmp_path: Path) -> None:
    db = tmp_path / "expiry.db"
    server = serve(tmp_path, "--expire-idle-seconds", "2", db=db)
    try:
        url = f"{server.url}/api/networks"
        ids = [httpx.post(url, json=rows_of_their_own(k), timeout=60).json()["id"] for k in range(5)]
        httpx.post(f"{server.url}/api/networks/{ids[0]}/train", json={"epochs": 20}, timeout=60)
        files = [db, Path(f"{db}-wal")]
        before = sum(f.stat().st_size for f in files if f.exists())
        time.sleep(2.5)
        fresh = httpx.post(f"{server.url}/api/networks", json=stalls.SMALL).json()["id"]  # sweeps first
        assert all(httpx.get(f"{server.url}/api/networks/{i}").status_code == 404 for i in ids)
        assert httpx.get(f"{server.url}/api/networks/{fresh}").status_code == 200
        after = sum(f.stat().st_size for f in files if f.exists())
        assert after < before / 2, (before, after)
    finally:
        server.stop()


def test_behind_a_tls_proxy_the_pages_own_changes_pass(tmp_path: Path) -> None:
    """What docs/classroom.md's proxy setup sends: the public name in Host, https in
    X-Forwarded-Proto; the page's https origin is then the server's own."""
    server = serve(tmp_path, "--token", "class-token-42", "--allow-host", "class.example.org")
    try:
        proxied = {
            "Host": "class.example.org",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
            "Origin": "https://class.example.org",
            "Authorization": "Bearer class-token-42",
        }
        url = f"{server.url}/api/networks"
        assert httpx.post(url, json=stalls.SMALL, headers=proxied).status_code == 201
        plain = {k: v for k, v in proxied.items() if k != "X-Forwarded-Proto"}
        refused = httpx.post(url, json=stalls.SMALL, headers=plain)
        assert refused.status_code == 403 and "https://class.example.org" in refused.json()["detail"]
    finally:
        server.stop()


def test_slow_headers_and_bodies_are_cut_off(tmp_path: Path) -> None:
    server = serve(tmp_path, "--max-header-seconds", "2", "--max-body-seconds", "2")
    port = int(server.url.rsplit(":", 1)[1])
    try:
        # Half a request's headers, then nothing: the connection is closed after the deadline.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
            slow.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            started = time.monotonic()
            assert slow.recv(1024) == b""  # closed, with no answer
            assert 1.5 < time.monotonic() - started < 6
        # Whole headers, a tenth of the body announced, then nothing: 408 after the deadline.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
            slow.sendall(
                b"POST /api/networks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"layers":'
            )
            started = time.monotonic()
            answer = b""
            while b"}" not in answer:
                chunk = slow.recv(4096)
                if not chunk:
                    break
                answer += chunk
            assert 1.5 < time.monotonic() - started < 6
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408")
        assert b"max_body_seconds=2" in body and json.loads(body)["code"] == "body_timeout"
        # Meanwhile, and after, everyone else is served.
        assert httpx.get(f"{server.url}/api/health", timeout=5).status_code == 200
        assert httpx.get(f"{server.url}/api/networks").json()["total"] == 0  # nothing was created
    finally:
        server.stop()
