"""A network's spec, its patch and parameters, and its public view."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic.config import JsonDict

from ..examples import MAZUR_EXAMPLE, XOR_EXAMPLE
from .base import (
    MAX_INT,
    WHOLE,
    ActivationName,
    FeatureName,
    GeneratorName,
    InitName,
    Int,
    LossName,
    Matrix,
    OptimizerName,
    OutMatrix,
    OutVector,
    Phase,
    RegularizationKind,
    Request,
    Response,
    ScaleWarning,
    Seed,
    Task,
    Vector,
    no_nulls,
)


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


def trainable_form(value: object) -> str | None:
    """One setting for every layer (an object) or one per layer (a list)."""
    if isinstance(value, dict | TrainableSpec):
        return "TrainableSpec"
    return "list" if isinstance(value, list) else None


# An object is one setting for every layer, a list one per layer: a bad value is reported
# against the shape it was sent in, not against both.
Trainable = Annotated[
    Annotated[TrainableSpec, Tag("TrainableSpec")] | Annotated[list[TrainableSpec], Tag("list")],
    Discriminator(
        trainable_form,
        custom_error_type="trainable_form",
        custom_error_message="Input should be an object {weights, biases} or a list of them, one per layer",
    ),
]


def _classes_when(generator: str, classes: dict) -> dict:
    """JSON Schema: with this ``generator``, ``classes`` (when sent, and not null) is ``classes``."""
    chosen = {"properties": {"generator": {"const": generator}}, "required": ["generator"]}
    return {"if": chosen, "then": {"properties": {"classes": {"anyOf": [classes, {"type": "null"}]}}}}


# The generators' own rules on `classes` (engine/data.py); the others take no classes.
CLASSES_RULES: JsonDict = {
    "allOf": [
        _classes_when("spiral", {"enum": [2, 3]}),
        _classes_when("multiclass_blobs", {"type": "integer", "minimum": 3}),
    ]
}


class GeneratorData(Request):
    generator: GeneratorName
    n: Int = Field(200, ge=1, le=MAX_INT, description="samples (not used by xor/and/or or real datasets)")
    noise: float = Field(0.1, ge=0, le=10)
    seed: Seed = 1
    classes: Annotated[int, Field(ge=2, le=10), WHOLE] | None = Field(
        None, description="spiral: 2 or 3; multiclass_blobs: 3+"
    )

    model_config = ConfigDict(json_schema_extra=CLASSES_RULES)


class ArrayData(Request):
    inputs: Matrix
    targets: Matrix
    feature_names: list[str] | None = None
    target_names: list[str] | None = None


class DatasetRef(Request):
    dataset_id: str = Field(min_length=1, max_length=100)


# The key a body sends picks its form of `data`, so a bad value is reported against that form
# alone, not against every form it was never meant to be.
DATA_FORMS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("generator", GeneratorData),
    ("dataset_id", DatasetRef),
    ("inputs", ArrayData),
    ("targets", ArrayData),
)
# The unions whose form a key or a JSON type picks, by field name, with their forms' tags:
# pydantic puts the chosen form's tag in an error's location, right after the field, and it
# is no part of the body (app/errors.py leaves it out).
UNION_TAGS: dict[object, frozenset[str]] = {
    "data": frozenset(form.__name__ for _, form in DATA_FORMS),
    "trainable": frozenset({"TrainableSpec", "list"}),
}


def data_form(value: object) -> str | None:
    """The form of ``data`` a body means: the first of its keys in DATA_FORMS decides."""
    if isinstance(value, dict):
        return next((form.__name__ for key, form in DATA_FORMS if key in value), None)
    return next((form.__name__ for _, form in DATA_FORMS if isinstance(value, form)), None)


DataSpec = Annotated[
    Annotated[GeneratorData, Tag("GeneratorData")]
    | Annotated[ArrayData, Tag("ArrayData")]
    | Annotated[DatasetRef, Tag("DatasetRef")],
    Discriminator(
        data_form,
        custom_error_type="data_form",
        custom_error_message="Input should hold generator (a generator's name), inputs and targets "
        "(rows of numbers), or dataset_id (an uploaded dataset's id)",
    ),
]


class NetworkSpec(Request):
    """Everything that defines a network; every field but ``layers`` has a default."""

    layers: list[Annotated[int, Field(ge=1, le=MAX_INT), WHOLE]] = Field(
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
    trainable: Trainable = Field(default_factory=TrainableSpec)
    data: DataSpec | None = Field(
        None, description="default: the xor truth table when layers are [2, ..., 1], else no data"
    )
    features: list[FeatureName] | None = Field(
        None,
        min_length=1,
        description="2-D generator data only: the input columns computed from each point (x1, x2), "
        'in order, no repeats; layers[0] must be their number. Default ["x1", "x2"]',
    )
    batch_size: Int = Field(1, ge=1, le=MAX_INT)
    validation_split: float = Field(0.0, ge=0, lt=1)
    seed: Seed = Field(0, description="shuffling and hold-out seed")

    model_config = ConfigDict(json_schema_extra={"examples": [MAZUR_EXAMPLE, XOR_EXAMPLE]})


def patch_schema(schema: dict) -> None:
    """Every field may be left out (it keeps its value); none may be null."""
    no_nulls(schema)
    schema["examples"] = [{"learning_rate": 0.05, "optimizer": {"name": "adam"}}]


class NetworkPatch(Request):
    """Hyperparameters that change neither the shapes nor the data."""

    learning_rate: float | None = Field(None, gt=0, le=1e3)
    optimizer: OptimizerSpec | None = None
    regularization: RegularizationSpec | None = None
    batch_size: Annotated[int, Field(ge=1, le=MAX_INT), WHOLE] | None = Field(None)
    loss: LossName | None = None
    trainable: Trainable | None = None
    activations: list[ActivationName] | None = None

    model_config = ConfigDict(json_schema_extra=patch_schema)


class ParametersIn(Request):
    weights: list[Matrix] | None = None
    biases: list[Vector] | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"weights": MAZUR_EXAMPLE["weights"], "biases": MAZUR_EXAMPLE["biases"]}]
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
    trainable: Trainable
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
    epoch_end_step: int | None = Field(
        description="updates applied when the last epoch closed (0 before any): `step` minus this is "
        "how many updates followed it, mid-epoch or on chosen rows (which leave the cursor at 0); "
        "null when not known (a network last saved before the server counted it, until its next epoch)"
    )
    task: Task | None
    feature_names: list[str]
    target_names: list[str]
    target_mean: list[float] | None = Field(
        None,
        description="standardized targets: ŷ and y in the data's units are value·target_std + target_mean",
    )
    target_std: list[float] | None = None
    feature_mean: list[float] | None = Field(
        None,
        description="standardized features: an input row in the data's units x becomes "
        '(x − feature_mean)/feature_std (send "units": "data" and the server does it)',
    )
    feature_std: list[float] | None = None
    data_warnings: list[ScaleWarning] = Field(
        [], description="data kept at a scale the network will struggle with, and what fixes it"
    )
    class_names: list[str] | None = Field(
        None, description="classification from labels: the label of each class in output order"
    )
    image_shape: list[int] | None = Field(
        None, description="image-like inputs (digits): (rows, columns) of the picture the inputs form"
    )
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
    name: str | None = Field(description="the name its owner gave it (PUT …/name), or null")
    bytes: int = Field(description="what it takes in the store: its state, data, history and snapshots")
    owner: str = Field(description='its owner\'s id ("" for the anonymous owner, "teacher")')
    scratch: bool = Field(description="built by the page and not changed since: only the newest few are kept")


class NetworkList(Response):
    networks: list[NetworkSummary]
    total: int = Field(description="networks in the list in all (the requester's, or all for the teacher)")
    limit: int
    offset: int
