"""The wire format: every request and response body of the REST API, and nothing else.

Names follow the engine's vocabulary (``z``, ``a``, ``dL_da``, ``da_dz``, ``dL_dz``, ``dL_dW``,
``dL_db``, ``W``, ``b``, layer ``index``). Arrays are nested lists, batch-first. Request
models forbid unknown fields and reject NaN and infinity (Python's json module accepts
``NaN``/``Infinity`` tokens and turns ``1e400`` into infinity; these never reach the engine).
Limits that are configurable at run time (sizes, counts) are checked in :mod:`app.service`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from backprop_explorer.engine import (
    ACTIVATIONS,
    GENERATORS,
    INITIALIZERS,
    LOSSES,
    OPTIMIZERS,
    REGULARIZATIONS,
)
from backprop_explorer.engine.features import FEATURES
from pydantic import BaseModel, ConfigDict, Field

# Built from the engine's registries so the enums in /docs are the names the engine accepts.
if TYPE_CHECKING:  # a Literal built at run time is not a static type: names are strings
    ActivationName: TypeAlias = str
    LossName: TypeAlias = str
    OptimizerName: TypeAlias = str
    InitName: TypeAlias = str
    RegularizationKind: TypeAlias = str
    GeneratorName: TypeAlias = str
    FeatureName: TypeAlias = str
else:
    ActivationName = Literal[tuple(ACTIVATIONS)]
    LossName = Literal[tuple(LOSSES)]
    OptimizerName = Literal[tuple(OPTIMIZERS)]
    InitName = Literal[tuple(INITIALIZERS)]
    RegularizationKind = Literal[tuple(REGULARIZATIONS)]
    GeneratorName = Literal[tuple(GENERATORS)]
    FeatureName = Literal[tuple(FEATURES)]
Phase = Literal["ready", "forward", "loss", "backward", "update"]
Task = Literal["binary", "multiclass", "regression"]

# Large enough for raw CSV columns such as prices; small enough that a few layers of
# products stay far from float64 overflow.
MAX_ABS_VALUE = 1e9
# Every integer a request carries fits a JSON number exactly (and SQLite's INTEGER).
MAX_INT = 2**53
Seed = Annotated[int, Field(ge=0, le=MAX_INT)]
Number = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]
Vector = list[Number]
Matrix = list[list[Number]]
# Exported state may legitimately hold larger (finite) values than a hand-written request.
FiniteVector = list[float]
FiniteMatrix = list[list[float]]
# Responses carry whatever the engine computed (always finite: see app.serialize).
OutVector = list[float]
OutMatrix = list[list[float]]


class Request(BaseModel):
    # strict: "5" is not an int, false is not a number, "0.5" is not a float (an int is).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class Response(BaseModel):
    model_config = ConfigDict(allow_inf_nan=True)


MAZUR_EXAMPLE: dict[str, Any] = {
    "layers": [2, 2, 2],
    "activations": ["sigmoid", "sigmoid"],
    "loss": "half_sse",
    "learning_rate": 0.5,
    "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
    "biases": [[0.35, 0.35], [0.60, 0.60]],
    "trainable": {"weights": True, "biases": False},
    "data": {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]},
}
XOR_EXAMPLE: dict[str, Any] = {
    "layers": [2, 4, 1],
    "activations": ["tanh", "sigmoid"],
    "loss": "bce",
    "learning_rate": 0.5,
    "optimizer": {"name": "sgd"},
    "init": {"method": "xavier", "seed": 0},
    "data": {"generator": "xor"},
    "batch_size": 4,
}

# --- network spec ------------------------------------------------------------------------


class OptimizerSpec(Request):
    name: OptimizerName = "sgd"
    beta: float = Field(0.9, ge=0, lt=1, description="momentum: v ← β·v + g")
    beta1: float = Field(0.9, ge=0, lt=1, description="adam: first-moment decay")
    beta2: float = Field(0.999, ge=0, lt=1, description="adam: second-moment decay")
    eps: float = Field(1e-8, gt=0, le=1, description="adam: added to √v̂")


class RegularizationSpec(Request):
    kind: RegularizationKind = "none"
    rate: float = Field(0.001, ge=0, le=1e3, description="λ: penalty λΣ|w| (l1) or ½λΣw² (l2)")


class InitSpec(Request):
    method: InitName = "xavier"
    seed: Seed = 0
    scale: float | None = Field(
        None, gt=0, le=1e3, description="uniform: r of U(−r, r) (default 0.5); normal: σ (default 0.1)"
    )


class TrainableSpec(Request):
    weights: bool = True
    biases: bool = True


class GeneratorData(Request):
    generator: GeneratorName
    n: int = Field(200, ge=1, le=MAX_INT, description="samples (not used by xor/and/or)")
    noise: float = Field(0.1, ge=0, le=10)
    seed: Seed = 1
    classes: int | None = Field(None, ge=2, le=10, description="spiral: 2 or 3; multiclass_blobs: 3+")


class ArrayData(Request):
    inputs: Matrix
    targets: Matrix
    feature_names: list[str] | None = None
    target_names: list[str] | None = None


class DatasetRef(Request):
    dataset_id: str = Field(min_length=1, max_length=100)


DataSpec = GeneratorData | ArrayData | DatasetRef


class NetworkSpec(Request):
    """Everything that defines a network; every field but ``layers`` has a default."""

    layers: list[Annotated[int, Field(ge=1, le=MAX_INT)]] = Field(
        min_length=2, description="sizes including input and output, e.g. [2, 2, 2]"
    )
    activations: list[ActivationName] | None = Field(
        None, description="one per non-input layer; default sigmoid everywhere"
    )
    loss: LossName = "half_sse"
    learning_rate: float = Field(0.1, gt=0, le=1e3)
    optimizer: OptimizerSpec = Field(default_factory=OptimizerSpec)
    regularization: RegularizationSpec = Field(default_factory=RegularizationSpec)
    init: InitSpec = Field(default_factory=InitSpec)
    weights: list[Matrix] | None = Field(None, description="per layer a (n_l, n_{l-1}) matrix")
    biases: list[Vector] | None = Field(None, description="per layer an n_l vector")
    trainable: TrainableSpec | list[TrainableSpec] = Field(default_factory=TrainableSpec)
    data: DataSpec | None = Field(
        None, description="default: the xor truth table when layers are [2, ..., 1], else no data"
    )
    features: list[FeatureName] | None = Field(
        None,
        min_length=1,
        description="2-D generator data only: the input columns computed from each point (x1, x2), "
        'in order, no repeats; layers[0] must be their number. Default ["x1", "x2"]',
    )
    batch_size: int = Field(1, ge=1, le=MAX_INT)
    validation_split: float = Field(0.0, ge=0, lt=1)
    seed: Seed = Field(0, description="shuffling and hold-out seed")

    model_config = ConfigDict(json_schema_extra={"examples": [MAZUR_EXAMPLE, XOR_EXAMPLE]})


class NetworkPatch(Request):
    """Hyperparameters that change neither the shapes nor the data."""

    learning_rate: float | None = Field(None, gt=0, le=1e3)
    optimizer: OptimizerSpec | None = None
    regularization: RegularizationSpec | None = None
    batch_size: int | None = Field(None, ge=1, le=MAX_INT)
    loss: LossName | None = None
    trainable: TrainableSpec | list[TrainableSpec] | None = None
    activations: list[ActivationName] | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"learning_rate": 0.05, "optimizer": {"name": "adam"}}]}
    )


class ParametersIn(Request):
    weights: list[Matrix] | None = None
    biases: list[Vector] | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
                    "biases": [[0.35, 0.35], [0.60, 0.60]],
                }
            ]
        }
    )


class Parameters(Response):
    weights: list[OutMatrix]
    biases: list[OutVector]


class Cursor(Response):
    position: int = Field(description="training samples consumed in the current epoch")
    batch_index: int
    batches_per_epoch: int
    batch_size: int
    n_train: int
    n_validation: int
    next_indices: list[int] = Field(description="dataset rows the next {} forward will use")


class NetworkPublic(Response):
    id: str
    layers: list[int]
    activations: list[str]
    loss: str
    learning_rate: float
    optimizer: OptimizerSpec
    regularization: RegularizationSpec
    init: InitSpec
    trainable: TrainableSpec | list[TrainableSpec]
    data: DataSpec | None
    features: list[str] | None = Field(
        description="the engineered input features (2-D generator data), else null"
    )
    batch_size: int
    validation_split: float
    seed: int
    parameters: Parameters
    phase: Phase
    epoch: int = Field(description="completed epochs")
    step: int = Field(description="updates applied")
    task: Task | None
    feature_names: list[str]
    target_names: list[str]
    target_mean: list[float] | None = Field(
        None,
        description="standardized targets: ŷ and y in the data's units are value·target_std + target_mean",
    )
    target_std: list[float] | None = None
    n_parameters: int
    cursor: Cursor


class NetworkSummary(Response):
    id: str
    layers: list[int]
    activations: list[str]
    loss: str
    task: Task | None
    phase: Phase
    epoch: int
    step: int
    created_at: float
    updated_at: float


class NetworkList(Response):
    networks: list[NetworkSummary]
    total: int = Field(description="networks stored in all")
    limit: int
    offset: int


# --- phases ------------------------------------------------------------------------------


class ForwardIn(Request):
    inputs: Matrix | None = Field(None, description="explicit inputs (B, n_0); loss then needs targets")
    indices: list[Annotated[int, Field(ge=0, le=MAX_INT)]] | None = Field(
        None, min_length=1, description="dataset rows (the sample picker)"
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{}, {"inputs": [[0.05, 0.10]]}, {"indices": [0, 3]}]}
    )


class LossIn(Request):
    targets: Matrix | None = Field(None, description="required after forward with explicit inputs")

    model_config = ConfigDict(json_schema_extra={"examples": [{}, {"targets": [[0.01, 0.99]]}]})


class StepIn(Request):
    inputs: Matrix | None = None
    targets: Matrix | None = None
    indices: list[Annotated[int, Field(ge=0, le=MAX_INT)]] | None = Field(None, min_length=1)

    model_config = ConfigDict(
        json_schema_extra={"examples": [{}, {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]}]}
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
    inputs: OutMatrix
    indices: list[int] | None
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
    loss_after: float
    epoch: int
    step: int
    epoch_completed: bool
    epoch_summary: HistoryEntry | None


class StepOut(Response):
    forward: ForwardOut
    loss: LossOut
    backward: BackwardOut
    update: UpdateOut


# --- training ----------------------------------------------------------------------------


class EarlyStopping(Request):
    patience: int = Field(10, ge=1, le=MAX_INT)
    min_delta: float = Field(0.0, ge=0, le=1e6)


class TrainIn(Request):
    epochs: int = Field(ge=1, le=MAX_INT)
    early_stopping: EarlyStopping | None = None
    stream: bool = Field(False, description="text/event-stream: `epoch` events, then `done` or `error`")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"epochs": 100, "early_stopping": {"patience": 10, "min_delta": 0.0001}}]
        }
    )


class Diverged(Response):
    """Where a run was cut because an update would have made a parameter non-finite."""

    epoch: int = Field(description="the 1-based epoch in which the refused update fell")
    step: int = Field(description="the number the refused update would have had")
    detail: str


class TrainOut(Response):
    epochs_run: int
    stopped_early: bool
    diverged: Diverged | None = Field(
        None, description="null, or where training stopped because the next update would overflow"
    )
    history: list[HistoryEntry]
    network: NetworkPublic


class EpochOut(Response):
    summary: HistoryEntry | None = Field(description="null when the epoch was cut (see diverged)")
    diverged: Diverged | None = None
    history: list[HistoryEntry] = Field(description="[summary], the same shape as train's")
    network: NetworkPublic


class StopOut(Response):
    stopping: bool = Field(description="true when a train on this network was running")


class StepLoss(Response):
    step: int
    epoch: int
    loss: float


class HistoryOut(Response):
    history: list[HistoryEntry]
    steps: list[StepLoss] = Field(
        description="the loss of each traced update, the last `limits.max_step_losses`"
    )


class Grid(Request):
    resolution: int = Field(50, ge=2, le=MAX_INT)
    x_min: Number | None = None
    x_max: Number | None = None
    y_min: Number | None = None
    y_max: Number | None = None


class PredictIn(Request):
    inputs: Matrix | None = Field(
        None, description="rows of what the network sees (n_0 columns: its engineered features, if any)"
    )
    grid: Grid | None = Field(
        None, description="raw (x1, x2) points; a network with engineered features gets them computed"
    )
    maps: Literal["uint8"] | None = Field(
        None, description='with a grid: every neuron\'s activation map as bytes ("maps") instead of floats'
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"inputs": [[0.05, 0.10]]},
                {"grid": {"resolution": 40}},
                {"grid": {"resolution": 100}, "maps": "uint8"},
            ]
        }
    )


class PredictLayer(Response):
    index: int
    a: OutMatrix


class PredictMap(Response):
    index: int = Field(description="layer l = 1..L")
    min: OutVector = Field(description="per neuron, its smallest activation over the grid")
    max: OutVector = Field(description="per neuron, its largest activation over the grid")
    data: str = Field(
        description="base64 of n_l·R·R bytes, neuron-major then point p = j*R + i: "
        "a ≈ min + (max − min)·byte/255"
    )


class GridAxes(Response):
    x1: OutVector = Field(description="R values of the first input feature (column i)")
    x2: OutVector = Field(description="R values of the second input feature (row j)")


class PredictOut(Response):
    outputs: OutMatrix = Field(description="(points, n_L); for a grid, point p = j*R + i")
    layers: list[PredictLayer] | None = Field(None, description="every layer's activations (float answer)")
    maps: list[PredictMap] | None = Field(None, description='with "maps": "uint8": every layer\'s maps')
    axes: GridAxes | None = Field(None, description="grid: the points along each input feature")
    x: OutVector | None = Field(None, description="grid, float answer: the same as axes.x1")
    y: OutVector | None = Field(None, description="grid, float answer: the same as axes.x2")


class GradcheckIn(Request):
    inputs: Matrix | None = None
    targets: Matrix | None = None
    epsilon: float = Field(1e-6, ge=1e-10, le=1e-2)

    model_config = ConfigDict(
        json_schema_extra={"examples": [{}, {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]}]}
    )


class GradcheckLayer(Response):
    index: int
    numeric_W: OutMatrix
    backprop_W: OutMatrix
    numeric_b: OutVector
    backprop_b: OutVector
    max_rel_error: float


class GradcheckOut(Response):
    max_rel_error: float
    max_abs_error: float
    epsilon: float
    n_parameters: int
    passed: bool = Field(description="max_rel_error ≤ tolerance, the floor taken into account")
    tolerance: float
    floor: float = Field(description="the largest absolute error put down to finite-difference rounding")
    loss_rounding: float = Field(description="estimated rounding error of one evaluation of L")
    layers: list[GradcheckLayer]


# --- data --------------------------------------------------------------------------------


class PreviewIn(GeneratorData):
    """The ``data`` of a network spec that names a generator, previewed on its own."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"generator": "moons", "n": 200, "noise": 0.1, "seed": 1}]}
    )


