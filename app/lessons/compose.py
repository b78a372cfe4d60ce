"""Short constructors the lesson definitions are written with."""

from __future__ import annotations

from typing import Any

from .schemas import (
    Action,
    Ask,
    LayerTarget,
    LessonStep,
    LossTarget,
    NeuronTarget,
    ParameterTarget,
    PlotName,
    PlotTarget,
    Target,
)


def step(
    text: str,
    action: Action | None = None,
    *,
    body: dict[str, Any] | None = None,
    target: Target | None = None,
    ask: Ask | None = None,
    save_as: str | None = None,
) -> LessonStep:
    return LessonStep(text=text, action=action, body=body, target=target, ask=ask, save_as=save_as)


def ask(question: str, choices: list[str], answer_from: str, why: str) -> Ask:
    return Ask(question=question, choices=choices, answer_from=answer_from, why=why)


def neuron(layer: int, index: int) -> NeuronTarget:
    return NeuronTarget(layer=layer, neuron=index)


def weight(layer: int, j: int, i: int) -> ParameterTarget:
    return ParameterTarget(layer=layer, name="W", index=[j, i])


def bias(layer: int, j: int) -> ParameterTarget:
    return ParameterTarget(layer=layer, name="b", index=[j])


def layer(index: int) -> LayerTarget:
    return LayerTarget(layer=index)


def plot(name: PlotName) -> PlotTarget:
    return PlotTarget(plot=name)


LOSS = LossTarget()

SIGN = ["positive", "negative"]
UP_DOWN = ["up", "down"]
SIZE = ["larger", "smaller"]
