"""Running a lesson: each step's request, the context its response joins, its rendered text.

The client (the guided tour, a script, the tests) runs the requests itself through the
ordinary endpoints; this module says which request a step is, where its response is kept,
and renders the step's text and prediction from what was kept. :class:`LessonRun` walks
a whole lesson over any HTTP client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .placeholders import (
    Path,
    PlaceholderError,
    evaluate,
    format_value,
    reads,
    render,
    scalar,
    text_reads,
)
from .schemas import ACTIONS, CONTEXT_KEYS, ActionRequest, Lesson, LessonStep

NETWORK = "/api/networks/{network_id}"


def filled_in(step: LessonStep) -> LessonStep:
    """``step`` with ``request`` filled in from its action and body, ``reads`` from its texts."""
    request = None
    if step.action is not None:
        method, path = ACTIONS[step.action]
        body = None if method == "GET" else (step.body or {})
        request = ActionRequest(method=method, path=NETWORK + path, body=body)
    return step.model_copy(update={"request": request, "reads": [list(p) for p in step_reads(step)]})


def step_reads(step: LessonStep) -> list[Path]:
    """The context paths the step's text and prediction read, each once, in order."""
    paths = text_reads(step.text)
    if step.ask is not None:
        paths += text_reads(step.ask.question) + reads(step.ask.answer_from) + text_reads(step.ask.why)
    return list(dict.fromkeys(paths))


def request_for(step: LessonStep, network_id: str) -> tuple[str, str, dict | None] | None:
    """(method, path, JSON body) of the step's action on network ``network_id``; None for none."""
    request = filled_in(step).request
    if request is None:
        return None
    return request.method, request.path.format(network_id=network_id), request.body


def remember(context: dict[str, Any], step: LessonStep, response: Any) -> None:
    """Keep an action's response under its action's name (and the step's ``save_as``)."""
    if step.action is not None:
        context[CONTEXT_KEYS[step.action]] = response
    if step.save_as:
        context[step.save_as] = response


def render_step(step: LessonStep, index: int, context: dict[str, Any], stage: str = "after") -> dict:
    """The step rendered against ``context``: at ``"before"`` (the context before the action)
    only the ask's question; at ``"after"`` the text, and the ask's answer and why as well."""
    quoted = []
    text = None
    if stage == "after":
        text, found = render(step.text, context)
        quoted.extend(found)
    ask = None
    if step.ask is not None:
        question, found = render(step.ask.question, context)
        quoted.extend(found)
        answer = why = None
        if stage == "after":
            answer = format_value(scalar(evaluate(step.ask.answer_from, context), step.ask.answer_from), None)
            if answer not in step.ask.choices:
                raise PlaceholderError(
                    f"step {index}: the answer {answer!r} is not one of the choices {step.ask.choices}"
                )
            why, found = render(step.ask.why, context)
            quoted.extend(found)
        ask = {"question": question, "choices": step.ask.choices, "answer": answer, "why": why}
    return {
        "index": index,
        "text": text,
        "quoted": [{"expr": q.expr, "value": q.value, "shown": q.shown} for q in quoted],
        "ask": ask,
    }


# (method, path, JSON body or None) -> (status code, JSON answer)
Call = Callable[[str, str, dict | None], tuple[int, Any]]


class StepFailed(RuntimeError):
    def __init__(self, index: int, status: int, answer: Any) -> None:
        super().__init__(f"step {index}: the action answered {status}: {answer}")
        self.index, self.status, self.answer = index, status, answer


class LessonRun:
    """A lesson walked over ``call``: start it, then run each step in order.

    ``run_step`` returns the step rendered before and after its action; a status other
    than 2xx raises :class:`StepFailed` (with the answer), a placeholder that does not
    resolve raises :class:`PlaceholderError`.
    """

    def __init__(self, lesson: Lesson, call: Call) -> None:
        self.lesson, self.call = lesson, call
        self.context: dict[str, Any] = {}
        self.network_id: str | None = None
        self.responses: list[Any] = []

    def start(self) -> dict:
        status, network = self.call("POST", f"/api/lessons/{self.lesson.id}/start", None)
        if status != 201:
            raise StepFailed(-1, status, network)
        self.network_id = network["id"]
        self.context = {"network": network}
        return network

    def run_step(self, index: int) -> tuple[dict, dict]:
        assert self.network_id is not None, "start() first"
        step = self.lesson.steps[index]
        before = render_step(step, index, self.context, "before")
        request = request_for(step, self.network_id)
        response = None
        if request is not None:
            status, response = self.call(*request)
            if not 200 <= status < 300:
                raise StepFailed(index, status, response)
            remember(self.context, step, response)
        self.responses.append(response)
        return before, render_step(step, index, self.context, "after")

    def run_all(self) -> list[dict]:
        """Start and run every step; the rendered steps (after their actions)."""
        self.start()
        return [self.run_step(i)[1] for i in range(len(self.lesson.steps))]
