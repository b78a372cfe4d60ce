"""Reading a lesson file: a lesson as Markdown with a TOML front matter, read into a
:class:`Lesson` (:mod:`.writer` writes one back out in the same form).

A file (docs/lessons.md shows a whole one)::

    +++
    id = "chain-rule"
    title = "The chain rule"
    summary = "…"

    [network]                       # the spec POST /api/networks takes
    layers = [2, 1, 1]
    …
    +++

    ## 1. Forward                    a step: its title is for the author only
    action: forward                  optional header lines, before the first blank line:
    body: {indices = [0]}            action, body (a TOML value), target, save_as
    target: layer 1

    The text, with {placeholders}. Lines join with a space; a line ending in a
    backslash ends a line of the shown text.\\
    A blank line between paragraphs keeps one.

    Question: Before Backward: will ∂L/∂w₁ be positive or negative?
    Choices: positive | negative
    Answer: sign(backward.layers[0].dL_dW[0][0])
    Why: ŷ is below its target, so …

Targets: ``neuron L J`` (layer 0 is the inputs), ``layer L``, ``weight L J I`` (W[L][J][I]),
``bias L J``, ``loss``, ``plot NAME``, ``graph`` or ``graph NODE`` (a node id of ``POST
…/graph``). Every position is 0-based, as in the API and the placeholders.

:func:`read` raises :class:`LessonFileError` with every problem it finds, each with its line
number; :class:`Where` keeps the line of each part of each step, for later checks.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from .schemas import (
    ACTIONS,
    Ask,
    GraphTarget,
    LayerTarget,
    Lesson,
    LessonStep,
    LossTarget,
    NeuronTarget,
    ParameterTarget,
    PlotTarget,
)

FENCE = "+++"
STEP = "## "
FRONT_KEYS = ("id", "title", "summary", "network")
HEADER_KEYS = ("action", "body", "target", "save_as")
ASK_KEYS = ("Question", "Choices", "Answer", "Why")
HARD_BREAK = "\\"
HEADER_LINE = re.compile(r"^(" + "|".join(HEADER_KEYS) + r"):\s*(.*)$")
ASK_LINE = re.compile(r"^(" + "|".join(ASK_KEYS) + r"):\s*(.*)$")


@dataclass
class Problem:
    line: int  # 1-based; 0 for the file as a whole
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class LessonFileError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class StepLines:
    """Where each part of one step is in its file (1-based line numbers; 0: not written)."""

    heading: int
    fields: dict[str, int] = field(default_factory=dict)  # header and ask keys → line
    text: tuple[int, int] = (0, 0)  # first and last line of the text

    def of(self, part: str) -> int:
        return self.fields.get(part, self.heading)


@dataclass
class Where:
    """Where a lesson's parts are in its file."""

    network: int = 0
    keys: dict[str, int] = field(default_factory=dict)  # front-matter keys and network keys
    steps: list[StepLines] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the file's lines


def read(text: str) -> tuple[Lesson, Where]:
    """The lesson a file holds, and where its parts are; LessonFileError naming every problem."""
    lines = text.splitlines()
    problems: list[Problem] = []
    where = Where(lines=lines)
    if not lines or lines[0].strip() != FENCE:
        raise LessonFileError(
            [Problem(1, f"a lesson file starts with a '{FENCE}' line, then its TOML front matter")]
        )
    try:
        end = next(k for k in range(1, len(lines)) if lines[k].strip() == FENCE)
    except StopIteration:
        raise LessonFileError([Problem(1, f"the front matter has no closing '{FENCE}' line")]) from None
    front = _front_matter(lines[1:end], problems, where)
    steps: list[LessonStep] = []
    blocks = _step_blocks(lines, end + 1, problems)
    for heading, body in blocks:
        step_lines = StepLines(heading)
        where.steps.append(step_lines)
        step = _step(body, step_lines, problems)
        if step is not None:
            steps.append(step)
    if not blocks:
        problems.append(Problem(end + 1, f"a lesson needs at least one step: a line starting with '{STEP}'"))
    lesson = None
    if front is not None and not problems:
        try:
            lesson = Lesson(**front, steps=steps)
        except ValidationError as exc:
            for error in exc.errors():
                key = str(error["loc"][0]) if error["loc"] else ""
                problems.append(Problem(where.keys.get(key, 1), f"{_loc(error['loc'])}: {error['msg']}"))
    if problems or lesson is None:
        problems.sort(key=lambda p: p.line)
        raise LessonFileError(problems or [Problem(1, "the front matter does not describe a lesson")])
    return lesson, where


