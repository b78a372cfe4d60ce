"""Training's untraced SGD step: forward, loss, BP1–BP4 and the update, as few and as cheap
NumPy calls as the equations allow, written out for the network at hand.

An epoch of plain SGD spends most of its time on tiny arrays (a 2-8-8-1 network, batches of
10), where each NumPy call costs far more than its arithmetic, and what a call costs depends
on its form: an elementwise operation on arrays of one shape, written into an array that
exists, takes ~0.3 µs; the same operation with a Python float (converted at every call) or
with a vector broadcast over the rows takes twice or three times that. A step therefore
does the work of :func:`network._forward`, :func:`network._loss`, :func:`network._backward`
and the update (:meth:`FlatSGD.update_source`) with

- every z, a, δ and f′ written into buffers made once per batch size (δᵀ is a view made
  with them), and constants as 0-d arrays;
- b added to z from its replicas (one row per sample, rewritten by the update), not
  broadcast;
- tanh′ = 1 − a·a of every tanh layer in two calls (their activations are blocks of one
  array), and dL_db of consecutive layers of one width in one sum (so are their δ);
- the square losses' difference ``a − y`` computed once for both the value and ∂L/∂a;
- the layers' arrays as views into FlatSGD's θ, which the update writes in place.

:func:`step_source` writes the step for one network and batch size as straight-line Python,
one NumPy call a line, with no loop, branch or lookup left to run at each step (on a 2-8-8-1
network that is a tenth of the step); ``SGDSteps(...).source(rows)`` shows it. ``train()``
keeps one :class:`SGDSteps` for all its epochs while the network and optimizer stay as they
were (:meth:`SGDSteps.fits`). With a square loss the source also has ``check(X, Y)``, the
divergence rule's check of a batch on these lines (:meth:`SGDSteps.check`). Elementwise each
operation is the one the traced phases perform, in the same order, so the numbers are the
same to the last bit (``tests/engine/test_training.py`` and
``tests/engine/test_fastpath.py`` compare them for every loss and output pairing, for layers
that share calls, with a partial last batch, and with parameters changed between epochs).
"""

from __future__ import annotations

import functools
import hashlib
import linecache
import math
from collections.abc import Callable, Iterable
from types import CodeType

import numpy as np

from .activations import ACTIVATIONS, softmax_backward
from .errors import StepOverflow
from .losses import LOSSES
from .network import Network, is_paired, paired_delta
from .optimizers import FlatSGD
from .steps_loop import loop_source

LOSS_OVERFLOW = "the loss overflowed (not a finite number)"
GRADIENTS_OVERFLOW = "the gradients overflowed (not finite numbers)"

# Where an activation is one NumPy ufunc, the step calls it directly, into the layer's
# buffer; a linear layer's a is its z (f is the identity and f′ = 1, so δ = ∂L/∂a exactly).
# tanh′ is computed as activations.tanh_prime computes it, 1 − a·a.
UFUNCS = {"tanh": np.tanh}
IDENTITY = "linear"
TANH = "tanh"

Step = Callable[[np.ndarray, np.ndarray], float]
Check = Callable[[np.ndarray, np.ndarray], None]
Run = Callable[[Iterable[tuple[np.ndarray, np.ndarray]], list[float], np.ndarray], None]
FORWARD_OVERFLOW = "the forward pass overflowed (z is not finite)"


