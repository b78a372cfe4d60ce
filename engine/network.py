"""A fully connected network and its three read-only phases: forward, loss, backward.

Shape convention (stated once, used everywhere): float64, batch-first. Layer ``l = 1..L``
has ``n_l`` neurons; ``a[0]`` is the input batch of shape ``(B, n_0)``.

    z[l] = a[l-1] @ W[l].T + b[l]     W[l]: (n_l, n_{l-1}), b[l]: (n_l,), z[l]: (B, n_l)
    a[l] = f_l(z[l])

``W[l][j][i]`` is the weight from neuron ``i`` of layer ``l-1`` into neuron ``j`` of
layer ``l`` (the textbook ``w_ji``; PyTorch ``nn.Linear`` stores it the same way).

The scalar every gradient differentiates is the one :func:`loss` reports::

    L = (1/B) Σ_s L_s  +  penalty(W)

so ``dL_dz`` already carries the ``1/B`` and ``dL_dW[l] = dL_dz[l].T @ a[l-1]`` (+ the
penalty's gradient) with no further factor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS, softmax_backward
from .losses import LOSSES

PAIRED = {(name, loss.pairs_with) for name, loss in LOSSES.items() if loss.pairs_with}

REGULARIZATIONS = ("none", "l1", "l2")
# The phases of one training step, in the order they must run.
PHASES = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class InitializerInfo:
    """What the catalog says of an initializer; ``default_scale`` is r or σ where one applies."""

    name: str
    description: str
    default_scale: float | None = None


INITIALIZERS = {
    info.name: info
    for info in (
        InitializerInfo("uniform", "W, b ~ U(−r, r), r = scale", 0.5),
        InitializerInfo("normal", "W, b ~ N(0, σ²), σ = scale", 0.1),
        InitializerInfo("xavier", "W ~ U(±√(6/(n_in+n_out))), b = 0"),
        InitializerInfo("he", "W ~ N(0, 2/n_in), b = 0"),
        InitializerInfo("zeros", "all 0 (shows why symmetry must be broken)"),
    )
}

# Gradient-health thresholds on per-layer ‖∂L/∂W‖₂ (documented in the README and catalog).
# A layer is "vanishing" when its norm is below VANISHING_RATIO × the output layer's norm,
# and "exploding" when its norm exceeds EXPLODING_NORM or EXPLODING_RATIO × the output
# layer's norm. Ratios rather than absolute sizes: near a minimum every gradient is small,
# and that is convergence, not vanishing.
VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3
EXPLODING_NORM = 1e3


class EngineError(ValueError):
    """Invalid request to the engine: a wrong name, shape or value."""


class NonFiniteError(ArithmeticError):
    """A step would put NaN or infinity into the parameters; it was refused.

    ``parameter`` names the first parameter ("W2", "b1") that would have gone non-finite,
    when the refusal came from the update rather than from an overflowing loss.
    """

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass
class Layer:
    """One dense layer. ``W``: (n_out, n_in), ``b``: (n_out,)."""

    W: np.ndarray
    b: np.ndarray
    activation: str
    train_W: bool = True
    train_b: bool = True

    def __repr__(self) -> str:
        n_out, n_in = self.W.shape
        return f"Layer({n_in}→{n_out}, {self.activation})"


@dataclass
class Regularization:
    kind: str = "none"
    rate: float = 0.0

    def penalty(self, layers: list[Layer]) -> float:
        if self.kind == "l1":
            return self.rate * float(sum(np.abs(layer.W).sum() for layer in layers))
        if self.kind == "l2":
            return 0.5 * self.rate * float(sum((layer.W**2).sum() for layer in layers))
        return 0.0

    def grad(self, W: np.ndarray) -> np.ndarray | None:
        if self.kind == "l1":
            return self.rate * np.sign(W)
        if self.kind == "l2":
            return self.rate * W
        return None


@dataclass
class Network:
    layers: list[Layer]
    loss: str = "half_sse"
    regularization: Regularization = field(default_factory=Regularization)

    def __post_init__(self) -> None:
        validate(self)

    @property
    def sizes(self) -> list[int]:
        return [self.layers[0].W.shape[1]] + [layer.W.shape[0] for layer in self.layers]

    @property
    def n_parameters(self) -> int:
        return sum(layer.W.size + layer.b.size for layer in self.layers)

    def __repr__(self) -> str:
        acts = ",".join(layer.activation for layer in self.layers)
        return f"Network({'-'.join(map(str, self.sizes))}, {acts}, loss={self.loss})"


def validate(net: Network) -> None:
    if not net.layers:
        raise EngineError("a network needs at least one layer of weights")
    if net.loss not in LOSSES:
        raise EngineError(f"unknown loss {net.loss!r}; choose one of {sorted(LOSSES)}")
    if net.regularization.kind not in REGULARIZATIONS:
        raise EngineError(f"unknown regularization {net.regularization.kind!r}")
    if not (np.isfinite(net.regularization.rate) and net.regularization.rate >= 0):
        raise EngineError("regularization rate must be a finite number ≥ 0")
    prev = net.layers[0].W.shape[1]
    for index, layer in enumerate(net.layers, start=1):
        if layer.activation not in ACTIVATIONS:
            raise EngineError(
                f"layer {index}: unknown activation {layer.activation!r}; choose one of {sorted(ACTIVATIONS)}"
            )
        if ACTIVATIONS[layer.activation].output_only and index != len(net.layers):
            raise EngineError(f"layer {index}: {layer.activation} is allowed on the output layer only")
        if layer.W.ndim != 2 or layer.W.shape[1] != prev:
            raise EngineError(f"layer {index}: W must have shape (n_out, {prev}), got {tuple(layer.W.shape)}")
        if layer.b.shape != (layer.W.shape[0],):
            raise EngineError(
                f"layer {index}: b must have shape ({layer.W.shape[0]},), got {tuple(layer.b.shape)}"
            )
        if not (np.isfinite(layer.W).all() and np.isfinite(layer.b).all()):
            raise EngineError(f"layer {index}: weights and biases must be finite numbers")
        prev = layer.W.shape[0]
    if net.layers[-1].activation == "softmax" and net.layers[-1].W.shape[0] < 2:
        raise EngineError("softmax needs at least 2 output neurons")


def init_parameters(
    sizes: list[int], method: str, rng: np.random.Generator, scale: float | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer for layer sizes ``sizes`` (input first).

    ``uniform``: W, b ~ U(−r, r), r = ``scale`` (default 0.5). ``normal``: W, b ~ N(0, σ²),
    σ = ``scale`` (default 0.1). ``xavier``: W ~ U(±√(6/(n_in+n_out))), b = 0.
    ``he``: W ~ N(0, 2/n_in), b = 0. ``zeros``: all 0 (shows why symmetry must be broken).
    """
    if method not in INITIALIZERS:
        raise EngineError(f"unknown initializer {method!r}; choose one of {list(INITIALIZERS)}")
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if method == "uniform":
            r = INITIALIZERS["uniform"].default_scale if scale is None else scale
            W, b = rng.uniform(-r, r, (n_out, n_in)), rng.uniform(-r, r, n_out)
        elif method == "normal":
            s = INITIALIZERS["normal"].default_scale if scale is None else scale
            W, b = rng.normal(0.0, s, (n_out, n_in)), rng.normal(0.0, s, n_out)
        elif method == "xavier":
            r = np.sqrt(6.0 / (n_in + n_out))
            W, b = rng.uniform(-r, r, (n_out, n_in)), np.zeros(n_out)
        elif method == "he":
            W, b = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in)), np.zeros(n_out)
        else:
            W, b = np.zeros((n_out, n_in)), np.zeros(n_out)
        params.append((W, b))
    return params


def build_network(
    sizes: list[int],
    activations: list[str],
    *,
    loss: str = "half_sse",
    regularization: Regularization | None = None,
    init: str = "xavier",
    rng: np.random.Generator,
    scale: float | None = None,
) -> Network:
    if len(sizes) < 2 or any(int(n) < 1 for n in sizes):
        raise EngineError("layers needs at least an input and an output size, each ≥ 1")
    if len(activations) != len(sizes) - 1:
        raise EngineError(
            f"activations needs one name per non-input layer: {len(sizes) - 1}, got {len(activations)}"
        )
    params = init_parameters(sizes, init, rng, scale)
    layers = [Layer(W, b, act) for (W, b), act in zip(params, activations)]
    return Network(layers, loss, regularization or Regularization())


# --- forward -----------------------------------------------------------------------------


@dataclass(slots=True)
class ForwardTrace:
    """``z[l-1]``, ``a[l-1]`` are layer l's arrays, each (B, n_l); ``inputs`` is a[0]."""

    inputs: np.ndarray
    z: list[np.ndarray]
    a: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        return self.a[-1]


def forward(net: Network, inputs: np.ndarray) -> ForwardTrace:
    """Weighted sum then activation, layer by layer. ``inputs``: (B, n_0)."""
    if inputs.ndim != 2 or inputs.shape[1] != net.sizes[0]:
        raise EngineError(f"inputs must have shape (batch, {net.sizes[0]}), got {tuple(inputs.shape)}")
    # Overflow is detected and refused below; NumPy's warning would only be noise.
    with np.errstate(over="ignore", invalid="ignore"):
        fwd = _forward(net, inputs)
    for index, z in enumerate(fwd.z, start=1):
        if not math.isfinite(z.sum()):
            raise NonFiniteError(
                f"the forward pass overflowed at layer {index} (z is not finite): the weights "
                "are too large — reset the network or use a lower learning rate"
            )
    return fwd


