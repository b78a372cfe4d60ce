"""Backprop Explorer's NumPy engine: a fully connected network and every phase of a step.

Imports only NumPy and the standard library. See :mod:`engine.network` for the shape
convention and the scalar every gradient differentiates.
"""

from .activations import ACTIVATIONS
from .data import GENERATORS, PAIRINGS, Dataset, from_arrays, generate, infer_task
from .divergence import check_next_step
from .errors import EngineError, NonFiniteError, StepOverflow
from .gradcheck import TOLERANCE as GRADCHECK_TOLERANCE
from .gradcheck import GradCheck, gradient_check
from .health import gradient_health
from .initializers import INITIALIZERS, InitializerInfo, init_parameters
from .losses import LOSSES
from .network import (
    DL_DZ_RULES,
    PHASES,
    REGULARIZATIONS,
    BackwardTrace,
    ForwardTrace,
    Layer,
    LayerForward,
    LayerGrad,
    LossTrace,
    Network,
    Regularization,
    backward,
    build_network,
    forward,
    loss,
    total_loss,
)
from .optimizers import OPTIMIZERS, Optimizer, OptimizerInfo, UpdateTrace, apply_gradients, update
from .training import DivergedError, EarlyStopping, Trainer, TrainResult, evaluate, train, train_step

__all__ = [
    "DL_DZ_RULES",
    "ACTIVATIONS",
    "GENERATORS",
    "GRADCHECK_TOLERANCE",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "PAIRINGS",
    "PHASES",
    "REGULARIZATIONS",
    "BackwardTrace",
    "Dataset",
    "DivergedError",
    "EarlyStopping",
    "EngineError",
    "ForwardTrace",
    "GradCheck",
    "InitializerInfo",
    "Layer",
    "LayerForward",
    "LayerGrad",
    "LossTrace",
    "Network",
    "NonFiniteError",
    "Optimizer",
    "OptimizerInfo",
    "Regularization",
    "StepOverflow",
    "TrainResult",
    "Trainer",
    "UpdateTrace",
    "apply_gradients",
    "backward",
    "build_network",
    "check_next_step",
    "evaluate",
    "forward",
    "from_arrays",
    "generate",
    "infer_task",
    "gradient_check",
    "gradient_health",
    "init_parameters",
    "loss",
    "total_loss",
    "train",
    "train_step",
    "update",
]
