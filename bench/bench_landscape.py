"""Loss-landscape speed against a same-run baseline: the evaluation the landscape used before
it evaluated the grid in blocks (a copy of it is below).

Work: 2-8-8-1 tanh/tanh/sigmoid, BCE, 1,000 moons samples; 41 points along one weight and
41×41 grids over pairs of weights: two in the first layer (into different neurons and into
the same one), one in the first layer and one in the second, two in the second, two output
weights. Each case prints the grid's data losses now and before, their ratio, the whole
``loss_landscape`` call (grid, penalty, the gradient at the current point), and the largest
relative difference between the two evaluations' losses (their arithmetic differs in rounding
only). Last, the answer of ``POST /api/networks/{id}/landscape`` over HTTP from a real server,
for the slowest grid, against the engine call inside it.

    python bench/bench_landscape.py

Times are the best of REPEAT runs, wall-clock; on a machine shared with other jobs they
move by tens of percent between runs, the ratios much less.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_explorer.engine import build_network, generate  # noqa: E402
from backprop_explorer.engine.activations import ACTIVATIONS  # noqa: E402
from backprop_explorer.engine.landscape import grid_losses, loss_landscape  # noqa: E402
from backprop_explorer.engine.losses import LOSSES  # noqa: E402
from backprop_explorer.engine.network import Network, is_paired  # noqa: E402
from backprop_explorer.engine.parameters import ParameterRef, check_ref  # noqa: E402

from tests.conftest import start_server, stop_server  # noqa: E402

SIZES, ACTS, N, POINTS, REPEAT = [2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], 1000, 41, 7
STACKED_FLOATS = 1 << 15  # the previous evaluation's chunk: 256 KiB of stacked values


def stacked_losses(net: Network, X: np.ndarray, Y: np.ndarray, refs: list[ParameterRef], deltas: np.ndarray):
    """The previous evaluation (data loss only; the penalty is computed the same way by both):
    every grid point through the layers above the lowest moved one as its own N rows, a few
    points stacked per chunk. ``deltas``: (P, len(refs)); returns (P,)."""
    for ref in refs:
        check_ref(net, ref)
    first = min(ref.layer for ref in refs) - 1
    below = X
    for layer in net.layers[:first]:
        below = ACTIVATIONS[layer.activation].fn(below @ layer.W.T + layer.b)
    widest = max(max(layer.W.shape) for layer in net.layers[first:])
    chunk = max(1, STACKED_FLOATS // (len(X) * widest))
    out = np.empty(len(deltas))
    for start in range(0, len(deltas), chunk):
        block = deltas[start : start + chunk]
        out[start : start + len(block)] = _stacked_chunk(net, below, Y, refs, block, first)
    return out


def _stacked_chunk(net, below, Y, refs, deltas, first):
    C, N = len(deltas), len(below)
    layer = net.layers[first]
    z_base = below @ layer.W.T + layer.b
    z = np.tile(z_base, (C, 1))
    stacked_z = z.reshape(C, N, -1)
    moved = [(k, ref) for k, ref in enumerate(refs) if ref.layer - 1 == first]
    for k, ref in moved:
        shift = deltas[:, k, None] * below[None, :, ref.index[1]] if ref.name == "W" else deltas[:, k, None]
        stacked_z[:, :, ref.index[0]] += shift
    fn = ACTIVATIONS[layer.activation].fn
    if layer.activation == "softmax":
        a = fn(z)
    else:
        columns = sorted({ref.index[0] for _, ref in moved})
        a = np.tile(fn(z_base), (C, 1))
        a.reshape(C, N, -1)[:, :, columns] = fn(stacked_z[:, :, columns])
    for position in range(first + 1, len(net.layers)):
        layer = net.layers[position]
        z = a @ layer.W.T + layer.b
        stacked_z, stacked_a = z.reshape(C, N, -1), a.reshape(C, N, -1)
        for k, ref in enumerate(refs):
            if ref.layer - 1 != position:
                continue
            j = ref.index[0]
            if ref.name == "W":
                stacked_z[:, :, j] += deltas[:, k, None] * stacked_a[:, :, ref.index[1]]
            else:
                stacked_z[:, :, j] += deltas[:, k, None]
        a = ACTIVATIONS[layer.activation].fn(z)
    spec = LOSSES[net.loss]
    K = Y.shape[1]
    terms = spec.terms(np.tile(Y, (C, 1)), a, z if is_paired(net) else None)
    return terms.reshape(C, N * K).sum(axis=1) * spec.weight(K) / N


def setup():
    data = generate("moons", np.random.default_rng(0), n=N, noise=0.1)
    net = build_network(SIZES, ACTS, loss="bce", rng=np.random.default_rng(0))
    return net, data.X, data.Y


def best(*fns) -> list[float]:
    """The best of REPEAT wall-clock times of each function, run in turns so that load from
    other work falls on all of them alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(REPEAT):
        for fn, kept in zip(fns, times):
            start = time.perf_counter()
            fn()
            kept.append(time.perf_counter() - start)
    return [min(kept) for kept in times]


