"""A fully connected network and its three read-only phases: forward, loss, backward.

Shape convention (stated once, used everywhere): float64, batch-first. Layer ``l = 1..L``
has ``n_l`` neurons; ``a[0]`` is the input batch of shape ``(B, n_0)``.

    z[l] = a[l-1] @ W[l].T + b[l]     W[l]: (n_l, n_{l-1}), b[l]: (n_l,), z[l]: (B, n_l)
    a[l] = f_l(z[l])

``W[l][j][i]`` is the weight from neuron ``i`` of layer ``l-1`` into neuron ``j`` of
layer ``l`` (the textbook ``w_ji``; PyTorch ``nn.Linear`` stores it the same way).
Every trace lists its layers as records carrying that ``index`` l, ordered 1..L.

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
from .errors import EngineError, NonFiniteError, layer_name
from .health import gradient_health
from .initializers import init_parameters
from .losses import LOSSES, sigmoid_bce_delta, softmax_ce_delta

PAIRED = {(name, loss.pairs_with) for name, loss in LOSSES.items() if loss.pairs_with}

REGULARIZATIONS = ("none", "l1", "l2")
# The phases of one training step, in the order they must run.
PHASES = ("forward", "loss", "backward", "update")
# What to do about an overflow in a phase: its cause may be the data, hand-set weights, or
# weights that updates made large.
TOO_LARGE = (
    "use smaller inputs or weights, or reset the network (weights that training made this large "
    "call for a lower learning rate)"
)


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
    """The penalty on the weights (biases carry none): λ·Σ|w| (l1) or ½λ·Σw² (l2), that is
    ``factor`` · Σ ``size(w)``."""

    kind: str = "none"
    rate: float = 0.0

    @property
    def factor(self) -> float:
        return 0.5 * self.rate if self.kind == "l2" else self.rate

    def size(self, W: np.ndarray) -> np.ndarray:
        """Each weight's share of the penalty before the factor: |w| (l1) or w² (l2)."""
        return np.abs(W) if self.kind == "l1" else np.square(W)

    def penalty(self, layers: list[Layer]) -> float:
        if self.kind == "none":
            return 0.0
        return self.factor * float(sum(self.size(layer.W).sum() for layer in layers))

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
class LayerForward:
    """Layer ``index``'s weighted sums and activations, each (B, n_l)."""

    index: int
    z: np.ndarray
    a: np.ndarray


@dataclass(slots=True)
class ForwardTrace:
    """``inputs`` is a[0], (B, n_0); ``layers`` holds z[l] and a[l] for l = 1..L."""

    inputs: np.ndarray
    layers: list[LayerForward]

    @property
    def output(self) -> np.ndarray:
        return self.layers[-1].a

    def a_in(self, index: int) -> np.ndarray:
        """a[index − 1]: what layer ``index`` multiplies by its weights (the inputs for l = 1)."""
        return self.inputs if index == 1 else self.layers[index - 2].a


def forward(net: Network, inputs: np.ndarray) -> ForwardTrace:
    """Weighted sum then activation, layer by layer. ``inputs``: (B, n_0)."""
    if inputs.ndim != 2 or inputs.shape[1] != net.sizes[0]:
        raise EngineError(f"inputs must have shape (batch, {net.sizes[0]}), got {tuple(inputs.shape)}")
    # Overflow is detected and refused below; NumPy's warning would only be noise.
    with np.errstate(over="ignore", invalid="ignore"):
        fwd = _forward(net, inputs)
    for layer in fwd.layers:
        if not math.isfinite(layer.z.sum()):
            name = layer_name(layer.index, len(net.layers))
            raise NonFiniteError(
                f"the forward pass overflowed at layer {layer.index} ({name}: z is not finite): the inputs "
                f"or weights are too large for float64 — {TOO_LARGE}"
            )
    return fwd


def _forward(net: Network, inputs: np.ndarray) -> ForwardTrace:
    layers = []
    a = inputs
    for index, layer in enumerate(net.layers, start=1):
        z = a @ layer.W.T + layer.b
        a = ACTIVATIONS[layer.activation].fn(z)
        layers.append(LayerForward(index, z, a))
    return ForwardTrace(inputs, layers)


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