class SGDSteps:
    """The epoch's steps on ``flat`` (whose θ the network's layers are views of).

    ``step(X, Y)`` applies one update and returns the batch loss, adding each layer's
    ‖∂L/∂W‖ to ``norm_sums``. With nothing applied (nor added) it raises
    :class:`StepOverflow` when the batch's loss or gradients are not finite (the update
    before is then the one to refuse: :meth:`undo` takes it back), :class:`NonFiniteError`
    when a new parameter would be. ``for_rows(B)`` is the same step for batches of exactly B
    rows, without picking it at each call. Run them under
    ``np.errstate(over="ignore", invalid="ignore")``."""

    def __init__(self, net: Network, flat: FlatSGD, norm_sums: list[float]) -> None:
        self.net, self.flat, self.norm_sums = net, flat, norm_sums
        self._sums_before: list[float] = list(norm_sums)  # the norm sums before the last update
        self._steps: dict[int, Step] = {}
        self._runs: dict[int, Run] = {}
        self._store = np.empty((0, sum(layer.W.size for layer in net.layers)))
        self._checks: dict[int, Check | None] = {}
        self._sources: dict[int, str] = {}
        self._made_for = self._settings(net, flat.opt)

    @staticmethod
    def _settings(net: Network, opt) -> tuple[list, tuple]:
        """What the steps were written for: the objects they hold (compared by identity) and
        the values they read."""
        reg = net.regularization
        arrays = [a for layer in net.layers for a in (layer.W, layer.b)]
        objects = [net, opt, reg, net.layers, *net.layers, *arrays]
        values: tuple = (opt.name, opt.learning_rate, net.loss, reg.kind, reg.rate, len(net.layers))
        values += tuple((layer.activation, layer.train_W, layer.train_b) for layer in net.layers)
        return objects, values

    def fits(self, net: Network, opt) -> bool:
        """Whether these steps can run another epoch of ``net`` with ``opt``: the same objects
        and settings, the layers' arrays still the views of θ they were made with."""
        objects, values = self._settings(net, opt)
        made_objects, made_values = self._made_for
        return (
            values == made_values
            and len(objects) == len(made_objects)
            and all(a is b for a, b in zip(objects, made_objects))
        )

    def resume(self, norm_sums: list[float]) -> list[float]:
        """Another epoch on the same θ: the bias replicas are rewritten from it (in case its
        values were changed in place), and the steps add their norms to the returned list,
        which holds ``norm_sums``."""
        self.flat.refresh()
        self.norm_sums[:] = norm_sums
        return self.norm_sums

    def undo(self) -> None:
        """Take back the last update applied (one level): θ, the optimizer's count and the
        norm sums as before it."""
        self.flat.undo()
        self.norm_sums[:] = self._sums_before

    def for_rows(self, rows: int) -> Step:
        found = self._steps.get(rows)
        if found is None:
            source, names = step_source(self.net, self.flat, rows, self.norm_sums, self._sums_before)
            exec(_compiled(source), names)  # defines step(), run() (and check()) over this epoch's buffers
            found = self._steps[rows] = names["step"]
            self._runs[rows] = names["run"]
            self._checks[rows] = names.get("check")
            self._sources[rows] = source
        return found

    def run(
        self, rows: int, batches: Iterable[tuple[np.ndarray, np.ndarray]], count: int, losses: list[float]
    ) -> None:
        """:meth:`for_rows`'s step on each of ``batches`` (``count`` batches of ``rows`` rows)
        in one call, appending the batch losses to ``losses``; a step refused raises as the
        step does, the losses and updates before it kept."""
        self.for_rows(rows)
        if len(self._store) < count:  # a row per update for its dL_dW: see steps_loop
            self._store = np.empty((count, self._store.shape[1]))
        self._runs[rows](batches, losses, self._store)

    def step(self, X: np.ndarray, Y: np.ndarray) -> float:
        return self.for_rows(len(X))(X, Y)

    def check(self, X: np.ndarray, Y: np.ndarray) -> bool:
        """The divergence rule's check of the step on (X, Y) at the current parameters, as
        ``divergence.check_next_step`` makes it: :class:`StepOverflow` ("loss" or
        "gradients") where it raises, nothing applied or counted. False, having checked
        nothing, for a loss whose ∂L/∂a the steps do not compute on their own (only the
        square losses': there a non-finite ∂L/∂a always comes with a non-finite loss)."""
        self.for_rows(len(X))
        check = self._checks[len(X)]
        if check is None:
            return False
        check(X, Y)
        return True

    def source(self, rows: int) -> str:
        """The step for batches of ``rows`` rows, as Python."""
        self.for_rows(rows)
        return self._sources[rows]


@functools.lru_cache(maxsize=64)
def _compiled(source: str) -> CodeType:
    """The code of a step's source, compiled once per network shape (compiling takes longer
    than an epoch of a small network); its lines appear in tracebacks."""
    filename = f"<SGD step {hashlib.sha1(source.encode()).hexdigest()[:8]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return compile(source, filename, "exec")


