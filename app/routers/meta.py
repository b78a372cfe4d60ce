"""Health and the catalog of names, formulas and limits."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
from backprop_explorer.engine import network as engine_network
from backprop_explorer.engine.features import DEFAULT_FEATURES, FEATURES
from fastapi import APIRouter

from backprop_explorer import engine

from .. import __version__
from ..config import Limits
from ..deps import ServiceDep
from ..schemas import ERROR_RESPONSES, Catalog, HealthStatus

router = APIRouter(prefix="/api", tags=["meta"], responses=ERROR_RESPONSES)


def _datasets() -> list[dict]:
    out = []
    for name, (_, description, uses_n_noise, classes) in engine.GENERATORS.items():
        sample = engine.generate(name, np.random.default_rng(0), n=12, noise=0.0)
        out.append(
            {
                "name": name,
                "description": description,
                "task": sample.task,
                "n_features": sample.X.shape[1],
                "n_outputs": sample.Y.shape[1],
                "uses_n_noise": uses_n_noise,
                "classes": classes,
            }
        )
    return out


DATASETS = _datasets()


@router.get("/health", response_model=HealthStatus)
async def health() -> dict:
    # async: answered in the event loop, so no queue of work in the thread pool delays it.
    return {"status": "ok", "version": __version__}


@router.get("/catalog", response_model=Catalog)
def catalog(service: ServiceDep) -> dict:
    limits = asdict(service.limits)
    return {
        "version": __version__,
        "activations": [
            {"name": a.name, "formula": a.formula, "derivative": a.derivative, "output_only": a.output_only}
            for a in engine.ACTIVATIONS.values()
        ],
        "losses": [
            {"name": x.name, "formula": x.formula, "pairs_with": x.pairs_with} for x in engine.LOSSES.values()
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
        "limits": {**limits, "env": {name: Limits.env_name(name) for name in limits}},
        "health_thresholds": {
            "vanishing_ratio": engine_network.VANISHING_RATIO,
            "exploding_ratio": engine_network.EXPLODING_RATIO,
            "exploding_norm": engine_network.EXPLODING_NORM,
        },
    }
