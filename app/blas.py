"""One thread per BLAS call in the server: imported by ``app/main.py`` and the command line
before anything loads NumPy, it sets the thread counts BLAS libraries read once.

The server computes up to ``max_cpu_work`` requests at once (``app/gate.py``), about one per
core. BLAS threads on top of those fight over the same cores: on a busy 2-core machine an
epoch of small matrix products ran 60 times slower with them (0.7 s against 42.9 s). A value
already set in the environment is kept.
"""

from __future__ import annotations

import os

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")
