"""Export and import documents."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from ..examples import MAZUR_EXAMPLE
from .base import (
    MAX_COUNT,
    WHOLE,
    FiniteMatrix,
    FiniteVector,
    Int,
    ParameterMatrix,
    ParameterVector,
    Request,
    Response,
)
from .networks import NetworkSpec, Parameters
from .phases import HistoryEntry
from .training import StepLoss


class OptimizerState(Request):
    t: Int = Field(0, ge=0, le=MAX_COUNT)
    state: dict[
        str, dict[str, FiniteMatrix | FiniteVector | Annotated[int, Field(ge=0, le=MAX_COUNT), WHOLE]]
    ] = Field(
        default_factory=dict,
        description="per parameter tensor (`W1`, `b1`, …): `v` (momentum), `m` and `v` (Adam), "
        "and `t`, the tensor's own count of updates (Adam's bias correction)",
    )


class TrainerState(Request):
    epoch: Int = Field(0, ge=0, le=MAX_COUNT)
    step: Int = Field(0, ge=0, le=MAX_COUNT)
    cursor: Int = Field(0, ge=0, le=MAX_COUNT)
    epoch_end_step: Annotated[int, Field(ge=0, le=MAX_COUNT), WHOLE] | None = Field(
        None,
        description="updates applied when the last epoch closed (0 before any); null or left out: "
        "not known (a document exported before it was counted)",
    )
    norm_sums: list[Annotated[float, Field(ge=0)]] = Field(default_factory=list)
    norm_count: Int = Field(0, ge=0, le=MAX_COUNT)


Loss = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]


class HistoryEntryIn(Request):
    epoch: Int = Field(ge=1, le=MAX_COUNT)
    train_loss: Loss | None
    val_loss: Loss | None
    train_accuracy: Fraction | None
    val_accuracy: Fraction | None
    grad_norms: list[Annotated[float, Field(ge=0)]] = Field(description="one per non-input layer")


class ExportOut(Response):
    """What `GET .../export` returns and `POST /api/networks/import` accepts."""

    format: str
    spec: dict[str, Any]
    parameters: Parameters
    optimizer_state: dict[str, Any]
    trainer: dict[str, Any]
    history: list[HistoryEntry]
    steps: list[StepLoss] = Field(description="the loss of each traced update, as `/history` serves them")


class StepLossIn(Request):
    step: Int = Field(ge=1, le=MAX_COUNT)
    epoch: Int = Field(ge=1, le=MAX_COUNT)
    loss: Loss


class ParametersRequired(Request):
    """Trained values may pass the ±1e9 of a create, up to what an update leaves (±1e154)."""

    weights: list[ParameterMatrix]
    biases: list[ParameterVector]


class ExportDocument(Request):
    format: Literal["backprop-explorer/1"] = "backprop-explorer/1"
    spec: NetworkSpec
    parameters: ParametersRequired
    optimizer_state: OptimizerState = Field(default_factory=OptimizerState)
    trainer: TrainerState = Field(default_factory=TrainerState)
    history: list[HistoryEntryIn] = Field(default_factory=list)
    steps: list[StepLossIn] = Field(default_factory=list)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "format": "backprop-explorer/1",
                    "spec": MAZUR_EXAMPLE,
                    "parameters": {
                        "weights": MAZUR_EXAMPLE["weights"],
                        "biases": MAZUR_EXAMPLE["biases"],
                    },
                }
            ]
        }
    )
