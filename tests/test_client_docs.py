"""The signatures docs/client.md gives are the client's own: every `name(…)` in inline code that
is written as a signature (each argument a parameter name, `*`, `**name` or `name=<a plain
default>`) and names a method of `Client` or `Network` is that method's signature, parameter
for parameter, defaults and keyword-only marker included. Calls with example values
(`train(500, …)`, `snapshot(step=S)`) are usage, not signatures, and are left alone."""

from __future__ import annotations

import ast
import inspect
import re

from backprop_explorer import Client
from backprop_explorer.network import Network
from tests.conftest import ROOT

CALL = re.compile(r"`(?:[\w.]*\.)?(\w+)\(([^`()]*)\)`")
PARAMETER = re.compile(r"^(\*|\*\*[A-Za-z_]\w*|[A-Za-z_]\w*)(?:=(.+))?$")


def rendered(function: object, *, bound: bool) -> str:
    """``inspect.signature`` without annotations (and without ``self``)."""
    parts: list[str] = []
    keyword_only_marked = False
    parameters = list(inspect.signature(function).parameters.values())
    for parameter in parameters[1:] if bound else parameters:
        if parameter.kind is parameter.KEYWORD_ONLY and not keyword_only_marked:
            parts.append("*")
            keyword_only_marked = True
        if parameter.kind is parameter.VAR_KEYWORD:
            parts.append(f"**{parameter.name}")
        elif parameter.default is parameter.empty:
            parts.append(parameter.name)
        else:
            parts.append(f"{parameter.name}={parameter.default!r}")
    return ", ".join(parts)


def is_signature(arguments: str) -> bool:
    if not arguments.strip():
        return True
    for argument in (a.strip() for a in arguments.split(",")):
        match = PARAMETER.match(argument)
        if match is None:
            return False
        if match.group(2) is not None:
            try:
                value = ast.literal_eval(match.group(2))
            except (ValueError, SyntaxError):
                return False
            if not isinstance(value, (type(None), bool, int, float, str)):
                return False
    return True


def normal(argument: str) -> str:
    """``name=default`` with the default written as Python's repr (``"auto"`` → ``'auto'``)."""
    name, equals, default = argument.partition("=")
    return f"{name}={ast.literal_eval(default)!r}" if equals else argument


def documented() -> list[tuple[str, str]]:
    text = " ".join((ROOT / "docs" / "client.md").read_text(encoding="utf-8").split())
    return [(name, arguments) for name, arguments in CALL.findall(text) if is_signature(arguments)]


def test_the_signatures_in_the_client_guide_are_the_code_s() -> None:
    checked = []
    for name, arguments in documented():
        if name == "Client":
            real = rendered(Client.__init__, bound=True)
        elif callable(getattr(Client, name, None)):
            real = rendered(getattr(Client, name), bound=True)
        elif callable(getattr(Network, name, None)):
            real = rendered(getattr(Network, name), bound=True)
        else:
            continue  # help(), trace.layer(l), …: not the client's methods
        shown = ", ".join(normal(a.strip()) for a in arguments.split(",") if a.strip())
        assert shown == real, f"docs/client.md shows {name}({shown}); the code has {name}({real})"
        checked.append(name)
    # The constructor and the methods with keyword-only or defaulted parameters are among them.
    assert {"Client", "forward", "loss", "step", "train", "predict", "upload_csv", "request"} <= set(checked)
