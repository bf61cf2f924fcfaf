"""Named mistake patterns, each verified numerically on every trial.

A pattern is a guess at what the user computed instead, built from the
finite-difference reference pieces of the same trial (never from a closed-form
answer key): −1 × the reference, c × the reference, its transpose, one loss
term's part alone, the problem's own variants (σ' left out, σ' twice, Y and 1−Y
exchanged, ...). A pattern is reported only when the user's values equal it on
every trial where they could be computed, to within the comparison's tolerance.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..model import Finding
from ..numerics.compare import broadcasts
from ..problems.base import Reference, Trial

MATCH_SLACK = 10.0  # a pattern is built from several references, each with its own error
PATTERN_RTOL = 1e-8  # of the pattern's own scale: a wrong guess is off by O(1), not by 1e-8
PATTERN_MAX_DEVIATION = 1e-4  # a match looser than this (a noisy reference's wide bars) names nothing
RATIO_DIGITS = 1e-6  # a fitted ratio must be constant (or track N) to this relative precision


@dataclass(frozen=True)
class PatternTrial:
    """One trial's inputs to the pattern search."""

    trial: Trial
    reference: Reference
    yours: np.ndarray | None  #: the user's float64 result as returned (any shape), None when it raised
    tolerance: np.ndarray  #: per-element tolerance of the comparison (expected shape)
    variants: list[tuple[str, str, np.ndarray]] = field(default_factory=list)  #: the problem's (kind, text, value)


@dataclass(frozen=True)
class Patterns:
    findings: tuple[Finding, ...]
    dropped_terms: frozenset[str]  #: loss terms whose part is entirely absent


def find(
    trials: Sequence[PatternTrial],
    term_ids: Sequence[str],
    term_formulas: dict[str, str],
    *,
    expression=None,
    swapped_roles: Sequence[str] = (),
) -> Patterns:
    usable = [t for t in trials if t.yours is not None and np.all(np.isfinite(t.yours))]
    if not usable:
        return Patterns((), frozenset())
    findings: list[Finding] = []

    def check(kind: str, candidate, describe, summary: str) -> bool:
        evidence = _matches(usable, candidate)
        if evidence is None:
            return False
        findings.append(Finding(kind=kind, message=describe(evidence), evidence={**evidence, "summary": summary}))
        return True

    flipped = check("sign_flip", lambda t: -t.reference.value,
                    lambda e: f"equals −1 × the reference{_to(e)}: the whole sign is flipped", "sign flipped")
    if flipped and expression is not None and _has_swapped_roles(expression, swapped_roles):
        findings.append(Finding(kind="labels_swapped",
                                message="the prediction and the label are exchanged: you subtract Z from Y "
                                "where Y is subtracted from Z (Y − Z instead of Z − Y)",
                                evidence={"summary": "Y − Z instead of Z − Y"}))
    if not flipped:
        _scale(usable, findings)
    check("transpose", lambda t: _transposed(t), lambda e: f"equals the transposed reference{_to(e)}: add .T",
          "transposed")

    dropped = set()
    if len(term_ids) > 1:
        for group in _proper_subsets(term_ids):  # single terms first: the smallest explanation
            found = _term_scale(usable, group)
            if found is None:
                continue
            scale, evidence = found
            name = " and ".join(term_formulas[t] for t in group)
            plural = "s" if len(group) > 1 else ""
            if abs(scale) < 1e-6:
                kind, text = "dropped_term", f"the {name} term{plural} missing".replace("term missing", "term is missing").replace("terms missing", "terms are missing")
                message = f"equals the reference without the {name} term{plural}{_to(evidence)}"
                dropped.update(group)
            else:
                kind, text = "wrong_term", f"the {name} term{plural} times {scale:.4g}"
                message = f"equals the reference with the {name} term{plural}' part times {scale:.4g}{_to(evidence)}"
            for term in group:
                findings.append(Finding(kind=kind, message=message, term=term,
                                        evidence={**evidence, "summary": text, "term_scale": scale}))
            break
    findings.extend(_nonzero_where_zero(usable))

    kinds = {v[0] for t in usable for v in t.variants}
    for kind in sorted(kinds):
        texts = {v[1] for t in usable for v in t.variants if v[0] == kind}
        for text in sorted(texts):
            check(kind, lambda t, k=kind, x=text: _variant(t, k, x), lambda e, x=text: f"{x}{_to(e)}", text)
    return Patterns(tuple(findings), frozenset(dropped))


def _proper_subsets(term_ids: Sequence[str]) -> list[tuple[str, ...]]:
    from itertools import combinations

    return [group for size in range(1, len(term_ids)) for group in combinations(term_ids, size)]


def _group_part(t: PatternTrial, group: Sequence[str]) -> np.ndarray | None:
    parts = [t.reference.terms.get(term) for term in group]
    return None if any(p is None for p in parts) else np.sum(parts, axis=0)


def _term_scale(trials: Sequence[PatternTrial], group: Sequence[str]) -> tuple[float, dict] | None:
    """yours = reference + (c − 1) × those terms' part, with one constant c ≠ 1 on every trial?"""
    cs = []
    for t in trials:
        part, yours = _group_part(t, group), _aligned(t)
        if part is None or yours is None:
            return None
        ok = np.isfinite(part) & np.isfinite(t.reference.value)
        if not np.any(part[ok]):
            continue  # the term is not active on this trial: says nothing about it
        rest = t.reference.value - part
        cs.append(float(np.dot((yours - rest)[ok], part[ok]) / np.dot(part[ok], part[ok])))
    if not cs or any(abs(c - cs[0]) > RATIO_DIGITS * max(1.0, abs(cs[0])) for c in cs) or abs(cs[0] - 1) < RATIO_DIGITS:
        return None
    c = round(cs[0], 6)
    evidence = _matches(trials, lambda t: t.reference.value + (c - 1) * _group_part(t, group))
    return (c, evidence) if evidence is not None else None


