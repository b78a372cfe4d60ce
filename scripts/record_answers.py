"""Record the server's answers to a fixed, broad set of requests, to show a restructure changes
no number.

    python scripts/record_answers.py record answers-before.json
    ... change the code ...
    python scripts/record_answers.py record answers-after.json
    python scripts/record_answers.py compare answers-before.json answers-after.json [--allow-added]

``record`` starts a real uvicorn server on a fresh database and runs the same requests every
time: networks of several shapes, activations, losses, optimizers and data; every phase, the
step, epochs, training (with and without early stopping), predict (inputs, grid, maps, at a
snapshot), the gradient check, the landscape, the gradient shares, the timeline (list,
preview, rewind), PATCH, PUT parameters, reset, export and import, and a few refused requests.
Every answer (status and body) goes into the JSON file, in order, with each id replaced by a
stable name. ``compare`` reports the first difference, or how many values (numbers, strings,
booleans) agree; floats are compared bit for bit (``repr`` round-trips a float64 exactly).
``--allow-added`` accepts fields that only the second recording's answers have (and lists them).
"""

from __future__ import annotations

import json
import math
import re
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import start_server, stop_server  # noqa: E402

NETWORKS: dict[str, dict] = {
    "xor": {"layers": [2, 2, 1], "learning_rate": 0.5, "init": {"method": "xavier", "seed": 3}},
    "circles_bce_momentum": {
        "layers": [2, 4, 3, 1],
        "activations": ["tanh", "relu", "sigmoid"],
        "loss": "bce",
        "learning_rate": 0.3,
        "optimizer": {"name": "momentum", "beta": 0.8},
        "regularization": {"kind": "l2", "rate": 0.01},
        "data": {"generator": "circles", "n": 60, "noise": 0.1, "seed": 4},
        "batch_size": 10,
        "validation_split": 0.2,
        "seed": 5,
    },
    "spiral_softmax_adam": {
        "layers": [2, 5, 3],
        "activations": ["leaky_relu", "softmax"],
        "loss": "cross_entropy",
        "learning_rate": 0.05,
        "optimizer": {"name": "adam"},
        "regularization": {"kind": "l1", "rate": 0.002},
        "init": {"method": "he", "seed": 7},
        "data": {"generator": "spiral", "n": 90, "noise": 0.05, "seed": 2, "classes": 3},
        "batch_size": 16,
        "validation_split": 0.25,
    },
    "sine_mse_linear": {
        "layers": [1, 6, 1],
        "activations": ["tanh", "linear"],
        "loss": "mse",
        "learning_rate": 0.05,
        "init": {"method": "normal", "seed": 1, "scale": 0.5},
        "data": {"generator": "sine", "n": 40, "noise": 0.05, "seed": 9},
        "batch_size": 8,
    },
    "moons_features_frozen": {
        "layers": [4, 3, 1],
        "activations": ["sigmoid", "sigmoid"],
        "loss": "half_sse",
        "learning_rate": 0.8,
        "features": ["x1", "x2", "x1^2", "x1*x2"],
        "trainable": [{"weights": True, "biases": False}, {"weights": True, "biases": True}],
        "data": {"generator": "moons", "n": 50, "noise": 0.2, "seed": 6},
        "batch_size": 5,
        "validation_split": 0.1,
    },
    "arrays_softmax_half_sse": {
        "layers": [3, 4, 2],
        "activations": ["sigmoid", "softmax"],
        "loss": "half_sse",
        "learning_rate": 0.2,
        "data": {
            "inputs": [[0.1, 0.2, 0.3], [0.5, -0.2, 0.1], [-0.3, 0.8, 0.0], [0.9, 0.1, -0.5]],
            "targets": [[1, 0], [0, 1], [1, 0], [0, 1]],
        },
        "batch_size": 2,
    },
}


class Recorder:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.answers: list[dict] = []
        self.names: dict[str, str] = {}

    def name(self, real_id: str, name: str) -> None:
        """Call the network ``real_id`` ``<name>`` in paths and in the recording."""
        self.names[real_id] = f"<{name}>"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        for real, name in self.names.items():
            path = path.replace(name, real)
        response = self.client.request(method, path, json=body)
        try:
            answer: Any = response.json()
        except ValueError:
            answer = response.text
        self.answers.append({"request": f"{method} {path}", "status": response.status_code, "body": answer})
        return answer

    def recording(self) -> list[dict]:
        """The answers with every id replaced by its name."""
        return self._stable(self.answers)

    def _stable(self, value: Any) -> Any:
        if isinstance(value, str):
            for real, name in self.names.items():
                value = value.replace(real, name)
            return value
        if isinstance(value, list):
            return [self._stable(v) for v in value]
        if isinstance(value, dict):
            return {self._stable(k): self._stable(v) for k, v in value.items()}
        return value


