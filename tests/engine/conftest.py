import warnings

import pytest


@pytest.fixture(autouse=True)
def numpy_warnings_are_errors():
    # An overflow or invalid-value warning from NumPy means a formula is not stable.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield
