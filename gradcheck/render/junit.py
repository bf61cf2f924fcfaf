"""JUnit XML for ``gradcheck grade``: one testsuite per submission, one testcase per derivative asked for.

A wrong gradient is a ``<failure>``; a derivative that could not be run (raised,
timed out, NaN, ...) or a required function the submission does not define is an
``<error>``; a submission that could not be checked at all is a single testcase
``load`` with an ``<error>``. The explanation is plain text in the element body
(GitLab shows the body, not the ``message`` attribute). Characters XML 1.0 cannot
carry (control characters other than tab/newline/CR, lone surrogates, U+FFFE/U+FFFF)
are removed from every attribute and text.

Also home of the compact plain-text explanation of one derivative (``explain``),
shared with the Gradescope and GitHub renderers.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Sequence

from ..model import DerivativeResult, Element, Graded, Report

OUTPUT_CAP = 64 * 1024  #: bytes of captured submission output kept in <system-out>

_ILLEGAL_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LABELS = {"shape": "shape", "nan": "NaN", "exception": "raised", "timeout": "timeout", "type": "type",
           "hint": "how to fix", "term_unknown": "term", "term": "term",
           "inherited": "assembly", "wrong_assembly": "assembly"}
_ERROR_KINDS = ("exception", "timeout", "nan", "type", "shape")


# ---------------------------------------------------------------- shared helpers

def xml_safe(text: object) -> str:
    """``text`` without the characters XML 1.0 cannot represent."""
    return _ILLEGAL_XML.sub("", str(text))


def one_line(text: str) -> str:
    return " ".join(text.split())


def title_of(name: str, report: Report | None) -> str:
    """``"∂L/∂W (dL_dW)"`` for a derivative of the report's problem, else the bare name."""
    title = None
    if report is not None:
        for d in report.derivatives:
            if d.name == name:
                title = d.title
        if title is None:
            try:
                from .. import problems

                title = problems.get(report.problem).derivatives[name].title
            except Exception:  # an unknown problem or name: the name alone is still right
                title = None
    return f"{title} ({name})" if title and title != name else name


def asked_for(g: Graded) -> list[tuple[str, DerivativeResult | None]]:
    """The derivatives a submission is graded on, in the problem's order: (name, result or None when missing)."""
    if g.report is None:
        return []
    rows: list[tuple[str, DerivativeResult | None]] = [(d.name, d) for d in g.report.derivatives]
    rows += [(name, None) for name in g.missing if name not in {d.name for d in g.report.derivatives}]
    # the grader's weights are in the problem's order; a missing one goes where it belongs
    order = {name: i for i, name in enumerate(g.weights)}
    return sorted(rows, key=lambda row: order.get(row[0], len(order)))


def missing_message(name: str) -> str:
    return f"{name} is required but the submission does not define it"


def problem_kind(d: DerivativeResult) -> str:
    """A stable id for what is wrong with a non-passing derivative (the first informative finding)."""
    kinds = [f.kind for f in d.findings if f.kind != "hint"]
    if d.verdict == "error":
        for kind in _ERROR_KINDS:
            if kind in kinds:
                return kind
        return kinds[0] if kinds else "error"
    return kinds[0] if kinds else "wrong_gradient"


def unexplained_failure(g: Graded) -> bool:
    """True when the submission did not pass but no derivative says why (e.g. a crash after checking)."""
    if g.verdict == "pass" or g.report is None:
        return False
    return not g.missing and all(d.passed for d in g.report.derivatives)


def _g(x: float | None, spec: str) -> str:
    if x is None:
        return "—"
    return format(x, spec) if math.isfinite(x) else str(x)


def _carets(start: int, end: int, indent: int) -> str:
    return " " * (indent + start) + "^" * max(1, end - start)


def _code_lines(d: DerivativeResult) -> list[str]:
    """The marked line of the user's file with carets, or the user's expression with carets."""
    span = d.span or {}
    code = d.code
    if code is not None and span.get("line"):
        index = span["line"] - code.first_line
        lines = code.text.split("\n")
        if 0 <= index < len(lines):
            text = lines[index].rstrip()
            out = [f"{code.path}, line {span['line']}:", f"    {text}"]
            if span.get("col") and span.get("end_col"):
                out.append(_carets(span["col"] - 1, span["end_col"] - 1, 4))
            return out
    if not d.source:
        return []
    spans = [f.span for f in d.findings if f.span]
    for f in d.findings:
        spans += [tuple(s) for s in f.evidence.get("spans", []) if tuple(s) not in spans]
    out = [f"yours: {d.source}"]
    if spans:
        marks = [" "] * len(d.source)
        for start, end in spans:
            for i in range(start, min(end, len(marks))):
                marks[i] = "^"
        out.append(" " * len("yours: ") + "".join(marks).rstrip())
    return out


