"""The server process's settings for its native libraries, made once, before they are used
(``app/main.py`` and the command line import this module first):

- **one thread per BLAS call**: the server computes up to ``max_cpu_work`` requests at once
  (``app/gate.py``), about one per core, and BLAS threads on top of those fight over the same
  cores (on a busy 2-core machine an epoch of small matrix products ran 60 times slower with
  them: 42.9 s against 0.7 s). Set before NumPy loads; a value already in the environment is
  kept.
- **large blocks go back to the system** (glibc): by default malloc raises its threshold for
  serving a block from its own pools after each large block is freed, up to 32 MB, so the
  arrays of one request (a batch of 10,000 through 256 neurons: 20 MB each) stay in the
  pools of the thread that ran it, and the process's memory grows past what its requests hold
  (1.5 GB for two 0.4 GB steps at a time). A fixed threshold of 1 MB keeps the resident
  memory near what the gate accounts for.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 1024 * 1024


def _return_large_blocks() -> None:
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to set
        pass


_return_large_blocks()