def grid_deltas(n_refs: int) -> np.ndarray:
    offsets = np.linspace(-2.0, 2.0, POINTS)
    if n_refs == 1:
        return offsets[:, None]
    d0, d1 = np.meshgrid(offsets, offsets, indexing="ij")
    return np.column_stack([d0.ravel(), d1.ravel()])


def engine_cases() -> list[tuple[str, list[ParameterRef]]]:
    W = lambda layer, j, i: ParameterRef(layer, "W", (j, i))  # noqa: E731
    return [
        ("41 points, first-layer weight", [W(1, 0, 0)]),
        ("41 points, output weight", [W(3, 0, 0)]),
        ("41×41, first layer, two neurons", [W(1, 0, 0), W(1, 1, 1)]),
        ("41×41, first layer, one neuron", [W(1, 0, 0), W(1, 0, 1)]),
        ("41×41, first- and second-layer weights", [W(1, 0, 0), W(2, 1, 1)]),
        ("41×41, two second-layer weights", [W(2, 0, 0), W(2, 1, 1)]),
        ("41×41, two output weights", [W(3, 0, 0), W(3, 0, 1)]),
    ]


def bench_engine(net, X, Y) -> None:
    print(f"2-8-8-1 tanh/tanh/sigmoid, BCE, {N} samples; best of {REPEAT}, wall-clock")
    print(
        f"{'case':40s} {'grid now':>9s} {'before':>9s} {'before/now':>10s} {'landscape()':>11s} "
        f"{'max rel diff':>12s}"
    )
    offsets = np.linspace(-2.0, 2.0, POINTS)
    for name, refs in engine_cases():
        deltas = grid_deltas(len(refs))
        now = grid_losses(net, X, Y, refs, [offsets] * len(refs))
        before = stacked_losses(net, X, Y, refs, deltas).reshape(now.shape)  # no penalty: none here
        diff = float(np.max(np.abs(now - before) / np.abs(before)))
        t_now, t_before, t_whole = best(
            lambda refs=refs: grid_losses(net, X, Y, refs, [offsets] * len(refs)),
            lambda refs=refs, d=deltas: stacked_losses(net, X, Y, refs, d),
            lambda refs=refs: loss_landscape(net, X, Y, refs, radius=2.0, points=POINTS),
        )
        print(
            f"{name:40s} {t_now * 1e3:7.1f}ms {t_before * 1e3:7.1f}ms {t_before / t_now:10.1f} "
            f"{t_whole * 1e3:9.1f}ms {diff:12.1e}"
        )


def bench_http(net, X, Y) -> None:
    """The slowest grid through the API: a network with the same parameters and samples."""
    refs = [ParameterRef(1, "W", (0, 1)), ParameterRef(1, "W", (0, 0))]
    body = {
        "parameters": [{"layer": r.layer, "name": r.name, "index": list(r.index)} for r in refs],
        "radius": 2.0,
        "points": POINTS,
    }
    spec = {
        "layers": SIZES,
        "activations": ACTS,
        "loss": "bce",
        "weights": [layer.W.tolist() for layer in net.layers],
        "biases": [layer.b.tolist() for layer in net.layers],
        "data": {"inputs": X.tolist(), "targets": Y.tolist()},
        "validation_split": 0.0,
    }
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "bench.db")
        try:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                created = client.post("/api/networks", json=spec)
                created.raise_for_status()
                url = f"/api/networks/{created.json()['id']}/landscape"
                answer = client.post(url, json=body)
                answer.raise_for_status()
                assert answer.json()["n_samples"] == N
                t_http, t_engine = best(
                    lambda: client.post(url, json=body).raise_for_status(),
                    lambda: loss_landscape(net, X, Y, refs, radius=2.0, points=POINTS),
                )
        finally:
            stop_server(server)
    print(
        f"\nPOST …/landscape, 41×41 over two first-layer weights into one neuron: "
        f"{t_http * 1e3:.1f} ms over HTTP, {t_engine * 1e3:.1f} ms of it in loss_landscape "
        f"({t_http / t_engine:.2f}×)"
    )


def main() -> None:
    net, X, Y = setup()
    bench_engine(net, X, Y)
    bench_http(net, X, Y)


if __name__ == "__main__":
    main()