def _worst(worst: Sequence[Element]) -> list[str]:
    head = ("trial", "index", "expected", "yours", "diff", "tolerance")
    rows = [head] + [
        (e.trial, str(list(e.index)), _g(e.expected, ".5g"), _g(e.yours, ".5g"),
         _g(e.abs_error, ".2g"), _g(e.tolerance, ".1g"))
        for e in worst
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["worst elements:"]
    for r in rows:
        cells = [r[i].ljust(widths[i]) if i < 2 else r[i].rjust(widths[i]) for i in range(len(head))]
        lines.append("    " + "  ".join(cells).rstrip())
    return lines


def explain(d: DerivativeResult, report: Report | None = None) -> str:
    """A compact plain-text explanation of one derivative: what is wrong, where, the findings,
    the suggested fix and the worst elements. For a passing derivative, one line."""
    lines = [f"{d.title} ({d.name}): {d.message}" if d.title != d.name else f"{d.name}: {d.message}"]
    if d.verdict == "pass":
        lines += [f"note: {w.message}" for w in d.warnings]
        return "\n".join(lines)
    lines.append(f"expected shape: {d.expected_shape}")
    if d.max_rel_error is not None:
        lines.append(f"max relative error: {_g(d.max_rel_error, '.2g')}")
    lines += _code_lines(d)
    if report is not None and any(v != "unknown" for v in d.term_verdicts.values()):
        formulas = {t.id: t.formula for t in report.terms}
        lines.append("loss terms: " + ", ".join(f"{formulas.get(t, t)} {v}" for t, v in d.term_verdicts.items()))
    for f in d.findings:
        ev = f.evidence
        if f.kind in ("term", "wrong_term", "dropped_term") and "formula" in ev:
            what = "missing term" if f.kind == "dropped_term" else "wrong term"
            detail = ev.get("description", "")
            if ev.get("isolated"):
                detail += f": {ev.get('failing')} of {ev['isolated']} such elements disagree"
            lines.append(f"{what} {ev['formula']}" + (f" ({detail})" if detail else ""))
            if ev.get("yours") is None and f.kind == "dropped_term":
                lines.append("    yours:     (no part of your expression belongs to this term)")
            elif ev.get("yours"):
                lines.append(f"    yours:     {ev['yours']}")
            for fragment in ev.get("not_finite", ()):
                lines.append(f"               {fragment} is NaN or inf")
            if ev.get("expected"):
                lines.append(f"    should be: {ev['expected']}")
            if ev.get("why"):
                lines.append(f"    because:   {ev['why']}")
            continue
        label = _LABELS.get(f.kind, "mistake")
        row = f"{label}: {f.message}"
        if label == "mistake":
            row += f" [{f.kind}]"
        trials = ev.get("trials")
        if trials and f.kind in _ERROR_KINDS:
            row += f" [trials: {', '.join(map(str, trials))}]"
        lines.append(row)
    fix = d.suggested_fix
    if fix is not None:
        lines.append(f"fix: {fix.before}  →  {fix.after}")
        checked = "passes on every trial"
        if fix.with_parts:
            checked += f" (with correct {', '.join(fix.with_parts)})"
        lines.append(f"    gives: {fix.expression_after}  ({checked})")
    lines += [f"note: {w.message}" for w in d.warnings]
    if d.worst:
        lines += _worst(d.worst)
    return "\n".join(lines)


# ---------------------------------------------------------------- JUnit

def _cap(text: str, limit: int = OUTPUT_CAP) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    kept = data[:limit].decode("utf-8", "ignore")
    return kept + f"\n[... {len(data) - limit} more bytes not shown]"


def _set(el: ET.Element, **attrs: object) -> None:
    for key, value in attrs.items():
        if value is not None:
            el.set(key, xml_safe(value))


def _seconds(x: float) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) and math.isfinite(x) and x >= 0 else "0"


def _problem(case: ET.Element, tag: str, message: str, kind: str, body: str) -> None:
    el = ET.SubElement(case, tag)
    _set(el, message=one_line(xml_safe(message)), type=f"gradcheck.{kind}")
    el.text = xml_safe(body)


def _suite(g: Graded) -> tuple[ET.Element, int, int, int]:
    suite = ET.Element("testsuite")
    cases: list[ET.Element] = []

    def case(name: str) -> ET.Element:
        el = ET.SubElement(suite, "testcase")
        _set(el, name=name, classname=g.submission, file=g.entry)
        cases.append(el)
        return el

    failures = errors = 0
    if g.report is None:
        el = case("load")
        reason = g.message or f"the submission could not be checked ({g.verdict})"
        _problem(el, "error", reason, g.verdict, reason)
        errors += 1
    else:
        for name, d in asked_for(g):
            el = case(title_of(name, g.report))
            if d is None:
                _problem(el, "error", missing_message(name), "missing", missing_message(name))
                errors += 1
            elif d.verdict == "fail":
                _problem(el, "failure", d.message, problem_kind(d), explain(d, g.report))
                failures += 1
            elif d.verdict == "error":
                _problem(el, "error", d.message, problem_kind(d), explain(d, g.report))
                errors += 1
        if unexplained_failure(g):
            el = case("submission")
            _problem(el, "error", g.message or g.verdict, g.verdict, g.message or g.verdict)
            errors += 1
    # gradcheck does not time derivatives one by one: each testcase gets an even share,
    # so that the suite's time is the submission's.
    share = g.duration_s / len(cases) if cases and isinstance(g.duration_s, (int, float)) else 0.0
    for el in cases:
        _set(el, time=_seconds(share))
    output = g.output or (g.report.output if g.report is not None else "")
    if output:
        ET.SubElement(suite, "system-out").text = _cap(xml_safe(output))
    _set(suite, name=g.submission, tests=len(cases), failures=failures, errors=errors,
         skipped=0, time=_seconds(g.duration_s))
    if g.entry:
        _set(suite, file=g.entry)
    return suite, len(cases), failures, errors


def to_junit(graded: Sequence[Graded]) -> str:
    """The JUnit XML document (a string, with an XML declaration) for a batch of graded submissions."""
    root = ET.Element("testsuites")
    tests = failures = errors = 0
    total = 0.0
    for g in graded:
        suite, t, f, e = _suite(g)
        root.append(suite)
        tests, failures, errors = tests + t, failures + f, errors + e
        if isinstance(g.duration_s, (int, float)) and math.isfinite(g.duration_s):
            total += g.duration_s
    _set(root, name="gradcheck", tests=tests, failures=failures, errors=errors, time=_seconds(total))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
