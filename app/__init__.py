"""Backprop Explorer's web layer: FastAPI routes over the NumPy engine."""

from backprop_explorer import __version__

__all__ = ["__version__"]
