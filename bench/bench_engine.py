"""Engine speed against hand-written NumPy loops, measured side by side in one run.

1. Bare loop: 2-8-8-1 tanh network, square loss (½ Σ (y − ŷ)²), SGD (η = 0.01),
   batch 10, 1,000 samples. The loop does only forward, backward and update, in data order:
   no shuffle, no loss value, no norms, no evaluation. The engine's trainer does all of
   those (shuffled epochs, per-step loss, per-layer ‖∂L/∂W‖, the epoch's loss and accuracy,
   finiteness checks). Target: engine ≤ 1.0× the bare loop. The loop is also timed with
   ``np.dot`` in place of ``@`` (the product the engine's kernel calls), for comparison.
2. Same-work loop: 2-8-8-1 tanh/tanh/sigmoid, BCE, SGD (η = 0.1), batch 10, 1,000 moons
   samples, 40 epochs; the loop reshuffles each epoch, records per-layer ‖∂L/∂W‖ and the
   step loss, and evaluates loss and accuracy on the whole training set, as the engine does.
3. One fully traced step (forward, loss, backward, update with their traces) against one
   untraced fast step on the same batch.

Times are CPU time of this process (time.process_time), best of several interleaved runs,
so that other processes on a shared machine disturb both sides alike.

    python bench/bench_engine.py
"""

from __future__ import annotations

import operator
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
BARE_ACTS, BARE_LR, BARE_EPOCHS = ["tanh", "tanh", "tanh"], 0.01, 20
clock = time.process_time


def setup():
    data = generate("moons", np.random.default_rng(0), n=N, noise=0.1)
    net = build_network(SIZES, ACTS, loss="bce", rng=np.random.default_rng(0))
    return data, net


def run_engine() -> float:
    data, net = setup()
    trainer = Trainer(data, batch_size=BATCH, seed=0)
    start = clock()
    train(net, Optimizer("sgd", LR), trainer, EPOCHS)
    return clock() - start


def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))  # the stable form the engine uses


def run_loop(epochs: int = EPOCHS) -> tuple[float, list[np.ndarray]]:
    data, net = setup()
    Ws = [layer.W.copy() for layer in net.layers]
    bs = [layer.b.copy() for layer in net.layers]
    X, Y = data.X, data.Y
    start = clock()
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
            d3 = ((1 - y) * a3 - y * sigmoid(-z3)) / len(x)  # σ(z) − y without cancellation, as the engine
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
    return clock() - start, Ws


def run_engine_weights(epochs: int) -> list[np.ndarray]:
    data, net = setup()
    train(net, Optimizer("sgd", LR), Trainer(data, batch_size=BATCH, seed=0), epochs)
    return [layer.W for layer in net.layers]


def bare_setup():
    data = generate("circles", np.random.default_rng(0), n=N, noise=0.1)
    net = build_network(SIZES, BARE_ACTS, loss="half_sse", rng=np.random.default_rng(0))
    return data, net


def run_bare(
    epochs: int = BARE_EPOCHS, product=operator.matmul, timer=clock
) -> tuple[float, list[np.ndarray]]:
    """Forward, backward and update only, batch after batch in data order. ``product`` is
    ``@`` as anyone writes it; bench_engine also times it with ``np.dot``, the call the
    engine's kernel makes, to show what that choice alone is worth. ``timer``: bench_api
    passes wall-clock time, as its side of the comparison is an HTTP request."""
    data, net = bare_setup()
    (W1, b1), (W2, b2), (W3, b3) = [(layer.W.copy(), layer.b.copy()) for layer in net.layers]
    X, Y = data.X, data.Y
    mm = product
    start = timer()
    for _ in range(epochs):
        for s in range(0, N, BATCH):
            x, y = X[s : s + BATCH], Y[s : s + BATCH]
            a1 = np.tanh(mm(x, W1.T) + b1)
            a2 = np.tanh(mm(a1, W2.T) + b2)
            a3 = np.tanh(mm(a2, W3.T) + b3)
            d3 = (a3 - y) / len(x) * (1 - a3 * a3)
            d2 = mm(d3, W3) * (1 - a2 * a2)
            d1 = mm(d2, W2) * (1 - a1 * a1)
            W3 -= BARE_LR * mm(d3.T, a2)
            b3 -= BARE_LR * d3.sum(0)
            W2 -= BARE_LR * mm(d2.T, a1)
            b2 -= BARE_LR * d2.sum(0)
            W1 -= BARE_LR * mm(d1.T, x)
            b1 -= BARE_LR * d1.sum(0)
    return timer() - start, [W1, W2, W3]


def run_engine_bare_work(epochs: int = BARE_EPOCHS) -> tuple[float, list[np.ndarray]]:
    data, net = bare_setup()
    trainer = Trainer(data, batch_size=BATCH, seed=0)
    start = clock()
    train(net, Optimizer("sgd", BARE_LR), trainer, epochs)
    return clock() - start, [layer.W for layer in net.layers]


def check_same_numbers() -> None:
    """The loop must compute what the engine computes, or the ratio means nothing."""
    for ours, theirs in zip(run_engine_weights(2), run_loop(2)[1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def time_steps(repeat: int = 2000) -> tuple[float, float]:
    data, net = setup()
    X, Y = data.X[:BATCH], data.Y[:BATCH]
    opt = Optimizer("sgd", 1e-6)
    start = clock()
    for _ in range(repeat):
        fwd = forward(net, X)
        lss = loss(net, fwd, Y)
        back = backward(net, fwd, lss)
        update(net, opt, back, X, Y)
        _ = back.health
    traced = (clock() - start) / repeat
    start = clock()
    for _ in range(repeat):
        train_step(net, opt, X, Y)
    fast = (clock() - start) / repeat
    return traced, fast


def main() -> None:
    check_same_numbers()
    # Many short rounds, interleaved: a shared machine's slow spells hit both sides alike,
    # and the best of each side (and the median of the paired ratios) shrug them off.
    rounds, epochs = 31, 5
    bare_times, dot_times, engine_times = [], [], []
    for _ in range(rounds):
        bare_times.append(run_bare(epochs)[0])
        engine_times.append(run_engine_bare_work(epochs)[0])
        dot_times.append(run_bare(epochs, np.dot)[0])
    b, d, e = min(bare_times), min(dot_times), min(engine_times)
    paired = sorted(t / u for t, u in zip(engine_times, bare_times))
    steps = epochs * (N // BATCH)
    print(f"training {epochs} epochs x {N // BATCH} batches ({SIZES} tanh, square loss), best of {rounds}:")
    print(f"  bare NumPy loop (forward, backward, update)  {b * 1e3:8.1f} ms {b / steps * 1e6:6.1f} us/step")
    print(f"  engine (trainer, shuffle and bookkeeping)    {e * 1e3:8.1f} ms {e / steps * 1e6:6.1f} us/step")
    print(f"  ratio engine / bare loop                     {e / b:8.2f}x   (target <= 1.00x)")
    print(f"  median of the {rounds} paired ratios            {paired[rounds // 2]:8.2f}x")
    print(f"  (the bare loop with np.dot for @            {d * 1e3:8.1f} ms, engine / it {e / d:.2f}x)")
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
