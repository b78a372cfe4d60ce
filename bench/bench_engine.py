"""Engine speed against a minimal hand-written NumPy loop doing the same work, in one run.

Work: 2-8-8-1 tanh/tanh/sigmoid, BCE, SGD (η = 0.1), batch 10, 1,000 moons samples,
40 epochs; each epoch reshuffles, trains on every batch, records per-layer ‖∂L/∂W‖ and
evaluates loss and accuracy on the whole training set. Target: engine ≤ 1.3× the loop.

Also: one fully traced step (forward, loss, backward, update with their traces) against
one untraced fast step on the same batch.

    python bench/bench_engine.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backprop_explorer.engine import (  # noqa: E402
    Optimizer,
    Trainer,
    backward,
    build_network,
    forward,
    generate,
    loss,
    train,
    update,
)
from backprop_explorer.engine.training import train_step  # noqa: E402

SIZES, ACTS, LR, BATCH, N, EPOCHS = [2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], 0.1, 10, 1000, 40


def setup():
    data = generate("moons", np.random.default_rng(0), n=N, noise=0.1)
    net = build_network(SIZES, ACTS, loss="bce", rng=np.random.default_rng(0))
    return data, net


def run_engine() -> float:
    data, net = setup()
    trainer = Trainer(data, batch_size=BATCH, seed=0)
    start = time.perf_counter()
    train(net, Optimizer("sgd", LR), trainer, EPOCHS)
    return time.perf_counter() - start


def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))  # the stable form the engine uses


def run_loop(epochs: int = EPOCHS) -> tuple[float, list[np.ndarray]]:
    data, net = setup()
    Ws = [layer.W.copy() for layer in net.layers]
    bs = [layer.b.copy() for layer in net.layers]
    X, Y = data.X, data.Y
    start = time.perf_counter()
    for epoch in range(epochs):
        order = np.random.default_rng([0, epoch]).permutation(N)
        norm_sums, step_losses = np.zeros(3), []
        for s in range(0, N, BATCH):
            idx = order[s : s + BATCH]
            x, y = X[idx], Y[idx]
            z1 = x @ Ws[0].T + bs[0]
            a1 = np.tanh(z1)
            z2 = a1 @ Ws[1].T + bs[1]
            a2 = np.tanh(z2)
            z3 = a2 @ Ws[2].T + bs[2]
            a3 = sigmoid(z3)
            step_losses.append(float((np.maximum(z3, 0) - y * z3 + np.log1p(np.exp(-np.abs(z3)))).mean()))
            d3 = (a3 - y) / len(x)
            d2 = (d3 @ Ws[2]) * (1 - a2 * a2)
            d1 = (d2 @ Ws[1]) * (1 - a1 * a1)
            grads = [(d1.T @ x, d1.sum(0)), (d2.T @ a1, d2.sum(0)), (d3.T @ a2, d3.sum(0))]
            for i, (gW, gb) in enumerate(grads):
                norm_sums[i] += np.linalg.norm(gW)
                Ws[i] = Ws[i] - LR * gW
                bs[i] = bs[i] - LR * gb
        a = X
        for W, b, f in zip(Ws, bs, (np.tanh, np.tanh, sigmoid)):
            z = a @ W.T + b
            a = f(z)
        _train_loss = float((np.maximum(z, 0) - Y * z + np.log1p(np.exp(-np.abs(z)))).mean())
        _train_acc = float(((a > 0.5) == (Y > 0.5)).mean())
        _norms = norm_sums / (N // BATCH)
    return time.perf_counter() - start, Ws


def run_engine_weights(epochs: int) -> list[np.ndarray]:
    data, net = setup()
    train(net, Optimizer("sgd", LR), Trainer(data, batch_size=BATCH, seed=0), epochs)
    return [layer.W for layer in net.layers]


def check_same_numbers() -> None:
    """The loop must compute what the engine computes, or the ratio means nothing."""
    for ours, theirs in zip(run_engine_weights(2), run_loop(2)[1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def time_steps(repeat: int = 2000) -> tuple[float, float]:
    data, net = setup()
    X, Y = data.X[:BATCH], data.Y[:BATCH]
    opt = Optimizer("sgd", 1e-6)
    start = time.perf_counter()
    for _ in range(repeat):
        fwd = forward(net, X)
        lss = loss(net, fwd, Y)
        back = backward(net, fwd, lss)
        update(net, opt, back, X, Y)
        _ = back.health
    traced = (time.perf_counter() - start) / repeat
    start = time.perf_counter()
    for _ in range(repeat):
        train_step(net, opt, X, Y)
    fast = (time.perf_counter() - start) / repeat
    return traced, fast


def main() -> None:
    check_same_numbers()
    engine_times, loop_times = [], []
    for _ in range(7):  # interleaved so both see the same machine load
        loop_times.append(run_loop()[0])
        engine_times.append(run_engine())
    e, l_ = min(engine_times), min(loop_times)
    print(f"training {EPOCHS} epochs x {N // BATCH} batches ({SIZES}, batch {BATCH}), best of 7:")
    print(f"  hand-written NumPy loop  {l_ * 1e3:8.1f} ms")
    print(f"  engine (trainer)         {e * 1e3:8.1f} ms")
    print(f"  ratio engine / loop      {e / l_:8.2f}x   (target <= 1.30x)")
    traced, fast = time_steps()
    print(f"one step, batch {BATCH}:")
    print(f"  fast (untraced)          {fast * 1e6:8.1f} us")
    print(f"  traced (4 phases + loss_after + health) {traced * 1e6:8.1f} us")
    print(f"  ratio traced / fast      {traced / fast:8.2f}x")


if __name__ == "__main__":
    main()
