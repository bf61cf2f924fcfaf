"""Elementwise comparison of a user's derivative with the finite-difference reference.

Order of questions, as pytest.approx asks them: can it be compared at all
(raised, not numbers, shape)? are the numbers finite? which elements differ
beyond tolerance, and by how much?

Tolerance of element i: ``reference.error[i] + RTOL[dtype] · scale``, where
``scale`` is the largest |expected| of the derivative on that trial. The first
part is the reference's own error bound (so we never demand more than finite
differences can deliver), the second the rounding of the user's own arithmetic
in the dtype they returned. Relative errors are reported against the same
scale, so near-zero entries do not blow them up.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Element, Finding, TrialComparison
from ..submission.base import Outcome

# Rounding allowed in the user's result, relative to the derivative's scale, by the dtype
# the user's code returned. float64: a relative error of 1e-6 in any element is still caught
# with two orders of magnitude to spare.
RTOL = {"float64": 1e-8, "float32": 1e-4, "float16": 3e-2}
DEFAULT_RTOL = RTOL["float64"]  # ints and bools are exact; longdouble is at least float64
WORST_SHOWN = 5
# An element whose reference error bound exceeds this fraction of the scale cannot show even a 1e-4
# error: it is "inconclusive", never a pass.
INCONCLUSIVE = 1e-4


@dataclass(frozen=True, slots=True)
class Compared:
    """A TrialComparison plus the arrays behind it (None when nothing was compared)."""

    result: TrialComparison
    failing: np.ndarray | None
    tolerance: np.ndarray | None = None
    badness: float | None = None  #: max |yours − expected| / tolerance; ≤ 1 passes; inf for NaN


def rtol_for(dtype: str | None) -> float:
    return RTOL.get(dtype or "float64", DEFAULT_RTOL)


def shape_hint(got: tuple[int, ...], expected: tuple[int, ...], shape_text: str) -> str:
    """One sentence on how a wrongly shaped result could fit."""
    size = int(np.prod(expected))
    head = f"expected {expected}, i.e. {shape_text}; got {got}"
    if len(got) == len(expected) == 2 and got == expected[::-1]:
        return f"{head}: it is transposed (add .T)"
    if int(np.prod(got)) == size:
        return f"{head}: same number of elements, wrong layout (reshape to {expected})"
    return head


def compare(
    outcome: Outcome,
    expected_value: np.ndarray,
    expected_error: np.ndarray,
    *,
    trial: str,
    shape_text: str,
    scale_floor: float = 0.0,
) -> Compared:
    """``scale_floor``: the smallest scale to be relative to (a trial where the derivative is
    nearly 0 by coincidence is judged against the derivative's typical size, not its own)."""
    expected_shape = tuple(expected_value.shape)
    base = dict(trial=trial, expected_shape=expected_shape, dtype=outcome.dtype)

    if outcome.error is not None:
        err = outcome.error
        if err.kind == "shape":
            finding = Finding(
                kind="shape",
                message=err.message,
                span=err.span,
                evidence={"operation": err.operation, "operand_shapes": [list(s) for s in err.operand_shapes]},
            )
            return Compared(TrialComparison(status="fail", findings=(finding,), **base), None)
        kind = err.kind if err.kind in ("exception", "timeout") else "type"
        finding = Finding(kind=kind, message=err.message, span=err.span)
        return Compared(TrialComparison(status="error", findings=(finding,), **base), None)

    yours = outcome.value
    got = tuple(yours.shape)
    warnings: list[Finding] = []
    if got != expected_shape:
        fits = yours.size == expected_value.size and broadcasts(got, expected_shape)
        if not fits:
            finding = Finding(
                kind="shape",
                message=shape_hint(got, expected_shape, shape_text),
                evidence={"expected": list(expected_shape), "got": list(got)},
            )
            return Compared(TrialComparison(status="fail", shape=got, findings=(finding,), **base), None)
        warnings.append(
            Finding(
                kind="broadcast_shape",
                message=f"returned shape {got}, which broadcasts to the expected {expected_shape}; "
                f"return {expected_shape} to be safe",
            )
        )
        yours = yours.reshape(expected_shape)

    rtol = rtol_for(outcome.dtype)
    if rtol != DEFAULT_RTOL:
        warnings.append(
            Finding(
                kind="low_precision",
                message=f"returned {outcome.dtype}: judged with a tolerance of {rtol:g} × the derivative's scale",
                evidence={"dtype": outcome.dtype, "rtol": rtol},
            )
        )

    comparable = np.isfinite(expected_value)
    skipped = int(expected_value.size - comparable.sum())
    scale = max(float(np.max(np.abs(expected_value[comparable]), initial=0.0)), scale_floor)
    tolerance = expected_error + rtol * scale
    with np.errstate(invalid="ignore"):
        diff = np.abs(yours - expected_value)
        failing = comparable & ~(diff <= tolerance)  # NaN/inf in yours fails here
    # An all-zero reference has no scale to be relative to: its bound is then absolute, and decides.
    undecided = comparable & ~failing & ~(expected_error <= INCONCLUSIVE * scale) if scale > 0 else comparable & False
    decided = comparable & ~undecided
    detection = float(np.max(tolerance[decided], initial=0.0)) / scale if scale and decided.any() else None
    nonfinite = comparable & ~np.isfinite(yours)
    findings: list[Finding] = []
    if nonfinite.any():
        idx = tuple(int(i) for i in np.argwhere(nonfinite)[0])
        findings.append(
            Finding(
                kind="nan",
                message=f"{int(nonfinite.sum())} of {expected_value.size} elements are not finite "
                f"(first at index {idx}: {yours[idx]})",
                evidence={"count": int(nonfinite.sum()), "first_index": list(idx)},
            )
        )

    # A non-finite element makes the error infinite (JSON null), never a reassuring 0.
    max_abs = float(np.max(np.where(comparable, np.where(np.isfinite(diff), diff, np.inf), 0.0), initial=0.0))
    worst = _worst(trial, yours, expected_value, diff, tolerance, failing)
    result = TrialComparison(
        status="fail" if failing.any() else "inconclusive" if undecided.any() else "pass",
        shape=got,
        compared=int(comparable.sum()),
        failing=int(failing.sum()),
        inconclusive=int(undecided.sum()),
        detection_limit=detection,
        skipped=skipped,
        max_abs_error=max_abs,
        scale=scale,
        worst=worst,
        findings=tuple(findings),
        warnings=tuple(warnings),
        **base,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(comparable, np.where(np.isfinite(diff), diff / tolerance, np.inf), 0.0)
    return Compared(result, failing, tolerance, float(np.max(ratio, initial=0.0)))


def broadcasts(got: tuple[int, ...], expected: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(got, expected) == expected
    except ValueError:
        return False


def _worst(trial, yours, expected, diff, tolerance, failing) -> tuple[Element, ...]:
    """The failing elements with the largest error (non-finite ones first)."""
    idx = np.argwhere(failing)
    if idx.size == 0:
        return ()
    keys = np.where(np.isfinite(diff[failing]), diff[failing], np.inf)
    order = np.argsort(-keys, kind="stable")[:WORST_SHOWN]
    return tuple(
        Element(
            trial=trial,
            index=tuple(int(i) for i in idx[k]),
            expected=float(expected[tuple(idx[k])]),
            yours=float(yours[tuple(idx[k])]),
            abs_error=float(diff[tuple(idx[k])]),
            tolerance=float(tolerance[tuple(idx[k])]),
        )
        for k in order
    )
