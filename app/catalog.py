"""The catalog: every name the engine accepts, with its formula, and the server's limits."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
from backprop_explorer.engine.features import DEFAULT_FEATURES, FEATURES
from backprop_explorer.engine.health import EXPLODING_NORM, EXPLODING_RATIO, VANISHING_RATIO

from backprop_explorer import engine

from . import __version__, realdata
from .config import Limits


def _datasets() -> list[dict]:
    """The generators, then the real datasets shipped with the package (app/realdata)."""
    out = []
    for name, (_, description, uses_n_noise, classes) in engine.GENERATORS.items():
        sample = engine.generate(name, np.random.default_rng(0), n=12, noise=0.0)
        out.append(
            {
                "name": name,
                "kind": "generated",
                "title": name.replace("_", " "),
                "description": description,
                "task": sample.task,
                "n_features": sample.X.shape[1],
                "n_outputs": sample.Y.shape[1],
                "uses_n_noise": uses_n_noise,
                "classes": classes,
            }
        )
    for name, info in realdata.REAL_DATASETS.items():
        table = realdata.read(name)
        out.append(
            {
                "name": name,
                "kind": "real",
                "title": info.title,
                "description": info.description,
                "task": info.task,
                "n_features": table.X.shape[1],
                "n_outputs": table.Y.shape[1],
                "uses_n_noise": False,
                "classes": len(table.class_names) if table.class_names else 1,
                "n_samples": len(table.X),
                "class_names": table.class_names,
                "image_shape": info.image_shape,
                "source": info.source,
                "license": info.license,
                "citation": info.citation,
            }
        )
    return out


DATASETS = _datasets()


def catalog(limits: Limits) -> dict:
    values = asdict(limits)
    return {
        "version": __version__,
        "activations": [
            {"name": a.name, "formula": a.formula, "derivative": a.derivative, "output_only": a.output_only}
            for a in engine.ACTIVATIONS.values()
        ],
        "losses": [
            {"name": x.name, "formula": x.formula, "derivative": x.derivative, "pairs_with": x.pairs_with}
            for x in engine.LOSSES.values()
        ],
        "optimizers": [asdict(info) for info in engine.OPTIMIZERS.values()],
        "initializers": [asdict(info) for info in engine.INITIALIZERS.values()],
        "phases": list(engine.PHASES),
        "pairings": engine.PAIRINGS,
        "dL_dz_rules": engine.DL_DZ_RULES,
        "regularizations": list(engine.REGULARIZATIONS),
        "datasets": DATASETS,
        "features": [{"name": f.name, "label": f.label, "formula": f.formula} for f in FEATURES.values()],
        "default_features": list(DEFAULT_FEATURES),
        "limits": {**values, "env": {name: Limits.env_name(name) for name in values}},
        "health_thresholds": {
            "vanishing_ratio": VANISHING_RATIO,
            "exploding_ratio": EXPLODING_RATIO,
            "exploding_norm": EXPLODING_NORM,
        },
    }
