"""A class of learners against real servers: how many one machine serves, and what several
servers on PostgreSQL change.

Each simulated learner opens the page (its own owner, a 2-8-8-1 network on 1,000 moons), then
until the run ends picks, as a class does, one of: stepping through phases (forward, loss,
backward, update, each followed by the page's refresh of the history and, after an update,
the boundary: a 40 × 40 predict map), reading a few seconds between phases; Play (train
calls of about half a second each, as the page sizes them, each followed by a 24 × 24 map and
the history, for a few seconds), then a pause; a lesson walk (start, each step's action and
its text rendered, reading between). Think times are random (seeded). At the end every
network a learner changed is read back: a lost update is an acknowledged step the store
does not have.

Three set-ups, each on a fresh database: (a) one process on SQLite, (b) ``--workers 2`` on
SQLite, (c) two server processes on PostgreSQL (a throwaway cluster with PostgreSQL's own
settings, durable commits), the learners' requests alternating between them as behind a
round-robin proxy. For each N it prints requests per second, epochs trained per second, the
CPU the servers (and the database) used per learner, errors (any answer but 2xx, or none),
lost updates, p50/p95/p99 per operation, and the N where the p95 of the interactive
requests (all but train, whose length Play chooses) crosses 200 ms.

    python bench/bench_class.py [--learners 50,150,300] [--seconds 60] [--setups a,b,c]

The full run takes about 3 × 3 × (seconds + ~20 s) (about 12 minutes at the defaults) and two
cores to itself; a smoke run: ``--learners 5,10 --seconds 10``. Not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_explorer.app.lessons import LESSONS  # noqa: E402
from backprop_explorer.app.lessons.runner import remember, request_for, step_reads  # noqa: E402

from tests.conftest import LiveServer, start_server  # noqa: E402
from tests.postgres import Cluster  # noqa: E402

SPEC = {
    "layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"], "loss": "bce",
    "learning_rate": 0.1, "batch_size": 10, "validation_split": 0.2,
    "data": {"generator": "moons", "n": 1000, "noise": 0.2, "seed": 1},
}  # fmt: skip
GRID, PLAY_GRID = 40, 24  # the page's boundary maps (static/js/play-pace.js)
INTERACTIVE_LIMIT = 0.2  # seconds: the p95 a learner should not notice
PHASES = ("forward", "loss", "backward", "update")


def next_chunk(elapsed: float, epochs_run: int) -> int:
    """Epochs for Play's next call: about half a second of training, 1 to 50 (play-pace.js)."""
    per_epoch = 1000 * elapsed / max(1, epochs_run)
    return max(1, min(50, round(500 / max(1.0, per_epoch))))


