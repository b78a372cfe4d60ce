"""Backprop Explorer: see every z, a and ∂L/∂w of a network you configure, phase by phase.

The distribution maps the repository's folders under this one import name:
``backprop_explorer.engine`` (the NumPy mathematics), ``backprop_explorer.app`` (the
FastAPI server), and ``static/`` and ``templates/`` as package data beside them.
"""

__version__ = "0.2.0"