def _forward(net: Network, inputs: np.ndarray) -> ForwardTrace:
    zs, activations = [], []
    a = inputs
    for layer in net.layers:
        z = a @ layer.W.T + layer.b
        a = ACTIVATIONS[layer.activation].fn(z)
        zs.append(z)
        activations.append(a)
    return ForwardTrace(inputs, zs, activations)


# --- loss --------------------------------------------------------------------------------


@dataclass(slots=True)
class LossTrace:
    """``loss`` = ``data_loss`` + ``penalty``; ``per_sample``: (B,); ``dL_da``: (B, K)."""

    loss: float
    data_loss: float
    penalty: float
    per_sample: np.ndarray | None  # None only on the training fast path
    targets: np.ndarray
    output: np.ndarray
    dL_da: np.ndarray | None  # None only on the fast path, when the output is paired


def _logits_for(net: Network, fwd: ForwardTrace) -> np.ndarray | None:
    return fwd.z[-1] if is_paired(net) else None


def loss(net: Network, fwd: ForwardTrace, targets: np.ndarray) -> LossTrace:
    """Batch-mean data loss plus the regularization penalty. ``targets``: (B, K)."""
    if targets.shape != fwd.output.shape:
        raise EngineError(f"targets must have shape {tuple(fwd.output.shape)}, got {tuple(targets.shape)}")
    with np.errstate(over="ignore", invalid="ignore"):
        lss = _loss(net, fwd, targets)
    if not (math.isfinite(lss.loss) and np.isfinite(lss.dL_da).all()):
        raise NonFiniteError(
            "the loss overflowed (not a finite number): the outputs or weights are too large — "
            "reset the network or use a lower learning rate"
        )
    return lss


def _loss(net: Network, fwd: ForwardTrace, targets: np.ndarray, trace: bool = True) -> LossTrace:
    """``trace=False`` (the training fast path) skips ``per_sample``, and ``dL_da`` when the
    output is paired with the loss (its ∂L/∂z then has a closed form)."""
    spec, output = LOSSES[net.loss], fwd.output
    B, K = output.shape
    terms = spec.terms(targets, output, _logits_for(net, fwd))
    weight = spec.weight(K)
    per_sample = terms.sum(axis=1) * weight if trace else None
    data_loss = float(np.add.reduce(terms, axis=None)) * weight / B
    penalty = net.regularization.penalty(net.layers) if net.regularization.kind != "none" else 0.0
    dL_da = spec.grad(targets, output, _logits_for(net, fwd)) / B if trace or not is_paired(net) else None
    return LossTrace(data_loss + penalty, data_loss, penalty, per_sample, targets, output, dL_da)


# --- backward ----------------------------------------------------------------------------


# How a layer's dL_dz was obtained (LayerGrad.dL_dz_rule), with the formula the UI shows.
# B is the batch size, K the number of outputs; ⊙ is the elementwise product.
DL_DZ_RULES = {
    "chain": "dL_dz = dL_da ⊙ f′(z)",
    "softmax_jacobian": "dL_dz = a ⊙ (dL_da − Σ_k dL_da_k·a_k)",
    "paired_sigmoid_bce": "dL_dz = (a − y) / (K·B)",
    "paired_softmax_ce": "dL_dz = (a·Σ_k y_k − y) / B",
}


@dataclass(slots=True)
class LayerGrad:
    """Gradients of layer ``index``; arrays have the shapes of z, W and b of that layer."""

    index: int
    dL_da: np.ndarray  # ∂L/∂a[l]: from the loss at the output, Σ_j δ_j w_ji below it
    da_dz: np.ndarray | None  # f′(z[l]) elementwise; None for softmax
    dL_dz: np.ndarray  # δ[l] = ∂L/∂a · f′(z)
    dL_dW: np.ndarray  # δ[l].T @ a[l-1] (+ penalty gradient)
    dL_db: np.ndarray  # Σ_s δ[l]
    grad_norm: float  # ‖∂L/∂W[l]‖₂
    dL_dz_rule: str = "chain"  # a key of DL_DZ_RULES: how dL_dz was computed


@dataclass
class BackwardTrace:
    layers: list[LayerGrad]  # by index 1..L

    @property
    def health(self) -> dict:
        return gradient_health([g.grad_norm for g in self.layers])


def is_paired(net: Network) -> bool:
    """Sigmoid + BCE or softmax + cross-entropy: ∂L/∂z has a closed form at the output."""
    return (net.loss, net.layers[-1].activation) in PAIRED


def _output_rule(net: Network) -> str:
    if is_paired(net):
        return "paired_sigmoid_bce" if net.loss == "bce" else "paired_softmax_ce"
    return "softmax_jacobian" if ACTIVATIONS[net.layers[-1].activation].prime is None else "chain"


def _output_dL_dz(net: Network, fwd: ForwardTrace, lss: LossTrace, da_dz: np.ndarray | None):
    a, y, B = fwd.output, lss.targets, fwd.output.shape[0]
    # Paired output/loss: the product ∂L/∂a · f′(z) simplifies to a difference that stays
    # exact when a has saturated to 0 or 1 (where ∂L/∂a alone would be clipped).
    if is_paired(net):
        if net.loss == "bce":
            return (a - y) / (y.shape[1] * B)
        return (a * y.sum(axis=1, keepdims=True) - y) / B
    if da_dz is None:
        return softmax_backward(a, lss.dL_da)
    return lss.dL_da * da_dz


def backward(net: Network, fwd: ForwardTrace, lss: LossTrace) -> BackwardTrace:
    """The chain rule, output layer first; returns the layers ordered by index 1..L."""
    with np.errstate(over="ignore", invalid="ignore"):
        grads = _backward_layers(net, fwd, lss)
    for g in grads:
        if not (math.isfinite(g.grad_norm) and math.isfinite(g.dL_db.sum())):
            raise NonFiniteError(
                f"the gradient of layer {g.index} overflowed (not finite); nothing was changed — "
                "use a lower learning rate or reset the network"
            )
    return BackwardTrace(grads)


def _backward_layers(net: Network, fwd: ForwardTrace, lss: LossTrace, trace: bool = True) -> list[LayerGrad]:
    """``trace=False`` (the training fast path) skips the output f′(z) a paired loss does not use."""
    grads: list[LayerGrad] = []
    dL_da = lss.dL_da
    regularized = net.regularization.kind != "none"
    last = len(net.layers) - 1
    for i in range(last, -1, -1):
        layer = net.layers[i]
        prime = ACTIVATIONS[layer.activation].prime
        skip = prime is None or (i == last and not trace and is_paired(net))
        da_dz = None if skip else prime(fwd.z[i], fwd.a[i])
        dL_dz = _output_dL_dz(net, fwd, lss, da_dz) if i == last else dL_da * da_dz
        a_prev = fwd.a[i - 1] if i > 0 else fwd.inputs
        dL_dW = dL_dz.T @ a_prev
        if regularized:
            dL_dW = dL_dW + net.regularization.grad(layer.W)
        dL_db = np.add.reduce(dL_dz, axis=0)  # = dL_dz.sum(0), without the method's overhead
        norm = math.sqrt(np.vdot(dL_dW, dL_dW))
        rule = _output_rule(net) if i == last else "chain"
        grads.append(LayerGrad(i + 1, dL_da, da_dz, dL_dz, dL_dW, dL_db, norm, rule))
        if i > 0:  # ∂L/∂a of the layer below; the inputs need none
            dL_da = dL_dz @ layer.W
    grads.reverse()
    return grads


def gradient_health(norms: list[float]) -> dict:
    """Flags layers whose ‖∂L/∂W‖ is tiny or huge relative to the output layer's."""
    ref = norms[-1]
    layers = []
    for index, norm in enumerate(norms, start=1):
        ratio = norm / ref if ref > 0 else None
        if not np.isfinite(norm) or norm > EXPLODING_NORM or (ratio is not None and ratio > EXPLODING_RATIO):
            status = "exploding"
        elif ratio is not None and ratio < VANISHING_RATIO:
            status = "vanishing"
        else:
            status = "ok"
        layers.append({"index": index, "grad_norm": norm, "ratio_to_output": ratio, "status": status})
    return {
        "vanishing": any(entry["status"] == "vanishing" for entry in layers),
        "exploding": any(entry["status"] == "exploding" for entry in layers),
        "layers": layers,
        "thresholds": {
            "vanishing_ratio": VANISHING_RATIO,
            "exploding_ratio": EXPLODING_RATIO,
            "exploding_norm": EXPLODING_NORM,
        },
    }


def total_loss(net: Network, inputs: np.ndarray, targets: np.ndarray) -> float:
    """The scalar the loss phase reports, for a batch (used by gradient checks and loss_after)."""
    return loss(net, forward(net, inputs), targets).loss
