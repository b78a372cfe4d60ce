"""Read-only analysis of a network: predictions (inputs or a 2-D grid) and the gradient check.

Every request's work is bounded by a limit: the floats of a predict answer
(``max_predict_values``), the bytes of its compact maps (``max_map_bytes``) and the cost of
a gradient check (``max_gradcheck_work``). Predictions run in chunks of points, so memory
stays proportional to the answer, not to points × neurons of intermediate arrays.
A grid is made of raw (x1, x2) points: a network with engineered features gets its features
of each point; explicit ``inputs`` are rows of what the network sees (its feature columns).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import numpy as np
from backprop_explorer.engine.features import DEFAULT_FEATURES, feature_columns, raw_dataset

from backprop_explorer import engine

from .. import costs, gate, scaling, serialize
from ..config import Limits
from ..errors import InvalidInput, LimitExceeded
from ..schemas import GradcheckIn, Grid, PredictIn
from .codec import Session
from .pairing import check_sent_targets

CHUNK_VALUES = 1_000_000  # activations (points × neurons) computed at once
REFINE_SPARE = 1_024  # evaluations of L a gradient check's refining may spend beyond the first pass's


def grid_bounds(session: Session, grid: Grid) -> tuple[float, float, float, float]:
    """The grid's (x1_min, x1_max, x2_min, x2_max): as sent, else the data's range padded by 10 %
    (of its raw (x1, x2) points when the network sees engineered features)."""
    if session.dataset is not None:
        raw = raw_dataset(session.dataset).X
        lo, hi = raw.min(axis=0), raw.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9)
        default = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    else:
        default = (-1.1, 1.1, -1.1, 1.1)
    sent = (grid.x1_min, grid.x1_max, grid.x2_min, grid.x2_max)
    chosen = [default[k] if v is None else v for k, v in enumerate(sent)]
    if not (chosen[0] < chosen[1] and chosen[2] < chosen[3]):
        raise InvalidInput("grid bounds need x1_min < x1_max and x2_min < x2_max")
    x1_min, x1_max, x2_min, x2_max = (float(c) for c in chosen)
    return x1_min, x1_max, x2_min, x2_max


def _forward_chunks(net: engine.Network, X: np.ndarray) -> Iterator[tuple[int, engine.ForwardTrace]]:
    """(first row, trace) of consecutive slices of ``X`` (B, n_0), a bounded number of values each."""
    rows = max(1, CHUNK_VALUES // sum(net.sizes[1:]))
    for start in range(0, len(X), rows):
        yield start, engine.forward(net, X[start : start + rows])


def _float_layers(net: engine.Network, X: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Outputs (B, n_L) and every layer's activations [(B, n_l)], computed chunk by chunk."""
    layers = [np.empty((len(X), n)) for n in net.sizes[1:]]
    for start, fwd in _forward_chunks(net, X):
        for out, layer in zip(layers, fwd.layers, strict=True):
            out[start : start + len(layer.a)] = layer.a
    return layers[-1], layers


