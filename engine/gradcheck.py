"""Gradient check: central finite differences against backprop, for every parameter.

    ∂L/∂θ ≈ (L(θ + h) − L(θ − h)) / (2h),    h = ε·max(1, |θ|)

``L`` is the loss phase's scalar (batch-mean data loss + penalty). The step is relative for
large parameters, so θ ± h always differs from θ; the denominator is the difference of the
two rounded points, not 2h.

A finite difference cannot be more precise than the loss it differences: each evaluation
of L carries a rounding error ``loss_rounding`` (estimated below from the trace), so the
difference quotient is uncertain by ``floor = loss_rounding / h``. A parameter passes when

    |numeric − backprop| ≤ TOLERANCE·max(|numeric|, |backprop|) + floor

and its reported relative error is ``|numeric − backprop| / (max(|numeric|, |backprop|) +
floor / TOLERANCE)``, so ``passed`` is exactly ``max_rel_error ≤ TOLERANCE``. A correct
backprop passes even where a deep saturated network makes the loss differences mostly
rounding; a wrong one fails wherever its error stands above that noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import (
    BackwardTrace,
    ForwardTrace,
    LossTrace,
    Network,
    backward,
    forward,
    is_paired,
    loss,
    total_loss,
)

TOLERANCE = 1e-4  # relative error allowed above the rounding floor
UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2  # u: relative error of one rounded operation
# The estimate below counts each rounded operation once, to first order; real libraries add a
# few more (exp, log1p, the loss's reductions). Calibrated on deep saturated networks
# (tests/engine/test_gradcheck.py): the error observed there needs a factor under 1.
SAFETY = 8.0


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
    max_rel_error: float  # the largest relative error, with the floor in the denominator
    max_abs_error: float
    layers: list[GradCheckLayer]
    epsilon: float  # ε: the step is h = ε·max(1, |θ|)
    n_parameters: int
    passed: bool  # max_rel_error ≤ tolerance
    tolerance: float
    floor: float  # the largest absolute error put down to rounding (at the smallest h)
    loss_rounding: float  # estimated rounding error of one evaluation of L


def loss_rounding(net: Network, fwd: ForwardTrace, lss: LossTrace, back: BackwardTrace) -> float:
    """First-order estimate of the rounding error in one evaluation of L at these parameters.

    Each rounded value v (a weighted sum z, an activation a, the loss's terms) is off by up to
    u·|v| (a weighted sum of n terms by up to n·u·Σ|terms|); that error reaches L multiplied by
    ∂L/∂v, which the backward trace already holds.
    """
    u = UNIT_ROUNDOFF
    error = _loss_terms_magnitude(net, fwd, lss) + abs(lss.penalty)
    paired = is_paired(net)
    for layer, g, out in zip(net.layers, back.layers, fwd.layers):
        n_in = layer.W.shape[1]
        magnitude = np.abs(fwd.a_in(g.index)) @ np.abs(layer.W).T + np.abs(layer.b)
        error += (n_in + 1) * float(np.vdot(np.abs(g.dL_dz), magnitude))
        if g.dL_da is not None and not (paired and g.index == len(net.layers)):
            error += float(np.vdot(np.abs(g.dL_da), np.abs(out.a)))  # a paired loss reads z, not a
    return SAFETY * u * error


def _loss_terms_magnitude(net: Network, fwd: ForwardTrace, lss: LossTrace) -> float:
    """Σ over the loss's intermediate values of |value| × its weight in L: what the loss
    formula itself rounds, beyond its inputs a and z."""
    z, a, y = fwd.layers[-1].z, fwd.output, lss.targets
    B, K = a.shape
    if net.loss in ("half_sse", "mse"):  # (y − a)²: relative rounding of the result only
        return 3 * abs(lss.data_loss)
    if net.loss == "bce":
        if is_paired(net):  # max(z, 0) − y·z + log1p(e^−|z|): |z| and y·z cancel
            return float(((1 + np.abs(y)) * np.abs(z) + 1).sum()) / (K * B)
        return 2 * abs(lss.data_loss)
    if is_paired(net):  # −y·(z − max z − log Σ e^(z − max z)); the log is of a sum ≥ 1
        shifted = np.abs(z - z.max(axis=1, keepdims=True))
        return float((np.abs(y) * (shifted + 2 + np.log(K))).sum()) / B
    return 2 * abs(lss.data_loss)


def numeric_gradient(net: Network, param: np.ndarray, X, Y, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    """The central differences of L over every entry of ``param``, and the steps they used."""
    grad, steps = np.zeros_like(param), np.zeros_like(param)
    for pos in np.ndindex(param.shape):
        original = float(param[pos])
        h = epsilon * max(1.0, abs(original))
        param[pos] = up = original + h
        loss_up = total_loss(net, X, Y)
        param[pos] = down = original - h
        loss_down = total_loss(net, X, Y)
        param[pos] = original
        steps[pos] = (up - down) / 2
        grad[pos] = (loss_up - loss_down) / (up - down)
    return grad, steps


def compare(numeric: np.ndarray, backprop: np.ndarray, steps: np.ndarray, rounding: float):
    """(relative errors, floors) per entry: the floor is ``rounding / h``; an entry passes
    when its relative error is ≤ TOLERANCE (see the module docstring)."""
    floors = rounding / steps
    denom = np.maximum(np.abs(numeric), np.abs(backprop)) + floors / TOLERANCE
    denom = np.maximum(denom, np.finfo(np.float64).tiny)  # 0/0 where L is exactly 0
    return np.abs(numeric - backprop) / denom, floors


def gradient_check(net: Network, X: np.ndarray, Y: np.ndarray, epsilon: float = 1e-6) -> GradCheck:
    """Compare every ∂L/∂W and ∂L/∂b on the batch (X, Y). Parameters are restored exactly."""
    fwd = forward(net, X)
    lss = loss(net, fwd, Y)
    back = backward(net, fwd, lss)
    rounding = loss_rounding(net, fwd, lss, back)
    layers, max_rel, max_abs, floor = [], 0.0, 0.0, 0.0
    for layer, g in zip(net.layers, back.layers):
        nW, hW = numeric_gradient(net, layer.W, X, Y, epsilon)
        nb, hb = numeric_gradient(net, layer.b, X, Y, epsilon)
        rel = 0.0
        for num, ana, h in ((nW, g.dL_dW, hW), (nb, g.dL_db, hb)):
            errors, floors = compare(num, ana, h, rounding)
            rel = max(rel, float(errors.max(initial=0.0)))
            max_abs = max(max_abs, float(np.abs(num - ana).max(initial=0.0)))
            floor = max(floor, float(floors.max(initial=0.0)))
        max_rel = max(max_rel, rel)
        layers.append(GradCheckLayer(g.index, nW, g.dL_dW, nb, g.dL_db, rel))
    return GradCheck(
        max_rel, max_abs, layers, epsilon, net.n_parameters, max_rel <= TOLERANCE, TOLERANCE, floor, rounding
    )
