"""A small valid lesson file, and the same with one mistake put in (for the lesson-file tests)."""

from __future__ import annotations

VALID = """+++
id = "my-neuron"
title = "My neuron"
summary = "One sigmoid neuron, forward and back."

[network]
layers = [2, 1]
activations = ["sigmoid"]
loss = "half_sse"
weights = [[[0.6, -0.9]]]
biases = [[0.1]]
data = {inputs = [[0.5, 1.0]], targets = [[1.0]]}
+++

## 1. Forward
action: forward
target: neuron 1 0

z = w₁x₁ + w₂x₂ + b = {forward.layers[0].z[0][0]}, and
a = σ(z) = {forward.layers[0].a[0][0]}.

Question: Will z be positive or negative?
Choices: positive | negative
Answer: sign(forward.layers[0].z[0][0])
Why: w₂x₂ = {forward.layers[0].W[0][1] * forward.inputs[0][1]} outweighs the rest.

## 2. Loss
action: loss
target: loss

L = {loss.loss}.\\
∂L/∂ŷ = {loss.dL_da[0][0]}.
"""


def broken(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)
