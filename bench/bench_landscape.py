"""Loss-landscape speed against a same-run baseline: one plain forward pass over the data per
grid point, with the loss of its output.

Work: 2-8-8-1 tanh/tanh/sigmoid, BCE, 1,000 moons samples; 41 points along one weight and a
41×41 grid over two, for a weight of the first and of the last layer (the first needs every
layer per point, the last only one). Also the obvious way for comparison: copy the network,
set the parameter, call the engine's loss per point.

    python bench/bench_landscape.py
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backprop_explorer.engine import build_network, generate, total_loss  # noqa: E402
from backprop_explorer.engine.landscape import loss_landscape  # noqa: E402
from backprop_explorer.engine.parameters import ParameterRef  # noqa: E402

SIZES, ACTS, N, POINTS, REPEAT = [2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], 1000, 41, 5


def setup():
    data = generate("moons", np.random.default_rng(0), n=N, noise=0.1)
    net = build_network(SIZES, ACTS, loss="bce", rng=np.random.default_rng(0))
    return net, data.X, data.Y


def baseline(net, X, Y, n_points: int) -> float:
    """One plain forward pass (and its BCE) over the data per grid point."""
    Ws = [layer.W for layer in net.layers]
    bs = [layer.b for layer in net.layers]
    start = time.perf_counter()
    for _ in range(n_points):
        a = X
        for W, b in zip(Ws[:-1], bs[:-1]):
            a = np.tanh(a @ W.T + b)
        z = a @ Ws[-1].T + bs[-1]
        # BCE from the logits, the stable form the engine uses
        float(np.mean(np.maximum(z, 0) - Y * z + np.log1p(np.exp(-np.abs(z)))))
    return time.perf_counter() - start


def naive(net, X, Y, refs, n_points: int) -> float:
    """Copy the network, set the parameters, run the engine's loss: per point."""
    start = time.perf_counter()
    for p in range(n_points):
        moved = copy.deepcopy(net)
        for ref in refs:
            moved.layers[ref.layer - 1].W[ref.index] += 0.01 * p
        total_loss(moved, X, Y)
    return time.perf_counter() - start


def timed(fn) -> float:
    return min(fn() for _ in range(REPEAT))


def main() -> None:
    net, X, Y = setup()
    first = ParameterRef(1, "W", (0, 0))
    last = ParameterRef(3, "W", (0, 0))
    cases = [
        ("41 points, first-layer weight", [first]),
        ("41 points, output weight", [last]),
        ("41×41, first- and second-layer weights", [first, ParameterRef(2, "W", (1, 1))]),
        ("41×41, two output weights", [last, ParameterRef(3, "W", (0, 1))]),
    ]
    print(f"2-8-8-1 tanh/tanh/sigmoid, BCE, {N} samples; best of {REPEAT}")
    print(f"{'case':42s} {'landscape':>10s} {'baseline':>10s} {'ratio':>6s} {'naive':>10s} {'ratio':>6s}")
    for name, refs in cases:
        n_points = POINTS ** len(refs)

        def land(refs=refs) -> float:
            start = time.perf_counter()
            loss_landscape(net, X, Y, refs, radius=2.0, points=POINTS)
            return time.perf_counter() - start

        t_land = timed(land)
        t_base = timed(lambda n=n_points: baseline(net, X, Y, n))
        t_naive = timed(lambda refs=refs, n=n_points: naive(net, X, Y, refs, n))
        print(
            f"{name:42s} {t_land * 1e3:8.1f}ms {t_base * 1e3:8.1f}ms {t_land / t_base:6.2f} "
            f"{t_naive * 1e3:8.1f}ms {t_naive / t_base:6.2f}"
        )


if __name__ == "__main__":
    main()
