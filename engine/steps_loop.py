"""The loop of written-out SGD steps an epoch's full batches run through: ``run(batches,
losses, store)``, the lines of :func:`fastpath.step_source`'s step repeated in one Python
loop, with the bookkeeping a step does alone (its names, the optimizer's count, θ kept for an
undo, the ‖∂L/∂W‖ sums) done once for the loop. The same numbers as ``step`` one call at a
time, to the bit (``tests/engine/test_fastpath.py``).
"""

from __future__ import annotations

import numpy as np

from .optimizers import FlatSGD

# Past this many weights, copying dL_dW at each update (run()'s norms taken after the loop)
# costs more than the two BLAS dots it saves (2-64-64-1: 4,288 weights, 34 kB an update;
# 2-32-32-1, 1,120 weights, still gains).
COPIED_GRADIENTS = 2048


def loop_source(names: dict, flat: FlatSGD, computed: list[str], L: int, loss: str) -> str:
    """``run(batches, losses, store)``: ``step(X, Y)`` for each (X, Y) of ``batches``,
    appending each batch loss to ``losses``, with the bookkeeping a step does alone done once
    for the loop: every name a local (keyword defaults), θ before the last update kept by
    trading the candidate buffer with it (:meth:`FlatSGD.update_source`), the optimizer's
    count added at the end, and the ‖∂L/∂W‖ of the updates summed after them.

    Each update copies its dL_dW (every layer's, one block of g) into a row of ``store`` and
    checks them all with one Σ g² instead of one per layer: below 1e300 no layer's Σ g² can
    overflow (each is at most the whole sum, give or take rounding), so every ‖∂L/∂W‖ is
    finite; at or above it, or not finite, the step checks each layer's as ``step`` does.
    (Past ``COPIED_GRADIENTS`` weights the norms are taken at each update instead:
    :func:`_loop_with_norms_source`.) After the loop each layer's norms are the square roots
    of its rows' Σ g², all in one
    ``matmul`` whose (1 × n)·(n × 1) products are the BLAS dot ``g.dot(g)`` computes, added
    to the sums one after another as ``step`` adds them (``add.accumulate``). On an
    exception (a refused step: nothing of it applied) the lists, θ and the count are as
    after the last update applied, as they are after ``step``."""
    layers = range(1, L + 1)
    sizes = [names[f"g{l}"].size for l in layers]
    if sum(sizes) > COPIED_GRADIENTS:
        return _loop_with_norms_source(names, flat, computed, L, loss)
    before, after = flat.loop_source()
    names.update(
        dW_all=flat.gradient[: sum(sizes)],
        SAFE=1e300,
        matmul=np.matmul,
        concatenate=np.concatenate,
        add_accumulate=np.add.accumulate,
        square_roots=np.sqrt,
    )
    norms = [f"n{l} = sqrt(g{l}.dot(g{l}))" for l in layers]
    check = [line for line in computed if not line.startswith("n") or line not in norms]
    check = check[:-2]  # the step's own check of the norms, replaced by the screen below
    body = [
        *check,
        "squares = dW_all.dot(dW_all)",
        "if not squares < SAFE:",
        *(f"    {line}" for line in norms),
        *(f"    {line}" for line in computed[-2:]),
        "saved[...] = dW_all",  # before the update zeroes a frozen layer's
        *flat.update_source(names, loop=True),
        "applied += 1",
        f"append({loss})",
    ]
    totals, start = [], 0
    for l, n in zip(layers, sizes):
        rows = f"store[:applied, None, {start}:{start + n}], store[:applied, {start}:{start + n}, None]"
        norms_of_rows = f"square_roots(matmul({rows}).ravel())"
        totals += [
            f"running = add_accumulate(concatenate(((sums[{l - 1}],), {norms_of_rows})))",
            f"sums_before[{l - 1}], sums[{l - 1}] = running[-2:].tolist()",
        ]
        start += n
    local = ", ".join(f"{name}={name}" for name in names)
    lines = [
        f"def run(batches, losses, store, *, {local}):",
        "    append, applied = losses.append, 0",
        *(f"    {line}" for line in before),
        "    try:",
        "        for (X, Y), saved in zip(batches, store):",
        *(f"            {line}" for line in body),
        "    finally:",
        "        if applied:",
        *(f"            {line}" for line in totals),
        *(f"        {line}" for line in after),
    ]
    return "\n\n" + "\n".join(lines) + "\n"


def _loop_with_norms_source(names: dict, flat: FlatSGD, computed: list[str], L: int, loss: str) -> str:
    """:func:`loop_source`'s loop for a network whose dL_dW is too large to copy at each
    update: each update's ‖∂L/∂W‖ taken as ``step`` takes them and added to the sums, kept in
    local floats (total1…, and total_before1… before the last update) and written back after
    the loop."""
    before, after = flat.loop_source()
    layers = range(1, L + 1)
    sums = ", ".join(f"total{l}" for l in layers)
    previous = ", ".join(f"total_before{l}" for l in layers)
    body = [*computed, *flat.update_source(names, loop=True), "applied += 1"]
    body += [f"total_before{l} = total{l}; total{l} += n{l}" for l in layers]
    body.append(f"append({loss})")
    local = ", ".join(f"{name}={name}" for name in names)
    lines = [
        f"def run(batches, losses, store, *, {local}):",
        "    append, applied = losses.append, 0",
        f"    {sums}, = sums",
        f"    {previous}, = sums_before",
        *(f"    {line}" for line in before),
        "    try:",
        "        for X, Y in batches:",
        *(f"            {line}" for line in body),
        "    finally:",
        f"        sums[:] = {sums},",
        f"        sums_before[:] = {previous},",
        *(f"        {line}" for line in after),
    ]
    return "\n\n" + "\n".join(lines) + "\n"
