"""Optimizers and the update phase: w ← w − step, where step depends on the optimizer.

    sgd:       step = η·g
    momentum:  v ← β·v + g;                       step = η·v          (PyTorch's form)
    adam:      m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
               step = η·m̂ / (√v̂ + ε),  m̂ = m/(1−β1^t),  v̂ = v/(1−β2^t)

Adam's ``t`` counts the steps of each parameter tensor, as PyTorch does: a layer frozen
for a while and then unfrozen takes a full-size first step. It is kept in the slot's state
as ``state["W1"]["t"]``, a 0-d float64 array beside ``m`` and ``v``; a slot stored without
one (written before per-tensor counts) continues from the global count ``Optimizer.t``.

A parameter whose layer switch is off (``train_W`` / ``train_b``) gets a zero step and
keeps its optimizer state. A step that would make any parameter non-finite is refused
before anything changes: parameters and optimizer state stay as they were.
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass, field

import numpy as np

from .divergence import check_next_step, next_step_message
from .errors import EngineError, NonFiniteError, StepOverflow
from .network import BackwardTrace, Network, total_loss


@dataclass(frozen=True)
class OptimizerInfo:
    """What the catalog says of an optimizer: its update rule and default hyperparameters."""

    name: str
    formula: str
    defaults: dict[str, float]


OPTIMIZERS = {
    info.name: info
    for info in (
        OptimizerInfo("sgd", "w ← w − η·g", {}),
        OptimizerInfo("momentum", "v ← β·v + g;  w ← w − η·v", {"beta": 0.9}),
        OptimizerInfo(
            "adam",
            "m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − η·m̂/(√v̂ + ε)",
            {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        ),
    )
}


@dataclass
class Optimizer:
    name: str = "sgd"
    learning_rate: float = 0.1
    _: KW_ONLY  # the rule's constants and the state by name: Optimizer("adam", 0.01, beta1=0.8)
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    t: int = 0  # updates applied
    # Per parameter slot ("W1", "b1", ...): {"v": array} for momentum, {"m", "v", "t"} for
    # adam (t: that slot's own step count, a 0-d array).
    state: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise EngineError(f"unknown optimizer {self.name!r}; choose one of {list(OPTIMIZERS)}")
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise EngineError("learning_rate must be a finite number > 0")
        for name in ("beta", "beta1", "beta2"):
            if not 0 <= getattr(self, name) < 1:
                raise EngineError(f"{name} must be in [0, 1)")
        if not (np.isfinite(self.eps) and self.eps > 0):
            raise EngineError("eps must be a finite number > 0")
        for key, slot in self.state.items():
            t = slot.get("t")
            if t is not None and not (
                np.ndim(t) == 0 and np.isfinite(t) and t >= 0 and float(t).is_integer()
            ):
                raise EngineError(f"optimizer state {key}.t must be a whole number ≥ 0 (that slot's steps)")

    def _step(self, key: str, g: np.ndarray, t: int) -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
        """The step for one parameter and its new optimizer state (nothing is mutated)."""
        lr = self.learning_rate
        if self.name == "sgd":
            return sgd_step(g, lr), None
        old = self.state.get(key)
        if self.name == "momentum":
            v = g if old is None else self.beta * old["v"] + g
            return lr * v, {"v": v}
        m = (1 - self.beta1) * g if old is None else self.beta1 * old["m"] + (1 - self.beta1) * g
        v = (1 - self.beta2) * g * g if old is None else self.beta2 * old["v"] + (1 - self.beta2) * g * g
        if old is not None:  # this slot's count; a slot stored without one used the global t
            t = int(old["t"]) + 1 if "t" in old else t
        else:
            t = 1
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        return lr * m_hat / (np.sqrt(v_hat) + self.eps), {"m": m, "v": v, "t": np.array(float(t))}


# SGD's step η·g is this one ufunc: sgd_step calls it, and the flat update's source names it
# itself (on a 2-8-8-1 network a Python call around it is 1% of a step).
SGD_STEP = np.multiply


def sgd_step(g: np.ndarray, learning_rate: float | np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """SGD's step, η·g, written into ``out`` when given (``learning_rate`` may be a 0-d array)."""
    return SGD_STEP(g, learning_rate, out)


