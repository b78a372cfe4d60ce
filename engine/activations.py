"""Activation functions as (value, derivative) pairs.

Every function takes ``z`` of shape ``(batch, n)``. ``prime(z, a)`` returns f'(z)
elementwise and may use ``a = f(z)`` to avoid recomputing it. Softmax couples its
outputs, so it has no elementwise derivative (``prime`` is ``None``); its backward
rule is :func:`softmax_backward`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    prime: Callable[[np.ndarray, np.ndarray], np.ndarray] | None
    formula: str
    derivative: str
    output_only: bool = False


def sigmoid(z: np.ndarray) -> np.ndarray:
    # 1/(1 + e^−z) = exp(−log(1 + e^−z)); logaddexp never overflows, so |z| = 1000 is safe,
    # and tiny outputs keep their precision (σ(−40) = 4.2e−18, not 0).
    return np.exp(-np.logaddexp(0.0, -z))


def sigmoid_prime(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # σ(z)·(1 − σ(z)) with 1 − σ(z) = σ(−z): exact where σ(z) has rounded to 1 (z ≳ 37),
    # where 1 − a would be 0 (or, from z ≈ 20 on, lose most of its digits to cancellation).
    return a * sigmoid(-z)


def tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def tanh_prime(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def relu_prime(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # f'(0) is taken as 0, as PyTorch does.
    return (z > 0).astype(np.float64)


def leaky_relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_prime(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


def linear(z: np.ndarray) -> np.ndarray:
    return z.copy()


def linear_prime(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.ones_like(z)


def softmax(z: np.ndarray) -> np.ndarray:
    # Shifting by the row maximum leaves softmax unchanged and keeps exp() <= 1.
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_backward(a: np.ndarray, dL_da: np.ndarray) -> np.ndarray:
    """dL/dz for softmax outputs ``a`` (batch, K): J^T dL_da per row, J = diag(a) - a a^T."""
    return a * (dL_da - (dL_da * a).sum(axis=1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, sigmoid_prime, "σ(z) = 1 / (1 + e^−z)", "σ(z)·(1 − σ(z))"),
        Activation("tanh", tanh, tanh_prime, "tanh(z)", "1 − tanh²(z)"),
        Activation("relu", relu, relu_prime, "max(0, z)", "1 if z > 0 else 0"),
        Activation(
            "leaky_relu",
            leaky_relu,
            leaky_relu_prime,
            f"z if z > 0 else {LEAKY_SLOPE}·z",
            f"1 if z > 0 else {LEAKY_SLOPE}",
        ),
        Activation("linear", linear, linear_prime, "z", "1"),
        Activation(
            "softmax",
            softmax,
            None,
            "e^z_k / Σ_j e^z_j",
            "∂a_k/∂z_j = a_k(δ_kj − a_j); ∂L/∂z is given directly",
            output_only=True,
        ),
    )
}