def step_source(
    net: Network, flat: FlatSGD, rows: int, norm_sums: list[float], sums_before: list[float]
) -> tuple[str, dict]:
    """One SGD step on batches of ``rows`` samples, as the source of ``step(X, Y)`` and the
    names it reads (its buffers, the network's arrays as views of ``flat``'s θ, functions).

    Layers are numbered 1..L as in the traces: z1, a1, d1 (δ), dW1; X is a[0]."""
    layers = net.layers
    L = len(layers)
    acts = [layer.activation for layer in layers]
    sizes = [layer.W.shape[0] for layer in layers]
    K = sizes[-1]
    spec = LOSSES[net.loss]
    paired = is_paired(net)
    square = net.loss in ("half_sse", "mse")
    regularization = net.regularization if net.regularization.kind != "none" else None
    runs = _runs(sizes)
    # With one output and a square loss, the loss's sum over the batch and dL_db of the
    # output layer are both a sum of `rows` numbers in a row: one call sums both.
    paired_sums = square and K == 1 and runs.get(L) == L
    names: dict = {
        "add": np.add,
        "subtract": np.subtract,
        "multiply": np.multiply,
        "divide": np.divide,
        "add_reduce": np.add.reduce,
        "copyto": np.copyto,
        "sqrt": math.sqrt,
        "isfinite": math.isfinite,
        "StepOverflow": StepOverflow,
        "LOSS_OVERFLOW": LOSS_OVERFLOW,
        "GRADIENTS_OVERFLOW": GRADIENTS_OVERFLOW,
        "ONE": np.array(1.0),  # 0-d constants: no conversion of a Python float per call
        "TWO": np.array(2.0),
        "count": np.array(float(rows)),  # B, for the batch mean
        "outputs": np.array(float(K)),  # K, for the mean squared error's 1/K
        "weight": spec.weight(K),  # the loss's factor in front of Σ_k
        "sums": norm_sums,
        "sums_before": sums_before,
    }
    deltas = _buffers(names, net, flat, rows, rows if paired_sums else 0)
    lines: list[str] = []

    # Forward: z[l] = a[l−1]·W[l]ᵀ + b[l] (b from its replicas), a[l] = f_l(z[l]).
    a = ["X"]
    for l in range(1, L + 1):
        lines += [f"{a[-1]}.dot(WT{l}, z{l})", f"add(z{l}, b{l}, z{l})"]
        if acts[l - 1] == IDENTITY:
            a.append(f"z{l}")
        elif acts[l - 1] in UFUNCS:
            names[acts[l - 1]] = UFUNCS[acts[l - 1]]
            lines.append(f"{acts[l - 1]}(z{l}, a{l})")
            a.append(f"a{l}")
        else:  # a function that returns its own array
            lines.append(f"a{l} = f{l}(z{l})")
            a.append(f"a{l}")
    if "A" in names:  # f′ = 1 − a·a of every tanh layer at once
        lines += ["multiply(A, A, FP)", "subtract(ONE, FP, FP)"]
    forward_end = len(lines)

    # Loss: the batch mean of weight(K)·Σ_k terms, plus the penalty; ∂L/∂a into δ[L].
    out = a[L]
    data_loss = f"data_loss = float(add_reduce(square, None)) * weight / {rows}"
    if square:
        names["diff"] = np.empty((rows, K))
        lines += [f"subtract({out}, Y, diff)", "multiply(diff, diff, square)"]  # (y − a)² = (a − y)²
        if net.loss == "half_sse":
            lines.append(f"divide(diff, count, d{L})")  # (a − y) / B
        else:  # 2·(a − y) / K / B
            lines.append(f"multiply(TWO, diff, d{L})")
            lines += [f"divide(d{L}, outputs, d{L})", f"divide(d{L}, count, d{L})"]
    else:
        names["terms"], names["loss_grad"] = spec.terms, spec.grad
        logits = f"z{L}" if paired else "None"
        data_loss = f"data_loss = float(add_reduce(terms(Y, {out}, {logits}), None)) * weight / {rows}"
        if not paired:
            lines.append(f"divide(loss_grad(Y, {out}, None), count, d{L})")
    if not paired_sums:
        lines.append(data_loss)

    # BP1 at the output: the paired closed forms, or ∂L/∂a ⊙ f′(z).
    if paired and net.loss == "bce":  # losses.sigmoid_bce_delta's calls, into buffers, ÷ K·B
        names.update(logaddexp=np.logaddexp, negative=np.negative, exp=np.exp, ZERO=np.array(0.0))
        names.update(sigma_minus=np.empty((rows, K)), KB=np.array(float(K * rows)))
        lines += [
            f"subtract(ONE, Y, d{L})",
            f"multiply(d{L}, {out}, d{L})",  # (1 − y)·σ(z)
            f"logaddexp(ZERO, z{L}, sigma_minus)",
            "negative(sigma_minus, sigma_minus)",
            "exp(sigma_minus, sigma_minus)",  # σ(−z)
            "multiply(sigma_minus, Y, sigma_minus)",
            f"subtract(d{L}, sigma_minus, d{L})",
            f"divide(d{L}, KB, d{L})",
        ]
    elif paired:
        names["paired_delta"], names["loss_name"] = paired_delta, net.loss
        lines.append(f"copyto(d{L}, paired_delta(loss_name, {out}, Y, z{L}))")
    elif ACTIVATIONS[acts[-1]].prime is None:  # softmax under another loss: its Jacobian
        names["softmax_backward"] = softmax_backward
        lines.append(f"copyto(d{L}, softmax_backward({out}, d{L}))")
    else:
        lines += _times_derivative(L, acts[-1], out)
    if paired_sums:  # BP4 of the output layer, and the loss's sum
        names["output_sums"] = deltas[-2 * rows :].reshape(2, rows)
        names[f"db{L}_and_loss"] = flat.gradient_and_spare[-2:]
        lines.append(f"add_reduce(output_sums, 1, None, db{L}_and_loss)")
        lines.append(f"data_loss = db{L}_and_loss.item(1) * weight / {rows}")  # item(): a float at once
    loss = "data_loss"
    if regularization is not None:
        names.update(penalty=regularization.penalty, layers=layers, reg_grad=regularization.grad)
        lines.append("loss = data_loss + penalty(layers)")
        loss = "loss"
    lines += [f"if not isfinite({loss}):", '    raise StepOverflow(LOSS_OVERFLOW, "loss")']

    # BP3, the norm of dL_dW and BP2 into the layer below, output layer first; BP4 (dL_db)
    # for each run of consecutive layers of one width once backward has reached its first.
    for l in range(L, 0, -1):
        lines.append(f"dT{l}.dot({a[l - 1]}, dW{l})")  # BP3: δ[l]ᵀ·a[l−1]
        if regularization is not None:
            lines.append(f"add(dW{l}, reg_grad(W{l}), dW{l})")
        lines.append(f"n{l} = sqrt(g{l}.dot(g{l}))")
        if l > 1:  # BP2: δ[l−1] = (δ[l]·W[l]) ⊙ f′(z[l−1])
            lines.append(f"d{l}.dot(W{l}, d{l - 1})")
            lines += _times_derivative(l - 1, acts[l - 2], a[l - 1])
        if l in runs and not (paired_sums and l == L):
            count, n = runs[l] - l + 1, sizes[l - 1]
            start, bias_start = sum(sizes[: l - 1]), sum(sizes[: l - 1])
            names[f"run{l}"] = deltas[start * rows : (start + count * n) * rows].reshape(count, rows, n)
            names[f"db{l}"] = flat.bias_grads[bias_start : bias_start + count * n].reshape(count, n)
            lines.append(f"add_reduce(run{l}, 1, None, db{l})")  # BP4: Σ over the rows

    # The gradients checked as network.backward checks them; the update (refused, changing
    # nothing, if a parameter would turn non-finite); then the norms join their sums, which
    # are kept as they were for an undo.
    backward_end = len(lines)
    norms = " + ".join(f"n{l}" for l in range(1, L + 1))
    lines += [f"if not isfinite({norms}):", '    raise StepOverflow(GRADIENTS_OVERFLOW, "gradients")']
    computed = lines[:]  # the step up to its update, which the loop below repeats
    lines += flat.update_source(names)
    lines.append("sums_before[:] = sums")
    lines += [f"sums[{l - 1}] += n{l}" for l in range(1, L + 1)]
    lines.append(f"return {loss}")
    source = "def step(X, Y):\n" + "".join(f"    {line}\n" for line in lines)
    if square:  # a non-finite ∂L/∂a = (a − y)·c comes with a non-finite loss: no check of its own
        source += _check_source(names, flat, sizes, lines[:forward_end], lines[forward_end:backward_end])
    return source + loop_source(names, flat, computed, L, loss), names