def loss(net: Network, fwd: ForwardTrace, targets: np.ndarray) -> LossTrace:
    """Batch-mean data loss plus the regularization penalty. ``targets``: (B, K)."""
    if targets.shape != fwd.output.shape:
        raise EngineError(f"targets must have shape {tuple(fwd.output.shape)}, got {tuple(targets.shape)}")
    with np.errstate(over="ignore", invalid="ignore"):
        lss = _loss(net, fwd, targets)
    if not (math.isfinite(lss.loss) and lss.dL_da is not None and np.isfinite(lss.dL_da).all()):
        raise NonFiniteError(
            "the loss overflowed (not a finite number): the outputs or targets are too large for "
            f"float64 — {TOO_LARGE}"
        )
    return lss


def _loss(net: Network, fwd: ForwardTrace, targets: np.ndarray, trace: bool = True) -> LossTrace:
    """``trace=False`` (the training fast path) skips ``per_sample``, and ``dL_da`` when the
    output is paired with the loss (its ∂L/∂z then has a closed form)."""
    spec, output, paired = LOSSES[net.loss], fwd.output, is_paired(net)
    B, K = output.shape
    logits = fwd.layers[-1].z if paired else None  # a paired loss is computed from them
    terms = spec.terms(targets, output, logits)
    weight = spec.weight(K)
    per_sample = terms.sum(axis=1) * weight if trace else None
    data_loss = float(np.add.reduce(terms, axis=None)) * weight / B
    penalty = net.regularization.penalty(net.layers) if net.regularization.kind != "none" else 0.0
    dL_da = spec.grad(targets, output, logits) / B if trace or not paired else None
    return LossTrace(data_loss + penalty, data_loss, penalty, per_sample, targets, output, dL_da)


# --- backward ----------------------------------------------------------------------------
#
# The four equations of backpropagation, for l = L..1 (δ[l] = dL_dz[l], (B, n_l); ⊙ is the
# elementwise product):
#
#   (BP1)  δ[L]     = ∂L/∂a[L] ⊙ f′_L(z[L])              at the output
#   (BP2)  δ[l]     = (δ[l+1] @ W[l+1]) ⊙ f′_l(z[l])      backwards, layer by layer
#   (BP3)  ∂L/∂W[l] = δ[l].T @ a[l−1]   (+ the penalty's gradient)
#   (BP4)  ∂L/∂b[l] = Σ_s δ[l][s]
#
# Paired output and loss: BP1 simplifies to a difference. For sigmoid + BCE with K outputs,
#   ∂L/∂a = (a − y) / (a(1 − a)·K·B)  and  f′(z) = a(1 − a),  so  δ[L] = (a − y) / (K·B),
# summed as ((1 − y)·σ(z) − y·σ(−z)) / (K·B), which does not cancel when a rounds toward y
# (losses.sigmoid_bce_delta).
# For softmax + cross-entropy, L_s = −Σ_k y_k log a_k and ∂a_k/∂z_j = a_k(δ_kj − a_j), so
#   δ[L]_j = (1/B) Σ_k (−y_k / a_k)·a_k(δ_kj − a_j) = (a_j·Σ_k y_k − y_j) / B,
# summed as (a_j·Σ_{k≠j} y_k − y_j·(1 − a_j)) / B with 1 − a_j a sum of the other outputs
# (losses.softmax_ce_delta). Where a has saturated to 0 or 1 the two factors are 0 and ∞, but
# the difference is exact; the trace names the rule used (DL_DZ_RULES) so the product is never
# shown as the source.


# How a layer's dL_dz was obtained (LayerGrad.dL_dz_rule), with the formula the UI shows.
DL_DZ_RULES = {
    "chain": "dL_dz = dL_da ⊙ f′(z)",
    "softmax_jacobian": "dL_dz = a ⊙ (dL_da − Σ_k dL_da_k·a_k)",
    "paired_sigmoid_bce": "dL_dz = (a − y) / (K·B), summed as ((1 − y)·σ(z) − y·σ(−z)) / (K·B)",
    "paired_softmax_ce": "dL_dz = (a·Σ_k y_k − y) / B, summed as (a_j·Σ_{k≠j} y_k − y_j·Σ_{k≠j} a_k) / B",
}


