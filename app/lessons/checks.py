"""What can be checked of a lesson without running it, each problem with its line in the file.

- every placeholder parses, and reads an answer an earlier step keeps (or its own step's,
  except in the question, which is asked before the action runs);
- every action can run where it stands: the phases of a step in their order
  (forward → loss → backward → update), a change of settings or a reset starting over;
- every target lies inside the lesson's network; the network is a spec the API accepts.

Running the lesson (:mod:`.run_check`) finds the rest: an action the server refuses, a
placeholder that does not resolve against the real answers, an answer that is not a choice.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from ..schemas import NetworkSpec
from .placeholders import PlaceholderError, parse, placeholders, reads
from .reader import Problem, Where
from .schemas import CONTEXT_KEYS, LayerTarget, Lesson, LessonStep, NeuronTarget, ParameterTarget

PHASES = ("forward", "loss", "backward", "update")
# What must have run last in the current step before each phase.
NEEDS = {"loss": "forward", "backward": "loss", "update": "backward"}
# Actions that end the step in progress (the next phase must be a forward).
ENDS_STEP = ("step", "epoch", "train", "patch", "reset")


def line_of(where: Where, index: int, needle: str, part: str) -> int:
    """The line of step ``index`` holding ``needle`` (a placeholder's text), else its ``part``."""
    steps = where.steps
    if index < len(steps):
        start = steps[index].heading
        end = steps[index + 1].heading if index + 1 < len(steps) else len(where.lines) + 1
        for number in range(start, end):
            if needle in where.lines[number - 1]:
                return number
        return steps[index].of(part)
    return 0


def line_of_message(where: Where, index: int, message: str, part: str) -> int:
    """The line of step ``index`` that a placeholder error is about: the line of the expression
    it quotes first (``'loss.loss': …``), else the line of ``part``."""
    if "is not one of the choices" in message:
        return where.steps[index].of("Answer")
    quoted = re.search(r"'([^']+)'", message)
    if quoted:
        expr = quoted.group(1)
        return line_of(where, index, "{" + expr, part) or line_of(where, index, expr, part)
    return where.steps[index].of(part)


LESSON_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def static_problems(lesson: Lesson, where: Where) -> list[Problem]:
    problems = _spec_problems(lesson, where)
    if not LESSON_ID.fullmatch(lesson.id):
        message = f"id {lesson.id!r}: lower-case letters, digits and '-' (it is the lesson's address)"
        problems.append(Problem(where.keys.get("id", 1), message))
    sizes = lesson.spec.get("layers") if isinstance(lesson.spec.get("layers"), list) else None
    known = {"network"}
    phase = "ready"
    for index, step in enumerate(lesson.steps):
        own = set() if step.action is None else {CONTEXT_KEYS[step.action]}
        after = known | own | ({step.save_as} if step.save_as else set())
        texts = [("text", step.text, after)]
        if step.ask is not None:
            texts += [("Question", step.ask.question, known), ("Why", step.ask.why, after)]
        for part, text, names in texts:
            problems += _placeholder_problems(text, names, where, index, part)
        if step.ask is not None:
            problems += _expression_problems(step.ask.answer_from, after, where, index, "Answer")
        phase, problem = _next_phase(phase, step)
        if problem:
            problems.append(Problem(where.steps[index].of("action"), problem))
        if sizes and step.target is not None:
            problem = _target_problem(step, sizes)
            if problem:
                problems.append(Problem(where.steps[index].of("target"), problem))
        known = after
    return sorted(problems, key=lambda p: p.line)


def _spec_problems(lesson: Lesson, where: Where) -> list[Problem]:
    try:
        NetworkSpec.model_validate(lesson.spec)
    except ValidationError as exc:
        out = []
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            line = where.keys.get(key, where.network)
            out.append(Problem(line, f"network.{'.'.join(map(str, error['loc']))}: {error['msg']}"))
        return out
    return []


def _placeholder_problems(text: str, names: set[str], where: Where, index: int, part: str) -> list[Problem]:
    try:
        found = placeholders(text)
    except PlaceholderError as exc:
        return [Problem(line_of_message(where, index, str(exc), part), str(exc))]
    out = []
    for expr, _ in found:
        out += _expression_problems(expr, names, where, index, part, needle="{" + expr)
    return out


def _expression_problems(
    expr: str, names: set[str], where: Where, index: int, part: str, needle: str | None = None
) -> list[Problem]:
    line = line_of(where, index, needle or expr, part)
    try:
        parse(expr)
        roots = {path[0] for path in reads(expr)}
    except PlaceholderError as exc:
        return [Problem(line, f"unknown placeholder: {exc}")]
    missing = sorted(str(root) for root in roots - names)
    if not missing:
        return []
    have = ", ".join(sorted(names))
    return [
        Problem(
            line,
            f"unknown placeholder {{{expr}}}: no answer named {missing[0]!r} is kept by this point "
            f"(there are: {have}; an action keeps its answer under its name, save_as under another)",
        )
    ]


def _next_phase(phase: str, step: LessonStep) -> tuple[str, str | None]:
    """The step's phase after ``step`` runs, and why its action cannot run (or None)."""
    action = step.action
    if action in PHASES:
        need = NEEDS.get(action)
        done = phase if phase in PHASES else "ready"
        if need and done != need:
            first = need if done == "ready" or PHASES.index(done) < PHASES.index(need) else "forward"
            return phase, (
                f"action {action} cannot run here: the step in progress has reached {done}, "
                f"and {action} comes after {need} (run {first} first)"
            )
        return action, None
    if action in ENDS_STEP:
        return "ready", None
    return phase, None


def _target_problem(step: LessonStep, sizes: list[int]) -> str | None:
    t = step.target
    L = len(sizes) - 1
    if not isinstance(t, NeuronTarget | LayerTarget | ParameterTarget):
        return None  # the loss, a plot, the graph: always there
    if isinstance(t, ParameterTarget):
        if not 1 <= t.layer <= L:
            return f"target: the network's weight layers are 1..{L}, not {t.layer}"
        shape = (sizes[t.layer], sizes[t.layer - 1]) if t.name == "W" else (sizes[t.layer],)
        if len(t.index) != len(shape) or not all(0 <= k < n for k, n in zip(t.index, shape, strict=True)):
            return f"target: {t.name}{t.layer} has shape {shape}, which {t.index} is not inside"
        return None
    if not 0 <= t.layer <= L:
        return f"target: the network's layers are 0..{L} (0 the inputs), not {t.layer}"
    if isinstance(t, NeuronTarget) and not 0 <= t.neuron < sizes[t.layer]:
        return f"target: layer {t.layer} has neurons 0..{sizes[t.layer] - 1}, not {t.neuron}"
    return None
