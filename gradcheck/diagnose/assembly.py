"""Derivatives assembled from the user's other derivatives, and judging candidate fixes.

``inherited``: an assembled derivative (``dL_dW = (dL_dZ*dZ_dV) @ X.T``, or a module
function that calls ``dL_dZ``) is evaluated again with the finite-difference
reference in place of its parts. If it then passes, the assembly is right and the
error comes from a part; if it still fails, the assembly itself is wrong.

``ComparisonJudge`` scores a candidate expression with the same comparison as the
check itself, on the same trials (and the same substituted parts), so a suggested
fix is verified exactly as the user's own code was judged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..model import Finding
from ..numerics.compare import Compared, compare
from ..problems.base import Reference
from ..submission.base import Outcome, to_outcome


@dataclass(frozen=True)
class TrialCase:
    """What a re-evaluation needs on one trial."""

    name: str
    values: Mapping[str, Any]
    reference: Reference


def _passes_all(outcomes: Sequence[Outcome], cases: Sequence[TrialCase], shape_text: str) -> bool:
    return all(
        compare(o, c.reference.value, c.reference.error, trial=c.name, shape_text=shape_text).result.status == "pass"
        for o, c in zip(outcomes, cases)
    )


def check_assembly(
    title: str,
    parts: Sequence[str],
    titles: Mapping[str, str],
    cases: Sequence[TrialCase],
    evaluate_with: Callable[[TrialCase, Mapping[str, np.ndarray]], Outcome],
    part_reference: Callable[[str, TrialCase], np.ndarray],
    shape_text: str,
    wrong_parts: Sequence[str] = (),
) -> Finding | None:
    """``inherited`` when correct parts make it pass (naming the parts at fault), else ``wrong_assembly``
    (which also names the parts already found wrong: both need fixing)."""
    if not parts:
        return None

    def passes_with(replaced: Sequence[str]) -> bool:
        outcomes = [evaluate_with(c, {p: part_reference(p, c) for p in replaced}) for c in cases]
        return _passes_all(outcomes, cases, shape_text)

    names = ", ".join(titles[p] for p in parts)
    if not passes_with(parts):
        also = ""
        if wrong_parts:
            verb = "is" if len(wrong_parts) == 1 else "are"
            also = f"; it also uses your {' and '.join(titles[p] for p in wrong_parts)}, which {verb} wrong too"
        return Finding(
            kind="wrong_assembly",
            message=f"the assembly itself is wrong: even with correct {names} (from finite differences) "
            f"{title} fails{also}",
            evidence={"parts": list(parts), "wrong_parts": list(wrong_parts)},
        )
    at_fault = [p for p in parts if passes_with([p])] or list(parts)
    blamed = " and ".join(titles[p] for p in at_fault)
    return Finding(
        kind="inherited",
        message=f"the assembly is right: with correct {names} (from finite differences) {title} passes "
        f"on all {len(cases)} trials; the error comes from your {blamed}",
        evidence={"parts": list(parts), "at_fault": at_fault},
    )


class ComparisonJudge:
    """Scores candidate expressions for the fix search (see repair.Judge)."""

    SCREEN_TRIALS = 2

    def __init__(self, cases: Sequence[TrialCase], envs: Sequence[Mapping[str, Any]], shape_text: str):
        self._cases, self._envs, self._shape_text = list(cases), list(envs), shape_text

    def _compare(self, candidate, i: int) -> Compared | None:
        try:
            value = candidate.evaluate(self._envs[i])
        except Exception:  # a candidate that cannot be evaluated is simply not a fix
            return None
        case = self._cases[i]
        return compare(to_outcome(value), case.reference.value, case.reference.error,
                       trial=case.name, shape_text=self._shape_text)

    def screen(self, candidate) -> float | None:
        worst = 0.0
        for i in range(min(self.SCREEN_TRIALS, len(self._cases))):
            c = self._compare(candidate, i)
            if c is None or c.failing is None or c.badness is None or not np.isfinite(c.badness):
                return None
            worst = max(worst, c.badness)
        return worst

    def passes(self, candidate) -> bool:
        for i in range(len(self._cases)):
            c = self._compare(candidate, i)
            if c is None or c.result.status != "pass":
                return False
        return True
