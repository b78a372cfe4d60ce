"""Placeholders: how a lesson's text quotes the server's numbers instead of typing them.

A text holds ``{EXPR}`` or ``{EXPR:FORMAT}``; ``{{`` and ``}}`` are literal braces. ``EXPR``
reads the responses the lesson's actions returned (the *context*, a dict of JSON values)::

    loss.loss                                   a key of a response
    backward.layers[1].dL_dW[0][0]              list items by 0-based position (layers[0] is
                                                layer index 1); negative positions count from
                                                the end: train.history[-1].train_loss
    update.layers[1].W_new[0][0] - update.layers[1].W_old[0][0]      + - * / and unary −
    sign(x) → "positive" | "negative" | "zero"       direction(x) → "up" | "down" | "unchanged"
    compare(a, b) → "larger" | "smaller" | "equal"   abs sqrt log10 exp min max sum mean len
    argmax(list), argmin(list) → position of the largest / smallest item
    column(list, "key") → that key of every item: min(column(train.history, "val_loss"))
    str(x); "text" + str(x)

``FORMAT`` is a number format: ``.Nf`` (N decimals), ``.Ne``, ``.Ng`` (N significant digits),
``.N%``, ``d``, with an optional leading ``+``. Without one a float shows 4 significant digits
(``.4g``, as the UI does) and anything else as it is. Nothing is evaluated but this grammar:
an expression is parsed with :mod:`ast` and every node is checked against it.
"""

from __future__ import annotations

import ast
import math
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

FORMAT = re.compile(r"\+?(\.\d{1,2})?[efg%]|\+?d")
DEFAULT_FORMAT = ".4g"
MINUS = "\u2212"
MAX_EXPRESSION = 300
MAX_EXACT_INT = 2**53


class PlaceholderError(ValueError):
    """An expression that does not parse, or does not resolve against the context."""


def _sign(x: float) -> str:
    return "positive" if x > 0 else "negative" if x < 0 else "zero"


def _direction(change: float) -> str:
    return "up" if change > 0 else "down" if change < 0 else "unchanged"


def _compare(a: float, b: float) -> str:
    return "larger" if a > b else "smaller" if a < b else "equal"


def _mean(values: list) -> float:
    return math.fsum(values) / len(values)


def _argmax(values: list) -> int:
    return max(range(len(values)), key=values.__getitem__)


def _argmin(values: list) -> int:
    return min(range(len(values)), key=values.__getitem__)


def _column(rows: list, key: str) -> list:
    return [row[key] for row in rows]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sign": _sign,
    "direction": _direction,
    "compare": _compare,
    "abs": abs,
    "sqrt": math.sqrt,
    "log10": math.log10,
    "exp": math.exp,
    "min": min,
    "max": max,
    "sum": math.fsum,
    "mean": _mean,
    "len": len,
    "argmax": _argmax,
    "argmin": _argmin,
    "column": _column,
    "str": lambda x: format_value(x, None),
}
OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def parse(expr: str) -> ast.expr:
    """The checked syntax tree of ``expr``; :class:`PlaceholderError` outside the grammar."""
    if len(expr) > MAX_EXPRESSION:
        raise PlaceholderError(f"expression longer than {MAX_EXPRESSION} characters")
    try:
        tree = ast.parse(expr.strip(), mode="eval").body
    except SyntaxError as exc:
        raise PlaceholderError(f"{expr!r} is not an expression: {exc.msg}") from None
    for node in ast.walk(tree):
        allowed = (
            ast.Name,
            ast.Attribute,
            ast.Subscript,
            ast.Constant,
            ast.BinOp,
            ast.UnaryOp,
            ast.Call,
            ast.Load,
            ast.USub,
            ast.UAdd,
            *OPERATORS,
        )
        if not isinstance(node, allowed):
            raise PlaceholderError(f"{expr!r}: {type(node).__name__} is not allowed in a placeholder")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and not node.keywords
        ):
            raise PlaceholderError(f"{expr!r}: only the functions {sorted(FUNCTIONS)} may be called")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str):
            raise PlaceholderError(f"{expr!r}: only numbers and strings may be written")
    return tree


def evaluate(expr: str, context: Mapping[str, Any]) -> Any:
    """The value of ``expr`` (see the module docstring) against ``context``."""
    return _eval(parse(expr), context, expr)


def _eval(node: ast.expr, context: Mapping[str, Any], expr: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in context:
            raise PlaceholderError(f"{expr!r}: no response named {node.id!r} yet (have {sorted(context)})")
        return context[node.id]
    if isinstance(node, ast.Attribute):
        value = _eval(node.value, context, expr)
        if not isinstance(value, dict) or node.attr not in value:
            keys = sorted(value) if isinstance(value, dict) else type(value).__name__
            raise PlaceholderError(f"{expr!r}: no key {node.attr!r} (found {keys})")
        return value[node.attr]
    if isinstance(node, ast.Subscript):
        value = _eval(node.value, context, expr)
        position = _eval(node.slice, context, expr)
        if not isinstance(value, list) or not isinstance(position, int) or isinstance(position, bool):
            raise PlaceholderError(f"{expr!r}: [{position!r}] needs a list and a whole number")
        if not -len(value) <= position < len(value):
            raise PlaceholderError(f"{expr!r}: position {position} is outside a list of {len(value)}")
        return value[position]
    if isinstance(node, ast.UnaryOp):
        operand = _number(_eval(node.operand, context, expr), expr)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, context, expr), _eval(node.right, context, expr)
        if isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str):
            return left + right
        left, right = _number(left, expr), _number(right, expr)
        if isinstance(node.op, ast.Div) and right == 0:
            raise PlaceholderError(f"{expr!r}: division by zero")
        result = OPERATORS[type(node.op)](left, right)
        # Whole numbers stay exact within ±2⁵³; beyond, arithmetic goes on in floats (whose
        # overflow is infinity, which a text refuses to show) rather than in ever longer ints.
        return float(result) if isinstance(result, int) and abs(result) > MAX_EXACT_INT else result
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        args = [_eval(arg, context, expr) for arg in node.args]
        try:
            return FUNCTIONS[node.func.id](*args)
        except (TypeError, ValueError, ArithmeticError, KeyError) as exc:
            raise PlaceholderError(f"{expr!r}: {node.func.id}() failed: {exc}") from None
    raise PlaceholderError(f"{expr!r}: cannot evaluate {type(node).__name__}")  # parse() forbids it