class DataOut(Response):
    inputs: OutMatrix = Field(description="what the network sees: the feature columns")
    targets: OutMatrix
    task: Task
    feature_names: list[str]
    target_names: list[str]
    raw_inputs: OutMatrix = Field(
        description="the data's own columns before engineered features (the same as inputs without)"
    )
    raw_feature_names: list[str]
    features: list[str] | None = Field(None, description="the engineered features of inputs' columns")
    target_mean: list[float] | None = Field(
        None,
        description="standardized targets: a value in the data's units is value·target_std + target_mean",
    )
    target_std: list[float] | None = None


class NetworkDataOut(DataOut):
    train_indices: list[int]
    val_indices: list[int]


class DatasetInfo(Response):
    dataset_id: str
    n_samples: int
    feature_names: list[str]
    target_names: list[str]
    task: Task
    standardized: bool = Field(False, description="the feature columns were standardized")
    means: list[float] | None = Field(None, description="feature column means removed when standardized")
    stds: list[float] | None = Field(None, description="feature column stds divided out when standardized")
    standardized_targets: bool = Field(False, description="the (regression) targets were standardized")
    target_mean: list[float] | None = Field(
        None,
        description="standardized targets: a value in the data's units is value·target_std + target_mean",
    )
    target_std: list[float] | None = None


