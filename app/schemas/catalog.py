"""The catalog: what the engine offers, with its limits."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Response, Task
from .phases import HealthThresholds


class CatalogActivation(Response):
    name: str
    formula: str
    derivative: str
    output_only: bool


class CatalogLoss(Response):
    name: str
    formula: str
    derivative: str = Field(description="∂L_s/∂ŷ_k; the batch loss is the mean, so ∂L/∂ŷ divides it by B")
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
    name: str = Field(description="what a spec's data.generator says")
    kind: Literal["generated", "real"] = Field(
        description="generated from a seed (n, noise, seed apply), or a real dataset shipped with the package"
    )
    title: str
    description: str
    task: Task
    n_features: int
    n_outputs: int
    uses_n_noise: bool
    classes: int
    n_samples: int | None = Field(None, description="real datasets: their rows (all are used)")
    class_names: list[str] | None = Field(None, description="real datasets: the label of each class")
    image_shape: list[int] | None = Field(None, description="image-like inputs: (rows, columns) of a picture")
    source: str | None = Field(None, description="real datasets: where the data come from")
    license: str | None = None
    citation: str | None = None


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
    max_owner_networks: int
    max_owner_datasets: int
    max_owner_bytes: int
    max_store_bytes: int
    max_scratch_networks: int
    expire_idle_seconds: int = Field(description="networks unchanged this long are deleted (0: never)")
    max_name_length: int
    max_memory_bytes: int
    max_cpu_work: int
    max_queued_requests: int
    max_queued_per_owner: int
    max_connections: int
    max_header_seconds: int
    max_body_seconds: int
    max_db_connections: int
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
