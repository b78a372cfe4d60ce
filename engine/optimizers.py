"""Optimizers and the update phase: w ← w − step, where step depends on the optimizer.

    sgd:       step = η·g
    momentum:  v ← β·v + g;                       step = η·v          (PyTorch's form)
    adam:      m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
               step = η·m̂ / (√v̂ + ε),  m̂ = m/(1−β1^t),  v̂ = v/(1−β2^t)

A parameter whose layer switch is off (``train_W`` / ``train_b``) gets a zero step and
keeps its optimizer state. A step that would make any parameter non-finite is refused
before anything changes: parameters and optimizer state stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .network import BackwardTrace, EngineError, Network, NonFiniteError, total_loss

OPTIMIZERS = ("sgd", "momentum", "adam")


@dataclass
class Optimizer:
    name: str = "sgd"
    learning_rate: float = 0.1
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    t: int = 0  # updates applied (Adam's bias correction)
    # Per parameter slot ("W1", "b1", ...): {"v": array} for momentum, {"m", "v"} for adam.
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

    def reset(self) -> None:
        self.t = 0
        self.state = {}

    def _step(self, key: str, g: np.ndarray, t: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The step for one parameter and its new optimizer state (nothing is mutated)."""
        lr = self.learning_rate
        if self.name == "sgd":
            return lr * g, {}
        old = self.state.get(key)
        if self.name == "momentum":
            v = g if old is None else self.beta * old["v"] + g
            return lr * v, {"v": v}
        m = (1 - self.beta1) * g if old is None else self.beta1 * old["m"] + (1 - self.beta1) * g
        v = (1 - self.beta2) * g * g if old is None else self.beta2 * old["v"] + (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        return lr * m_hat / (np.sqrt(v_hat) + self.eps), {"m": m, "v": v}


def apply_gradients(
    net: Network, opt: Optimizer, dL_dW: list[np.ndarray], dL_db: list[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Apply one optimizer step to every trainable parameter; return (steps_W, steps_b).

    All-or-nothing: raises :class:`NonFiniteError` and changes nothing if any new value
    (or any gradient) is NaN or infinite.
    """
    t = opt.t + 1
    steps: dict[str, np.ndarray] = {}
    new_state: dict[str, dict[str, np.ndarray]] = {}
    new_values: list[tuple[object, str, np.ndarray]] = []
    for i, layer in enumerate(net.layers, start=1):
        for kind, trainable, param, grad in (
            ("W", layer.train_W, layer.W, dL_dW[i - 1]),
            ("b", layer.train_b, layer.b, dL_db[i - 1]),
        ):
            key = f"{kind}{i}"
            if not trainable:
                steps[key] = np.zeros_like(param)
                continue
            step, state = opt._step(key, grad, t)
            new = param - step
            if not np.isfinite(new).all() or not np.isfinite(grad).all():
                raise NonFiniteError(
                    f"the update would make {kind}[{i}] non-finite (NaN or infinity); "
                    f"the step was refused and the parameters are unchanged — "
                    f"try a lower learning rate than {opt.learning_rate:g}"
                )
            steps[key] = step
            if state:
                new_state[key] = state
            new_values.append((layer, kind, new))
    for layer, kind, new in new_values:
        setattr(layer, kind, new)
    opt.state.update(new_state)
    opt.t = t
    n = len(net.layers)
    return [steps[f"W{i}"] for i in range(1, n + 1)], [steps[f"b{i}"] for i in range(1, n + 1)]


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
    """The update phase with its trace; ``inputs``/``targets`` are the batch just used."""
    old = [(layer.W, layer.b) for layer in net.layers]
    steps_W, steps_b = apply_gradients(
        net, opt, [g.dL_dW for g in back.layers], [g.dL_db for g in back.layers]
    )
    layers = [
        LayerUpdate(i, W_old, g.dL_dW, sW, layer.W, b_old, g.dL_db, sb, layer.b)
        for i, ((W_old, b_old), g, sW, sb, layer) in enumerate(
            zip(old, back.layers, steps_W, steps_b, net.layers), start=1
        )
    ]
    return UpdateTrace(opt.learning_rate, opt.name, layers, total_loss(net, inputs, targets))
