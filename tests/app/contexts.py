"""A lesson-render context holding a value at every path a step reads (for the lesson tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def context_at(paths: Iterable[list], leaf: Callable[[], Any], shortest: int) -> dict:
    """A context with ``leaf()`` at each of ``paths`` (a path: keys, indices and ``"*"`` for
    every element); lists are at least ``shortest`` long, and long enough for every index."""

    def put(node: Any, path: list) -> Any:
        if not path:
            return leaf()
        part, rest = path[0], path[1:]
        if isinstance(part, str) and part != "*":
            node = node if isinstance(node, dict) else {}
            node[part] = put(node.get(part), rest)
            return node
        node = node if isinstance(node, list) else []
        position = 0 if part == "*" else part
        node += [None] * (max(shortest, position + 1 if position >= 0 else -position) - len(node))
        for k in range(len(node)) if part == "*" else [position]:
            node[k] = put(node[k], rest)
        return node

    context: dict = {}
    for path in paths:
        context = put(context, list(path))
    return context
