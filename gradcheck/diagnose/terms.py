"""Which loss term a wrong derivative gets wrong.

Two independent lines of evidence:

1. Data: an element of a loss derivative where only one term's reference is
   non-zero (a sample with y = 1 has no (1−y)·log(1−z) part; a trial where every
   y = 1 has none at all) tests that term alone. A term diverges when such an
   element fails.
2. Expression: an ``--expr`` is split into additive terms (constant factors such
   as −(1/N) distributed); each user term whose values are non-zero only where
   one loss term is active belongs to that loss term, and their sum is compared
   with that term's own finite-difference derivative. That points at the user's
   sub-expression that is wrong, or says that a term has no sub-expression at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..numerics.compare import DEFAULT_RTOL, broadcasts
from ..problems.base import Reference


@dataclass(frozen=True, kw_only=True)
class TermEvidence:
    """What the data say about one loss term of one derivative."""

    term: str
    isolated: int = 0  #: elements (over all trials) where only this term is active
    failing: int = 0  #: of those, how many fail
    user_text: tuple[str, ...] = ()  #: the user's sub-expressions that make up this term
    spans: tuple[tuple[int, int], ...] = ()
    expression_verdict: str | None = None  #: "right", "wrong" or "missing" (expression analysis)
    not_finite: tuple[str, ...] = ()  #: the user's sub-expressions that are NaN or inf
    pattern: Any = None  #: a dropped_term / wrong_term pattern finding about this term

    @property
    def verdict(self) -> str:
        if self.expression_verdict in ("wrong", "missing") or self.failing or self.pattern is not None:
            return "wrong"
        if self.expression_verdict == "right" or self.isolated:
            return "right"
        return "unknown"


@dataclass(frozen=True, kw_only=True)
class TrialData:
    """One trial's inputs to the term analysis."""

    reference: Reference
    failing: np.ndarray | None  #: per-element failure mask, None when not comparable
    values: Mapping[str, Any] = field(default_factory=dict)  #: env for evaluating expression terms
    yours: np.ndarray | None = None  #: the user's result on this trial


@dataclass(frozen=True, kw_only=True)
class ExpressionPart:
    """The user's sub-expressions that make up one loss term, and whether they are right."""

    verdict: str  #: "right", "wrong" or "missing"
    texts: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()
    not_finite: tuple[str, ...] = ()


def active_terms(reference: Reference, term_ids: Sequence[str]) -> np.ndarray:
    """Boolean (T, *shape): where each term's own derivative is non-zero."""
    return np.stack([np.asarray(reference.terms[t]) != 0 for t in term_ids])


def by_data(trials: Sequence[TrialData], term_ids: Sequence[str]) -> dict[str, TermEvidence]:
    isolated = dict.fromkeys(term_ids, 0)
    failing = dict.fromkeys(term_ids, 0)
    for trial in trials:
        if trial.failing is None:
            continue
        active = active_terms(trial.reference, term_ids)
        alone = active.sum(axis=0) == 1
        if trial.yours is not None and trial.yours.size == alone.size:
            # NaN spreads across terms (0·NaN is NaN), so a non-finite element is no evidence about its term.
            alone = alone & np.isfinite(trial.yours.reshape(alone.shape))
        for i, t in enumerate(term_ids):
            only = active[i] & alone
            isolated[t] += int(only.sum())
            failing[t] += int((only & trial.failing).sum())
    return {t: TermEvidence(term=t, isolated=isolated[t], failing=failing[t]) for t in term_ids}


def by_expression(expression, trials: Sequence[TrialData], term_ids: Sequence[str]) -> dict[str, ExpressionPart]:
    """Map the user's additive terms to loss terms and check each group; {} when not possible."""
    user_terms = expression.terms
    values: list[list[np.ndarray]] = []  # [trial][user term]
    try:
        for trial in trials:
            shape = trial.reference.value.shape
            row = []
            for term in user_terms:
                v = np.asarray(expression.evaluate_term(term, trial.values), dtype=np.float64)
                row.append(np.broadcast_to(v, shape) if v.size in (1, int(np.prod(shape))) and broadcasts(v.shape, shape) else None)
            if any(v is None for v in row) or not _adds_up(row, trial.yours, shape):
                return {}
            values.append(row)
    except Exception:  # a term that cannot be evaluated on its own: no expression-level evidence
        return {}

    # Which loss term does each user term belong to? Look where it is finite and non-zero.
    owner: list[str | None] = []
    not_finite: list[int] = []
    for j in range(len(user_terms)):
        if not all(np.all(np.isfinite(row[j])) for row in values):
            not_finite.append(j)
            owner.append(None)
            continue
        seen: set[str] = set()
        for trial, row in zip(trials, values):
            active = active_terms(trial.reference, term_ids)
            alone = active.sum(axis=0) == 1
            for i, t in enumerate(term_ids):
                if np.any((row[j] != 0) & active[i] & alone):
                    seen.add(t)
        if len(seen) != 1:
            return {}  # this user term mixes loss terms (e.g. Z − Y): no clean split
        owner.append(seen.pop())

    def text(j: int) -> str:
        return user_terms[j].full_text or user_terms[j].text

    def span(j: int) -> tuple[int, int]:
        return (user_terms[j].span.start, user_terms[j].span.end)

    out: dict[str, ExpressionPart] = {}
    for t in term_ids:
        members = [j for j, o in enumerate(owner) if o == t]
        if not members:
            out[t] = ExpressionPart(verdict="missing")
            continue
        right = True
        for trial, row in zip(trials, values):
            ref = trial.reference
            mine = sum(row[j] for j in members)
            scale = float(np.nanmax(np.abs(ref.value), initial=0.0))
            ok = np.isfinite(ref.terms[t])
            tol = ref.error + DEFAULT_RTOL * scale
            with np.errstate(invalid="ignore"):
                if not np.all(np.abs(mine - ref.terms[t])[ok] <= tol[ok]):
                    right = False
                    break
        out[t] = ExpressionPart(
            verdict="right" if right else "wrong",
            texts=tuple(text(j) for j in members),
            spans=tuple(span(j) for j in members),
        )
    # Sub-expressions that are not finite cannot be placed by where they are non-zero; when exactly
    # one loss term is left unexplained, they are its part, and it is wrong.
    if not_finite:
        unexplained = [t for t in term_ids if out[t].verdict != "right"]
        if len(unexplained) != 1:
            return {}
        t = unexplained[0]
        out[t] = ExpressionPart(
            verdict="wrong",
            texts=out[t].texts + tuple(text(j) for j in not_finite),
            spans=out[t].spans + tuple(span(j) for j in not_finite),
            not_finite=tuple(user_terms[j].text for j in not_finite),
        )
    return out


def _adds_up(row: list[np.ndarray], yours: np.ndarray | None, shape: tuple[int, ...]) -> bool:
    """The terms must add up to what the user's code returned, or they explain nothing."""
    if yours is None or yours.size != int(np.prod(shape)):
        return False
    total = np.sum(row, axis=0)
    mine = yours.reshape(shape)
    scale = float(np.nanmax(np.abs(mine), initial=0.0)) or 1.0
    with np.errstate(invalid="ignore"):
        return bool(np.all((np.abs(total - mine) <= 1e-9 * scale) | (np.isnan(total) & np.isnan(mine))))
