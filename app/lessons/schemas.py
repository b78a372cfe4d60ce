"""The wire format of lessons: a lesson, its steps, what a step points at, and a rendered step.

A lesson's steps are data: each names one action on the live network (run by the client
through the ordinary endpoints, see :data:`ACTIONS`), the part of the diagram it is about
(``target``) and an optional prediction (``ask``). Text quotes the server's numbers through
placeholders (:mod:`.placeholders`), never numbers typed into the lesson.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..schemas.base import MAX_INT

# What a step can run, and the request each one is: (method, path under the network, or
# None for the network itself). The response is kept in the lesson's context under
# CONTEXT_KEYS[action] (the network's JSON for patch and reset).
ACTIONS: dict[str, tuple[str, str]] = {
    "forward": ("POST", "/forward"),
    "loss": ("POST", "/loss"),
    "backward": ("POST", "/backward"),
    "update": ("POST", "/update"),
    "step": ("POST", "/step"),
    "epoch": ("POST", "/epoch"),
    "train": ("POST", "/train"),
    "patch": ("PATCH", ""),
    "reset": ("POST", "/reset"),
    "history": ("GET", "/history"),
    "graph": ("POST", "/graph"),
}
MAX_CONTEXT_DEPTH = 32  # a response nests a few levels (history → entry → grad_norms)
CONTEXT_KEYS = {action: action for action in ACTIONS} | {"patch": "network", "reset": "network"}
Action = Literal[
    "forward", "loss", "backward", "update", "step", "epoch", "train", "patch", "reset", "history", "graph"
]
assert set(get_args(Action)) == set(ACTIONS)
PlotName = Literal["loss-curve", "step-losses", "boundary", "fit", "gradient-norms"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NeuronTarget(Model):
    """A neuron: ``layer`` 0 is the inputs, 1..L the layers by index."""

    kind: Literal["neuron"] = "neuron"
    layer: int = Field(ge=0)
    neuron: int = Field(ge=0)


class ParameterTarget(Model):
    """A weight ``W[layer][j][i]`` (``index`` [j, i]) or a bias ``b[layer][j]`` (``index`` [j]),
    addressed as the landscape route addresses parameters."""

    kind: Literal["parameter"] = "parameter"
    layer: int = Field(ge=1)
    name: Literal["W", "b"]
    index: list[int]


class LayerTarget(Model):
    kind: Literal["layer"] = "layer"
    layer: int = Field(ge=0)


class LossTarget(Model):
    """The output and its loss readout."""

    kind: Literal["loss"] = "loss"


class PlotTarget(Model):
    kind: Literal["plot"] = "plot"
    plot: PlotName


class GraphTarget(Model):
    """The computational graph of one sample, or one of its nodes by id (``"z1[0]"``,
    ``"W2[0][1]"``, ``"L_s"``: the ids ``POST …/graph`` gives)."""

    kind: Literal["graph"] = "graph"
    node: str | None = None


Target = Annotated[
    NeuronTarget | ParameterTarget | LayerTarget | LossTarget | PlotTarget | GraphTarget,
    Field(discriminator="kind"),
]


class Ask(Model):
    """A prediction made before the action runs. ``question`` is rendered with the context
    before the action; ``answer_from`` (an expression, without braces) and ``why`` after it.
    The answer is one of ``choices``."""

    question: str
    choices: list[str] = Field(min_length=2)
    answer_from: str
    why: str


class ActionRequest(Model):
    """The HTTP request of a step's action; ``{network_id}`` is the lesson's network."""

    method: Literal["GET", "POST", "PATCH"]
    path: str
    body: dict[str, Any] | None


class LessonStep(Model):
    text: str = Field(description="shown after the action ran; placeholders read its response")
    action: Action | None = Field(None, description="what the step runs; null: nothing")
    body: dict[str, Any] | None = Field(None, description="the action's request body (train, patch, forward)")
    target: Target | None = Field(None, description="the part of the diagram the step is about")
    ask: Ask | None = None
    save_as: str | None = Field(
        None, pattern=r"^[a-z][a-z0-9_]*$", description="also keep the response under this name"
    )
    request: ActionRequest | None = Field(None, description="filled in from action and body")
    reads: list[list[str | int]] = Field(
        default_factory=list,
        description="filled in from the placeholders: the context paths the step's text and ask read "
        '(keys, list positions, "*" for every item); a client sends only these to be rendered',
    )


class LessonSummary(Model):
    id: str
    title: str
    summary: str


class LessonListItem(LessonSummary):
    """A lesson of the list: one that loads, or a file of the server's lesson folder that does
    not (its ``error`` says why, with line numbers; its title is then the file's name)."""

    source: str = Field(description="\"built-in\", or the file's name in the server's lesson folder")
    error: str | None = Field(description="why the lesson file does not load; null when it does")


class Lesson(LessonSummary):
    spec: dict[str, Any] = Field(description="the network spec POST /api/lessons/{id}/start builds")
    steps: list[LessonStep]


class RenderIn(Model):
    context: dict[str, Any] = Field(
        description="the responses so far, by name: forward, loss, backward, update, step, epoch, "
        "train, history, network (start, patch, reset) and each step's save_as"
    )
    stage: Literal["before", "after"] = Field(
        "after", description="before: only the ask's question; after: text, answer and why too"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"context": {"loss": {"loss": 0.298371109, "data_loss": 0.298371109}}, "stage": "after"},
                {"context": {}, "stage": "before"},
            ]
        }
    )

    @field_validator("context")
    @classmethod
    def numbers_the_api_answers(cls, context: dict[str, Any]) -> dict[str, Any]:
        """The context holds what the API answered: finite numbers, integers within ±2⁵³ (the
        ones a JSON number holds exactly), nested at most MAX_CONTEXT_DEPTH deep."""
        pending: list[tuple[Any, str, int]] = [(context, "context", 0)]
        while pending:
            value, where, depth = pending.pop()
            if depth > MAX_CONTEXT_DEPTH:
                raise ValueError(f"{where} is nested deeper than {MAX_CONTEXT_DEPTH} levels")
            if isinstance(value, dict):
                pending.extend((v, f"{where}.{k}", depth + 1) for k, v in value.items())
            elif isinstance(value, list):
                pending.extend((v, f"{where}[{k}]", depth + 1) for k, v in enumerate(value))
            elif isinstance(value, bool) or value is None or isinstance(value, str):
                continue
            elif isinstance(value, int) and not -MAX_INT <= value <= MAX_INT:
                raise ValueError(f"{where} is an integer beyond ±2^53, which no answer of the API holds")
            elif isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{where} is not a finite number")
        return context


class QuotedOut(Model):
    expr: str
    value: Any
    shown: str


class AskOut(Model):
    question: str
    choices: list[str]
    answer: str | None = Field(description="null at the stage 'before'")
    why: str | None


class RenderOut(Model):
    index: int
    text: str | None = Field(description="null at the stage 'before'")
    quoted: list[QuotedOut] = Field(description="every placeholder filled: expression, value, as shown")
    ask: AskOut | None
