"""Plain data shared by every stage: what was checked and what was found.

Nothing here imports click or rich, and nothing here formats a report: renderers
read these objects, the CLI reads ``Report.verdict`` to pick the exit code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["pass", "fail", "error", "inconclusive"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """One thing gradcheck learned about a derivative.

    ``kind`` is a stable id (documented in the README); ``message`` is one
    sentence for a person; ``evidence`` holds the numbers behind it.
    """

    kind: str
    message: str
    term: str | None = None  #: loss-term id the finding is about, if any
    span: tuple[int, int] | None = None  #: [start, end) in the user's expression text
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class Element:
    """A compared element: where it is, what the reference says and what the user's code said."""

    trial: str
    index: tuple[int, ...]
    expected: float
    yours: float
    abs_error: float
    tolerance: float


@dataclass(frozen=True, kw_only=True, slots=True)
class TrialComparison:
    """The comparison of one derivative on one trial."""

    trial: str
    status: Literal["pass", "fail", "error", "inconclusive"]
    expected_shape: tuple[int, ...]
    shape: tuple[int, ...] | None = None  #: the user's result shape (None when it raised)
    dtype: str | None = None
    compared: int = 0  #: elements compared
    failing: int = 0  #: elements beyond tolerance (or not finite)
    skipped: int = 0  #: elements not compared because the loss is not finite there
    inconclusive: int = 0  #: elements whose reference is too noisy to decide (never counted as passing)
    detection_limit: float | None = None  #: smallest relative error (of the scale) caught in every decided element
    max_abs_error: float | None = None
    scale: float | None = None  #: largest |expected| on this trial
    worst: tuple[Element, ...] = ()
    findings: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class SuggestedFix:
    """The smallest edit of the user's own text that makes the derivative pass, verified."""

    before: str  #: the user's sub-expression that changes
    after: str  #: what to write instead
    expression_after: str  #: the whole corrected expression
    span: tuple[int, int]  #: where ``before`` is in the user's expression text
    edits: tuple[str, ...]  #: what was changed, in words
    passes: bool  #: re-checked with the full comparison on every trial (always True when reported)
    with_parts: tuple[str, ...] = ()  #: derivatives it uses that were taken from the finite differences


@dataclass(frozen=True, kw_only=True, slots=True)
class CodeExcerpt:
    """The user's function, for showing it with the wrong part highlighted."""

    path: str
    first_line: int
    text: str


@dataclass(frozen=True, kw_only=True, slots=True)
class DerivativeResult:
    """Everything known about one derivative of the submission, over all trials."""

    name: str  #: e.g. "dL_dZ"
    title: str  #: e.g. "∂L/∂Z"
    verdict: Verdict
    message: str  #: one-line summary
    expected_shape: str  #: e.g. "(1, N), like Z"
    source: str | None = None  #: the user's expression text, or "module.py: dL_dZ(Y, Z, N)"
    max_abs_error: float | None = None
    max_rel_error: float | None = None  #: max |yours − expected| / the derivative's scale
    detection_limit: float | None = None  #: any element off by this much (relative to the scale) is caught
    diverging_terms: tuple[str, ...] = ()
    term_verdicts: dict[str, str] = field(default_factory=dict, compare=False)  #: term id → right/wrong/unknown
    findings: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    worst: tuple[Element, ...] = ()
    trials: tuple[TrialComparison, ...] = ()
    suggested_fix: SuggestedFix | None = None
    span: dict[str, int | None] | None = None  #: {"line", "col", "end_col"} of the diverging part (1-based, end exclusive)
    code: CodeExcerpt | None = None

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"


@dataclass(frozen=True, kw_only=True, slots=True)
class TrialInfo:
    """What one trial's data looked like, so a report can say where an element lives."""

    name: str
    description: str
    dims: dict[str, int]


@dataclass(frozen=True, kw_only=True, slots=True)
class TermInfo:
    """An additive term of the loss, with a stable id."""

    id: str
    formula: str
    description: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Report:
    """The result of one ``gradcheck check``."""

    problem: str
    problem_title: str
    submission: str
    layout: str = ""  #: "columns" (samples as columns), "rows", or "" when the problem has no layouts
    seed: int
    verdict: Verdict
    derivatives: tuple[DerivativeResult, ...]
    trials: tuple[TrialInfo, ...]
    terms: tuple[TermInfo, ...]
    not_checked: tuple[str, ...] = ()  #: derivative names the submission does not provide
    command: str = ""  #: the command line that reproduces this report
    output: str = ""  #: what the submission printed while being checked (truncated)
    protections: tuple[str, ...] = ()  #: sandbox protections that were active (empty: ran in-process)
    notes: tuple[str, ...] = ()  #: about the run itself, e.g. a complex step that fell back to Richardson

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"


def overall_verdict(verdicts: list[Verdict] | tuple[Verdict, ...]) -> Verdict:
    """fail beats error beats inconclusive beats pass: a wrong result is the more useful news."""
    for verdict in ("fail", "error", "inconclusive"):
        if verdict in verdicts:
            return verdict
    return "pass"


GradeVerdict = Literal["pass", "fail", "error", "timeout", "memory", "crash"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Graded:
    """One graded submission of a batch (``gradcheck grade``)."""

    submission: str  #: path of the submission (the .py file, or the folder for a folder submission)
    entry: str | None  #: the .py file that was checked (None when none was found)
    verdict: GradeVerdict
    score: float  #: sum of the weights of the passing derivatives
    max_score: float  #: sum of the weights of the derivatives asked for
    message: str  #: one line: why it did not pass, or "all N derivatives pass"
    duration_s: float
    report: Report | None = None  #: the check's report (None when the submission could not be checked)
    weights: dict[str, float] = field(default_factory=dict)  #: derivative name → weight it is graded with
    missing: tuple[str, ...] = ()  #: required derivatives the submission does not define (count as failed)
    protections: tuple[str, ...] = ()  #: sandbox protections that were active, e.g. "rlimit-as"
    output: str = ""  #: what the submission printed (capped)