def _check_source(
    names: dict, flat: FlatSGD, sizes: list[int], forward: list[str], backward: list[str]
) -> str:
    """``check(X, Y)``: the step's forward, loss and backward lines, with the conditions
    ``divergence.check_next_step`` puts on them (every layer's Σ z, the loss, every layer's
    ‖∂L/∂W‖ and Σ ∂L/∂b finite, each on its own) and no update."""
    layers = range(1, len(sizes) + 1)
    start = 0
    for l, n in zip(layers, sizes):  # each layer's dL_db, as network.backward sums it
        names[f"bias{l}"] = flat.bias_grads[start : start + n]
        start += n
    z_sums = " and ".join(f"isfinite(add_reduce(z{l}, None))" for l in layers)
    gradients = " and ".join(f"isfinite(n{l}) and isfinite(add_reduce(bias{l}, None))" for l in layers)
    names["FORWARD_OVERFLOW"] = FORWARD_OVERFLOW
    lines = [
        *forward,
        f"if not ({z_sums}):",
        '    raise StepOverflow(FORWARD_OVERFLOW, "loss")',
        *backward,
        f"if not ({gradients}):",
        '    raise StepOverflow(GRADIENTS_OVERFLOW, "gradients")',
    ]
    return "\n\ndef check(X, Y):\n" + "".join(f"    {line}\n" for line in lines)


