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

from .errors import EngineError, NonFiniteError
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


def sgd_step(g: np.ndarray, learning_rate: float, out: np.ndarray | None = None) -> np.ndarray:
    """SGD's step, η·g, written into ``out`` when given."""
    return np.multiply(g, learning_rate, out=out)


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
        )
    for layer, kind, new, key, state in pending:
        setattr(layer, kind, new)
        if state:
            opt.state[key] = state
    opt.t = t
    return steps_W, steps_b


class FlatSGD:
    """Plain SGD over every parameter at once, for training's fast path.

    For the length of an epoch the layers' ``W`` and ``b`` become views into one vector θ
    (a fresh copy: no array handed out before is ever written), and backward writes the
    gradients into the matching views of one vector g (``grads``). A step is then a handful
    of NumPy calls whatever the number of layers: θ_new = θ − η·g, one finiteness check, one
    copy into θ. Elementwise these are the operations of :func:`apply_gradients`, so the
    numbers are the same; it refuses the same steps, changing nothing when it does.
    """

    def __init__(self, net: Network, opt: Optimizer) -> None:
        self.net, self.opt = net, opt
        params = [(layer, kind) for layer in net.layers for kind in ("W", "b")]
        self.theta = np.concatenate([getattr(layer, kind).ravel() for layer, kind in params])
        self.gradient = np.zeros_like(self.theta)
        self._new = np.empty_like(self.theta)  # the candidate θ of a step
        self.names: list[tuple[str, int, int]] = []
        self.frozen: list[np.ndarray] = []
        views = []
        offset = 0
        for i, (layer, kind) in enumerate(params):
            shape = getattr(layer, kind).shape
            end = offset + math.prod(shape)
            setattr(layer, kind, self.theta[offset:end].reshape(shape))
            views.append(self.gradient[offset:end].reshape(shape))
            if not getattr(layer, "train_" + kind):
                self.frozen.append(views[-1])
            self.names.append((f"{kind}{i // 2 + 1}", offset, end))
            offset = end
        self.grads = list(zip(views[0::2], views[1::2]))  # (dL_dW, dL_db) per layer, for backward

    def apply(self) -> None:
        """Apply the step for the gradients in ``grads``; raises :class:`NonFiniteError`
        (changing nothing) like apply_gradients."""
        for view in self.frozen:  # a frozen parameter's step is zero
            view[...] = 0.0
        new = sgd_step(self.gradient, self.opt.learning_rate, self._new)
        np.subtract(self.theta, new, new)  # θ − η·g
        if not math.isfinite(new.dot(new)):
            first = next(name for name, a, b in self.names if not math.isfinite(np.vdot(new[a:b], new[a:b])))
            raise NonFiniteError(
                "the update would make the parameters non-finite (NaN or infinity); the step was "
                f"refused and the parameters are unchanged — try a lower learning rate than "
                f"{self.opt.learning_rate:g}",
                parameter=first,
            )
        np.copyto(self.theta, new)
        self.opt.t += 1


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
    loss_after: float  # the loss phase's scalar on the same batch, with the new parameters


def update(
    net: Network, opt: Optimizer, back: BackwardTrace, inputs: np.ndarray, targets: np.ndarray
) -> UpdateTrace:
    """The update phase with its trace; ``inputs``/``targets`` are the batch just used.

    Refused (nothing changed) if the new parameters are non-finite, or finite but so large
    that the loss on this batch overflows.
    """
    old = [(layer.W, layer.b) for layer in net.layers]
    old_state, old_t = dict(opt.state), opt.t
    with np.errstate(over="ignore", invalid="ignore"):
        steps_W, steps_b = apply_gradients(
            net, opt, [g.dL_dW for g in back.layers], [g.dL_db for g in back.layers]
        )
    try:
        loss_after = total_loss(net, inputs, targets)
    except NonFiniteError:
        for layer, (W, b) in zip(net.layers, old):
            layer.W, layer.b = W, b
        opt.state, opt.t = old_state, old_t
        raise NonFiniteError(
            "the update would make the loss overflow; the step was refused and the parameters "
            f"are unchanged — try a lower learning rate than {opt.learning_rate:g}"
        ) from None
    layers = [
        LayerUpdate(i, W_old, g.dL_dW, sW, layer.W, b_old, g.dL_db, sb, layer.b)
        for i, ((W_old, b_old), g, sW, sb, layer) in enumerate(
            zip(old, back.layers, steps_W, steps_b, net.layers), start=1
        )
    ]
    return UpdateTrace(opt.learning_rate, opt.name, layers, loss_after)