class DatasetOut(DatasetInfo):
    inputs: OutMatrix
    targets: OutMatrix


# --- export / import ---------------------------------------------------------------------


class OptimizerState(Request):
    t: int = Field(0, ge=0, le=MAX_INT)
    state: dict[str, dict[str, FiniteMatrix | FiniteVector | Annotated[int, Field(ge=0, le=MAX_INT)]]] = (
        Field(
            default_factory=dict,
            description="per parameter tensor (`W1`, `b1`, …): `v` (momentum), `m` and `v` (Adam), "
            "and `t`, the tensor's own count of updates (Adam's bias correction)",
        )
    )


class TrainerState(Request):
    epoch: int = Field(0, ge=0, le=MAX_INT)
    step: int = Field(0, ge=0, le=MAX_INT)
    cursor: int = Field(0, ge=0, le=MAX_INT)
    norm_sums: list[Annotated[float, Field(ge=0)]] = Field(default_factory=list)
    norm_count: int = Field(0, ge=0, le=MAX_INT)


class HistoryEntryIn(Request):
    epoch: int = Field(ge=1, le=MAX_INT)
    train_loss: float | None
    val_loss: float | None
    train_accuracy: float | None
    val_accuracy: float | None
    grad_norms: list[float]


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
    step: int = Field(ge=1, le=MAX_INT)
    epoch: int = Field(ge=1, le=MAX_INT)
    loss: float


