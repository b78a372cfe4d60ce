"""Backprop Explorer's web layer: FastAPI routes over the NumPy engine."""

__version__ = "0.1.0"
