"""Pieces several problems share: standard trial shapes, labels, and the BCE loss terms."""
from __future__ import annotations

import numpy as np

from ..mathfn import sigmoid
from ..model import TermInfo

#: (name, description, dims) of the trials of a linear model: M ≠ N both ways, M = N, N = 1, M = 1
LINEAR_TRIALS = [
    ("mixed", "M=3, N=5", {"M": 3, "N": 5}),
    ("wide", "M=6, N=4", {"M": 6, "N": 4}),
    ("square", "M=N=4: a transposed result has the right shape here", {"M": 4, "N": 4}),
    ("one-sample", "N=1", {"M": 3, "N": 1}),
    ("one-feature", "M=1", {"M": 1, "N": 6}),
]
#: trials where every label is 1, or 0: each BCE term alone
SINGLE_CLASS_TRIALS = [
    ("all-positive", "every y=1: only the y·log z term is active", {"M": 3, "N": 6}),
    ("all-negative", "every y=0: only the (1−y)·log(1−z) term is active", {"M": 3, "N": 6}),
]

BCE_TERMS = (
    TermInfo(id="positive", formula="y·log z", description="the part of the loss from samples with y = 1"),
    TermInfo(id="negative", formula="(1−y)·log(1−z)", description="the part of the loss from samples with y = 0"),
)


def weight_std(fan_in: int, base: float = 0.7) -> float:
    """Weights' spread: ``base`` for the small standard trials, shrunk like 1/√fan_in for large
    ones (--dims) so that W X stays O(1) instead of saturating every unit."""
    return base if fan_in <= 50 else base * (50 / fan_in) ** 0.5


def binary_labels(rng: np.random.Generator, shape: tuple[int, ...], trial: str) -> np.ndarray:
    """0/1 labels; both classes present when there are two samples or more, one class in
    the single-class trials."""
    if trial == "all-positive":
        return np.ones(shape)
    if trial == "all-negative":
        return np.zeros(shape)
    y = rng.integers(0, 2, size=shape).astype(float)
    flat = y.reshape(-1)
    if flat.size >= 2:
        flat[rng.choice(flat.size, size=2, replace=False)] = (0.0, 1.0)
    return flat.reshape(shape)


def bce_positive(z: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    """−(1/N) Σ y log z over the last two axes (one number per batch element)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(y != 0, y * np.log(z), 0.0).sum(axis=(-2, -1)) / n


def bce_negative(z: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(y != 1, (1 - y) * np.log1p(-z), 0.0).sum(axis=(-2, -1)) / n


__all__ = ["weight_std", "LINEAR_TRIALS", "SINGLE_CLASS_TRIALS", "BCE_TERMS", "binary_labels", "bce_positive", "bce_negative",
           "sigmoid"]