class ParametersRequired(Request):
    weights: list[FiniteMatrix]
    biases: list[FiniteVector]


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


# --- catalog -----------------------------------------------------------------------------


class CatalogActivation(Response):
    name: str
    formula: str
    derivative: str
    output_only: bool


class CatalogLoss(Response):
    name: str
    formula: str
    pairs_with: str | None


class CatalogOptimizer(Response):
    name: str
    formula: str
    defaults: dict[str, float]


class CatalogInitializer(Response):
    name: str
    description: str
    default_scale: float | None


class CatalogFeature(Response):
    name: str = Field(description="what a spec's `features` says, e.g. x1^2")
    label: str = Field(description="what the diagram's input neuron shows, e.g. X1²")
    formula: str = Field(description="the column as a function of the point (x1, x2)")


class CatalogDataset(Response):
    name: str
    description: str
    task: Task
    n_features: int
    n_outputs: int
    uses_n_noise: bool
    classes: int


class LimitsOut(Response):
    max_layers: int
    max_neurons: int
    max_parameters: int
    max_samples: int
    max_epochs: int
    max_body_bytes: int
    max_upload_bytes: int
    max_trace_samples: int
    max_grid_resolution: int
    max_step_losses: int
    max_step_snapshots: int
    max_snapshot_bytes: int
    max_predict_values: int
    max_map_bytes: int
    max_gradcheck_work: int
    max_csv_columns: int
    max_waiting_requests: int
    max_networks: int
    max_datasets: int
    max_landscape_work: int
    env: dict[str, str] = Field(description="the environment variable that sets each limit")


