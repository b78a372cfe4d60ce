"""Gradient check: central finite differences against backprop, for every parameter.

    ∂L/∂θ ≈ (L(θ + h) − L(θ − h)) / 2h

``L`` is the loss phase's scalar (batch-mean data loss + penalty). The relative error of
one parameter is |numeric − backprop| / max(|numeric|, |backprop|, FLOOR); the floor keeps
gradients that are both ~0 from reporting a meaningless huge ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network, backward, forward, loss, total_loss

FLOOR = 1e-7


@dataclass
class GradCheckLayer:
    index: int
    numeric_W: np.ndarray
    backprop_W: np.ndarray
    numeric_b: np.ndarray
    backprop_b: np.ndarray
    max_rel_error: float


@dataclass
class GradCheck:
    max_rel_error: float
    max_abs_error: float
    layers: list[GradCheckLayer]
    epsilon: float
    n_parameters: int


def _numeric(net: Network, param: np.ndarray, X, Y, h: float) -> np.ndarray:
    grad = np.zeros_like(param)
    for pos in np.ndindex(param.shape):
        original = param[pos]
        param[pos] = original + h
        up = total_loss(net, X, Y)
        param[pos] = original - h
        down = total_loss(net, X, Y)
        param[pos] = original
        grad[pos] = (up - down) / (2 * h)
    return grad


def gradient_check(net: Network, X: np.ndarray, Y: np.ndarray, epsilon: float = 1e-6) -> GradCheck:
    """Compare every ∂L/∂W and ∂L/∂b on the batch (X, Y). Parameters are restored exactly."""
    back = backward(net, fwd := forward(net, X), loss(net, fwd, Y))
    layers, max_rel, max_abs = [], 0.0, 0.0
    for layer, g in zip(net.layers, back.layers):
        nW = _numeric(net, layer.W, X, Y, epsilon)
        nb = _numeric(net, layer.b, X, Y, epsilon)
        rel = 0.0
        for num, ana in ((nW, g.dL_dW), (nb, g.dL_db)):
            diff = np.abs(num - ana)
            denom = np.maximum(np.maximum(np.abs(num), np.abs(ana)), FLOOR)
            rel = max(rel, float((diff / denom).max(initial=0.0)))
            max_abs = max(max_abs, float(diff.max(initial=0.0)))
        max_rel = max(max_rel, rel)
        layers.append(GradCheckLayer(g.index, nW, g.dL_dW, nb, g.dL_db, rel))
    return GradCheck(max_rel, max_abs, layers, epsilon, net.n_parameters)
