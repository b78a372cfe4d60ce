"""Gradient health: flags layers whose ‖∂L/∂W‖₂ vanishes or explodes, by documented thresholds.

A layer is "vanishing" when its norm is below VANISHING_RATIO × the output layer's norm,
and "exploding" when its norm exceeds EXPLODING_NORM or EXPLODING_RATIO × the output
layer's norm. Ratios rather than absolute sizes: near a minimum every gradient is small,
and that is convergence, not vanishing.
"""

from __future__ import annotations

import numpy as np

VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3
EXPLODING_NORM = 1e3


def gradient_health(norms: list[float]) -> dict:
    """Status per layer ``index`` 1..L from its ‖∂L/∂W‖₂ (``norms``, ordered by index)."""
    ref = norms[-1]
    layers = []
    for index, norm in enumerate(norms, start=1):
        ratio = norm / ref if ref > 0 else None
        if not np.isfinite(norm) or norm > EXPLODING_NORM or (ratio is not None and ratio > EXPLODING_RATIO):
            status = "exploding"
        elif ratio is not None and ratio < VANISHING_RATIO:
            status = "vanishing"
        else:
            status = "ok"
        layers.append({"index": index, "grad_norm": norm, "ratio_to_output": ratio, "status": status})
    return {
        "vanishing": any(entry["status"] == "vanishing" for entry in layers),
        "exploding": any(entry["status"] == "exploding" for entry in layers),
        "layers": layers,
        "thresholds": {
            "vanishing_ratio": VANISHING_RATIO,
            "exploding_ratio": EXPLODING_RATIO,
            "exploding_norm": EXPLODING_NORM,
        },
    }
