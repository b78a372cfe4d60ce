"""Backprop Explorer's web layer: FastAPI routes over the NumPy engine."""

import os

from backprop_explorer import __version__

# The server multiplies small matrices, for many requests at a time: a BLAS library's own
# threads only contend with those (on a 2-core machine, an OpenBLAS thread left spinning
# after an epoch's 1,000-row evaluation made the next epoch's small steps three times
# slower). Each product runs on the thread of its request, unless the environment says
# otherwise; a product's numbers do not depend on it. Set before the engine imports NumPy.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

__all__ = ["__version__"]
