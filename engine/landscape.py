"""The loss landscape: the one scalar the loss phase reports, over one or two parameters.

Every other parameter is held at its current value. For a parameter ``W[l][j][i]`` moved by
``d``, only neuron ``j`` of layer ``l`` sees the change: ``z[l][:, j] += d · a[l-1][:, i]``
(``+= d`` for the bias ``b[l][j]``). So the layers below the lowest chosen parameter are
computed once, and the layers from there up are computed for a chunk of grid points at a
time, the points stacked on the batch axis: ``(C·N, n)`` arrays for ``C`` points and ``N``
samples, ``C`` chosen so a chunk stays within :data:`CHUNK_FLOATS` floats. In the lowest moved
layer only the moved neurons' columns differ from the unmoved network, so only they are
computed per point.

The loss of a point is ``(1/N) Σ_s L_s + penalty`` with the penalty of the moved weights
(biases carry none), the number :func:`engine.loss` reports for those parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .errors import EngineError, NonFiniteError
from .losses import LOSSES
from .network import Network, backward, forward, is_paired, loss
from .parameters import ParameterRef, check_ref, value_of

# Floats per stacked array of one chunk (256 KiB of float64): small enough to stay in cache,
# which matters more than fewer, larger matrix products.
CHUNK_FLOATS = 1 << 15


@dataclass
class Landscape:
    """``loss``: (P,) for one parameter, (P, P) for two with ``loss[i, j]`` at
    ``(axes[0][i], axes[1][j])``; ``value``, ``gradient``: (k,) at the current point."""

    refs: list[ParameterRef]
    value: np.ndarray
    axes: list[np.ndarray]
    loss: np.ndarray
    current_loss: float
    gradient: np.ndarray


def losses_at(
    net: Network, X: np.ndarray, Y: np.ndarray, refs: list[ParameterRef], deltas: np.ndarray
) -> np.ndarray:
    """The loss with ``refs[k]`` moved by ``deltas[p, k]``, for every row ``p``: shape (P,).

    ``X``: (N, n_0), ``Y``: (N, K), ``deltas``: (P, len(refs)).
    """
    for ref in refs:
        check_ref(net, ref)
    first = min(ref.layer for ref in refs) - 1  # 0-based position of the lowest moved layer
    N = len(X)
    with np.errstate(over="ignore", invalid="ignore"):
        below = X
        for layer in net.layers[:first]:
            below = ACTIVATIONS[layer.activation].fn(below @ layer.W.T + layer.b)
        widest = max(max(layer.W.shape) for layer in net.layers[first:])
        chunk = max(1, CHUNK_FLOATS // (N * widest))
        out = np.empty(len(deltas))
        for start in range(0, len(deltas), chunk):
            block = deltas[start : start + chunk]
            out[start : start + len(block)] = _chunk_losses(net, below, Y, refs, block, first)
        out += _penalties(net, refs, deltas)
    if not np.isfinite(out).all():
        raise NonFiniteError(
            "the loss overflowed at some points of the landscape (not a finite number): "
            "choose a smaller radius"
        )
    return out


def _chunk_losses(
    net: Network, below: np.ndarray, Y: np.ndarray, refs: list[ParameterRef], deltas: np.ndarray, first: int
) -> np.ndarray:
    """Data losses of ``len(deltas)`` points: layers ``first``.. run on C·N stacked rows."""
    C, N = len(deltas), len(below)
    layer = net.layers[first]
    # The lowest moved layer: only the moved neurons' columns differ from the unmoved network's,
    # so z and a are computed once for N rows and only those columns per point.
    z_base = below @ layer.W.T + layer.b
    z = np.tile(z_base, (C, 1))
    stacked_z = z.reshape(C, N, -1)
    moved = [(k, ref) for k, ref in enumerate(refs) if ref.layer - 1 == first]
    for k, ref in moved:
        shift = deltas[:, k, None] * below[None, :, ref.index[1]] if ref.name == "W" else deltas[:, k, None]
        stacked_z[:, :, ref.index[0]] += shift
    fn = ACTIVATIONS[layer.activation].fn
    if layer.activation == "softmax":  # not elementwise: every column moves with z_j
        a = fn(z)
    else:
        columns = sorted({ref.index[0] for _, ref in moved})
        a = np.tile(fn(z_base), (C, 1))
        a.reshape(C, N, -1)[:, :, columns] = fn(stacked_z[:, :, columns])
    for position in range(first + 1, len(net.layers)):
        layer = net.layers[position]
        z = a @ layer.W.T + layer.b
        stacked_z, stacked_a = z.reshape(C, N, -1), a.reshape(C, N, -1)
        for k, ref in enumerate(refs):
            if ref.layer - 1 != position:
                continue
            j = ref.index[0]
            if ref.name == "W":
                stacked_z[:, :, j] += deltas[:, k, None] * stacked_a[:, :, ref.index[1]]
            else:
                stacked_z[:, :, j] += deltas[:, k, None]
        a = ACTIVATIONS[layer.activation].fn(z)
    spec = LOSSES[net.loss]
    K = Y.shape[1]
    terms = spec.terms(np.tile(Y, (C, 1)), a, z if is_paired(net) else None)
    return terms.reshape(C, N * K).sum(axis=1) * spec.weight(K) / N


def _penalties(net: Network, refs: list[ParameterRef], deltas: np.ndarray) -> np.ndarray:
    """The regularization penalty at each point: the current one, with the moved weights' terms
    replaced."""
    reg = net.regularization
    base = reg.penalty(net.layers) if reg.kind != "none" else 0.0
    total: np.ndarray = np.full(len(deltas), base)
    if reg.kind == "none":
        return total
    for k, ref in enumerate(refs):
        if ref.name != "W":
            continue
        w0 = value_of(net, ref)
        w = w0 + deltas[:, k]
        total += reg.factor * (reg.size(w) - reg.size(np.array([w0])))
    return total


def gradient_at(
    net: Network, X: np.ndarray, Y: np.ndarray, refs: list[ParameterRef]
) -> tuple[float, np.ndarray]:
    """(the loss phase's scalar, ∂L/∂p for each of ``refs``) at the current parameters."""
    fwd = forward(net, X)
    lss = loss(net, fwd, Y)
    back = backward(net, fwd, lss)
    grads = [
        float((back.layers[r.layer - 1].dL_dW if r.name == "W" else back.layers[r.layer - 1].dL_db)[r.index])
        for r in refs
    ]
    return lss.loss, np.array(grads)


def landscape_work(net: Network, n_samples: int, n_points: int) -> int:
    """A request's work: grid points × parameters of the network × samples."""
    return n_points * net.n_parameters * n_samples


def loss_landscape(
    net: Network, X: np.ndarray, Y: np.ndarray, refs: list[ParameterRef], radius: float, points: int
) -> Landscape:
    """The loss over ``points`` values per chosen parameter, spaced evenly over ±``radius``
    around the current value (which is a grid point when ``points`` is odd)."""
    if not 1 <= len(refs) <= 2:
        raise EngineError("choose one or two parameters")
    if len(set(refs)) != len(refs):
        raise EngineError("choose two different parameters")
    if not (math.isfinite(radius) and radius > 0):
        raise EngineError("radius must be a finite number > 0")
    if points < 2:
        raise EngineError("points must be at least 2")
    for ref in refs:
        check_ref(net, ref)
    value = np.array([value_of(net, ref) for ref in refs])
    offsets = np.linspace(-radius, radius, points)
    axes = [v + offsets for v in value]
    if len(refs) == 1:
        deltas = offsets[:, None]
    else:
        d0, d1 = np.meshgrid(offsets, offsets, indexing="ij")
        deltas = np.column_stack([d0.ravel(), d1.ravel()])
    losses = losses_at(net, X, Y, refs, deltas).reshape((points,) * len(refs))
    current, gradient = gradient_at(net, X, Y, refs)
    return Landscape(refs, value, axes, losses, current, gradient)
