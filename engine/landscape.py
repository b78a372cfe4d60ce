"""The loss landscape: the one scalar the loss phase reports, over one or two parameters.

Every other parameter is held at its current value. For a parameter ``W[l][j][i]`` moved by
``d``, only neuron ``j`` of layer ``l`` sees the change: ``z[l][:, j] += d · a[l-1][:, i]``
(``+= d`` for the bias ``b[l][j]``). The grid is evaluated in blocks of points, all points of
a block through one forward pass with the points on leading axes of the layer arrays: the
layers below the lowest moved one are computed once, and a value that depends on one
parameter only is computed once per value of that parameter, not once per point (see
:class:`_Grid`).

The loss of a point is ``(1/N) Σ_s L_s + penalty`` with the penalty of the moved weights
(biases carry none), the number :func:`engine.loss` reports for those parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .errors import EngineError, NonFiniteError
from .fastpath import UFUNCS
from .losses import LOSSES
from .network import Network, backward, forward, is_paired, loss
from .parameters import ParameterRef, check_ref, value_of

# Floats of one layer's values over a block of grid points (8 MiB of float64). Larger blocks
# share more of the work done once per block; smaller ones stay closer to the cache. Between
# 2 and 16 MiB the time of a 41×41 grid on 2-8-8-1 × 1,000 samples hardly changes.
CHUNK_FLOATS = 1 << 20


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


def grid_losses(
    net: Network, X: np.ndarray, Y: np.ndarray, refs: list[ParameterRef], offsets: list[np.ndarray]
) -> np.ndarray:
    """The loss with ``refs[k]`` moved by ``offsets[k][i_k]``, at every point of the grid:
    shape (P_0,) for one parameter, (P_0, P_1) for two.

    ``X``: (N, n_0), ``Y``: (N, K), ``offsets[k]``: (P_k,).
    """
    for ref in refs:
        check_ref(net, ref)
    shape = tuple(len(o) for o in offsets)
    with np.errstate(over="ignore", invalid="ignore"):
        grid = _Grid(net, X, Y, refs)
        out = np.empty(shape)
        for block in _blocks(shape, grid.floats_per_point):
            out[block] = grid.data_losses([o[s] for o, s in zip(offsets, block)])
        moves = np.meshgrid(*offsets, indexing="ij")
        out += _penalties(net, refs, np.column_stack([m.ravel() for m in moves])).reshape(shape)
    if not np.isfinite(out).all():
        raise NonFiniteError(
            "the loss overflowed at some points of the landscape (not a finite number): "
            "choose a smaller radius"
        )
    return out


def _blocks(shape: tuple[int, ...], floats_per_point: int) -> list[tuple[slice, ...]]:
    """Slices cutting the grid into blocks of at most :data:`CHUNK_FLOATS` floats of stacked
    layer values (at least one point each): whole rows of the last axis when they fit."""
    budget = max(1, CHUNK_FLOATS // floats_per_point)  # grid points per block
    last = shape[-1]
    if len(shape) == 1 or budget < last:
        step = min(budget, last)
        lead = [(slice(i, i + 1),) for i in range(shape[0])] if len(shape) == 2 else [()]
        return [(*row, slice(j, j + step)) for row in lead for j in range(0, last, step)]
    rows = budget // last
    return [(slice(i, i + rows), slice(None)) for i in range(0, shape[0], rows)]


class _Grid:
    """The data loss over blocks of grid points, all points of a block in one forward pass.

    Layer values are arrays of shape (…, N, n) with one leading axis per parameter, of the
    block's length where the values depend on that parameter and 1 where they do not, so a
    value shared by many points is computed once. A neuron can depend on more parameters than
    the rest of its layer (the moved neuron of the lowest moved layer; the neuron of the
    second parameter's layer): its column is kept apart, and the layer above adds its
    difference from the shared column, ``(a_c − a_c,shared) ⊗ W[:, c]``, to the product of the
    shared values. The layers below the lowest moved one are computed once.
    """

    def __init__(self, net: Network, X: np.ndarray, Y: np.ndarray, refs: list[ParameterRef]) -> None:
        self.net, self.Y, self.refs = net, Y, refs
        self.first = min(ref.layer for ref in refs) - 1  # 0-based position of the lowest moved layer
        below = X
        for layer in net.layers[: self.first]:
            below = ACTIVATIONS[layer.activation].fn(below @ layer.W.T + layer.b)
        self.below = below
        self.floats_per_point = len(X) * max(max(layer.W.shape) for layer in net.layers[self.first :])
        # Arrays reused by every block: fresh memory for each would cost more in page faults
        # than the arithmetic done in it.
        self._buffers: dict[object, np.ndarray] = {}

    def _buffer(self, key: object, shape: tuple[int, ...]) -> np.ndarray:
        size = math.prod(shape)
        flat = self._buffers.get(key)
        if flat is None or flat.size < size:
            flat = self._buffers[key] = np.empty(size)
        return flat[:size].reshape(shape)

    def data_losses(self, offsets: list[np.ndarray]) -> np.ndarray:
        """Data losses at the block of points ``offsets[k]`` (C_k,): shape (C_0[, C_1])."""
        net, refs, below = self.net, self.refs, self.below
        k, N = len(refs), len(below)
        block = tuple(len(o) for o in offsets)
        moves = [o.reshape([-1 if m == n else 1 for m in range(k)] + [1]) for n, o in enumerate(offsets)]
        a = below.reshape((1,) * k + below.shape)  # shared values, (…, N, n_{l-1})
        # Neurons that depend on more parameters than the shared values, (…, N) each, and the
        # parameters each value depends on (by structure, whatever the block's lengths, so a
        # number never depends on how the grid was cut into blocks).
        columns: dict[int, np.ndarray] = {}
        shared: frozenset[int] = frozenset()
        depends: dict[int, frozenset[int]] = {}
        L = len(net.layers)
        for position in range(self.first, L):
            layer = net.layers[position]
            n = layer.W.shape[0]
            z = np.matmul(a, layer.W.T, out=self._buffer(("z", position), a.shape[:-1] + (n,)))
            z += layer.b
            for c, column in columns.items():
                diff = (column - a[..., c])[..., None]
                shape = np.broadcast_shapes(z.shape, diff.shape[:-1] + (n,))
                out = self._buffer(("change", position, c), shape)
                change = np.matmul(diff, layer.W[None, :, c], out=out)
                z = np.add(change, z, out=change)
                shared |= depends[c]
            z_columns: dict[int, np.ndarray] = {}
            z_depends: dict[int, frozenset[int]] = {}
            for p, ref in enumerate(refs):
                if ref.layer - 1 != position:
                    continue
                j = ref.index[0]
                deps = z_depends.get(j, shared) | {p}
                if ref.name == "W":
                    i = ref.index[1]
                    shift = moves[p] * columns.get(i, a[..., i])
                    deps |= depends.get(i, frozenset())
                else:
                    shift = moves[p]
                moved = z_columns.get(j, z[..., j]) + shift
                if deps <= shared:
                    z[..., j] = moved
                else:
                    z_columns[j], z_depends[j] = moved, deps
            if position == L - 1:
                break
            ufunc = UFUNCS.get(layer.activation)
            if ufunc is not None:  # z is not read again: a takes its place
                a = ufunc(z, out=z)
                columns = {j: ufunc(column, out=column) for j, column in z_columns.items()}
            else:
                fn = ACTIVATIONS[layer.activation].fn
                a, columns = fn(z), {j: fn(column) for j, column in z_columns.items()}
            depends = z_depends
        # The output layer at every point of the block as (C·N, K) rows, the loss's own form.
        C, K = math.prod(block), z.shape[-1]
        full = self._buffer("output", block + (N, K))
        full[...] = z
        for j, column in z_columns.items():
            full[..., j] = column
        z_rows = full.reshape(C * N, K)
        spec, paired = LOSSES[net.loss], is_paired(net)
        # A paired loss is computed from the logits alone; the others from the activations.
        a_rows = None if paired else ACTIVATIONS[layer.activation].fn(z_rows)
        terms = spec.terms(np.tile(self.Y, (C, 1)), a_rows, z_rows if paired else None)
        return (terms.reshape(C, N * K).sum(axis=1) * spec.weight(K) / N).reshape(block)


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
    losses = grid_losses(net, X, Y, refs, [offsets] * len(refs))
    current, gradient = gradient_at(net, X, Y, refs)
    return Landscape(refs, value, axes, losses, current, gradient)