Path = tuple[str | int, ...]
"""Where a value sits in the context: keys and list positions; ``"*"`` is every item of a list."""
EVERY = "*"


def reads(expr: str) -> list[Path]:
    """The parts of the context ``expr`` reads: each path's whole value is needed, nothing else.

    ``train.history[-1].train_loss`` reads that one number; ``column(train.history, "val_loss")``
    the key of every item; a position computed at run time (``a[argmax(b)]``) the whole list.
    """
    return _reads(parse(expr))


def _path(node: ast.expr) -> Path | None:
    """The path of a chain of names, keys and fixed positions; None for anything else."""
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Attribute):
        inner = _path(node.value)
        return None if inner is None else (*inner, node.attr)
    if isinstance(node, ast.Subscript):
        inner, position = _path(node.value), _position(node.slice)
        return None if inner is None or position is None else (*inner, position)
    return None


def _position(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _position(node.operand)
        return None if inner is None else -inner
    return None


def _reads(node: ast.expr) -> list[Path]:
    path = _path(node)
    if path is not None:
        return [path]
    if isinstance(node, ast.Subscript):  # a position computed from the context: the whole list
        return _reads(node.value) + _reads(node.slice)
    if isinstance(node, ast.Attribute):  # a key of such an item
        return _reads(node.value)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        if node.func.id == "column" and len(node.args) == 2:
            rows, key = _path(node.args[0]), node.args[1]
            if rows is not None and isinstance(key, ast.Constant) and isinstance(key.value, str):
                return [(*rows, EVERY, key.value)]
        return [p for arg in node.args for p in _reads(arg)]
    if isinstance(node, ast.BinOp):
        return _reads(node.left) + _reads(node.right)
    if isinstance(node, ast.UnaryOp):
        return _reads(node.operand)
    return []


def text_reads(text: str) -> list[Path]:
    """The paths every placeholder of ``text`` reads."""
    return [p for expr, _ in placeholders(text) for p in reads(expr)]


def _number(value: Any, expr: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlaceholderError(f"{expr!r}: arithmetic needs numbers, got {value!r}")
    return value


def scalar(value: Any, expr: str) -> Any:
    """``value`` if a text can show it: a finite number, a string, true/false or none."""
    if isinstance(value, float) and not math.isfinite(value):
        raise PlaceholderError(f"{expr!r} is not a finite number")
    if isinstance(value, list | dict):
        raise PlaceholderError(
            f"{expr!r} is a {type(value).__name__}: a placeholder shows one number or text"
        )
    return value


def format_value(value: Any, spec: str | None) -> str:
    """``value`` as the text shows it: ``spec`` for numbers, 4 significant digits by default."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "none"}[value]
    if isinstance(value, int | float):
        if isinstance(value, int) and spec is None:
            text = str(value)
        elif spec == "d":
            text = str(round(value))
        else:
            text = format(value, spec or DEFAULT_FORMAT)
        return text.replace("-", MINUS)  # a minus sign, as the rest of the page writes it
    if spec is not None:
        raise PlaceholderError(f"format {spec!r} needs a number, got {value!r}")
    return str(value)


@dataclass(frozen=True)
class Quoted:
    """One placeholder of a text: its expression, the value it read and how it is shown."""

    expr: str
    value: Any
    shown: str


def placeholders(text: str) -> list[tuple[str, str | None]]:
    """The ``(expr, format)`` pairs of ``text``, in order."""
    found = []
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise PlaceholderError(f"unbalanced braces in {text!r}: {exc}") from None
    for _, field, spec, conversion in parsed:
        if field is not None:
            found.append(_split(field, spec, conversion))
    return found


def render(text: str, context: Mapping[str, Any]) -> tuple[str, list[Quoted]]:
    """``text`` with every placeholder filled from ``context``, and what each one quoted."""
    out: list[str] = []
    quoted: list[Quoted] = []
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise PlaceholderError(f"unbalanced braces in {text!r}: {exc}") from None
    for literal, field, spec, conversion in parsed:
        out.append(literal)
        if field is None:
            continue
        expr, fmt = _split(field, spec, conversion)
        value = scalar(evaluate(expr, context), expr)
        shown = format_value(value, fmt)
        quoted.append(Quoted(expr, value, shown))
        out.append(shown)
    return "".join(out), quoted


def _split(field: str, spec: str | None, conversion: str | None) -> tuple[str, str | None]:
    # string.Formatter splits "{a[0]:.4f}" into field "a[0]" and spec ".4f"; a conversion
    # ("!r") is not part of the grammar.
    if conversion is not None:
        raise PlaceholderError(f"{field!r}: '!' conversions are not part of the placeholder grammar")
    if spec and not FORMAT.fullmatch(spec):
        raise PlaceholderError(f"{field!r}: unknown format {spec!r} (use .Nf, .Ne, .Ng, .N% or d)")
    return field, spec or None


# Only its parser is used: it understands ``{{``, ``}}`` and ``{field:spec}``.
_FORMATTER = string.Formatter()