def _nonzero_where_zero(trials: Sequence[PatternTrial]) -> list[Finding]:
    """Where the derivative is exactly 0 (nothing in the loss depends on the entry), is yours not?"""
    zero = wrong = 0
    for t in trials:
        yours = _aligned(t)
        if yours is None:
            return []
        exact = t.reference.value == 0
        zero += int(exact.sum())
        wrong += int((exact & ~(np.abs(yours) <= t.tolerance)).sum())
    if not wrong:
        return []
    return [Finding(kind="nonzero_where_zero",
                    message=f"{wrong} of {zero} elements where the derivative is exactly 0 (the loss does not "
                            "depend on them: e.g. a ReLU mask or a zero label) are not 0 in yours",
                    evidence={"count": wrong, "zero_elements": zero, "summary": "non-zero where it must be 0"})]


def _to(evidence: dict) -> str:
    return f" to {evidence['max_deviation']:.0e} of its scale on all {evidence['trials']} trials"


def _variant(t: PatternTrial, kind: str, text: str) -> np.ndarray | None:
    for k, x, value in t.variants:
        if k == kind and x == text:
            return value
    return None


def _aligned(t: PatternTrial) -> np.ndarray | None:
    """The user's values in the expected shape, when they have it (or broadcast to it)."""
    shape = t.reference.value.shape
    if t.yours.shape == shape:
        return t.yours
    if t.yours.size == t.reference.value.size and broadcasts(t.yours.shape, shape):
        return t.yours.reshape(shape)
    return None


def _transposed(t: PatternTrial) -> np.ndarray | None:
    ref = t.reference.value
    return ref.T if ref.ndim == 2 else None


def _matches(trials: Sequence[PatternTrial], candidate) -> dict | None:
    """Evidence that the user's values equal candidate(trial) on every trial, or None."""
    worst = 0.0
    for t in trials:
        target = candidate(t)
        if target is None:
            return None
        target = np.asarray(target, dtype=np.float64)
        yours = t.yours if t.yours.shape == target.shape else _aligned(t)
        if yours is None or yours.shape != target.shape:
            return None
        ok = np.isfinite(target)
        if not ok.any():
            return None
        scale = max(float(np.max(np.abs(target[ok]))), float(np.max(np.abs(t.reference.value[np.isfinite(t.reference.value)]), initial=0.0)))
        tol = t.tolerance if t.tolerance.shape == target.shape else t.tolerance.T
        allowed = MATCH_SLACK * tol + PATTERN_RTOL * scale
        deviation = np.abs(yours - target)
        if not np.all(deviation[ok] <= allowed[ok]):
            return None
        worst = max(worst, float(np.max(deviation[ok])) / scale if scale else 0.0)
    if worst > PATTERN_MAX_DEVIATION:
        return None
    return {"max_deviation": worst, "trials": len(trials)}


def _scale(trials: Sequence[PatternTrial], findings: list[Finding]) -> None:
    """yours = r × reference with r constant, or r = N, 1/N, M, 1/M on every trial."""
    ratios = []
    for t in trials:
        yours, ref = _aligned(t), t.reference.value
        ok = np.isfinite(ref)
        if yours is None or not ok.any() or not np.any(ref[ok]):
            return
        r = float(np.dot(yours[ok], ref[ok]) / np.dot(ref[ok], ref[ok]))
        ratios.append(r)
    if all(abs(r - 1) < RATIO_DIGITS for r in ratios) or all(abs(r + 1) < RATIO_DIGITS for r in ratios):
        return
    named = _name_ratio(trials, ratios)
    if named is None:
        return
    evidence = _matches(trials, lambda t, rs=dict(zip((id(x) for x in trials), ratios)): rs[id(t)] * t.reference.value)
    if evidence is None:
        return
    findings.append(Finding(kind="scale", message=f"{named}: yours is a constant multiple of the reference{_to(evidence)}",
                            evidence={**evidence, "ratios": ratios, "summary": named}))


def _name_ratio(trials: Sequence[PatternTrial], ratios: list[float]) -> str | None:
    close = lambda a, b: abs(a - b) <= RATIO_DIGITS * max(abs(a), abs(b))
    for dim in ("N", "M"):
        sizes = [t.trial.dims.get(dim) for t in trials]
        if None in sizes or len(set(sizes)) < 2:
            continue
        if all(close(r, s) for r, s in zip(ratios, sizes)):
            return f"missing 1/{dim} (yours is {dim} × the reference)"
        if all(close(r, 1 / s) for r, s in zip(ratios, sizes)):
            return f"an extra 1/{dim} (yours is the reference divided by {dim})"
    if all(close(r, ratios[0]) for r in ratios):
        c = ratios[0]
        names = {2.0: "a factor 2 too many", 0.5: "a factor 1/2 too many (half the reference)",
                 -2.0: "a factor −2 (sign flipped and doubled)", -0.5: "a factor −1/2"}
        for value, text in names.items():
            if close(c, value):
                return text
        return f"a constant factor {c:.6g}"
    return None


def _has_swapped_roles(expression, texts: Sequence[str]) -> bool:
    """Does the user's expression subtract in one of the problem's swapped-roles spellings?"""
    try:
        tree = ast.parse(expression.text, mode="eval")
    except SyntaxError:
        return False
    wanted = {ast.unparse(ast.parse(t, mode="eval").body) for t in texts}
    return any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub) and ast.unparse(n) in wanted
               for n in ast.walk(tree))
