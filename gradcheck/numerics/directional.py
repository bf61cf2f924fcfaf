"""Checking a gradient of many coordinates: directional derivatives and group testing.

A full finite-difference gradient costs evaluations in proportion to the number of
coordinates P. Instead, for a random ±1 direction u, the directional derivative
∇L·u costs 6 evaluations (Richardson along u) and must equal yours·u. A single
wrong element changes yours·u by its whole error (|u_j| = 1), so it is always caught
when it exceeds the tolerance; several wrong elements can cancel in one direction
with probability at most 1/2, so R directions all miss with probability ≤ 2^−R.

When a direction disagrees, group testing finds the wrong elements: restrict u to
half the coordinates, test each half, recurse into the halves that disagree. With k
wrong elements among P that is O(k log P) directional derivatives.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .finite_diff import EPS, ROUNDOFF_FACTOR, STEP

LossAlong = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (direction, ts) → L(x + t·u) per t
RTOL_DOT = {"float64": 1e-11, "float32": 1e-5, "float16": 1e-2}  # rounding of yours·u, relative to Σ|yours·u|


@dataclass
class DirectionalResult:
    passed: bool
    directions: int
    evaluations: int
    wrong: list[int] = field(default_factory=list)  #: flat indices localized as wrong
    detection_limit: float = 0.0  #: smallest single-element error (relative to max|yours|) always caught
    escape_probability: float = 0.0  #: chance that several wrong elements cancel in every direction
    worst_gap: float = 0.0  #: largest |yours·u − ∇L·u| / tolerance seen


class _Tester:
    def __init__(self, x: np.ndarray, yours: np.ndarray, loss_along: LossAlong, dtype: str):
        self.x, self.yours, self.loss_along = x, yours.reshape(x.shape), loss_along
        self.rtol = RTOL_DOT.get(dtype, RTOL_DOT["float64"])
        self.h = STEP * max(1.0, float(np.max(np.abs(x))))
        self.evaluations = 0

    def derivative(self, u: np.ndarray) -> tuple[float, float]:
        """∇L·u by Richardson-extrapolated central differences along u, and its error bound."""
        ts = self.h * np.array([1.0, -1.0, 2.0, -2.0, 4.0, -4.0])
        with np.errstate(all="ignore"):
            f = np.asarray(self.loss_along(u, ts), dtype=np.float64)
        self.evaluations += ts.size
        d1, d2, d4 = ((f[i] - f[i + 1]) / (2 * ts[i]) for i in (0, 2, 4))
        r1, r2 = (4 * d1 - d2) / 3, (4 * d2 - d4) / 3
        roundoff = ROUNDOFF_FACTOR * EPS * float(np.max(np.abs(f))) / self.h
        return r1, abs(r1 - r2) + roundoff

    def gap(self, u: np.ndarray) -> tuple[float, float]:
        """(|yours·u − ∇L·u|, tolerance)."""
        reference, error = self.derivative(u)
        products = self.yours * u
        mine = float(np.sum(products))
        tolerance = 4 * error + self.rtol * float(np.sum(np.abs(products))) + 1e-300
        return abs(mine - reference), tolerance


def check(x: np.ndarray, yours: np.ndarray, loss_along: LossAlong, *, dtype: str = "float64", directions: int = 8,
          seed: int = 0, max_wrong: int = 20) -> DirectionalResult:
    tester = _Tester(np.asarray(x, dtype=np.float64), np.asarray(yours, dtype=np.float64), loss_along, dtype)
    rng = np.random.default_rng(seed)
    flat_size = tester.x.size
    result = DirectionalResult(passed=True, directions=directions, evaluations=0)
    tolerances = []
    for _ in range(directions):
        u = rng.choice((-1.0, 1.0), size=tester.x.shape)
        gap, tolerance = tester.gap(u)
        tolerances.append(tolerance)
        result.worst_gap = max(result.worst_gap, gap / tolerance)
        if gap > tolerance:
            result.passed = False
            result.wrong = _localize(tester, u, np.arange(flat_size), max_wrong, seed + 1)
            break
    scale = float(np.max(np.abs(tester.yours))) or 1.0
    result.detection_limit = max(tolerances) / scale
    result.escape_probability = 0.5 ** directions
    result.evaluations = tester.evaluations
    return result


# Group tests use fresh Gaussian weights (not ±1): equal and opposite errors cannot cancel exactly,
# and a near-cancellation twice in a row is unlikely.
GROUP_TRIES = 2


def _localize(tester: _Tester, u: np.ndarray, indices: np.ndarray, max_wrong: int, seed: int = 1) -> list[int]:
    """Flat indices where yours is wrong, by halving the disagreeing set (random weights on it)."""
    rng = np.random.default_rng(seed)
    found: list[int] = []
    pending = [indices]
    while pending and len(found) < max_wrong:
        group = pending.pop()
        if not _disagrees(tester, group, rng):
            continue
        if group.size == 1:
            found.append(int(group[0]))
        else:
            half = group.size // 2
            pending += [group[half:], group[:half]]
    return sorted(found)


def _disagrees(tester: _Tester, group: np.ndarray, rng: np.random.Generator) -> bool:
    tries = 1 if group.size == 1 else GROUP_TRIES
    for _ in range(tries):
        masked = np.zeros(tester.x.size)
        masked[group] = rng.standard_normal(group.size)
        gap, tolerance = tester.gap(masked.reshape(tester.x.shape))
        if gap > tolerance:
            return True
    return False


def sampled(x: np.ndarray, yours: np.ndarray, loss_along: LossAlong, *, count: int = 256, seed: int = 0,
            dtype: str = "float64") -> tuple[list[int], list[int], int]:
    """Check ``count`` random coordinates one by one (u = e_i): (checked indices, wrong ones, evaluations)."""
    tester = _Tester(np.asarray(x, dtype=np.float64), np.asarray(yours, dtype=np.float64), loss_along, dtype)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(tester.x.size, size=min(count, tester.x.size), replace=False))
    wrong = []
    for i in chosen:
        e = np.zeros(tester.x.size)
        e[i] = 1.0
        gap, tolerance = tester.gap(e.reshape(tester.x.shape))
        if gap > tolerance:
            wrong.append(int(i))
    return [int(i) for i in chosen], wrong, tester.evaluations
