"""Checking a derivative with many coordinates (``--mode directional|sampled|auto``).

Used for loss derivatives whose problem can evaluate L along a direction
(``Problem.loss_along``). ``directional`` compares yours·u with ∇L·u along random ±1
directions and localizes wrong elements by group testing (numerics/directional.py);
``sampled`` checks random coordinates one by one; ``auto`` uses directional above
AUTO_THRESHOLD coordinates and the full elementwise check below it (the standard trials
are far smaller, so ``auto`` matters with ``--dims``).
"""
from __future__ import annotations

import numpy as np

from .model import DerivativeResult, Element, Finding, TrialComparison
from .numerics import directional
from .numerics.compare import broadcasts, compare

AUTO_THRESHOLD = 512  # coordinates; above it directional derivatives beat one difference per element
SAMPLED_COUNT = 256


def check_at_scale(session, name: str) -> DerivativeResult | None:
    """A DerivativeResult from directional or sampled checking, or None to use the full check."""
    along = getattr(session.problem, "loss_along", None)
    trial = session.trials[0]
    got = along(name, trial) if along is not None else None
    if got is None:
        return None
    x, loss_along = got
    if session.mode == "auto" and x.size <= AUTO_THRESHOLD:
        return None
    spec = session.problem.derivatives[name]
    outcome = session.outcome(name, trial)
    if outcome.value is None or not (outcome.value.shape == x.shape or
                                     (outcome.value.size == x.size and broadcasts(outcome.value.shape, x.shape))):
        # Raised, or the wrong shape: the comparison says so without any finite difference.
        placeholder = np.zeros(x.shape)
        compared = compare(outcome, placeholder, placeholder, trial=trial.name, shape_text=spec.shape_text).result
        return _result(spec, session, compared.status, compared.findings[0].message if compared.findings else "",
                       findings=compared.findings, comparison=compared)
    yours = outcome.value.reshape(x.shape)
    dtype = outcome.dtype or "float64"
    if session.mode == "sampled":
        checked, wrong, evaluations = directional.sampled(x, yours, loss_along, count=SAMPLED_COUNT, dtype=dtype)
        escape = 1 - len(checked) / x.size
        info = Finding(kind="sampled", message=f"checked {len(checked)} of {x.size} coordinates one by one "
                       f"({evaluations} loss evaluations); a single wrong element escapes with probability "
                       f"{escape:.2g}", evidence={"checked": len(checked), "escape_probability": escape})
        return _verdict(spec, session, x, yours, wrong, info, loss_along, dtype, None)
    result = directional.check(x, yours, loss_along, dtype=dtype)
    info = Finding(kind="directional", message=(
        f"compared along {result.directions} random ±1 directions ({result.evaluations} loss evaluations "
        f"for {x.size} coordinates): any single element off by {result.detection_limit:.1e} of the largest is "
        f"caught; several wrong elements all cancelling in every direction has probability ≤ "
        f"{result.escape_probability:.1e}"),
        evidence={"directions": result.directions, "evaluations": result.evaluations,
                  "detection_limit": result.detection_limit, "escape_probability": result.escape_probability})
    return _verdict(spec, session, x, yours, result.wrong, info, loss_along, dtype, result.detection_limit)


def _verdict(spec, session, x, yours, wrong, info, loss_along, dtype, limit) -> DerivativeResult:
    trial = session.trials[0]
    if not wrong:
        comparison = TrialComparison(trial=trial.name, status="pass", expected_shape=tuple(x.shape),
                                     shape=tuple(yours.shape), dtype=dtype, compared=x.size)
        return _result(spec, session, "pass", "matches along every direction", warnings=(info,),
                       comparison=comparison, limit=limit)
    tester = directional._Tester(x, yours, loss_along, dtype)
    elements = []
    for flat in wrong[:5]:
        e = np.zeros(x.size)
        e[flat] = 1.0
        expected, error = tester.derivative(e.reshape(x.shape))
        index = tuple(int(i) for i in np.unravel_index(flat, x.shape))
        mine = float(yours.reshape(-1)[flat])
        elements.append(Element(trial=trial.name, index=index, expected=expected, yours=mine,
                                abs_error=abs(mine - expected), tolerance=4 * error))
    where = ", ".join(str(list(e.index)) for e in elements) + (" …" if len(wrong) > 5 else "")
    localized = Finding(kind="localized", message=f"{len(wrong)} wrong element{'s' if len(wrong) != 1 else ''} "
                        f"found by group testing: {where}", evidence={"indices": [list(e.index) for e in elements]})
    comparison = TrialComparison(trial=trial.name, status="fail", expected_shape=tuple(x.shape),
                                 shape=tuple(yours.shape), dtype=dtype, compared=x.size, failing=len(wrong),
                                 worst=tuple(elements))
    return _result(spec, session, "fail", f"{len(wrong)} wrong element(s) at {where}", findings=(localized,),
                   warnings=(info,), comparison=comparison, limit=limit)


def _result(spec, session, verdict, message, *, findings=(), warnings=(), comparison=None, limit=None):
    worst = comparison.worst if comparison is not None else ()
    return DerivativeResult(
        name=spec.name, title=spec.title, verdict=verdict, message=message, expected_shape=spec.shape_text,
        source=session.submission.source(spec.name), detection_limit=limit,
        max_abs_error=max((e.abs_error for e in worst), default=None),
        findings=tuple(findings), warnings=tuple(warnings), worst=worst,
        trials=(comparison,) if comparison is not None else (),
    )
