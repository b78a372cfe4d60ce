"""The four phases of a step and the whole step: requests and traces."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from .base import (
    MAX_INT,
    UNITS_DESCRIPTION,
    WHOLE,
    Matrix,
    OutMatrix,
    OutVector,
    Request,
    Response,
    Units,
    case,
    forbid,
    sent,
    unsent,
)


class ForwardIn(Request):
    inputs: Matrix | None = Field(None, description="explicit inputs (B, n_0); loss then needs targets")
    indices: list[Annotated[int, Field(ge=0, le=MAX_INT), WHOLE]] | None = Field(
        None, min_length=1, description="dataset rows (the sample picker)"
    )
    units: Units = Field("network", description=UNITS_DESCRIPTION)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {},
                {"inputs": [[0.05, 0.10]]},
                {"indices": [0, 3]},
                {"inputs": [[100, 3]], "units": "data"},
            ],
            **forbid(case(sent("inputs"), sent("indices"))),
        }
    )


class LossIn(Request):
    targets: Matrix | None = Field(None, description="required after forward with explicit inputs")
    units: Units = Field("network", description=UNITS_DESCRIPTION)

    model_config = ConfigDict(json_schema_extra={"examples": [{}, {"targets": [[0.01, 0.99]]}]})


class StepIn(Request):
    inputs: Matrix | None = None
    targets: Matrix | None = None
    indices: list[Annotated[int, Field(ge=0, le=MAX_INT), WHOLE]] | None = Field(None, min_length=1)
    units: Units = Field("network", description=UNITS_DESCRIPTION)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{}, {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]}, {"indices": [0, 3]}],
            **forbid(  # targets go with explicit inputs; inputs and indices exclude each other
                case(sent("inputs"), unsent("targets")),
                case(unsent("inputs"), sent("targets")),
                case(sent("inputs"), sent("indices")),
            ),
        }
    )


class EmptyIn(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{}]})


class TraceInfo(Response):
    trace_samples: int = Field(description="per-sample rows in this response (first rows of the batch)")
    batch_size: int = Field(description="samples in the batch")


class ForwardLayer(Response):
    index: int
    activation: str
    W: OutMatrix
    b: OutVector
    z: OutMatrix
    a: OutMatrix


class ForwardOut(TraceInfo):
    phase: Literal["forward"] = "forward"
    inputs: OutMatrix = Field(description="the rows as the input layer saw them")
    indices: list[int] | None
    data_inputs: OutMatrix | None = Field(
        None, description='with "units": "data": the rows as sent, in the data\'s units'
    )
    layers: list[ForwardLayer]
    output: OutMatrix


class LossOut(TraceInfo):
    phase: Literal["loss"] = "loss"
    loss: float
    data_loss: float
    penalty: float
    per_sample: OutVector
    targets: OutMatrix
    output: OutMatrix
    dL_da: OutMatrix


class BackwardLayer(Response):
    index: int
    dL_da: OutMatrix
    da_dz: OutMatrix | None
    dL_dz: OutMatrix
    dL_dz_rule: Literal["chain", "softmax_jacobian", "paired_sigmoid_bce", "paired_softmax_ce"] = Field(
        description="how dL_dz was obtained: `chain` is exactly dL_da ⊙ da_dz; the others are the "
        "formulas in the catalog's `dL_dz_rules` (exact where the product would round)"
    )
    dL_dW: OutMatrix
    dL_db: OutVector
    grad_norm: float


class HealthLayer(Response):
    index: int
    grad_norm: float
    ratio_to_output: float | None
    status: Literal["ok", "vanishing", "exploding"]


class HealthThresholds(Response):
    vanishing_ratio: float
    exploding_ratio: float
    exploding_norm: float


class Health(Response):
    vanishing: bool
    exploding: bool
    layers: list[HealthLayer]
    thresholds: HealthThresholds


class BackwardOut(TraceInfo):
    phase: Literal["backward"] = "backward"
    layers: list[BackwardLayer]
    health: Health


class UpdateLayer(Response):
    index: int
    W_old: OutMatrix
    dL_dW: OutMatrix
    step_W: OutMatrix
    W_new: OutMatrix
    b_old: OutVector
    dL_db: OutVector
    step_b: OutVector
    b_new: OutVector


class HistoryEntry(Response):
    epoch: int
    train_loss: float | None
    val_loss: float | None
    train_accuracy: float | None
    val_accuracy: float | None
    grad_norms: list[float]


class UpdateOut(Response):
    phase: Literal["update"] = "update"
    learning_rate: float
    optimizer: str
    layers: list[UpdateLayer]
    loss_after: float | None = Field(
        description="the loss phase's scalar on the same batch with the new parameters; null where it "
        "overflows there (an update is kept when the batch that comes next still runs every phase)"
    )
    epoch: int
    step: int
    epoch_completed: bool
    epoch_summary: HistoryEntry | None


class StepOut(Response):
    forward: ForwardOut
    loss: LossOut
    backward: BackwardOut
    update: UpdateOut