def _loc(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "the lesson"


def _front_matter(lines: list[str], problems: list[Problem], where: Where) -> dict | None:
    try:
        data = tomllib.loads("\n".join(lines))
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "(at line N, column C)" counting from the front matter's first line.
        match = re.search(r"at line (\d+)", str(exc))
        line = int(match.group(1)) + 1 if match else 1
        problems.append(Problem(line, f"the front matter is not valid TOML: {exc}"))
        return None
    for number, text in enumerate(lines, start=2):
        name = text.split("=", 1)[0].strip()
        if text.strip() == "[network]":
            where.network = where.keys["spec"] = number
        elif "=" in text and name.isidentifier():
            where.keys.setdefault(name, number)
    unknown = sorted(set(data) - set(FRONT_KEYS))
    for key in unknown:
        message = f"unknown front-matter key {key!r} (use id, title, summary, [network])"
        problems.append(Problem(where.keys.get(key, 1), message))
    missing = [key for key in FRONT_KEYS if key not in data]
    for key in missing:
        what = "a [network] table: the spec POST /api/networks takes" if key == "network" else key
        problems.append(Problem(1, f"the front matter needs {what}"))
    if unknown or missing:
        return None
    return {"id": data["id"], "title": data["title"], "summary": data["summary"], "spec": data["network"]}


def _step_blocks(
    lines: list[str], start: int, problems: list[Problem]
) -> list[tuple[int, list[tuple[int, str]]]]:
    """(heading line, [(line number, line) …]) for each step after the front matter."""
    blocks: list[tuple[int, list[tuple[int, str]]]] = []
    for k in range(start, len(lines)):
        line = lines[k]
        if line.startswith(STEP):
            blocks.append((k + 1, []))
        elif blocks:
            blocks[-1][1].append((k + 1, line))
        elif line.strip():
            problems.append(Problem(k + 1, f"text before the first step: a step starts with a '{STEP}' line"))
    return blocks


def _step(body: list[tuple[int, str]], where: StepLines, problems: list[Problem]) -> LessonStep | None:
    k = 0
    header: dict[str, Any] = {}
    while k < len(body) and body[k][1].strip():
        number, line = body[k]
        match = HEADER_LINE.match(line)
        if not match:
            break
        key, value = match.groups()
        where.fields[key] = number
        header[key] = _header_value(key, value.strip(), number, problems)
        k += 1
    text_lines: list[tuple[int, str]] = []
    ask: dict[str, list[tuple[int, str]]] = {}
    current: str | None = None  # the prediction field being read
    for number, line in body[k:]:
        match = ASK_LINE.match(line)
        if match:
            key, value = match.groups()
            if key in ask:
                problems.append(Problem(number, f"{key}: written twice in one step"))
            ask[key], current = [(number, value)], key
            where.fields[key] = number
        elif not ask:
            text_lines.append((number, line))
        elif not line.strip():
            current = None
        elif current is None:
            problems.append(
                Problem(number, "text after a prediction: the step's text comes before 'Question:'")
            )
        else:
            ask[current].append((number, line))
    while text_lines and not text_lines[0][1].strip():
        text_lines.pop(0)
    while text_lines and not text_lines[-1][1].strip():
        text_lines.pop()
    if text_lines:
        where.text = (text_lines[0][0], text_lines[-1][0])
    else:
        problems.append(Problem(where.heading, "the step has no text"))
    step_ask = _ask(ask, where, problems)
    if any(v is _BAD for v in header.values()):
        return None
    try:
        return LessonStep(text=join_lines([line for _, line in text_lines]), ask=step_ask, **header)
    except ValidationError as exc:
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            problems.append(Problem(where.of(key), f"{_loc(error['loc'])}: {error['msg']}"))
        return None


_BAD = object()  # a header value that did not parse (already reported)


def _header_value(key: str, value: str, line: int, problems: list[Problem]) -> Any:
    if key == "action":
        if value not in ACTIONS:
            problems.append(Problem(line, f"unknown action {value!r}; the actions are {', '.join(ACTIONS)}"))
            return _BAD
        return value
    if key == "body":
        try:
            return tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(line, f"body is not a TOML value ({{key = value, …}}): {exc}"))
            return _BAD
    if key == "target":
        try:
            return parse_target(value)
        except ValueError as exc:
            problems.append(Problem(line, str(exc)))
            return _BAD
    return value