@dataclass
class Tally:
    """What every learner of one run saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    epochs: int = 0
    acknowledged: dict[tuple[str, str], int] = field(default_factory=dict)  # (base, network) → step

    def failed(self, op: str, what: str) -> None:
        self.errors[op] += 1
        if len(self.examples) < 5:
            self.examples.append(f"{op}: {what[:160]}")


class Learner:
    def __init__(self, number: int, clients: list[httpx.AsyncClient], tally: Tally, deadline: float) -> None:
        self.clients, self.tally, self.deadline = clients, tally, deadline
        self.random = random.Random(number)
        self.headers = {"X-Owner-Key": f"learner-{number:04d}-{secrets.token_hex(8)}"}
        self.turn = number

    async def call(self, op: str, method: str, path: str, body: Any = None) -> Any:
        """One request, timed under ``op``, through the next server in turn; its JSON, or None
        after an error (counted)."""
        client = self.clients[self.turn % len(self.clients)]
        self.turn += 1
        started = time.perf_counter()
        try:
            response = await client.request(method, path, json=body, headers=self.headers)
        except httpx.HTTPError as exc:
            self.tally.failed(op, f"{type(exc).__name__} {exc}")
            return None
        self.tally.latencies[op].append(time.perf_counter() - started)
        if not response.is_success:
            self.tally.failed(op, f"{response.status_code} {response.text}")
            return None
        answer = (
            response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        )
        self.note_step(path, answer)
        return answer

    def note_step(self, path: str, answer: Any) -> None:
        """The step an acknowledged answer says its network reached."""
        if not isinstance(answer, dict) or not path.startswith("/api/networks/"):
            return
        network = answer.get("network") if isinstance(answer.get("network"), dict) else answer
        step = (answer.get("update") or {}).get("step") if isinstance(answer.get("update"), dict) else None
        step = step if step is not None else network.get("step")
        network_id = path.split("/")[3]
        if isinstance(step, int) and network_id:
            self.tally.acknowledged[(self.headers["X-Owner-Key"], network_id)] = step

    async def think(self, low: float, high: float) -> None:
        await asyncio.sleep(min(self.random.uniform(low, high), max(0.0, self.deadline - time.monotonic())))

    async def run(self, start_within: float) -> None:
        await asyncio.sleep(self.random.uniform(0, start_within))  # a class arrives over a few seconds
        await self.call("page", "GET", "/")
        await self.call("catalog", "GET", "/api/catalog")
        network = await self.call("create", "POST", "/api/networks?scratch=true", SPEC)
        if network is None:
            return
        net = f"/api/networks/{network['id']}"
        await self.call(
            "predict_map", "POST", f"{net}/predict", {"grid": {"resolution": GRID}, "maps": "uint8"}
        )
        while time.monotonic() < self.deadline:
            choice = self.random.random()
            if choice < 0.4:
                await self.phases(net)
            elif choice < 0.75:
                await self.play(net)
            else:
                await self.lesson()
            await self.think(2, 6)

    async def phases(self, net: str) -> None:
        for _ in range(self.random.randint(1, 3)):
            for phase in PHASES:
                if time.monotonic() >= self.deadline:
                    return
                if await self.call(phase, "POST", f"{net}/{phase}", {}) is None:
                    return
                await self.call("history", "GET", f"{net}/history?since_step=0")
                if phase == "update":
                    await self.call(
                        "predict_map",
                        "POST",
                        f"{net}/predict",
                        {"grid": {"resolution": GRID}, "maps": "uint8"},
                    )
                await self.think(1, 4)

    async def play(self, net: str) -> None:
        until = min(self.deadline, time.monotonic() + self.random.uniform(3, 10))
        chunk = 1
        while time.monotonic() < until:
            started = time.perf_counter()
            trained = await self.call("train", "POST", f"{net}/train", {"epochs": chunk})
            if trained is None:
                return
            self.tally.epochs += trained["epochs_run"]
            chunk = next_chunk(time.perf_counter() - started, trained["epochs_run"])
            await self.call(
                "predict_map", "POST", f"{net}/predict", {"grid": {"resolution": PLAY_GRID}, "maps": "uint8"}
            )
            await self.call("history", "GET", f"{net}/history?since_step=0")

    async def lesson(self) -> None:
        await self.call("lesson", "GET", "/api/lessons")
        lesson = LESSONS[self.random.choice(sorted(LESSONS))]
        await self.call("lesson", "GET", f"/api/lessons/{lesson.id}")
        network = await self.call("lesson_start", "POST", f"/api/lessons/{lesson.id}/start")
        if network is None:
            return
        context: dict[str, Any] = {"network": network}
        for index, step in enumerate(lesson.steps[: self.random.randint(3, 8)]):
            if time.monotonic() >= self.deadline:
                return
            request = request_for(step, network["id"])
            if request is not None:
                answer = await self.call("lesson_action", request[0], request[1], request[2])
                if answer is None:
                    return
                remember(context, step, answer)
            read = {path[0] for path in step_reads(step)}  # what the page sends: what the text reads
            body = {
                "context": {key: value for key, value in context.items() if key in read},
                "stage": "after",
            }
            await self.call("lesson_render", "POST", f"/api/lessons/{lesson.id}/steps/{index}/render", body)
            await self.think(2, 6)


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds (user + system) of the processes ``roots`` and all their descendants now."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    wanted, frontier = set(roots), list(roots)
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in wanted:
                wanted.add(child)
                frontier.append(child)
    return sum(times.get(pid, 0.0) for pid in wanted)


@dataclass
class Setup:
    name: str
    bases: list[str]
    pids: list[int]


@contextmanager
def setup(kind: str, folder: Path) -> Iterator[Setup]:
    servers: list[LiveServer] = []
    cluster = None
    try:
        if kind == "a":
            servers.append(start_server(folder / "class.db", timeout=120))
            name = "(a) one process, SQLite"
        elif kind == "b":
            servers.append(
                start_server(
                    folder / "class.db", args=("--workers", "2"), timeout=120,
                    ready=lambda s: s.output.count("Application startup complete") >= 2,
                )
            )  # fmt: skip
            name = "(b) --workers 2, SQLite"
        else:
            cluster = Cluster(durable=True).start()
            url = cluster.create_database("bench")
            for host in ("host-a", "host-b"):
                (folder / host).mkdir()
                servers.append(start_server(url, cwd=folder / host, timeout=120))
            name = "(c) two servers, PostgreSQL"
        for server in servers:
            warm(server.url)
        pids = [server.process.pid for server in servers]
        if cluster is not None:
            pids.append(int((cluster.data / "postmaster.pid").read_text().split()[0]))
        yield Setup(name, [server.url for server in servers], pids)
    finally:
        for server in servers:
            server.stop()
        if cluster is not None:
            cluster.stop()


def warm(base: str) -> None:
    """What a server does once (templates, first imports, the lessons) before it is timed."""
    with httpx.Client(base_url=base, timeout=120, headers={"X-Owner-Key": "warm-up-0123456789ab"}) as client:
        for _ in range(4):  # several: --workers spreads connections over its processes
            client.get("/")
            client.get("/api/catalog")
            client.get("/api/lessons")
            network = client.post("/api/networks", json=SPEC).json()["id"]
            client.post(f"/api/networks/{network}/train", json={"epochs": 1})
            client.post(
                f"/api/networks/{network}/predict", json={"grid": {"resolution": GRID}, "maps": "uint8"}
            )
            client.delete(f"/api/networks/{network}")


async def class_run(bases: list[str], learners: int, seconds: float) -> tuple[Tally, int]:
    """``learners`` learners for ``seconds``; the tally and the lost updates."""
    tally = Tally()
    # An idle connection is dropped after 2 s, before the servers' own 5 s keep-alive closes it:
    # a request sent on a connection the server is closing at that moment fails unanswered
    # (a browser sends it again on a new connection; httpx does not).
    limits = httpx.Limits(
        max_connections=learners + 10, max_keepalive_connections=learners + 10, keepalive_expiry=2
    )
    clients = [httpx.AsyncClient(base_url=base, timeout=120, limits=limits) for base in bases]
    try:
        deadline = time.monotonic() + seconds
        arrival = min(10.0, seconds / 6)
        await asyncio.gather(*(Learner(n, clients, tally, deadline).run(arrival) for n in range(learners)))
        lost = 0
        for (owner, network_id), step in tally.acknowledged.items():
            response = await clients[-1].get(f"/api/networks/{network_id}", headers={"X-Owner-Key": owner})
            stored = response.json().get("step", -1) if response.is_success else -1
            lost += max(0, step - stored)
    finally:
        for client in clients:
            await client.aclose()
    return tally, lost


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def crossing(rows: list[dict]) -> str:
    """Where the interactive p95 crosses the limit, by linear interpolation between the N run."""
    previous = None
    for row in rows:
        if row["p95_interactive"] > INTERACTIVE_LIMIT:
            if previous is None:
                return f"already above {1000 * INTERACTIVE_LIMIT:.0f} ms at N = {row['learners']}"
            n0, p0, n1, p1 = (
                previous["learners"],
                previous["p95_interactive"],
                row["learners"],
                row["p95_interactive"],
            )
            n = n0 + (n1 - n0) * (INTERACTIVE_LIMIT - p0) / (p1 - p0)
            return f"between N = {n0} and {n1}, at about N = {n:.0f}"
        previous = row
    return f"not within N = {rows[-1]['learners']}"


def measure(running: Setup, learners: int, seconds: float) -> dict:
    """One run of ``learners`` on ``running``: its figures."""
    cpu, own, started = tree_cpu(running.pids), time.process_time(), time.monotonic()
    tally, lost = asyncio.run(class_run(running.bases, learners, seconds))
    wall = time.monotonic() - started
    interactive = [t for op, times in tally.latencies.items() if op != "train" for t in times]
    return {
        "learners": learners,
        "seconds": wall,
        "requests": sum(len(t) for t in tally.latencies.values()) + sum(tally.errors.values()),
        "epochs": tally.epochs,
        "errors": sum(tally.errors.values()),
        "lost": lost,
        "p95_interactive": percentile(interactive, 95),
        "server_cpu": tree_cpu(running.pids) - cpu,
        "load_cpu": time.process_time() - own,
        "ops": {
            op: {
                "count": len(t),
                "p50": percentile(t, 50),
                "p95": percentile(t, 95),
                "p99": percentile(t, 99),
            }
            for op, t in sorted(tally.latencies.items())
        },
        "error_kinds": dict(tally.errors),
        "error_examples": tally.examples,
    }


def print_row(row: dict) -> None:
    wall, learners = row["seconds"], row["learners"]
    print(
        f"{learners:>6} {row['requests'] / wall:>7.1f} {row['epochs'] / wall:>9.0f} {row['errors']:>7}"
        f" {row['lost']:>5} {1000 * row['p95_interactive']:>13.0f} ms"
        f" {100 * row['server_cpu'] / wall / learners:>14.2f}% core {row['load_cpu'] / wall:>8.2f} cores",
        flush=True,
    )
    for example in row["error_examples"]:
        print(f"        error {example}", flush=True)


def print_summary(rows: list[dict]) -> None:
    print(
        "   per operation: p50 / p95 / p99 ms (count) at " + ", ".join(f"N = {r['learners']}" for r in rows)
    )
    for op in sorted({op for row in rows for op in row["ops"]}):
        cells = []
        for row in rows:
            o = row["ops"].get(op)
            ms = "—" if o is None else " / ".join(f"{1000 * o[q]:.0f}" for q in ("p50", "p95", "p99"))
            cells.append(ms if o is None else f"{ms} ({o['count']})")
        print(f"   {op:>14}: " + "   ".join(f"{c:>24}" for c in cells))
    print(f"   interactive p95 crosses {1000 * INTERACTIVE_LIMIT:.0f} ms: {crossing(rows)}")
    busiest = max(rows, key=lambda r: r["server_cpu"] / r["seconds"])
    per_learner = busiest["server_cpu"] / busiest["seconds"] / busiest["learners"]
    print(
        f"   server CPU per learner in this mix: {100 * per_learner:.2f}% of a core "
        f"(at N = {busiest['learners']}): about {1 / per_learner:.0f} learners per fully used core",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", default="50,150,300", help="comma-separated N")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each N runs")
    parser.add_argument("--setups", default="a,b,c", help="any of a, b, c")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    report: dict[str, list[dict]] = {}
    for kind in args.setups.split(","):
        rows = []
        with tempfile.TemporaryDirectory() as tmp, setup(kind, Path(tmp)) as running:
            print(f"\n{running.name} — {os.cpu_count()} cores; each N for {args.seconds:.0f} s", flush=True)
            print("     N   req/s  epochs/s  errors  lost  p95 interactive  server CPU/learner  load CPU")
            for learners in (int(n) for n in args.learners.split(",")):
                rows.append(measure(running, learners, args.seconds))
                print_row(rows[-1])
            print_summary(rows)
        report[running.name] = rows
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
