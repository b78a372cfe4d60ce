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
from .losses import LOSSES
from .network import Network, NonFiniteError, is_paired
from .optimizers import FlatSGD

LOSS_OVERFLOW = (
    "the loss overflowed (not a finite number); training stopped with the parameters at "
    "their last finite values — use a lower learning rate"
)


# Where an activation is one NumPy call, the step calls it directly (no Python frame);
# a linear layer's a is its z (f is the identity and f′ = 1, so δ = ∂L/∂a exactly).
UFUNCS = {"tanh": np.tanh}
IDENTITY = "linear"
X_PLACEHOLDER = np.empty((0, 0))


class SGDSteps:
    """The epoch's steps on ``flat`` (whose θ the network's layers are views of).

    ``step(X, Y)`` applies one update and returns the batch loss, adding each layer's
    ‖∂L/∂W‖ to ``norm_sums``; it raises :class:`NonFiniteError` with nothing applied (nor
    added) when the loss or a new parameter would be non-finite. Run it under
    ``np.errstate(over="ignore", invalid="ignore")``."""

    def __init__(self, net: Network, flat: FlatSGD, norm_sums: list[float]) -> None:
        self.net, self.flat, self.norm_sums = net, flat, norm_sums
        acts = [ACTIVATIONS[layer.activation] for layer in net.layers]
        self.forward = [
            (layer.W.T, layer.b, None if f.name == IDENTITY else UFUNCS.get(f.name, f.fn))
            for layer, f in zip(net.layers, acts)
        ]
        # Backward, output layer first: (W, dL_dW and dL_db to write, f′ of the layer below
        # or None where there is none or it is 1, the layer's position).
        self.backward = [
            (
                layer.W,
                *flat.grads[l],
                None if l == 0 or acts[l - 1].name == IDENTITY else acts[l - 1].prime,
                l,
            )
            for l, layer in reversed(list(enumerate(net.layers)))
        ]
        self.output_prime = None if acts[-1].name == IDENTITY else acts[-1].prime
        self.softmax_output = acts[-1].prime is None
        self.paired = is_paired(net)
        self.loss = LOSSES[net.loss]
        self.weight = self.loss.weight(net.sizes[-1])  # the loss's factor in front of Σ_k
        self.square = net.loss in ("half_sse", "mse")
        self.regularization = net.regularization if net.regularization.kind != "none" else None
        n = len(net.layers)
        self._zs: list[np.ndarray] = [X_PLACEHOLDER] * n
        self._acts: list[np.ndarray] = [X_PLACEHOLDER] * (n + 1)
        self._norms = [0.0] * n

    def step(self, X: np.ndarray, Y: np.ndarray) -> float:
        # Forward: z[l] = a[l−1] @ W[l].T + b[l], a[l] = f_l(z[l]). The lists are the
        # kernel's own, refilled each step (fewer allocations for the garbage collector).
        zs, acts, norms = self._zs, self._acts, self._norms
        acts[0] = a = X
        for l, (WT, b, fn) in enumerate(self.forward):
            z = a @ WT
            z += b
            a = z if fn is None else fn(z)
            zs[l] = z
            acts[l + 1] = a
        B, K = a.shape

        # Loss: the batch mean of weight(K)·Σ_k terms, plus the penalty.
        name, dL_da = self.net.loss, None
        if self.square:
            diff = a - Y  # (y − a)² = (a − y)² exactly
            data_loss = float(np.add.reduce(diff * diff, None)) * self.weight / B
            dL_da = (diff if name == "half_sse" else 2.0 * diff / K) / B
        else:
            terms = self.loss.terms(Y, a, z if self.paired else None)
            data_loss = float(np.add.reduce(terms, None)) * self.weight / B
            if not self.paired:
                dL_da = self.loss.grad(Y, a, None) / B
        regularization = self.regularization
        batch_loss = data_loss + (regularization.penalty(self.net.layers) if regularization else 0.0)
        if not math.isfinite(batch_loss):
            raise NonFiniteError(LOSS_OVERFLOW)

        # BP1 at the output: the paired closed forms, or ∂L/∂a ⊙ f′(z).
        if self.paired:
            dz = (a - Y) / (K * B) if name == "bce" else (a * Y.sum(axis=1, keepdims=True) - Y) / B
        elif dL_da is None:  # unreachable: only a paired output goes without ∂L/∂a
            raise AssertionError("an unpaired loss computes dL_da")
        elif self.softmax_output:
            dz = softmax_backward(a, dL_da)
        elif self.output_prime is None:
            dz = dL_da
        else:
            dz = dL_da * self.output_prime(z, a)

        # BP3 and BP4 into the flat gradient, then BP2 into the layer below.
        for W, dW, db, prime, l in self.backward:
            np.matmul(dz.T, acts[l], out=dW)
            if regularization is not None:
                dW += regularization.grad(W)
            np.add.reduce(dz, axis=0, out=db)
            norms[l] = math.sqrt(np.vdot(dW, dW))
            if l:
                dz = dz @ W if prime is None else (dz @ W) * prime(zs[l - 1], acts[l])

        self.flat.apply()  # raises, changing nothing, if a parameter would turn non-finite
        sums = self.norm_sums
        for l in range(len(sums)):
            sums[l] += norms[l]
        return batch_loss
