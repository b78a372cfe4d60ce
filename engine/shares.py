"""Each sample's share of one gradient. BP3 sums over the batch,

    ∂L/∂W[l][j][i] = Σ_s δ[l][s, j] · a[l−1][s, i]  (+ the penalty's gradient),
    ∂L/∂b[l][j]    = Σ_s δ[l][s, j],

and δ already carries the 1/B of the batch mean, so each term is one sample's share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network, backward, forward, loss
from .parameters import ParameterRef, check_ref, value_of


@dataclass
class GradientShares:
    """``dL_dz``, ``a_prev`` and ``terms`` are per sample, (B,); ``terms`` sum, with
    ``penalty_gradient``, to ``gradient``, the backward pass's ∂L/∂p."""

    ref: ParameterRef
    value: float
    dL_dz: np.ndarray  # δ_s of the parameter's neuron
    a_prev: np.ndarray  # the input the weight multiplies (1 for a bias)
    terms: np.ndarray  # δ_s · a_prev,s
    penalty_gradient: float  # the regularization's ∂penalty/∂p (0 for a bias)
    gradient: float


def gradient_shares(net: Network, X: np.ndarray, Y: np.ndarray, ref: ParameterRef) -> GradientShares:
    """The shares of ``ref``'s gradient on the batch ``X``, ``Y`` at the current parameters."""
    check_ref(net, ref)
    fwd = forward(net, X)
    grads = backward(net, fwd, loss(net, fwd, Y)).layers[ref.layer - 1]
    j = ref.index[0]
    delta = grads.dL_dz[:, j]
    if ref.name == "W":
        a_prev = fwd.a_in(ref.layer)[:, ref.index[1]]
        reg = net.regularization.grad(net.layers[ref.layer - 1].W)
        penalty = 0.0 if reg is None else float(reg[ref.index])
        gradient = float(grads.dL_dW[ref.index])
    else:
        a_prev = np.ones(len(X))
        penalty, gradient = 0.0, float(grads.dL_db[j])
    return GradientShares(ref, value_of(net, ref), delta, a_prev, delta * a_prev, penalty, gradient)
