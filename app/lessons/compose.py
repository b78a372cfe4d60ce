"""Short constructors the lesson definitions are written with."""

from __future__ import annotations

from typing import Any

from .schemas import (
    Action,
    Ask,
    GraphTarget,
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


def train(
    text: str,
    epochs: int,
    *,
    target: Target | None = None,
    ask: Ask | None = None,
    save_as: str | None = None,
    **options: Any,
) -> LessonStep:
    """A training run of ``epochs`` (more of the request in ``options``: early_stopping…); it
    points at the loss curve unless told otherwise."""
    body = {"epochs": epochs, **options}
    return step(text, "train", body=body, target=target or plot("loss-curve"), ask=ask, save_as=save_as)


def epoch(text: str, *, ask: Ask | None = None, save_as: str | None = None) -> LessonStep:
    """One epoch, pointing at the loss curve."""
    return step(text, "epoch", target=plot("loss-curve"), ask=ask, save_as=save_as)


def patch(text: str, **changes: Any) -> LessonStep:
    """Change the network's settings (activations, loss, learning_rate, batch_size…)."""
    return step(text, "patch", body=changes)


def reset(text: str) -> LessonStep:
    """Back to the seeded starting weights, history cleared."""
    return step(text, "reset")


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


def graph(node: str | None = None) -> GraphTarget:
    """The computational graph panel, or one node of it by id."""
    return GraphTarget(node=node)


LOSS = LossTarget()

SIGN = ["positive", "negative"]
UP_DOWN = ["up", "down"]
SIZE = ["larger", "smaller"]