def phases(r: Recorder, base: str, shares: list[dict]) -> None:
    """Every phase once, with the analysis that reads the step in progress."""
    r.call("POST", f"{base}/forward", {})
    r.call("POST", f"{base}/landscape", {"parameters": [shares[0]], "data": "batch", "points": 7})
    r.call("POST", f"{base}/gradient-shares", shares[0])  # 409: no backward yet
    r.call("POST", f"{base}/loss", {})
    r.call("POST", f"{base}/backward", {})
    for share in shares:
        r.call("POST", f"{base}/gradient-shares", share)
    r.call("POST", f"{base}/update", {})


def exercise(r: Recorder, name: str, spec: dict) -> None:
    created = r.call("POST", "/api/networks", spec)
    r.name(created["id"], name)
    base = f"/api/networks/<{name}>"
    last = len(spec["layers"]) - 1
    shares = [
        {"layer": 1, "name": "W", "index": [0, 0]},
        {"layer": last, "name": "b", "index": [0]},
        {"layer": last, "name": "W", "index": [0, 1]},
    ]
    r.call("GET", base)
    r.call("GET", f"{base}/data")
    phases(r, base, shares)
    for _ in range(3):
        r.call("POST", f"{base}/step", {})
    r.call("POST", f"{base}/epoch", {})
    r.call("POST", f"{base}/train", {"epochs": 4})
    r.call("POST", f"{base}/train", {"epochs": 30, "early_stopping": {"patience": 2, "min_delta": 0.001}})
    r.call("POST", f"{base}/step", {})
    r.call("POST", f"{base}/step", {})
    r.call("GET", f"{base}/history")
    r.call("GET", f"{base}/history?since_step=3")
    r.call("POST", f"{base}/gradcheck", {})
    r.call("POST", f"{base}/landscape", {"parameters": [shares[0]], "points": 9, "radius": 1.5})
    r.call("POST", f"{base}/landscape", {"parameters": shares[:2], "points": 5})
    snapshots = r.call("GET", f"{base}/snapshots")["snapshots"]
    epochs = [s for s in snapshots if s["kind"] == "epoch"]
    steps = [s for s in snapshots if s["kind"] == "step"]
    virtual = [
        s["step"] for s in snapshots if s["kind"] == "step" and s["step"] not in {x["step"] for x in steps}
    ]
    r.call("GET", f"{base}/snapshots/epoch/{epochs[1]['epoch']}")
    r.call("GET", f"{base}/snapshots/step/{steps[0]['step']}")
    for step in virtual[:2]:
        r.call("GET", f"{base}/snapshots/step/{step}")
    r.call("GET", f"{base}/snapshots/step/999999")  # 404 listing what exists
    n_in = spec["layers"][0]
    r.call("POST", f"{base}/predict", {"inputs": [[0.25] * n_in, [-0.5] * n_in]})
    if n_in == 2 or "features" in spec:
        r.call("POST", f"{base}/predict", {"grid": {"resolution": 7}})
        r.call("POST", f"{base}/predict", {"grid": {"resolution": 6}, "maps": "uint8"})
        r.call(
            "POST", f"{base}/predict", {"grid": {"resolution": 5}, "snapshot": {"epoch": epochs[1]["epoch"]}}
        )
    r.call("POST", f"{base}/predict", {"inputs": [[0.1] * n_in], "snapshot": {"step": steps[0]["step"]}})
    exported = r.call("GET", f"{base}/export")
    r.call("POST", f"{base}/rewind", {"epoch": epochs[1]["epoch"]})
    r.call("GET", f"{base}/snapshots")
    r.call("POST", f"{base}/epoch", {})
    r.call("PATCH", base, {"learning_rate": 0.07, "batch_size": 3})
    r.call("POST", f"{base}/step", {})
    r.call("PATCH", base, {"optimizer": {"name": "adam", "beta1": 0.8}})
    r.call("POST", f"{base}/train", {"epochs": 2})
    r.call("PATCH", base, {"optimizer": {"name": "sgd"}, "regularization": {"kind": "l2", "rate": 0.05}})
    r.call("POST", f"{base}/epoch", {})
    params = r.call("GET", base)["parameters"]
    params["weights"][0][0][0] = 0.125
    r.call("PUT", f"{base}/parameters", params)
    r.call(
        "POST",
        f"{base}/step",
        {"inputs": [[0.3] * n_in], "targets": [[1.0] + [0.0] * (spec["layers"][-1] - 1)]},
    )
    r.call("POST", f"{base}/forward", {"indices": [0, 1]})
    r.call("POST", f"{base}/loss", {})
    r.call("POST", f"{base}/backward", {})
    r.call("POST", f"{base}/gradient-shares", shares[-1])
    r.call("POST", f"{base}/update", {})
    r.call(
        "POST",
        f"{base}/gradcheck",
        {"inputs": [[0.2] * n_in], "targets": [[1.0] + [0.0] * (spec["layers"][-1] - 1)]},
    )
    r.call("GET", f"{base}/snapshots")
    imported = r.call("POST", "/api/networks/import", exported)
    r.name(imported["id"], f"{name}-imported")
    r.call("POST", f"/api/networks/<{name}-imported>/train", {"epochs": 2})
    r.call("GET", f"/api/networks/<{name}-imported>/history")
    r.call("POST", f"{base}/reset", {})
    r.call("POST", f"{base}/step", {})
    r.call("GET", f"{base}/snapshots")


