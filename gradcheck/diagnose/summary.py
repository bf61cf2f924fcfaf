"""Turn one derivative's per-trial comparisons into a DerivativeResult with findings."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from ..model import CodeExcerpt, DerivativeResult, Finding, SuggestedFix, TermInfo, TrialComparison, overall_verdict
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
    extra_findings: Sequence[Finding] = (),
    fix: SuggestedFix | None = None,
    locate: Callable[[tuple[int, int]], dict | None] = lambda span: None,
    code: CodeExcerpt | None = None,
) -> DerivativeResult:
    """Verdict, findings (comparison, loss terms, patterns, assembly), fix and where to point."""
    verdict = overall_verdict([c.status for c in comparisons])
    findings = _merge([(c.trial, f) for c in comparisons for f in c.findings])
    warnings = _merge([(c.trial, w) for c in comparisons for w in c.warnings])
    skipped = sum(c.skipped for c in comparisons)
    if skipped:
        total = skipped + sum(c.compared for c in comparisons)
        where = [c.trial for c in comparisons if c.skipped]
        warnings.append(Finding(kind="skipped", message=f"{skipped} of {total} elements not compared: the loss is not "
                                f"smooth or not finite within a finite-difference step there (e.g. a ReLU kink)",
                                evidence={"count": skipped, "trials": where}))
    if any(f.kind == "shape" for f in findings) and spec.hint:
        findings.append(Finding(kind="hint", message=spec.hint))

    evidence: dict[str, TermEvidence] = {}
    shape_problem = any(f.kind == "shape" for f in findings)
    term_patterns = {f.term: f for f in extra_findings if f.kind in ("dropped_term", "wrong_term") and f.term}
    # Loss terms are judged from values; where the shape is wrong on some trials, that is the news.
    if (spec.of_loss and len(loss_terms) > 1 and verdict == "fail" and any(c.failing for c in comparisons)
            and not shape_problem):
        evidence = _term_evidence(term_data, loss_terms, expression)
        for t, pattern in term_patterns.items():  # a term found scaled or missing by its pattern is wrong
            evidence[t] = replace(evidence[t], pattern=pattern)
        findings.extend(_term_findings(spec, evidence, loss_terms, shape_problem=shape_problem))
    # A term pattern is told once, by the term finding, which then carries the pattern's kind.
    findings.extend(f for f in extra_findings if f.term not in term_patterns or f.term not in evidence)
    diverging = tuple(t for t, e in evidence.items() if e.verdict == "wrong")

    undecided = sum(c.inconclusive for c in comparisons)
    if undecided:
        findings.append(Finding(
            kind="inconclusive",
            message=f"{undecided} elements cannot be decided: the finite-difference reference is too noisy there "
                    "(its error bound exceeds 1e-6 of the scale). The loss may be ill-conditioned at that point "
                    "(e.g. log(1 − z) with z within 1e-9 of 1: write it with log1p or logaddexp) or not smooth; "
                    "another --seed or a stable form of the loss would help",
            evidence={"count": undecided, "trials": [c.trial for c in comparisons if c.inconclusive]}))
    limits = [c.detection_limit for c in comparisons if c.detection_limit is not None]
    compared = [c for c in comparisons if c.max_abs_error is not None]
    max_abs = max((c.max_abs_error for c in compared), default=None)
    max_rel = max((c.max_abs_error / c.scale for c in compared if c.scale), default=None)
    # The worst element of each failing trial, in trial order: ordinary data first, saturated last.
    worst = [c.worst[0] for c in comparisons if c.worst][:5]
    return DerivativeResult(
        name=spec.name,
        title=spec.title,
        verdict=verdict,
        message=_message(verdict, comparisons, findings, diverging, loss_terms),
        expected_shape=spec.shape_text,
        source=source,
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        detection_limit=max(limits) if limits else None,
        diverging_terms=diverging,
        term_verdicts={t: e.verdict for t, e in evidence.items()},
        findings=tuple(findings),
        warnings=tuple(warnings),
        worst=tuple(worst),
        trials=tuple(comparisons),
        suggested_fix=fix,
        span=_span(findings, fix, locate),
        code=code,
    )


def _span(findings: Sequence[Finding], fix: SuggestedFix | None, locate) -> dict | None:
    """Where the diverging part is: the wrong term, else the failing operation, else what the fix changes."""
    for kinds in (("wrong_term", "dropped_term", "term"), ("shape", "exception", "nan")):
        for f in findings:
            if f.kind in kinds and f.span:
                return locate(tuple(f.span))
    return locate(fix.span) if fix else None


def _term_evidence(term_data, loss_terms, expression) -> dict[str, TermEvidence]:
    """Data isolation first; the expression's own terms, where they can be placed, refine it."""
    ids = [t.id for t in loss_terms]
    evidence = term_analysis.by_data(term_data, ids)
    comparable = [d for d in term_data if d.failing is not None]
    if expression is not None and comparable:
        for t, part in term_analysis.by_expression(expression, comparable, ids).items():
            evidence[t] = replace(
                evidence[t],
                expression_verdict=part.verdict,
                user_text=part.texts,
                spans=part.spans,
                not_finite=part.not_finite,
            )
    return evidence


