"""Writing a lesson file: a :class:`Lesson` as the Markdown-with-TOML file :mod:`.reader`
reads (its docstring shows the form), so that ``read(write(lesson))`` gives the lesson back.
Text lines are wrapped near :data:`WIDTH` characters; a text no file could carry is refused.
"""

from __future__ import annotations

import json
from typing import Any

from .reader import ASK_LINE, FENCE, HARD_BREAK, HEADER_LINE, STEP, join_lines
from .schemas import GraphTarget, LayerTarget, Lesson, LessonStep, NeuronTarget, ParameterTarget, PlotTarget

WIDTH = 96  # where write() wraps text lines


def write(lesson: Lesson) -> str:
    """``lesson`` as a lesson file (read(write(lesson)) gives it back)."""
    out = [
        FENCE,
        f"id = {_toml(lesson.id)}",
        f"title = {_toml(lesson.title)}",
        f"summary = {_toml(lesson.summary)}",
        "",
    ]
    out.append("[network]")
    out += [f"{key} = {_toml(value)}" for key, value in lesson.spec.items()]
    out += [FENCE, ""]
    for k, step in enumerate(lesson.steps, start=1):
        out.append(f"{STEP}{k}. {_title(step)}")
        if step.action:
            out.append(f"action: {step.action}")
        if step.body:
            out.append(f"body: {_toml(step.body)}")
        if step.target is not None:
            out.append(f"target: {_target(step.target)}")
        if step.save_as:
            out.append(f"save_as: {step.save_as}")
        out.append("")
        out += _wrap(step.text)
        if step.ask is not None:
            out.append("")
            out += _wrap(step.ask.question, "Question: ")
            out.append("Choices: " + " | ".join(step.ask.choices))
            out.append("Answer: " + step.ask.answer_from)
            out += _wrap(step.ask.why, "Why: ")
        out.append("")
    return "\n".join(out)


def _title(step: LessonStep) -> str:
    names = {
        None: "Read",
        "step": "Step",
        "epoch": "Epoch",
        "train": "Train",
        "patch": "Change a setting",
        "reset": "Reset",
        "history": "History",
        "graph": "The graph",
    }
    return names.get(step.action, (step.action or "").capitalize())


def _target(t) -> str:
    if isinstance(t, NeuronTarget):
        return f"neuron {t.layer} {t.neuron}"
    if isinstance(t, LayerTarget):
        return f"layer {t.layer}"
    if isinstance(t, ParameterTarget):
        return f"{'weight' if t.name == 'W' else 'bias'} {t.layer} {' '.join(map(str, t.index))}"
    if isinstance(t, PlotTarget):
        return f"plot {t.plot}"
    if isinstance(t, GraphTarget):
        return "graph" if t.node is None else f"graph {t.node}"
    return "loss"


def _toml(value: Any) -> str:
    """``value`` as a TOML value on one line (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"{value!r} has no TOML form")


def _wrap(text: str, lead: str = "") -> list[str]:
    """Lines that :func:`~.reader.join_lines` turns back into ``text``: ``lead`` first, wrapped
    near WIDTH at single spaces outside placeholders, never starting a line with a key; a shown
    line break written as a backslash. ValueError for a text these lines cannot carry."""
    lines: list[str] = []
    shown = text.split("\n")
    for n, part in enumerate(shown):
        line = lead if n == 0 else ""
        for word in _words(part):
            if line and line != lead and len(line) + 1 + len(word) > WIDTH and not _reserved(word):
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line and line != lead else line + word
        lines.append(line + (HARD_BREAK if n < len(shown) - 1 else ""))
    if join_lines([lines[0][len(lead) :], *lines[1:]]) != text:
        raise ValueError(f"a text that a lesson file cannot hold as written: {text!r}")
    return lines


def _words(part: str) -> list[str]:
    """``part`` cut at single spaces, each placeholder kept whole; one piece where spaces are
    doubled or at an end (wrapping would lose them)."""
    if "  " in part or part != part.strip():
        return [part] if part else []
    words: list[str] = []
    depth = 0
    for token in part.split(" "):
        if depth and words:
            words[-1] += " " + token
        else:
            words.append(token)
        depth += token.count("{") - token.count("}")
    return words


def _reserved(word: str) -> bool:
    """Whether a line starting with ``word`` would be read as a header or prediction key."""
    return bool(ASK_LINE.match(word) or HEADER_LINE.match(word)) or word.startswith(("#", FENCE))
