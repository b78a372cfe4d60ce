"""The service: the one object the routes call, one method per operation on networks.

Its methods are grouped by area, one class per module, each built on :class:`Core` (the store,
the limits, the sessions, and the lock → load → open → change → dump → save cycle every change
follows): :mod:`.networks` (the resource), :mod:`.steps` (phases, epochs, training runs),
:mod:`.timeline` (snapshots, preview, rewind), :mod:`.analysis` (predict, gradcheck,
landscape, gradient shares, the graph of one sample) and :mod:`.accounts` (owners, names, share
keys). The work on a network itself lives in :mod:`app.networks`.
"""

from __future__ import annotations

from .accounts import Accounts
from .analysis import Analysis
from .networks import Networks
from .steps import Steps


class Service(Networks, Steps, Analysis, Accounts):
    """Every operation the routes call; ``app.state.service`` holds the server's one instance."""


__all__ = ["Service"]
