"""This project's ``/train`` against TensorFlow Playground's engine, the same training side by side.

Playground's engine is its ``src/nn.ts`` (github.com/tensorflow/playground, Apache-2.0). This
repository carries none of it: pass the path of a copy, which the benchmark compiles with
TypeScript from npm into ``bench/.playground/`` (git-ignored) and runs in node through
``bench/playground_driver.js``. No npm package ships nn.ts, so the path is required::

    git clone --depth 1 https://github.com/tensorflow/playground /tmp/playground
    python bench/bench_playground.py --nn-ts /tmp/playground/src/nn.ts

The work, at 2-W-W-1 for W = 8, 32 and 64: tanh in every layer (Playground's output for
classification), the square error ½ (a − y)², plain SGD at η = 0.03 (Playground's default),
batch 10, the same 1,000 ``circles`` samples, 40 epochs, each epoch closed by the mean loss
over the training data. Playground's side is timed inside node (building the network and
training it: no process start, no compile, its JIT warmed by a discarded round); this
project's is the wall-clock time of one ``POST /api/networks/{id}/train`` to a real uvicorn
server on loopback (HTTP, JSON, the engine, the timeline's snapshots and the SQLite commit).
Rounds alternate the two sides and their order, so load from other processes hits both alike;
the figure that counts is the median of the rounds' ratios (Playground's time ÷ ours: above
1 means this project is faster). CPU time is printed beside it as a cross-check that other
processes disturb less: node's own, against the server's threads' and the client's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_explorer import engine  # noqa: E402
from tests.conftest import LiveServer, start_server  # noqa: E402

WORK = ROOT / "bench" / ".playground"  # git-ignored: TypeScript, the compiled nn.js
DRIVER = ROOT / "bench" / "playground_driver.js"
TYPESCRIPT = "typescript@5.9.3"
N, BATCH, EPOCHS, LEARNING_RATE = 1000, 10, 40, 0.03
DATA = {"generator": "circles", "n": N, "noise": 0.1, "seed": 1}


def compile_nn(nn_ts: Path) -> Path:
    """nn.ts compiled to CommonJS with TypeScript from npm (installed once into WORK)."""
    tsc = WORK / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(WORK), "--no-audit", "--no-fund", "--silent", TYPESCRIPT],
            check=True,
        )
    source = WORK / "nn.ts"
    shutil.copyfile(nn_ts, source)
    out = WORK / "out"
    subprocess.run(
        [str(tsc), "--target", "ES2019", "--module", "commonjs", "--outDir", str(out), str(source)],
        check=True,
    )
    return out / "nn.js"


class Playground:
    """A node process running the driver; each :meth:`train` is one round in it."""

    def __init__(self, nn_js: Path, data_json: Path) -> None:
        self.process = subprocess.Popen(
            ["node", str(DRIVER), str(nn_js), str(data_json)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def train(self, width: int) -> tuple[float, float, float]:
        """Seconds to build and train a 2-width-width-1 network (wall-clock and node's CPU
        time), and its last epoch's loss."""
        assert self.process.stdin is not None and self.process.stdout is not None
        request = {"width": width, "epochs": EPOCHS, "batch": BATCH, "learning_rate": LEARNING_RATE}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the Playground driver exited")
        answer = json.loads(line)
        return answer["ms"] / 1000, answer["cpu_ms"] / 1000, answer["loss"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of process ``pid`` so far (Linux: the scheduler's nanosecond
    counts, where the process's own clock ticks are 10 ms)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended meanwhile
    return total / 1e9


def api_train(client: httpx.Client, server: LiveServer, width: int) -> tuple[float, float, float]:
    """Seconds of one ``/train`` of a fresh 2-width-width-1 network (wall-clock at the client;
    CPU time of the server and the client), and its last epoch's loss."""
    spec = {
        "layers": [2, width, width, 1],
        "activations": ["tanh", "tanh", "tanh"],
        "loss": "half_sse",
        "learning_rate": LEARNING_RATE,
        "data": DATA,
        "batch_size": BATCH,
        "validation_split": 0.0,
        "seed": 0,
    }
    created = client.post("/api/networks", json=spec)
    assert created.status_code == 201, created.text
    url = f"/api/networks/{created.json()['id']}"
    cpu_before, client_before = cpu_seconds(server.process.pid), time.process_time()
    started = time.perf_counter()
    response = client.post(f"{url}/train", json={"epochs": EPOCHS})
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(server.process.pid) - cpu_before + time.process_time() - client_before
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["epochs_run"] == EPOCHS and body["diverged"] is None, body
    client.delete(url).raise_for_status()
    return elapsed, cpu, body["history"][-1]["train_loss"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nn-ts", type=Path, required=True, help="a copy of Playground's src/nn.ts")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per width (default 7)")
    parser.add_argument("--widths", type=int, nargs="+", default=[8, 32, 64])
    args = parser.parse_args()
    if shutil.which("node") is None or shutil.which("npm") is None:
        sys.exit("bench_playground: needs node and npm (Debian: apt-get install nodejs npm)")
    nn_js = compile_nn(args.nn_ts)
    rng = np.random.default_rng(DATA["seed"])
    dataset = engine.generate(DATA["generator"], rng, n=N, noise=DATA["noise"])
    with tempfile.TemporaryDirectory() as tmp:
        data_json = Path(tmp) / "data.json"
        data_json.write_text(json.dumps({"inputs": dataset.X.tolist(), "targets": dataset.Y[:, 0].tolist()}))
        server = start_server(Path(tmp) / "bench.db")
        playground = Playground(nn_js, data_json)
        try:
            with httpx.Client(base_url=server.url, timeout=600) as client:
                run(playground, lambda width: api_train(client, server, width), args.widths, args.rounds)
        finally:
            playground.close()
            server.stop()


Side = Callable[[int], tuple[float, float, float]]  # width -> (wall s, CPU s, last loss)


def run(playground: Playground, api: Side, widths: list[int], rounds: int) -> None:
    for width in widths:  # warm-up: node's JIT, the server's imports and caches
        playground.train(width)
        api(width)
    sides: list[tuple[str, Side]] = [("playground", playground.train), ("api", api)]
    wall: dict[str, dict[int, list[float]]] = {name: {w: [] for w in widths} for name, _ in sides}
    cpu: dict[str, dict[int, list[float]]] = {name: {w: [] for w in widths} for name, _ in sides}
    losses: dict[str, dict[int, float]] = {name: {} for name, _ in sides}
    for r in range(rounds):
        for width in widths:
            for name, side in sides if r % 2 == 0 else sides[::-1]:
                seconds, cpu_seconds, loss = side(width)
                wall[name][width].append(seconds)
                cpu[name][width].append(cpu_seconds)
                losses[name][width] = loss
    print(
        f"{EPOCHS} epochs of {N} samples, batch {BATCH}, tanh, square error, SGD η = {LEARNING_RATE}; "
        f"{rounds} interleaved rounds (medians; ratios: Playground ÷ this project)"
    )
    print(
        f"{'network':>10}  {'Playground':>10}  {'/train':>8}  {'ratio [min–max]':>20}  "
        f"{'CPU: Playground':>15}  {'/train':>8}  {'ratio [min–max]':>20}  last loss"
    )
    for width in widths:
        cells = []
        for times in (wall, cpu):
            theirs, ours = times["playground"][width], times["api"][width]
            ratios = sorted(t / o for t, o in zip(theirs, ours))
            cells.append(
                f"{statistics.median(theirs) * 1e3:7.1f} ms  {statistics.median(ours) * 1e3:5.1f} ms  "
                f"{statistics.median(ratios):6.2f}x [{ratios[0]:.2f}–{ratios[-1]:.2f}]"
            )
        print(
            f"{f'2-{width}-{width}-1':>10}  {cells[0]}  {cells[1]:>57}  "
            f"{losses['playground'][width]:.4f}, {losses['api'][width]:.4f}"
        )
    print("above 1: this project is faster. Wall-clock ratios are the comparison; CPU time, which")
    print("other processes on the machine disturb less, is the cross-check.")


if __name__ == "__main__":
    main()
