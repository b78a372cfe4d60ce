"""App servers that share nothing but a PostgreSQL URL, as on several hosts: each started in a
folder of its own (no lock file, no database file, no home in common), real uvicorn processes.
Many clients step one network through both; a server killed with SIGKILL mid-run loses no
acknowledged update, applies none twice, leaves no lock behind, and the database checks sound.
Behind one reverse proxy, a browser is one owner with one class token on every server."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import ROOT, LiveServer, start_server
from tests.postgres import Cluster

from .conftest import MOONS
from .proxy import Proxy

CLIENTS, STEPS_PER_CLIENT = 16, 20


def host(url: str, folder: Path, settings: dict[str, str] | None = None) -> LiveServer:
    """A server in its own folder (its working directory and home), on the database ``url``;
    ``settings``: more of its environment."""
    folder.mkdir(exist_ok=True)
    env = {"HOME": str(folder), "XDG_DATA_HOME": str(folder / "data"), **(settings or {})}
    return start_server(url, cwd=folder, env=env, timeout=60)


class Steps:
    """What the clients saw: each acknowledged update's step number and loss, and the requests
    that got no answer (sent to a server that died)."""

    def __init__(self) -> None:
        self.acknowledged: dict[int, float] = {}
        self.duplicates: list[int] = []
        self.unanswered = 0
        self.other: list[tuple[int, str]] = []
        self.guard = threading.Lock()

    def record(self, response: httpx.Response) -> None:
        with self.guard:
            if response.status_code != 200:
                self.other.append((response.status_code, response.text[:200]))
                return
            update = response.json()
            step = update["update"]["step"]
            if step in self.acknowledged:
                self.duplicates.append(step)
            self.acknowledged[step] = update["loss"]["loss"]

    @property
    def count(self) -> int:
        with self.guard:
            return len(self.acknowledged)


def step_through(servers: Callable[[], list[str]], network_id: str, steps: Steps, wanted: int) -> None:
    """One client: step the network until ``wanted`` of its steps were acknowledged, through the
    servers up now in turn; a request a server died under counts as unanswered and is sent again."""
    done, turn = 0, 0
    with httpx.Client(timeout=60) as client:
        while done < wanted:
            up = servers()
            base = up[turn % len(up)]
            turn += 1
            try:
                response = client.post(f"{base}/api/networks/{network_id}/step", json={})
            except httpx.TransportError:
                with steps.guard:
                    steps.unanswered += 1
                continue
            steps.record(response)
            done += response.status_code == 200


def stored_steps(base: str, network_id: str) -> tuple[int, list[dict]]:
    with httpx.Client(base_url=base, timeout=60) as client:
        network = client.get(f"/api/networks/{network_id}").json()
        history = client.get(f"/api/networks/{network_id}/history").json()["steps"]
    return network["step"], history


def db_check(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backprop_explorer.app.cli", "db", "check", url],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_two_hosts_on_one_database_lose_no_step(postgres_cluster: Cluster, tmp_path: Path) -> None:
    url = postgres_cluster.create_database()
    first, second = host(url, tmp_path / "a"), host(url, tmp_path / "b")
    try:
        network_id = httpx.post(f"{first}/api/networks", json=MOONS, timeout=60).json()["id"]
        steps = Steps()
        bases = [first.url, second.url]
        # Each client starts on a different server and alternates.
        threads = [
            threading.Thread(
                target=step_through,
                args=(lambda n=n: [bases[n % 2], bases[1 - n % 2]], network_id, steps, STEPS_PER_CLIENT),
            )
            for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        total = CLIENTS * STEPS_PER_CLIENT
        assert steps.other == [] and steps.unanswered == 0 and steps.duplicates == []
        assert sorted(steps.acknowledged) == list(range(1, total + 1))
        for base in bases:  # both servers read the same network
            stored, history = stored_steps(base, network_id)
            assert stored == total
            assert {s["step"]: s["loss"] for s in history} == steps.acknowledged
    finally:
        first.stop()
        second.stop()
    assert db_check(url).returncode == 0


def test_a_killed_host_loses_no_acknowledged_step(postgres_cluster: Cluster, tmp_path: Path) -> None:
    url = postgres_cluster.create_database()
    folders = tmp_path / "a", tmp_path / "b"
    first, second = host(url, folders[0]), host(url, folders[1])
    up = [first.url, second.url]
    guard = threading.Lock()

    def servers() -> list[str]:
        with guard:
            return list(up)

    restarted: LiveServer | None = None
    try:
        network_id = httpx.post(f"{first}/api/networks", json=MOONS, timeout=60).json()["id"]
        steps = Steps()
        threads = [
            threading.Thread(target=step_through, args=(servers, network_id, steps, STEPS_PER_CLIENT))
            for _ in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        wait_until(lambda: steps.count >= 60)
        first.stop(signal.SIGKILL)  # mid-run: the clients are stepping through it
        with guard:
            up.remove(first.url)
        wait_until(lambda: steps.count >= 160)  # the other server carries on alone
        restarted = host(url, folders[0])
        with guard:
            up.append(restarted.url)
        for thread in threads:
            thread.join()
        total = CLIENTS * STEPS_PER_CLIENT
        assert first.process.returncode == -signal.SIGKILL
        # Every answer was 200 (no 409 from a lock the killed server left held, no 5xx), none
        # twice; only requests the killed server never answered are unaccounted for.
        assert steps.other == [] and steps.duplicates == [] and len(steps.acknowledged) == total
        for base in (second.url, restarted.url):
            stored, history = stored_steps(base, network_id)
            # Each update stored once, in order: the acknowledged ones with the losses their
            # answers gave, plus at most the ones committed just before their server died.
            assert [s["step"] for s in history] == list(range(1, stored + 1))
            assert total <= stored <= total + steps.unanswered
            losses = {s["step"]: s["loss"] for s in history}
            assert {step: losses[step] for step in steps.acknowledged} == steps.acknowledged
    finally:
        for server in (first, second, restarted):
            if server is not None:
                server.stop()
    checked = db_check(url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "sound (1 networks" in checked.stdout


def wait_until(condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the clients made no progress"
        time.sleep(0.02)


def test_the_servers_ride_out_a_database_restart(postgres_cluster: Cluster, tmp_path: Path) -> None:
    """While PostgreSQL is down, requests that need it answer 503 saying so (health still
    answers); once it is back, every request succeeds: no pooled connection to the old server
    is handed out."""
    url = postgres_cluster.create_database()
    server = host(url, tmp_path / "a")
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            network_id = client.post("/api/networks", json=MOONS).json()["id"]
            for _ in range(8):  # several pooled connections, all open
                assert client.post(f"/api/networks/{network_id}/step", json={}).status_code == 200
            postgres_cluster.halt()
            try:
                down = client.post(f"/api/networks/{network_id}/step", json={})
                assert client.get("/api/health").status_code == 200
            finally:
                postgres_cluster.resume()
            assert down.status_code == 503 and down.headers["retry-after"] == "5"
            assert down.json()["code"] == "storage_unavailable"
            assert down.json()["detail"].startswith(
                "the server cannot save or read networks now: the database server cannot be reached"
            )
            statuses = [
                client.post(f"/api/networks/{network_id}/step", json={}).status_code for _ in range(8)
            ]
            assert statuses == [200] * 8
            assert client.get(f"/api/networks/{network_id}").json()["step"] == 16
    finally:
        server.stop()


CLASS_TOKEN, TEACHER_TOKEN = "class-token-0123456789abcdef", "teacher-token-0123456789abcdef"


def test_behind_one_proxy_a_browser_is_one_owner_on_every_server(
    postgres_cluster: Cluster, tmp_path: Path
) -> None:
    """Two app servers on other ports than the proxy's, each request sent to the next one: the
    token and owner cookies a page load sets are named by the address the browser used, so
    every server reads them, and a learner's requests reach their own networks wherever they
    land (another learner's stay hidden)."""
    url = postgres_cluster.create_database()
    tokens = {"BACKPROP_EXPLORER_TOKEN": CLASS_TOKEN, "BACKPROP_EXPLORER_TEACHER_TOKEN": TEACHER_TOKEN}
    first, second = host(url, tmp_path / "a", tokens), host(url, tmp_path / "b", tokens)
    proxy = Proxy([first.url, second.url], "")
    try:
        same_origin = {"Origin": proxy.url}  # what a browser sends with the page's changes
        with (
            httpx.Client(base_url=proxy.url, timeout=60, headers=same_origin) as browser,
            httpx.Client(base_url=proxy.url, timeout=60, headers=same_origin) as classmate,
        ):
            for learner in (browser, classmate):
                opened = learner.get("/", params={"token": CLASS_TOKEN})  # the printed address
                assert opened.status_code == 303 and opened.headers["location"] == "/"
                assert learner.get("/").status_code == 200  # the page: the owner cookie
            port = proxy.url.rsplit(":", 1)[1]
            assert sorted(c.name for c in browser.cookies.jar) == [
                f"backprop_explorer_owner_{port}", f"backprop_explorer_token_{port}",
            ]  # fmt: skip
            created = browser.post("/api/networks", json=MOONS)
            assert created.status_code == 201, created.text
            network_id = created.json()["id"]
            steps = [browser.post(f"/api/networks/{network_id}/step", json={}) for _ in range(6)]
            assert [r.status_code for r in steps] == [200] * 6, [r.text for r in steps]
            assert [r.json()["update"]["step"] for r in steps] == list(range(1, 7))
            for _ in range(2):  # once through each server
                mine = browser.get("/api/networks").json()
                assert [n["id"] for n in mine["networks"]] == [network_id]
                assert classmate.get(f"/api/networks/{network_id}").status_code == 404
                assert classmate.get("/api/networks").json()["total"] == 0
            assert "set-cookie" not in browser.get("/").headers  # no second owner made
        assert min(proxy.served.values()) >= 8, proxy.served
    finally:
        proxy.close()
        first.stop()
        second.stop()
