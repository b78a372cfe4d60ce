"""Data order: the validation hold-out and each epoch's shuffle, drawn from the seed alone.

The hold-out is a seeded random subset; the shuffle of epoch ``e`` is drawn from
``default_rng([seed, e])``: it depends on nothing but the seed and the epoch number, never
on global state. Both are cached and handed out read-only, so a network stepped request by
request (a new trainer each time) reuses them.
"""

from __future__ import annotations

import functools

import numpy as np

from .errors import EngineError


def split_indices(n: int, validation_split: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) sample indices; the hold-out is a seeded random subset.
    The arrays are shared between calls with the same arguments: read-only."""
    if not 0 <= validation_split < 1:
        raise EngineError("validation_split must be in [0, 1)")
    return _split(n, float(validation_split), seed)


@functools.lru_cache(maxsize=16)
def _split(n: int, validation_split: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    n_val = int(round(n * validation_split))
    if n_val >= n:
        n_val = n - 1
    perm = np.random.default_rng([seed, 0x5EED]).permutation(n)
    return _frozen(np.sort(perm[n_val:])), _frozen(np.sort(perm[:n_val]))


@functools.lru_cache(maxsize=16)
def epoch_order(n: int, validation_split: float, seed: int, epoch: int) -> np.ndarray:
    """Training sample indices of epoch ``epoch`` in their shuffled order (read-only). A
    network stepped request by request opens a new trainer each time: it reuses these."""
    train_idx, _ = _split(n, validation_split, seed)
    if len(train_idx) < 2:  # one order only: the generator's draw would change nothing
        return train_idx
    rng = np.random.default_rng([seed, epoch])
    return _frozen(train_idx[rng.permutation(len(train_idx))])


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