@dataclass(slots=True)
class LayerGrad:
    """Gradients of layer ``index``; arrays have the shapes of z, W and b of that layer."""

    index: int
    dL_da: np.ndarray | None  # ∂L/∂a[l]: from the loss at the output, δ[l+1] @ W[l+1] below it
    da_dz: np.ndarray | None  # f′(z[l]) elementwise; None for softmax
    dL_dz: np.ndarray  # δ[l]
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


def backward(net: Network, fwd: ForwardTrace, lss: LossTrace) -> BackwardTrace:
    """The chain rule, output layer first; returns the layers ordered by index 1..L."""
    with np.errstate(over="ignore", invalid="ignore"):
        grads = _backward(net, fwd, lss)
    for g in grads:
        if not (math.isfinite(g.grad_norm) and math.isfinite(g.dL_db.sum())):
            name = layer_name(g.index, len(net.layers))
            raise NonFiniteError(
                f"the gradient of layer {g.index} ({name}) overflowed (not finite): the inputs or weights "
                f"are too large for float64; nothing was changed — {TOO_LARGE}"
            )
    return BackwardTrace(grads)


def _backward(
    net: Network, fwd: ForwardTrace, lss: LossTrace, trace: bool = True, out: list | None = None
) -> list[LayerGrad]:
    """BP1–BP4 for every layer, by index 1..L. Training's fast path passes ``trace=False``,
    which skips the f′(z) a paired output does not use, and may pass ``out``: per layer, the
    (dL_dW, dL_db) arrays to write the gradients into (views of one flat vector)."""
    regularization = net.regularization if net.regularization.kind != "none" else None
    dL_da = lss.dL_da
    dL_dz, da_dz, rule = _output_delta(net, fwd, lss, trace)  # BP1
    grads = []
    for l in range(len(net.layers), 0, -1):
        layer = net.layers[l - 1]
        into = (None, None) if out is None else out[l - 1]
        dL_dW = np.matmul(dL_dz.T, fwd.a_in(l), out=into[0])  # BP3
        if regularization is not None:
            dL_dW += regularization.grad(layer.W)
        dL_db = np.add.reduce(dL_dz, axis=0, out=into[1])  # BP4 (= dL_dz.sum(0))
        grads.append(LayerGrad(l, dL_da, da_dz, dL_dz, dL_dW, dL_db, math.sqrt(np.vdot(dL_dW, dL_dW)), rule))
        if l > 1:  # BP2, into the layer below; the inputs need no δ
            below = fwd.layers[l - 2]
            dL_da = dL_dz @ layer.W
            prime = ACTIVATIONS[net.layers[l - 2].activation].prime
            assert prime is not None  # softmax, the one activation without f′, is output-only
            da_dz = prime(below.z, below.a)
            dL_dz, rule = dL_da * da_dz, "chain"
    grads.reverse()
    return grads


def paired_delta(loss: str, a: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """BP1's closed form for a paired output and loss (see above): δ[L] from the outputs a,
    the targets y and the logits z, summed without cancellation."""
    B, K = a.shape
    if loss == "bce":
        return sigmoid_bce_delta(y, a, z) / (K * B)
    return softmax_ce_delta(y, a, z) / B


def _output_delta(net: Network, fwd: ForwardTrace, lss: LossTrace, trace: bool):
    """BP1: (δ[L], f′(z[L]) or None, the rule's name)."""
    out = fwd.layers[-1]
    a = out.a
    prime = ACTIVATIONS[net.layers[-1].activation].prime
    if is_paired(net):
        delta = paired_delta(net.loss, a, lss.targets, out.z)
        if net.loss == "bce":
            da_dz = prime(out.z, a) if trace and prime is not None else None
            return delta, da_dz, "paired_sigmoid_bce"
        return delta, None, "paired_softmax_ce"
    assert lss.dL_da is not None  # only a paired output's fast path goes without
    if prime is None:  # softmax under another loss: the Jacobian, not an elementwise f′
        return softmax_backward(a, lss.dL_da), None, "softmax_jacobian"
    da_dz = prime(out.z, a)
    return lss.dL_da * da_dz, da_dz, "chain"


def total_loss(net: Network, inputs: np.ndarray, targets: np.ndarray) -> float:
    """The scalar the loss phase reports, for a batch (used by gradient checks and loss_after)."""
    return loss(net, forward(net, inputs), targets).loss
