"""Gradient check: finite differences against backprop, for every parameter.

``L`` is the loss phase's scalar (batch-mean data loss + penalty). Every parameter first gets
one central difference,

    D(h) = (L(θ + h) − L(θ − h)) / (2h),    h = ε·max(1, |θ|)

(the step is relative for large parameters, so θ ± h always differs from θ; the denominator
is the difference of the two rounded points, not 2h). Two errors separate D(h) from ∂L/∂θ:

- rounding: each evaluation of L carries a rounding error ``loss_rounding`` (estimated below
  from the trace), so D(h) is uncertain by the *floor* ``loss_rounding / h``;
- truncation: D(h) = ∂L/∂θ + c·h² + O(h⁴). Where L bends sharply (large weights into tanh
  layers, say) c·h² exceeds any useful tolerance.

An entry passes when

    |numeric − backprop| ≤ TOLERANCE·max(|numeric|, |backprop|) + floor + truncation

and its reported relative error is ``|numeric − backprop| / (max(|numeric|, |backprop|) +
(floor + truncation) / TOLERANCE)``, so ``passed`` is exactly ``max_rel_error ≤ TOLERANCE``.

An entry whose first difference does not agree to within a tenth of the tolerance is refined
(Ridders' method): central differences at h, h/2, h/4, … and Richardson's extrapolations of
them (``(4·D(h/2) − D(h)) / 3`` cancels the h² term, the next column the h⁴ term, and so on).
Each extrapolation carries a truncation estimate, its distance to the two values it was made
from, and a floor, carried through the same combination. The one with the smallest floor +
truncation is kept; halving stops once that is a tenth of the tolerance, once the higher
orders get worse (rounding has taken over), or after ``LEVELS`` steps. The decision then uses
that value with its own floor and truncation: a correct backprop passes where truncation made
D(h) wrong, and a wrong one still fails wherever its error stands above them. (An entry that
agrees at the first step is not refined: a truncation error that offsets a wrong gradient to
within a tenth of the tolerance would be a coincidence.)

Kinks. relu and leaky_relu bend at z = 0, the L1 penalty at w = 0. A difference whose points
straddle a kink, or lie on one, measures no derivative: a refining step where any such sign
(of a relu z or of a weight under L1) differs from the unperturbed network's is discarded.
An entry left without two consecutive steps clear of kinks, down to ``h / 2^(LEVELS−1)``, is
not compared: it is listed in ``kinks`` instead of failing.

Work. The first differences take two evaluations of L per parameter; refining takes two per
step tried. ``refine_budget`` caps the evaluations refining may spend in all (the app allows
as many as the first differences took, and a thousand more); an entry it cannot afford keeps
its first difference and is counted in ``unrefined``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
)

TOLERANCE = 1e-4  # relative error allowed above the rounding floor and the truncation estimate
UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2  # u: relative error of one rounded operation
# The estimate below counts each rounded operation once, to first order; real libraries add a
# few more (exp, log1p, the loss's reductions). Calibrated on deep saturated networks
# (tests/engine/test_gradcheck.py): the error observed there needs a factor under 1.
SAFETY = 8.0
LEVELS = 8  # steps h, h/2, …, h/128 at most when an entry is refined
RESOLVED = 0.1  # refining stops when floor + truncation ≤ RESOLVED·TOLERANCE·|value|
WORSENING = 2.0  # … or when the highest order moved by WORSENING × the best uncertainty
KINKED = ("relu", "leaky_relu")  # activations with a kink at z = 0


@dataclass
class GradCheckLayer:
    index: int
    numeric_W: np.ndarray
    backprop_W: np.ndarray
    numeric_b: np.ndarray
    backprop_b: np.ndarray
    max_rel_error: float  # over the entries compared (not those at a kink)


@dataclass(frozen=True)
class Kink:
    """An entry not compared: a kink lies within ± the smallest step tried."""

    layer: int
    name: str  # "W" or "b"
    index: tuple[int, ...]


@dataclass
class GradCheck:
    max_rel_error: float  # the largest relative error, floor and truncation in the denominator
    max_abs_error: float
    layers: list[GradCheckLayer]
    epsilon: float  # ε: the first step is h = ε·max(1, |θ|)
    n_parameters: int
    passed: bool  # max_rel_error ≤ tolerance
    tolerance: float
    floor: float  # the largest absolute error put down to rounding
    loss_rounding: float  # estimated rounding error of one evaluation of L
    truncation: float = 0.0  # the largest truncation error estimated for a refined entry
    refined: int = 0  # entries compared after smaller steps and extrapolation
    kinks: list[Kink] = field(default_factory=list)
    unrefined: int = 0  # entries that needed refining beyond the budget: their first difference stands


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


def kink_signs(net: Network, fwd: ForwardTrace) -> list[np.ndarray]:
    """sign(z) of every relu and leaky_relu layer: where a kink is, relative to each z."""
    return [np.sign(out.z) for layer, out in zip(net.layers, fwd.layers) if layer.activation in KINKED]


@dataclass
class _Probe:
    """Evaluates L with one entry of one parameter array moved, and says whether the move
    crossed a kink."""

    net: Network
    X: np.ndarray
    Y: np.ndarray
    signs: list[np.ndarray]  # kink_signs at the unperturbed parameters
    l1: bool  # the array is a weight matrix under an L1 penalty
    budget: list[int | None] = field(default_factory=lambda: [None])  # evaluations left (shared)

    def affords(self, evaluations: int) -> bool:
        return self.budget[0] is None or self.budget[0] >= evaluations

    def central(self, param: np.ndarray, pos: tuple, h: float, kinks: bool = False):
        """(D, the real half-step, a kink crossed): D = (L(θ + h) − L(θ − h)) / (2h)."""
        original = float(param[pos])
        crossed = False
        values = []
        if self.budget[0] is not None:
            self.budget[0] -= 2
        for point in (original + h, original - h):
            param[pos] = point
            fwd = forward(self.net, self.X)
            values.append(loss(self.net, fwd, self.Y).loss)
            if kinks:
                crossed = crossed or any(
                    not np.array_equal(s, t) for s, t in zip(kink_signs(self.net, fwd), self.signs)
                )
                crossed = crossed or (self.l1 and np.sign(point) != np.sign(original))
        param[pos] = original
        up, down = original + h, original - h
        return (values[0] - values[1]) / (up - down), (up - down) / 2, crossed


@dataclass
class Estimate:
    value: float
    floor: float
    truncation: float

    @property
    def uncertainty(self) -> float:
        return self.floor + self.truncation


def refine(probe: _Probe, param: np.ndarray, pos: tuple, h: float, rounding: float) -> Estimate | None:
    """Ridders' extrapolation of the central differences at h, h/2, …: the estimate with the
    smallest floor + truncation, or None when no two consecutive steps are clear of kinks."""
    best: Estimate | None = None
    previous: list[tuple[float, float]] | None = None  # the last row of the tableau: (value, floor)
    for level in range(LEVELS):
        if not probe.affords(2):
            break
        d, step, crossed = probe.central(param, pos, h / 2**level, kinks=True)
        if crossed:
            previous = None
            continue
        row = [(d, rounding / step)]
        for j in range(1, len(previous) + 1 if previous else 1):
            assert previous is not None
            (v1, f1), (v0, f0), k = row[j - 1], previous[j - 1], 4.0**j
            value, floor = (k * v1 - v0) / (k - 1), (k * f1 + f0) / (k - 1)
            row.append((value, floor))
            candidate = Estimate(value, floor, max(abs(value - v1), abs(value - v0)))
            if best is None or candidate.uncertainty < best.uncertainty:
                best = candidate
        if previous and best and abs(row[-1][0] - previous[-1][0]) >= WORSENING * best.uncertainty:
            break
        previous = row
        if best is not None and best.uncertainty <= RESOLVED * TOLERANCE * abs(best.value):
            break
    return best


def numeric_gradient(net: Network, param: np.ndarray, X, Y, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    """The central differences of L over every entry of ``param``, and the steps they used."""
    probe = _Probe(net, X, Y, [], False)
    grad, steps = np.zeros_like(param), np.zeros_like(param)
    for pos in np.ndindex(param.shape):
        grad[pos], steps[pos], _ = probe.central(param, pos, epsilon * max(1.0, abs(float(param[pos]))))
    return grad, steps


def compare(numeric: np.ndarray, backprop: np.ndarray, uncertainty: np.ndarray) -> np.ndarray:
    """Relative errors per entry, the numeric value's uncertainty (floor + truncation) in the
    denominator; an entry passes when its relative error is ≤ TOLERANCE (module docstring)."""
    denom = np.maximum(np.abs(numeric), np.abs(backprop)) + uncertainty / TOLERANCE
    denom = np.maximum(denom, np.finfo(np.float64).tiny)  # 0/0 where L is exactly 0
    return np.abs(numeric - backprop) / denom


def gradient_check(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    epsilon: float = 1e-6,
    gradients: list[tuple[np.ndarray, np.ndarray]] | None = None,
    refine_budget: int | None = None,
) -> GradCheck:
    """Compare every ∂L/∂W and ∂L/∂b on the batch (X, Y): backprop's, or ``gradients`` given as
    (dL_dW, dL_db) per layer (a test's deliberately wrong ones). ``refine_budget``: evaluations
    of L refining may spend (None: no bound). Parameters are restored exactly."""
    fwd = forward(net, X)
    lss = loss(net, fwd, Y)
    back = backward(net, fwd, lss)
    rounding = loss_rounding(net, fwd, lss, back)
    signs = kink_signs(net, fwd)
    if gradients is None:
        gradients = [(g.dL_dW, g.dL_db) for g in back.layers]
    l1 = net.regularization.kind == "l1"
    layers, kinks = [], []
    max_rel = max_abs = floor = truncation = 0.0
    refined = unrefined = 0
    budget: list[int | None] = [refine_budget]
    for index, (layer, (dW, db)) in enumerate(zip(net.layers, gradients), start=1):
        rel, numerics = 0.0, []
        for name, param, backprop in (("W", layer.W, dW), ("b", layer.b, db)):
            numeric, steps = numeric_gradient(net, param, X, Y, epsilon)
            floors, truncations = rounding / steps, np.zeros_like(steps)
            compared = np.ones(param.shape, dtype=bool)
            probe = _Probe(net, X, Y, signs, l1 and name == "W", budget)
            for pos in map(tuple, np.argwhere(compare(numeric, backprop, floors) > RESOLVED * TOLERANCE)):
                if not probe.affords(4):  # two steps at least: one extrapolation
                    unrefined += 1
                    continue
                h = epsilon * max(1.0, abs(float(param[pos])))
                estimate = refine(probe, param, pos, h, rounding)
                if estimate is None and not probe.affords(2):  # cut short: not a kink's doing
                    unrefined += 1
                elif estimate is None:
                    compared[pos] = False
                    kinks.append(Kink(index, name, tuple(int(i) for i in pos)))
                else:
                    refined += 1
                    numeric[pos], floors[pos], truncations[pos] = (
                        estimate.value,
                        estimate.floor,
                        estimate.truncation,
                    )
            errors = compare(numeric, backprop, floors + truncations)[compared]
            rel = max(rel, float(errors.max(initial=0.0)))
            max_abs = max(max_abs, float(np.abs(numeric - backprop)[compared].max(initial=0.0)))
            floor = max(floor, float(floors[compared].max(initial=0.0)))
            truncation = max(truncation, float(truncations[compared].max(initial=0.0)))
            numerics.append(numeric)
        max_rel = max(max_rel, rel)
        layers.append(GradCheckLayer(index, numerics[0], dW, numerics[1], db, rel))
    return GradCheck(
        max_rel,
        max_abs,
        layers,
        epsilon,
        net.n_parameters,
        max_rel <= TOLERANCE,
        TOLERANCE,
        floor,
        rounding,
        truncation,
        refined,
        kinks,
        unrefined,
    )
