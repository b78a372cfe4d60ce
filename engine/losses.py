"""Loss functions as (value, derivative) pairs.

``y`` (targets) and ``a`` (output activations) have shape ``(batch, K)``. A loss is
written as elementwise terms and a weight: ``L_s = weight(K) · Σ_k terms(y, a)[s, k]``,
so the per-sample loss and the batch mean are each one reduction.
``grad(y, a)`` returns ``∂L_s/∂a``, shape ``(batch, K)``. The batch loss is the mean
of ``L_s``, so the network divides these gradients by the batch size.

``z`` (pre-activations of the output layer) is passed when the output activation is
the one the loss is paired with (sigmoid for ``bce``, softmax for ``cross_entropy``):
the loss and ``∂L_s/∂a`` are then computed from logits, exact even when ``a`` has rounded
to 0 or 1. Where ``∂L_s/∂a`` exceeds float64's range (|z| beyond ~709) it is reported as
±1.8e308, float64's largest number; the network's ∂L/∂z then comes from the paired rule,
which stays exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Keeps log() and 1/a finite when an output has rounded to exactly 0 or 1 (unpaired outputs).
EPS = 1e-12
# e^LOG_MAX is float64's largest number: exponents are capped here rather than overflow.
LOG_MAX = float(np.log(np.finfo(np.float64).max))


@dataclass(frozen=True)
class Loss:
    name: str
    terms: Callable[..., np.ndarray]  # (y, a, z=None) -> (B, K)
    weight: Callable[[int], float]  # K -> factor in front of Σ_k
    grad: Callable[..., np.ndarray]  # (y, a, z=None) -> (B, K)
    formula: str
    pairs_with: str | None  # output activation whose logits give a stable value
    derivative: str = ""  # ∂L_s/∂ŷ_k, what ``grad`` computes (the batch mean divides it by B)


def squared_error(y: np.ndarray, a: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
    d = y - a
    return d * d


def half_sse_grad(y: np.ndarray, a: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
    return a - y


def mse_grad(y: np.ndarray, a: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
    return 2.0 * (a - y) / y.shape[1]


def bce(y: np.ndarray, a: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
    if z is not None:
        # −[y log σ(z) + (1−y) log(1−σ(z))] = softplus(z) − y·z, written to never overflow.
        return np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))
    p = np.clip(a, EPS, 1.0 - EPS)
    return -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def bce_grad(y: np.ndarray, a: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
    if z is not None:
        # ∂/∂a of −[y log a + (1−y) log(1−a)] is −y/a + (1−y)/(1−a), and for a = σ(z):
        # 1/a = 1 + e^−z, 1/(1−a) = 1 + e^z. No cancellation, no clipping.
        grow = np.exp(np.minimum(z, LOG_MAX))
        shrink = np.exp(np.minimum(-z, LOG_MAX))
        return ((1.0 - y) * (1.0 + grow) - y * (1.0 + shrink)) / y.shape[1]
    p = np.clip(a, EPS, 1.0 - EPS)
    return (p - y) / (p * (1.0 - p)) / y.shape[1]


def sigmoid_bce_delta(y: np.ndarray, a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """K·B·∂L/∂z of a sigmoid output under BCE, (B, K): σ(z) − y, summed as

        (1 − y)·σ(z) − y·σ(−z)

    (equal, since σ(z) + σ(−z) = 1), which does not cancel where σ(z) has rounded toward a
    0 or 1 target: for y = 1 it is −σ(−z), for y = 0 σ(z). At z = 30, y = 1 the difference
    a − y gives −9.35918e−14 against the exact −9.357623e−14. ``a`` is σ(z)."""
    delta = np.subtract(1.0, y)
    delta *= a
    sigma_minus = np.logaddexp(0.0, z)  # σ(−z) = exp(−log(1 + e^z)), as activations.sigmoid
    np.negative(sigma_minus, out=sigma_minus)
    np.exp(sigma_minus, out=sigma_minus)
    sigma_minus *= y
    delta -= sigma_minus
    return delta


def softmax_ce_delta(y: np.ndarray, a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """B·∂L/∂z of a softmax output under cross-entropy, (B, K): a·Σ_k y_k − y. Where one output
    a_t holds more than half the probability, its entry is summed as

        a_t·Σ_{k≠t} y_k − y_t·Σ_{k≠t} a_k        (1 − a_t = Σ_{k≠t} a_k)

    which does not cancel where a_t has rounded toward 1: at logits (30, 0) with the first
    class the target, a − y gives −9.348e−14 against the exact −9.358e−14. The other entries
    (a ≤ ½) lose nothing to a − y beyond the conditioning of the difference itself."""
    ones = np.ones((a.shape[1], 1))  # row sums as one matrix product each: few, cheap calls
    rest = a <= 0.5  # every output but one holding more than half the probability
    general = a * y.dot(ones)
    general -= y
    top = a * (y * rest).dot(ones)
    top -= y * (a * rest).dot(ones)
    return np.where(rest, general, top)


def log_softmax(z: np.ndarray) -> np.ndarray:
    # log Σ_k e^(z_k − max z) = log1p(the other terms): the largest term is exactly 1, and
    # log(1 + x) would lose the digits of a tiny x.
    shifted = z - z.max(axis=1, keepdims=True)
    others = np.exp(shifted)
    others[np.arange(len(z)), shifted.argmax(axis=1)] = 0.0
    return shifted - np.log1p(others.sum(axis=1, keepdims=True))


def cross_entropy(y: np.ndarray, a: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
    log_a = log_softmax(z) if z is not None else np.log(np.clip(a, EPS, None))
    return -y * log_a


def cross_entropy_grad(y: np.ndarray, a: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
    if z is not None:
        # −y/a with 1/a = e^(−log a), from the logits: exact where a has underflowed to 0.
        return -y * np.exp(np.minimum(-log_softmax(z), LOG_MAX))
    return -y / np.clip(a, EPS, None)


def _half(K: int) -> float:
    return 0.5


def _mean(K: int) -> float:
    return 1.0 / K


def _one(K: int) -> float:
    return 1.0


# fmt: off
LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "half_sse", squared_error, _half, half_sse_grad, "L_s = ½ Σ_k (y_k − ŷ_k)²", None,
            "∂L_s/∂ŷ_k = ŷ_k − y_k",
        ),
        Loss(
            "mse", squared_error, _mean, mse_grad, "L_s = (1/K) Σ_k (y_k − ŷ_k)²", None,
            "∂L_s/∂ŷ_k = 2(ŷ_k − y_k)/K",
        ),
        Loss(
            "bce", bce, _mean, bce_grad, "L_s = −(1/K) Σ_k [y_k log ŷ_k + (1 − y_k) log(1 − ŷ_k)]", "sigmoid",
            "∂L_s/∂ŷ_k = (ŷ_k − y_k) / (K·ŷ_k(1 − ŷ_k))",
        ),
        Loss(
            "cross_entropy", cross_entropy, _one, cross_entropy_grad, "L_s = −Σ_k y_k log ŷ_k", "softmax",
            "∂L_s/∂ŷ_k = −y_k/ŷ_k",
        ),
    )
}
# fmt: on