def _buffers(names: dict, net: Network, flat: FlatSGD, rows: int, spare: int) -> np.ndarray:
    """Add the step's arrays to ``names``: per layer (1..L) z, a where a ufunc writes it, δ
    and δᵀ, W, Wᵀ and b's replicas (views of θ), dL_dW (a view of g, also flat as g1…), f
    and f′; the blocks A and FP of the tanh layers' a and 1 − a·a, and ``square``, the
    squared errors. Returns the block of every δ, followed by ``spare`` elements (then
    ``square``'s)."""
    layers = net.layers
    acts = [layer.activation for layer in layers]
    sizes = [layer.W.shape[0] for layer in layers]
    tanh = [l for l in range(1, len(layers) + 1) if acts[l - 1] == TANH]
    if tanh:
        names["A"] = np.empty(rows * sum(sizes[l - 1] for l in tanh))
        names["FP"] = np.empty_like(names["A"])
    offset = 0
    for l in tanh:
        end = offset + rows * sizes[l - 1]
        names[f"a{l}"] = names["A"][offset:end].reshape(rows, -1)
        names[f"fp{l}"] = names["FP"][offset:end].reshape(rows, -1)
        offset = end
    deltas = np.empty(rows * sum(sizes) + spare)
    names["square"] = deltas[-spare:].reshape(rows, 1) if spare else np.empty((rows, sizes[-1]))
    offset = 0
    for l, (layer, n) in enumerate(zip(layers, sizes), start=1):
        dW, _ = flat.grads[l - 1]
        end = offset + rows * n
        names[f"d{l}"] = deltas[offset:end].reshape(rows, n)
        names.update({f"dT{l}": names[f"d{l}"].T, f"dW{l}": dW, f"g{l}": dW.reshape(-1)})
        names.update({f"W{l}": layer.W, f"WT{l}": layer.W.T, f"z{l}": np.empty((rows, n))})
        names.update({f"b{l}": flat.replicas[l - 1][:rows], f"f{l}": ACTIVATIONS[acts[l - 1]].fn})
        names[f"p{l}"] = ACTIVATIONS[acts[l - 1]].prime
        offset = end
    return deltas


def _times_derivative(l: int, activation: str, a: str) -> list[str]:
    """δ[l] ⊙= f′(z[l]): nothing for f′ = 1, the tanh block's 1 − a·a, or ``prime(z, a)``."""
    if activation == IDENTITY:
        return []
    if activation == TANH:
        return [f"multiply(d{l}, fp{l}, d{l})"]
    return [f"multiply(d{l}, p{l}(z{l}, {a}), d{l})"]


def _runs(sizes: list[int]) -> dict[int, int]:
    """Runs of consecutive layers of one width: first layer → last layer (1-based)."""
    runs, first = {}, 1
    for l in range(2, len(sizes) + 2):
        if l > len(sizes) or sizes[l - 1] != sizes[first - 1]:
            runs[first] = l - 1
            first = l
    return runs
