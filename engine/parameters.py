"""One weight or bias of a network, named by layer, matrix and index: what the landscape moves
and whose gradient the shares split by sample."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import EngineError
from .network import Network


@dataclass(frozen=True)
class ParameterRef:
    """``W[layer][j][i]`` (``index`` = (j, i)) or ``b[layer][j]`` (``index`` = (j,)), layer 1..L."""

    layer: int
    name: str
    index: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.name}{self.layer}{list(self.index)}"


def check_ref(net: Network, ref: ParameterRef) -> None:
    """EngineError unless ``ref`` names an existing weight or bias of ``net``."""
    if not 1 <= ref.layer <= len(net.layers):
        raise EngineError(f"layer must be 1..{len(net.layers)}, got {ref.layer}")
    layer = net.layers[ref.layer - 1]
    if ref.name not in ("W", "b"):
        raise EngineError(f"name must be 'W' or 'b', got {ref.name!r}")
    shape = layer.W.shape if ref.name == "W" else layer.b.shape
    if len(ref.index) != len(shape) or not all(0 <= k < n for k, n in zip(ref.index, shape)):
        want = "[j, i]" if ref.name == "W" else "[j]"
        raise EngineError(
            f"{ref.name}{ref.layer} has shape {tuple(shape)}: index must be {want} within it, "
            f"got {list(ref.index)}"
        )


def value_of(net: Network, ref: ParameterRef) -> float:
    layer = net.layers[ref.layer - 1]
    return float((layer.W if ref.name == "W" else layer.b)[ref.index])
