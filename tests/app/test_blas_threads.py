"""The server's matrix products run on their request's thread unless the environment says
otherwise (app/__init__.py): BLAS threads only contend with the many small products."""

import os
import subprocess
import sys

VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
SHOW = f"import os, backprop_explorer.app.main; print(*(os.environ[v] for v in {VARIABLES!r}))"


def settings(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    done = subprocess.run([sys.executable, "-c", SHOW], env={**clean, **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_blas_runs_one_thread_a_product_unless_the_environment_sets_it():
    assert settings() == ["1", "1", "1"]
    assert settings(OPENBLAS_NUM_THREADS="2") == ["2", "1", "1"]
