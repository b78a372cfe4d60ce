"""The example networks the API documents and the lessons build, written once.

Plain network specs (the JSON of ``POST /api/networks``), imported by the schemas for /docs and
by the lessons; this module imports nothing of the app, so either can use it without a cycle.
"""

from __future__ import annotations

from typing import Any

# Matt Mazur, "A Step by Step Backpropagation Example" (2015): the 2-2-2 network, its one
# sample and its learning rate. The biases are held fixed, as in the article.
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