def apply_gradients(
    net: Network, opt: Optimizer, dL_dW: list[np.ndarray], dL_db: list[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Apply one optimizer step to every trainable parameter; return (steps_W, steps_b).

    All-or-nothing: raises :class:`NonFiniteError` and changes nothing if any new value
    is NaN, infinite, or beyond ±1e154 (where squaring it, as the losses do, overflows), or
    if the new optimizer state is not finite.
    Callers run it under ``np.errstate(over="ignore", invalid="ignore")``, as :func:`update`
    and the trainer do.
    """
    t = opt.t + 1
    steps_W: list[np.ndarray] = []
    steps_b: list[np.ndarray] = []
    pending = []
    # Σ θ² over all new values: NaN, ±inf or |θ| > 1e154 anywhere makes it non-finite,
    # so one scalar check guards every parameter.
    total = 0.0
    for i, layer in enumerate(net.layers, start=1):
        for kind, steps, grad, trainable in (
            ("W", steps_W, dL_dW[i - 1], layer.train_W),
            ("b", steps_b, dL_db[i - 1], layer.train_b),
        ):
            if not trainable:
                steps.append(np.zeros_like(grad))
                continue
            key = kind + str(i)
            step, state = opt._step(key, grad, t)
            new = getattr(layer, kind) - step
            total += np.vdot(new, new)
            if state:  # Adam's v = g² can overflow while the step stays finite
                total += sum(np.add.reduce(np.abs(v), axis=None) for v in state.values())
            steps.append(step)
            pending.append((layer, kind, new, key, state))
    if not math.isfinite(total):
        raise NonFiniteError(
            "the update would make the parameters or optimizer state non-finite (NaN or "
            "infinity); the step was "
            f"refused and the parameters are unchanged — try a lower learning rate than "
            f"{opt.learning_rate:g}",
            parameter=_first_non_finite(pending),
            layers=len(net.layers),
        )
    for layer, kind, new, key, state in pending:
        setattr(layer, kind, new)
        if state:
            opt.state[key] = state
    opt.t = t
    return steps_W, steps_b


class FlatSGD:
    """Plain SGD over every parameter at once, for training's fast path.

    While it trains (an epoch, or every epoch of one ``train()`` call) the layers' ``W`` and
    ``b`` are views into one vector θ (a fresh copy: no array handed out before it was made
    is ever written; the weights first, then the biases), and backward writes the gradients
    into the matching views of one vector g (``grads``). An update is then a handful of
    NumPy calls whatever the number of layers: θ_new = θ − η·g, one finiteness check, one
    copy into θ (:meth:`update_source`, which a step's source includes). Elementwise these
    are the operations of :func:`apply_gradients`, so the numbers are the same; it refuses
    the same steps, changing nothing when it does.

    The copy also writes ``rows`` copies of each layer's b (``replicas``: one (rows, n_l)
    array per layer), which the forward pass adds to z: an elementwise sum of two arrays of
    one shape costs a third of adding b broadcast over the rows, and gives the same sums.
    """

    def __init__(self, net: Network, opt: Optimizer, rows: int = 1) -> None:
        self.net, self.opt, self.rows = net, opt, rows
        layers = net.layers
        params = [(i, "W") for i in range(len(layers))] + [(i, "b") for i in range(len(layers))]
        size = sum(getattr(layers[i], kind).size for i, kind in params)
        bias_size = sum(layer.b.size for layer in layers)
        # θ, then the replicas of the biases: one buffer, so one take() writes both.
        self._buffer = np.empty(size + rows * bias_size)
        self.theta = self._buffer[:size]
        # g, and one spare element after it: a step may write its loss's sum there, beside
        # dL_db of the output layer, when one call sums both (fastpath.step_source).
        self.gradient_and_spare = np.zeros(size + 1)
        self.gradient = self.gradient_and_spare[:size]
        self._new = np.empty(size)  # the candidate θ of a step
        self._previous = np.empty(size)  # θ before the last step, for undo()
        self._rate = np.array(opt.learning_rate)  # 0-d: no conversion of a Python float per step
        spans: dict[tuple[int, str], tuple[int, int]] = {}
        views: dict[tuple[int, str], np.ndarray] = {}
        self.frozen: list[np.ndarray] = []
        self.replicas: list[np.ndarray] = []
        sources = [np.arange(size)]  # where each element of the buffer is copied from, in θ
        offset, replica = 0, size
        for i, kind in params:
            layer = layers[i]
            value = getattr(layer, kind)
            end = offset + value.size
            self.theta[offset:end] = value.ravel()
            setattr(layer, kind, self.theta[offset:end].reshape(value.shape))
            views[i, kind], spans[i, kind] = self.gradient[offset:end].reshape(value.shape), (offset, end)
            if not getattr(layer, "train_" + kind):
                self.frozen.append(views[i, kind])
            if kind == "b":
                sources.append(np.tile(np.arange(offset, end), rows))
                self.replicas.append(self._buffer[replica : replica + rows * value.size].reshape(rows, -1))
                replica += rows * value.size
            offset = end
        self._sources = np.concatenate(sources)
        self.refresh()
        # The parameters in the order a refused step names the first non-finite one.
        self.names = [(f"{kind}{i + 1}", *spans[i, kind]) for i in range(len(layers)) for kind in ("W", "b")]
        self.grads = [(views[i, "W"], views[i, "b"]) for i in range(len(layers))]  # per layer, for backward
        self.bias_grads = self.gradient[size - bias_size :]  # every dL_db, layer after layer

    def refresh(self) -> None:
        """Write the replicas of b from θ."""
        size = len(self.theta)
        self.theta.take(self._sources[size:], None, self._buffer[size:], "clip")

    def update_source(self, names: dict, loop: bool = False) -> list[str]:
        """The update as lines of a step's source (:func:`fastpath.step_source`), the names
        they read added to ``names``: θ_new = θ − η·g into a candidate, refused (raising
        :class:`NonFiniteError`, nothing changed) when Σ θ_new² is not finite, as
        apply_gradients refuses; else one take() writes θ and every replica of b.

        With ``loop``, the lines of :meth:`loop_source`'s loop: the candidate buffer is
        ``cand``, and once θ is written it trades places with ``held``, which then holds θ
        before the update (what :meth:`undo` restores) with no copy; the optimizer's count
        is the loop's to add."""
        lines = []
        for k, view in enumerate(self.frozen):  # a frozen parameter's step is zero
            names[f"frozen{k}"] = view
            lines.append(f"frozen{k}[...] = 0.0")
        names.update(sgd_step=SGD_STEP, gradient=self.gradient, rate=self._rate, new=self._new)
        names.update(theta=self.theta, sources=self._sources, buffer=self._buffer, refuse=self.refuse)
        names.update(opt=self.opt, isfinite=math.isfinite, subtract=np.subtract, previous=self._previous)
        new = "cand" if loop else "new"
        lines += [
            f"sgd_step(gradient, rate, {new})",  # η·g
            f"subtract(theta, {new}, {new})",  # θ − η·g
            f"if not isfinite({new}.dot({new})):",
            f"    refuse({new})",
        ]
        # "clip": the indices are valid, and the default mode would copy the output once
        # more to check them.
        take = f'{new}.take(sources, None, buffer, "clip")'
        if loop:
            return lines + [take, "cand, held = held, cand"]
        # for undo(); an assignment copies without np.copyto's Python-level dispatch
        return lines + ["previous[...] = theta", take, "opt.t += 1"]

    def loop_source(self) -> tuple[list[str], list[str]]:
        """The lines before a loop of updates written with ``update_source(names, loop=True)``
        and those of its ``finally``, given ``applied``, the updates it applied: θ as the
        first candidate's place-mate, and after the loop θ before the last update in
        ``previous`` for :meth:`undo` (copied only when it is in the other buffer), the
        optimizer's count moved on."""
        before = ["held, cand = previous, new", "held[...] = theta"]
        after = ["opt.t += applied", "if applied and cand is not previous:", "    previous[...] = cand"]
        return before, after

    def undo(self) -> None:
        """Take back the last applied step (one level): θ and the replicas of b as before it,
        the optimizer's count one less."""
        np.copyto(self.theta, self._previous)
        self.refresh()
        self.opt.t -= 1

    def refuse(self, new: np.ndarray) -> None:
        """Raise for the candidate θ ``new``, naming its first non-finite parameter (None when
        each one's Σ θ² is finite and only their sum overflows, as apply_gradients names it)."""
        names = (name for name, a, b in self.names if not math.isfinite(np.vdot(new[a:b], new[a:b])))
        first = next(names, None)
        raise NonFiniteError(
            "the update would make the parameters non-finite (NaN or infinity); the step was "
            f"refused and the parameters are unchanged — try a lower learning rate than "
            f"{self.opt.learning_rate:g}",
            parameter=first,
            layers=len(self.net.layers),
        )


def _first_non_finite(pending: list) -> str | None:
    """The name ("W2") of the first parameter whose new value or state is out of range."""
    for _, _, new, key, state in pending:
        sizes = [np.vdot(new, new), *(np.add.reduce(np.abs(v), axis=None) for v in (state or {}).values())]
        if not all(math.isfinite(x) for x in sizes):
            return key
    return None


@dataclass
class LayerUpdate:
    index: int
    W_old: np.ndarray
    dL_dW: np.ndarray
    step_W: np.ndarray  # W_new = W_old − step_W
    W_new: np.ndarray
    b_old: np.ndarray
    dL_db: np.ndarray
    step_b: np.ndarray
    b_new: np.ndarray


@dataclass
class UpdateTrace:
    learning_rate: float
    optimizer: str
    layers: list[LayerUpdate]
    # The loss phase's scalar on the same batch, with the new parameters; None where it is not
    # finite (the rule looks at the batch that comes next, which may still run).
    loss_after: float | None


def update(
    net: Network,
    opt: Optimizer,
    back: BackwardTrace,
    inputs: np.ndarray,
    targets: np.ndarray,
    following: tuple[np.ndarray, np.ndarray] | None = None,
) -> UpdateTrace:
    """The update phase with its trace; ``inputs``/``targets`` are the batch just used,
    ``following`` the batch the next step takes (the same one when there is no other).

    Refused (nothing changed) by engine.divergence's rule: if a new parameter or optimizer
    state would be non-finite, or if at the new parameters the following batch's loss or
    gradients would be (:class:`StepOverflow`, with the 422's sentence).
    """
    old = [(layer.W, layer.b) for layer in net.layers]
    old_state, old_t = dict(opt.state), opt.t
    with np.errstate(over="ignore", invalid="ignore"):
        steps_W, steps_b = apply_gradients(
            net, opt, [g.dL_dW for g in back.layers], [g.dL_db for g in back.layers]
        )
    try:
        check_next_step(net, *(following or (inputs, targets)))
    except StepOverflow as error:
        for layer, (W, b) in zip(net.layers, old):
            layer.W, layer.b = W, b
        opt.state, opt.t = old_state, old_t
        raise StepOverflow(next_step_message(error, opt.learning_rate), error.what) from None
    try:
        loss_after: float | None = total_loss(net, inputs, targets)
    except NonFiniteError:
        loss_after = None
    layers = [
        LayerUpdate(i, W_old, g.dL_dW, sW, layer.W, b_old, g.dL_db, sb, layer.b)
        for i, ((W_old, b_old), g, sW, sb, layer) in enumerate(
            zip(old, back.layers, steps_W, steps_b, net.layers), start=1
        )
    ]
    return UpdateTrace(opt.learning_rate, opt.name, layers, loss_after)