def parse_target(text: str):
    """A target from its short form (see the module docstring)."""
    words = text.split()
    kind, numbers = (words[0] if words else ""), words[1:]

    def ints(n: int) -> list[int]:
        if len(numbers) != n or not all(w.lstrip("-").isdigit() for w in numbers):
            raise ValueError(f"target {text!r}: '{kind}' takes {n} whole number{'s' if n > 1 else ''}")
        return [int(w) for w in numbers]

    if kind == "neuron":
        layer, neuron = ints(2)
        return NeuronTarget(layer=layer, neuron=neuron)
    if kind == "layer":
        return LayerTarget(layer=ints(1)[0])
    if kind == "weight":
        layer, j, i = ints(3)
        return ParameterTarget(layer=layer, name="W", index=[j, i])
    if kind == "bias":
        layer, j = ints(2)
        return ParameterTarget(layer=layer, name="b", index=[j])
    if kind == "loss" and not numbers:
        return LossTarget()
    if kind == "plot" and len(numbers) == 1:
        return PlotTarget.model_validate({"plot": numbers[0]})
    if kind == "graph" and len(numbers) <= 1:
        return GraphTarget(node=numbers[0] if numbers else None)
    raise ValueError(
        f"target {text!r}: write neuron L J, layer L, weight L J I, bias L J, loss, plot NAME, "
        "graph or graph NODE"
    )


def _ask(fields: dict[str, list[tuple[int, str]]], where: StepLines, problems: list[Problem]) -> Ask | None:
    if not fields:
        return None
    missing = [key for key in ASK_KEYS if key not in fields]
    if missing:
        line = min(where.fields[key] for key in fields)
        problems.append(
            Problem(line, f"a prediction needs {', '.join(ASK_KEYS)}: missing {', '.join(missing)}")
        )
        return None
    value = {key: join_lines([line for _, line in fields[key]]) for key in ASK_KEYS}
    choices = [c.strip() for c in value["Choices"].split("|")]
    if len(choices) < 2 or not all(choices):
        problems.append(Problem(where.fields["Choices"], "Choices: two or more, separated by '|'"))
        return None
    return Ask(question=value["Question"], choices=choices, answer_from=value["Answer"], why=value["Why"])


def join_lines(lines: list[str]) -> str:
    """The shown text of a field's lines: joined with a space, a backslash at a line's end
    ending a shown line, a blank line between paragraphs keeping one."""
    out = ""
    for line in lines:
        stripped = line.strip()
        if not stripped:
            out = out.rstrip(" ") + "\n\n" if out and not out.endswith("\n\n") else out
            continue
        hard = stripped.endswith(HARD_BREAK)
        piece = stripped[:-1] if hard else stripped
        out += piece + ("\n" if hard else " ")
    return out.strip(" ")
