"""A whole split's data loss and accuracy at the current parameters, as an epoch closes.

The numbers are the traced phases' (:func:`network.forward` then :func:`network.loss`), to
the last bit, without what an evaluation does not read: no per-layer records (each hidden
layer's z becomes its a in place), no per-sample losses, no ∂L/∂a. On a 1,000-sample split
of a 2-8-8-1 network that is a third of the time, which on the tiny networks learners train
most is several percent of a whole epoch.
"""

from __future__ import annotations

import math

import numpy as np

from .activations import ACTIVATIONS
from .errors import NonFiniteError, layer_name
from .fastpath import UFUNCS
from .losses import LOSSES
from .network import Network, is_paired


def evaluate(net: Network, X: np.ndarray, Y: np.ndarray, task: str) -> tuple[float | None, float | None]:
    """(data loss, accuracy) over a whole split; accuracy is None for regression. Raises
    :class:`NonFiniteError` where :func:`network.forward` or :func:`network.loss` would."""
    if len(X) == 0:
        return None, None
    with np.errstate(over="ignore", invalid="ignore"):
        z, a = _output(net, X)
        spec = LOSSES[net.loss]
        B, K = a.shape
        terms = spec.terms(Y, a, z if is_paired(net) else None)
        data_loss = float(np.add.reduce(terms, axis=None)) * spec.weight(K) / B
        regularization = net.regularization
        penalty = regularization.penalty(net.layers) if regularization.kind != "none" else 0.0
    if not math.isfinite(data_loss + penalty):
        raise NonFiniteError("the loss overflowed (not a finite number) on the whole split")
    return data_loss, accuracy(a, Y, task)


def _output(net: Network, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The output layer's (z, a) for inputs ``X``; z[l] = a[l−1]·W[l]ᵀ + b[l] as the forward
    phase computes it (``dot`` is the BLAS call ``@`` makes)."""
    a, last = X, len(net.layers)
    for index, layer in enumerate(net.layers, start=1):
        z = a.dot(layer.W.T)
        z += layer.b
        if not math.isfinite(np.add.reduce(z, axis=None)):
            raise NonFiniteError(
                f"the forward pass overflowed at layer {index} ({layer_name(index, last)}: z is not finite)"
            )
        ufunc = UFUNCS.get(layer.activation)
        if ufunc is not None and index < last:  # a hidden layer's z is not needed again
            a = ufunc(z, out=z)
        else:
            a = ACTIVATIONS[layer.activation].fn(z)
    return z, a


def accuracy(output: np.ndarray, Y: np.ndarray, task: str) -> float | None:
    """The fraction of samples right; the count ÷ n is the mean of the right/wrong flags to
    the bit (a sum of 0s and 1s is exact), without ``mean``'s Python-level work."""
    if task == "binary":
        right = ((output > 0.5) == (Y > 0.5)).all(axis=1)
    elif task == "multiclass":
        right = output.argmax(axis=1) == Y.argmax(axis=1)
    else:
        return None
    return int(np.count_nonzero(right)) / len(right)
