"""Turn one derivative's per-trial comparisons into a DerivativeResult with findings."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from ..model import DerivativeResult, Finding, TermInfo, TrialComparison, overall_verdict
from ..problems.base import DerivativeSpec
from . import terms as term_analysis
from .terms import TermEvidence, TrialData


def summarize(
    spec: DerivativeSpec,
    comparisons: Sequence[TrialComparison],
    term_data: Sequence[TrialData],
    loss_terms: Sequence[TermInfo],
    *,
    source: str | None,
    expression=None,
) -> DerivativeResult:
    verdict = overall_verdict([c.status for c in comparisons])
    findings = _merge([(c.trial, f) for c in comparisons for f in c.findings])
    warnings = _merge([(c.trial, w) for c in comparisons for w in c.warnings])
    if any(f.kind == "shape" for f in findings) and spec.hint:
        findings.append(Finding(kind="hint", message=spec.hint))

    evidence: dict[str, TermEvidence] = {}
    if spec.of_loss and verdict == "fail":
        ids = [t.id for t in loss_terms]
        evidence = term_analysis.by_data(term_data, ids)
        if expression is not None:
            comparable = [d for d in term_data if d.failing is not None]
            if comparable:
                for t, found in term_analysis.by_expression(expression, comparable, ids).items():
                    evidence[t] = replace(
                        evidence[t],
                        expression_verdict=found["verdict"],
                        user_text=tuple(found["texts"]),
                        spans=tuple(found["spans"]),
                    )
        findings.extend(_term_findings(spec, evidence, loss_terms))
    diverging = tuple(t for t, e in evidence.items() if e.verdict == "wrong")

    compared = [c for c in comparisons if c.max_abs_error is not None]
    max_abs = max((c.max_abs_error for c in compared), default=None)
    max_rel = max((c.max_abs_error / c.scale for c in compared if c.scale), default=None)
    worst = sorted((e for c in comparisons for e in c.worst), key=lambda e: -_key(e.abs_error))[:5]
    return DerivativeResult(
        name=spec.name,
        title=spec.title,
        verdict=verdict,
        message=_message(verdict, comparisons, findings, diverging, loss_terms),
        expected_shape=spec.shape_text,
        source=source,
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        diverging_terms=diverging,
        term_verdicts={t: e.verdict for t, e in evidence.items()},
        findings=tuple(findings),
        warnings=tuple(warnings),
        worst=tuple(worst),
        trials=tuple(comparisons),
    )


def _key(x: float) -> float:
    return x if x == x else float("inf")


def _merge(pairs: list[tuple[str, Finding]]) -> list[Finding]:
    """One finding per kind, keeping the first trial's message and listing every trial it appeared on."""
    first: dict[str, Finding] = {}
    trials: dict[str, list[str]] = {}
    for trial, f in pairs:
        first.setdefault(f.kind, f)
        trials.setdefault(f.kind, []).append(trial)
    return [replace(f, evidence={**f.evidence, "trials": trials[k]}) for k, f in first.items()]


def _term_findings(spec: DerivativeSpec, evidence: dict[str, TermEvidence], loss_terms) -> list[Finding]:
    out = []
    info = {t.id: t for t in loss_terms}
    for t, e in evidence.items():
        if e.verdict != "wrong":
            continue
        expected = spec.term_formulas.get(t)
        parts = [f"the {info[t].formula} term is wrong"]
        if e.expression_verdict == "missing":
            parts = [f"the {info[t].formula} term is missing: no part of your expression belongs to it"]
        elif e.user_text:
            parts.append(f"your part for it is {' + '.join(e.user_text)}")
        if e.isolated:
            parts.append(f"{e.failing} of {e.isolated} elements where only this term is active disagree")
        if expected:
            parts.append(f"its derivative should be {expected}")
        out.append(
            Finding(
                kind="term",
                message="; ".join(parts),
                term=t,
                span=e.spans[0] if e.spans else None,
                evidence={"isolated": e.isolated, "failing": e.failing, "spans": [list(s) for s in e.spans]},
            )
        )
    return out


def _message(verdict, comparisons, findings, diverging, loss_terms) -> str:
    n = len(comparisons)
    if verdict == "pass":
        return f"matches the finite differences on all {n} trials"
    formulas = {t.id: t.formula for t in loss_terms}
    parts = []
    if diverging:
        parts.append("wrong in the " + " and ".join(formulas[t] for t in diverging) + " term" + ("s" if len(diverging) > 1 else ""))
    by_kind = {}
    for f in findings:
        by_kind.setdefault(f.kind, f)
    bad = sum(c.status != "pass" for c in comparisons)
    if "shape" in by_kind:
        parts.append("shape problem: " + by_kind["shape"].message)
    if "nan" in by_kind:
        parts.append("not finite: " + by_kind["nan"].message)
    for kind in ("exception", "type"):
        if kind in by_kind:
            parts.append(f"{by_kind[kind].message} on {bad} of {n} trials")
    if not parts:
        failing = sum(c.failing for c in comparisons)
        compared = sum(c.compared for c in comparisons)
        parts.append(f"{failing} of {compared} elements differ from the finite differences ({bad} of {n} trials)")
    return "; ".join(parts)
