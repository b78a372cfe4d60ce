"""Initial weights and biases: the initializer registry and the seeded draw of (W, b) per layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import EngineError


@dataclass(frozen=True)
class InitializerInfo:
    """What the catalog says of an initializer; ``default_scale`` is r or σ where one applies."""

    name: str
    description: str
    default_scale: float | None = None


INITIALIZERS = {
    info.name: info
    for info in (
        InitializerInfo("uniform", "W, b ~ U(−r, r), r = scale", 0.5),
        InitializerInfo("normal", "W, b ~ N(0, σ²), σ = scale", 0.1),
        InitializerInfo("xavier", "W ~ U(±√(6/(n_in+n_out))), b = 0"),
        InitializerInfo("he", "W ~ N(0, 2/n_in), b = 0"),
        InitializerInfo("zeros", "all 0 (shows why symmetry must be broken)"),
    )
}


def _scale(method: str, scale: float | None) -> float:
    """r or σ: the one asked for, else the initializer's default."""
    default = INITIALIZERS[method].default_scale
    assert default is not None  # uniform and normal have one
    return default if scale is None else scale


def init_parameters(
    sizes: list[int], method: str, rng: np.random.Generator, scale: float | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer for layer sizes ``sizes`` (input first); W: (n_out, n_in), b: (n_out,).

    ``uniform``: W, b ~ U(−r, r), r = ``scale`` (default 0.5). ``normal``: W, b ~ N(0, σ²),
    σ = ``scale`` (default 0.1). ``xavier``: W ~ U(±√(6/(n_in+n_out))), b = 0.
    ``he``: W ~ N(0, 2/n_in), b = 0. ``zeros``: all 0 (shows why symmetry must be broken).
    """
    if method not in INITIALIZERS:
        raise EngineError(f"unknown initializer {method!r}; choose one of {list(INITIALIZERS)}")
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if method == "uniform":
            r = _scale("uniform", scale)
            W, b = rng.uniform(-r, r, (n_out, n_in)), rng.uniform(-r, r, n_out)
        elif method == "normal":
            s = _scale("normal", scale)
            W, b = rng.normal(0.0, s, (n_out, n_in)), rng.normal(0.0, s, n_out)
        elif method == "xavier":
            r = np.sqrt(6.0 / (n_in + n_out))
            W, b = rng.uniform(-r, r, (n_out, n_in)), np.zeros(n_out)
        elif method == "he":
            W, b = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in)), np.zeros(n_out)
        else:
            W, b = np.zeros((n_out, n_in)), np.zeros(n_out)
        params.append((W, b))
    return params