def _uint8_maps(net: engine.Network, X: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """Outputs (B, n_L) and per layer each neuron's activation over the B points as bytes:
    a ≈ min + (max − min)·byte/255, neuron-major. Two passes: the range, then the bytes."""
    sizes = net.sizes[1:]
    lo = [np.full(n, np.inf) for n in sizes]
    hi = [np.full(n, -np.inf) for n in sizes]
    outputs = np.empty((len(X), sizes[-1]))
    for start, fwd in _forward_chunks(net, X):
        outputs[start : start + len(fwd.output)] = fwd.output
        for l, layer in enumerate(fwd.layers):
            np.minimum(lo[l], layer.a.min(axis=0), out=lo[l])
            np.maximum(hi[l], layer.a.max(axis=0), out=hi[l])
    spread = [h - m for m, h in zip(lo, hi, strict=True)]
    scale = [np.divide(255.0, s, out=np.zeros_like(s), where=s > 0) for s in spread]
    data = [np.empty((n, len(X)), dtype=np.uint8) for n in sizes]
    for start, fwd in _forward_chunks(net, X):
        for l, layer in enumerate(fwd.layers):
            q = np.rint((layer.a - lo[l]) * scale[l])
            data[l][:, start : start + len(q)] = np.clip(q, 0, 255).T
    maps = [
        {
            "index": l + 1,
            "min": serialize.array(lo[l]),
            "max": serialize.array(hi[l]),
            "data": base64.b64encode(data[l].tobytes()).decode("ascii"),
        }
        for l in range(len(sizes))
    ]
    return outputs, maps


def predict(session: Session, limits: Limits, body: PredictIn) -> dict:
    net = session.net
    n0, neurons, n_out = net.sizes[0], sum(net.sizes[1:]), net.sizes[-1]
    if (body.inputs is None) == (body.grid is None):
        raise InvalidInput("send exactly one of inputs or grid")
    if body.inputs is not None:
        if body.maps is not None:
            raise InvalidInput('"maps" needs a grid: per-neuron maps are drawn over a 2-D grid')
        X = scaling.network_inputs(session.dataset, body.inputs, body.units, n0)
        limits.check("max_samples", len(X), "the number of input rows")
        out: dict = {"inputs": serialize.array(X)} if body.units == "data" else {}
    else:
        grid = body.grid
        assert grid is not None
        features = session.spec.get("features")
        if n0 != 2 and features is None:
            raise InvalidInput(f"a grid needs a network with 2 input features; this one has {n0}")
        limits.check("max_grid_resolution", grid.resolution, "grid.resolution")
        bounds = grid_bounds(session, grid)
        x1 = np.linspace(bounds[0], bounds[1], grid.resolution)
        x2 = np.linspace(bounds[2], bounds[3], grid.resolution)
        grid1, grid2 = np.meshgrid(x1, x2)  # row j, column i: point p = j*R + i
        X = np.column_stack([grid1.ravel(), grid2.ravel()])
        if features is not None and tuple(features) != DEFAULT_FEATURES:
            X = feature_columns(X, features)  # the grid is raw (x1, x2); the network sees features
        out = {"axes": {"x1": serialize.array(x1), "x2": serialize.array(x2)}}
    points = len(X)
    if body.maps == "uint8":
        what = "points × output neurons (outputs in the answer)"
        limits.check("max_predict_values", points * n_out, what)
        limits.check("max_map_bytes", points * neurons, "points × neurons (bytes of the maps)")
        gate.reserve(costs.predict(costs.shape_of(session), points, CHUNK_VALUES, maps=True), "this predict")
        outputs, maps = _uint8_maps(net, X)
        out["outputs"], out["maps"] = serialize.array(outputs), maps
        return out
    if points * neurons > limits.max_predict_values:
        raise LimitExceeded(
            f"points × neurons (activations in the answer) is {points * neurons}, over the limit "
            f"max_predict_values={limits.max_predict_values} (set {limits.env_name('max_predict_values')}); "
            'ask for fewer points, or a grid with "maps": "uint8"'
        )
    gate.reserve(costs.predict(costs.shape_of(session), points, CHUNK_VALUES, maps=False), "this predict")
    outputs, layers = _float_layers(net, X)
    if "axes" in out:  # the float answer also names the axes beside the outputs
        out["x1"], out["x2"] = out["axes"]["x1"], out["axes"]["x2"]
    out["outputs"] = serialize.array(outputs)
    if "inputs" in out:
        out["data_outputs"] = serialize.array(scaling.data_outputs(session.dataset, outputs))
    out["layers"] = [{"index": i, "a": serialize.array(a)} for i, a in enumerate(layers, start=1)]
    return out


def gradcheck(session: Session, limits: Limits, body: GradcheckIn) -> dict:
    layers = session.spec["layers"]
    if (body.inputs is None) != (body.targets is None):
        raise InvalidInput("send both inputs and targets, or neither (the batch at the cursor)")
    if body.inputs is not None and body.targets is not None:
        X = serialize.matrix(body.inputs, "inputs", layers[0])
        Y = serialize.matrix(body.targets, "targets", layers[-1])
        check_sent_targets(session.spec["loss"], X, Y)
    else:
        _, trainer = session.require_data()
        X, Y = trainer.batch_arrays()
    # Two forward passes over the batch per parameter, each costing about one multiply-add
    # per parameter and sample.
    n = session.net.n_parameters
    limits.check("max_gradcheck_work", n * n * len(X), "gradcheck work (parameters² × samples)")
    # Refining disagreeing differences may spend as many evaluations as the first pass did, and
    # REFINE_SPARE more (a small network's few kinks each take one refinement to the end): the
    # work stays within about twice what the limit counts.
    check = engine.gradient_check(session.net, X, Y, body.epsilon, refine_budget=2 * n + REFINE_SPARE)
    return {
        "max_rel_error": serialize.number(check.max_rel_error),
        "max_abs_error": serialize.number(check.max_abs_error),
        "epsilon": check.epsilon,
        "n_parameters": check.n_parameters,
        "passed": check.passed,
        "tolerance": check.tolerance,
        "floor": serialize.number(check.floor),
        "loss_rounding": serialize.number(check.loss_rounding),
        "truncation": serialize.number(check.truncation),
        "refined": check.refined,
        "unrefined": check.unrefined,
        "kinks": [{"layer": k.layer, "name": k.name, "index": list(k.index)} for k in check.kinks],
        "layers": [
            {
                "index": g.index,
                "numeric_W": serialize.array(g.numeric_W),
                "backprop_W": serialize.array(g.backprop_W),
                "numeric_b": serialize.array(g.numeric_b),
                "backprop_b": serialize.array(g.backprop_b),
                "max_rel_error": serialize.number(g.max_rel_error),
            }
            for g in check.layers
        ],
    }