def refusals(r: Recorder) -> None:
    """Answers to bad requests: their status and detail must not change either."""
    r.call("POST", "/api/networks", {"layers": [2, 0, 1]})
    r.call("POST", "/api/networks", {"layers": [2, 3, 1], "activations": ["softmax", "sigmoid"]})
    r.call("POST", "/api/networks/<xor>/loss", {})
    r.call("POST", "/api/networks/<xor>/backward", {})
    r.call(
        "POST", "/api/networks/<xor>/landscape", {"parameters": [{"layer": 5, "name": "W", "index": [0, 0]}]}
    )
    r.call("POST", "/api/networks/<xor>/gradient-shares", {"layer": 1, "name": "W", "index": [0, 0]})
    r.call("POST", "/api/networks/<xor>/rewind", {"step": 123456})
    r.call("GET", "/api/networks/nope")
    diverging = r.call(
        "POST",
        "/api/networks",
        {"layers": [2, 3, 1], "activations": ["linear", "linear"], "learning_rate": 900},
    )
    r.name(diverging["id"], "diverging")
    r.call("POST", "/api/networks/<diverging>/train", {"epochs": 50})
    r.call("POST", "/api/networks/<diverging>/epoch", {})
    spec = {"layers": [2, 3, 1], "learning_rate": 500, "optimizer": {"name": "momentum"}, "batch_size": 2}
    spec |= {"activations": ["relu", "linear"], "data": {"generator": "blobs", "n": 30, "seed": 3}}
    momentum = r.call("POST", "/api/networks", spec)
    r.name(momentum["id"], "diverging-momentum")
    r.call("POST", "/api/networks/<diverging-momentum>/train", {"epochs": 50})
    r.call("POST", "/api/networks/<diverging-momentum>/step", {})


def record(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "answers.db")
        try:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                recorder = Recorder(client)
                recorder.call("GET", "/api/catalog")
                for name, spec in NETWORKS.items():
                    exercise(recorder, name, spec)
                refusals(recorder)
        finally:
            stop_server(server)
    answers = recorder.recording()
    out.write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(answers)} answers, {count(answers)} values → {out}")


def count(value: Any) -> int:
    if isinstance(value, dict):
        return sum(count(v) for v in value.values())
    if isinstance(value, list):
        return sum(count(v) for v in value)
    return 1


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def differences(a: Any, b: Any, where: str = "", added: list[str] | None = None) -> list[str]:
    """Where ``b`` differs from ``a``; keys only ``b`` has (an answer that gained a field) go to
    ``added`` when it is given, else count as differences."""
    if isinstance(a, dict) and isinstance(b, dict):
        new = [k for k in b if k not in a]
        if [k for k in b if k in a] != list(a) or (new and added is None):
            return [f"{where}: keys {list(a)} ≠ {list(b)}"]
        if added is not None:
            added += [f"{where}.{k}" for k in new]
        return [d for k in a for d in differences(a[k], b[k], f"{where}.{k}", added)]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: length {len(a)} ≠ {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]", added)]
    if isinstance(a, float) and isinstance(b, float):
        same = bits(a) == bits(b) or (math.isnan(a) and math.isnan(b))
        return [] if same else [f"{where}: {a!r} ≠ {b!r}"]
    if type(a) is not type(b) or a != b:
        return [f"{where}: {a!r} ≠ {b!r}"]
    return []


def compare(before: Path, after: Path, allow_added: bool = False) -> int:
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    added: list[str] | None = [] if allow_added else None
    found = differences(a, b, "", added)
    if found:
        print(f"{len(found)} difference(s); the first:", *found[:20], sep="\n  ")
        return 1
    print(f"identical: {len(a)} answers, {count(a)} values (every float bit for bit)")
    if added:
        fields = sorted({re.sub(r"\[\d+\]", "[]", path) for path in added})
        print(f"and {len(added)} fields the answers gained:", *fields[:10], sep="\n  ")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "record":
        record(Path(argv[1]))
        return 0
    if len(argv) in (3, 4) and argv[0] == "compare" and argv[3:] in ([], ["--allow-added"]):
        return compare(Path(argv[1]), Path(argv[2]), allow_added=bool(argv[3:]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