class CatalogPairing(Response):
    activation: str = Field(description="the output layer's activation for this task")
    loss: str


class Catalog(Response):
    version: str
    phases: list[str] = Field(description="the phases of a step, in the order they must run")
    pairings: dict[Task, CatalogPairing] = Field(description="output activation and loss per task")
    dL_dz_rules: dict[str, str] = Field(description="how a backward trace's dL_dz_rule computes dL_dz")
    activations: list[CatalogActivation]
    losses: list[CatalogLoss]
    optimizers: list[CatalogOptimizer]
    initializers: list[CatalogInitializer]
    regularizations: list[str]
    datasets: list[CatalogDataset]
    features: list[CatalogFeature] = Field(
        description="the engineered input features a spec may name (2-D generator data), in display order"
    )
    default_features: list[str]
    limits: LimitsOut
    health_thresholds: HealthThresholds


# --- errors ------------------------------------------------------------------------------


class ErrorOut(Response):
    detail: str = Field(description="one readable sentence saying what is wrong")


class ValidationIssue(Response):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(ErrorOut):
    errors: list[ValidationIssue] | None = Field(None, description="pydantic's list, for a malformed body")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no network (or dataset) with this id"},
    403: {"model": ErrorOut, "description": "a foreign Host or Origin, or a missing token (beyond loopback)"},
    409: {
        "model": ErrorOut,
        "description": "a phase out of order (the detail names the phase to run first), "
        "or the network is training (POST …/stop first)",
    },
    413: {"model": ErrorOut, "description": "over a limit; the detail names it and its variable"},
    422: {"model": ValidationErrorOut, "description": "invalid input"},
    429: {"model": ErrorOut, "description": "too many requests wait for this network"},
    503: {"model": ErrorOut, "description": "the database cannot be written (disk full, read-only)"},
}


class HealthStatus(Response):
    status: Literal["ok"]
    version: str