def _merge(pairs: list[tuple[str, Finding]]) -> list[Finding]:
    """One finding per kind, keeping the first trial's message and listing every trial it appeared on."""
    first: dict[str, Finding] = {}
    trials: dict[str, list[str]] = {}
    for trial, f in pairs:
        first.setdefault(f.kind, f)
        trials.setdefault(f.kind, []).append(trial)
    return [replace(f, evidence={**f.evidence, "trials": trials[k]}) for k, f in first.items()]


def _term_findings(
    spec: DerivativeSpec,
    evidence: dict[str, TermEvidence],
    loss_terms,
    *,
    shape_problem: bool,
) -> list[Finding]:
    """One finding per wrong term; when no term can be told apart, say so (unless the shape is the news).

    Kind: ``dropped_term`` when the term's part is absent, ``wrong_term`` when it is the only
    wrong term and the others are verified right, ``term`` otherwise.
    """
    out = []
    info = {t.id: t for t in loss_terms}
    wrong = [t for t, e in evidence.items() if e.verdict == "wrong"]
    others_right = all(e.verdict == "right" for t, e in evidence.items() if t not in wrong)
    for t, e in evidence.items():
        if e.verdict != "wrong":
            continue
        missing = e.expression_verdict == "missing" or (e.pattern is not None and e.pattern.kind == "dropped_term")
        kind = "dropped_term" if missing else "wrong_term" if (len(wrong) == 1 and others_right) or e.pattern else "term"
        facts = {
            "formula": info[t].formula,
            "description": info[t].description,
            "yours": " + ".join(e.user_text) or None,
            "expected": spec.term_formulas.get(t),
            "why": spec.term_reasons.get(t),
            "not_finite": list(e.not_finite),
            "isolated": e.isolated,
            "failing": e.failing,
            "spans": [list(s) for s in e.spans],
        }
        name = f"the {info[t].formula} term ({info[t].description})"
        parts = [f"{name} is missing: no part of your result belongs to it" if missing else f"{name} is wrong"]
        if facts["yours"]:
            parts.append(f"your part for it is {facts['yours']}")
        if e.not_finite:
            parts.append(f"{' and '.join(e.not_finite)} is not finite (NaN or inf)")
        if e.pattern is not None and not missing:
            parts.append(e.pattern.evidence["summary"])
        if e.isolated:
            parts.append(f"{e.failing} of {e.isolated} elements where only this term is active disagree")
        if facts["expected"]:
            parts.append(f"it should be {facts['expected']}")
        out.append(
            Finding(
                kind=kind,
                message="; ".join(parts),
                term=t,
                span=e.spans[0] if e.spans else None,
                evidence=facts,
            )
        )
    if evidence and all(e.verdict == "unknown" for e in evidence.values()) and not shape_problem:
        out.append(
            Finding(
                kind="term_unknown",
                message="which loss term is wrong cannot be told from the data: every compared element "
                "mixes several terms",
            )
        )
    return out


def _message(verdict, comparisons, findings, diverging, loss_terms) -> str:
    """One short line; the findings carry the detail."""
    n = len(comparisons)
    if verdict == "pass":
        return f"matches on all {n} trials"
    if verdict == "inconclusive":
        return f"no element differs, but {sum(c.inconclusive for c in comparisons)} cannot be decided (noisy reference)"
    formulas = {t.id: t.formula for t in loss_terms}
    kinds = {f.kind: f for f in findings}
    # a named mistake says more than which terms it touches
    parts = [f.evidence["summary"] for f in findings if "summary" in f.evidence][:1]
    if diverging and not parts:
        terms = " and ".join(formulas[t] for t in diverging)
        parts.append(f"wrong in the {terms} term" + ("s" if len(diverging) > 1 else ""))
    if "shape" in kinds:
        parts.append(f"wrong shape on {len(kinds['shape'].evidence.get('trials', ()))} of {n} trials")
    if "nan" in kinds:
        parts.append("NaN or inf in the result")
    what = {"exception": lambda f: "raises " + f.message.split(":")[0], "timeout": lambda f: "too slow",
            "type": lambda f: "returns no numbers"}
    for kind, describe in what.items():
        if kind in kinds:
            parts.append(f"{describe(kinds[kind])} on {len(kinds[kind].evidence.get('trials', ()))} of {n} trials")
    failing = sum(c.failing for c in comparisons)
    if failing and not diverging and not parts:
        compared = sum(c.compared for c in comparisons)
        trials = sum(1 for c in comparisons if c.failing)
        parts.append(f"{failing} of {compared} compared elements differ ({trials} of {n} trials)")
    return "; ".join(parts)
