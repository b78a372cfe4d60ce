"""Training's untraced SGD step: forward, loss, BP1–BP4 and the update, as few NumPy calls as
the equations need.

An epoch of plain SGD spends most of its time on tiny arrays (a 2-8-8-1 network, batches of
10), where each NumPy call costs more than its arithmetic. :class:`SGDSteps` therefore does
the work of :func:`network._forward`, :func:`network._loss`, :func:`network._backward` and
:meth:`FlatSGD.apply` with nothing between the calls: no trace records, no per-step lookups
of activations or loss, the weights' transposes taken once per epoch (the layers' arrays are
views into FlatSGD's θ, which a step writes in place), and the square losses' difference
``a − y`` computed once for both the value and ∂L/∂a. Elementwise each operation is the one
the traced phases perform, in the same order, so the numbers are the same to the last bit
(``tests/engine/test_training.py`` compares them for every loss and output pairing).
"""

from __future__ import annotations

import math

import numpy as np

from .activations import ACTIVATIONS, softmax_backward
from .errors import NonFiniteError
from .losses import LOSSES
from .network import Network, is_paired, paired_delta
from .optimizers import FlatSGD

LOSS_OVERFLOW = (
    "the loss overflowed (not a finite number); training stopped with the parameters at "
    "their last finite values — use a lower learning rate"
)


# Where an activation is one NumPy call, the step calls it directly (no Python frame);
# a linear layer's a is its z (f is the identity and f′ = 1, so δ = ∂L/∂a exactly). tanh′
# is computed inline as activations.tanh_prime computes it, 1 − a·a, in place.
UFUNCS = {"tanh": np.tanh}
IDENTITY = "linear"
TANH = "tanh"
X_PLACEHOLDER = np.empty((0, 0))


def _derivative(name: str):
    """How a step multiplies by f′ of a layer with activation ``name``: None for f′ = 1,
    TANH for the inline 1 − a·a, else the activation's own ``prime(z, a)``."""
    if name == IDENTITY:
        return None
    return TANH if name == TANH else ACTIVATIONS[name].prime


class SGDSteps:
    """The epoch's steps on ``flat`` (whose θ the network's layers are views of).

    ``step(X, Y)`` applies one update and returns the batch loss, adding each layer's
    ‖∂L/∂W‖ to ``norm_sums``; it raises :class:`NonFiniteError` with nothing applied (nor
    added) when the loss or a new parameter would be non-finite. Run it under
    ``np.errstate(over="ignore", invalid="ignore")``.

    Matrix products use ``ndarray.dot``: the same BLAS call as ``@`` (the same bits, which
    ``tests/engine/test_training.py`` checks) without the generalized ufunc's dispatch, a
    third of a microsecond per product on these sizes."""

    def __init__(self, net: Network, flat: FlatSGD, norm_sums: list[float]) -> None:
        self.net, self.flat, self.norm_sums = net, flat, norm_sums
        names = [layer.activation for layer in net.layers]
        self.forward = [
            (layer.W.T, layer.b, None if name == IDENTITY else UFUNCS.get(name, ACTIVATIONS[name].fn))
            for layer, name in zip(net.layers, names)
        ]
        # Backward, output layer first: (W, dL_dW and dL_db to write, dL_dW as one vector
        # for its norm, f′ of the layer below (see _derivative) or None at the first layer,
        # the layer's position).
        self.backward = [
            (layer.W, dW, db, dW.reshape(-1), None if l == 0 else _derivative(names[l - 1]), l)
            for l, (layer, (dW, db)) in reversed(list(enumerate(zip(net.layers, flat.grads))))
        ]
        self.output_derivative = None if ACTIVATIONS[names[-1]].prime is None else _derivative(names[-1])
        self.softmax_output = ACTIVATIONS[names[-1]].prime is None
        self.paired = is_paired(net)
        self.loss = LOSSES[net.loss]
        self.weight = self.loss.weight(net.sizes[-1])  # the loss's factor in front of Σ_k
        self.square = net.loss in ("half_sse", "mse")
        self.half_sse = net.loss == "half_sse"
        self.regularization = net.regularization if net.regularization.kind != "none" else None
        n = len(net.layers)
        self._zs: list[np.ndarray] = [X_PLACEHOLDER] * n
        self._acts: list[np.ndarray] = [X_PLACEHOLDER] * (n + 1)
        self._norms = [0.0] * n

    def step(self, X: np.ndarray, Y: np.ndarray) -> float:
        # Forward: z[l] = a[l−1]·W[l]ᵀ + b[l], a[l] = f_l(z[l]). The lists are the kernel's
        # own, refilled each step (fewer allocations for the garbage collector).
        zs, acts = self._zs, self._acts
        acts[0] = a = X
        l = 0
        for WT, b, fn in self.forward:
            z = a.dot(WT)
            z += b
            a = z if fn is None else fn(z)
            zs[l] = z
            l += 1
            acts[l] = a
        B, K = a.shape

        # Loss: the batch mean of weight(K)·Σ_k terms, plus the penalty.
        dL_da = None
        if self.square:
            diff = a - Y  # (y − a)² = (a − y)² exactly
            data_loss = float(np.add.reduce(diff * diff, None)) * self.weight / B
            dL_da = diff / B if self.half_sse else 2.0 * diff / K / B
        else:
            terms = self.loss.terms(Y, a, z if self.paired else None)
            data_loss = float(np.add.reduce(terms, None)) * self.weight / B
            if not self.paired:
                dL_da = self.loss.grad(Y, a, None) / B
        regularization = self.regularization
        batch_loss = data_loss + regularization.penalty(self.net.layers) if regularization else data_loss
        if not math.isfinite(batch_loss):
            raise NonFiniteError(LOSS_OVERFLOW)

        # BP1 at the output: the paired closed forms, or ∂L/∂a ⊙ f′(z).
        if self.paired:
            dz = paired_delta(self.net.loss, a, Y)
        elif dL_da is None:  # unreachable: only a paired output goes without ∂L/∂a
            raise AssertionError("an unpaired loss computes dL_da")
        elif self.softmax_output:
            dz = softmax_backward(a, dL_da)
        else:
            dz = _times_derivative(dL_da, self.output_derivative, z, a)

        # BP3 and BP4 into the flat gradient, then BP2 into the layer below.
        norms = self._norms
        for W, dW, db, dW_flat, derivative, l in self.backward:
            dz.T.dot(acts[l], dW)
            if regularization is not None:
                dW += regularization.grad(W)
            np.add.reduce(dz, axis=0, out=db)
            norms[l] = math.sqrt(dW_flat.dot(dW_flat))
            if l:  # BP2 into the layer below
                dz = _times_derivative(dz.dot(W), derivative, zs[l - 1], acts[l])

        self.flat.apply()  # raises, changing nothing, if a parameter would turn non-finite
        sums = self.norm_sums
        for l, norm in enumerate(norms):
            sums[l] += norm
        return batch_loss


def _times_derivative(dL_da: np.ndarray, derivative, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """δ = ∂L/∂a ⊙ f′(z), written into ``dL_da`` (a fresh array the step owns)."""
    if derivative is None:
        return dL_da
    if derivative is TANH:
        f_prime = a * a
        np.subtract(1.0, f_prime, f_prime)
        dL_da *= f_prime
        return dL_da
    dL_da *= derivative(z, a)
    return dL_da
