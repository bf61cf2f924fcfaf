"""GitHub Actions output for ``gradcheck grade``: error annotations, the job summary, and a guard
for echoing untrusted submission output.

Annotations: at most ``limit - 1`` for non-passing derivatives (and submissions that
could not be checked), then one summary annotation, always last. Each submission's
worst problem comes first, then each one's second worst, and so on, so that a small
limit still covers as many submissions as possible; within a submission, the
submission-level problem first, then wrong derivatives by relative error (largest
first), then those without one (errors, missing functions). Values are escaped as
the workflow-command parser expects, so a submission's text cannot inject commands.
"""
from __future__ import annotations

import math
import os
import secrets
from typing import Sequence

from ..model import Graded
from .junit import asked_for, explain, missing_message, title_of, unexplained_failure

MESSAGE_CAP = 4000  #: characters of explanation per annotation (GitHub truncates long ones anyway)


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: object) -> str:
    """``::kind prop=value,...::message`` with every part escaped; None properties are left out."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def _cap(text: str) -> str:
    return text if len(text) <= MESSAGE_CAP else text[: MESSAGE_CAP - 1] + "…"


def _problems(g: Graded) -> list[str]:
    """This submission's annotations, worst first."""
    if g.verdict == "pass":
        return []
    if g.report is None:
        return [command("error", _cap(g.message or g.verdict), file=g.entry,
                        title=f"{g.submission}: could not be checked ({g.verdict})")]
    ranked: list[tuple[tuple, str]] = []
    if unexplained_failure(g):
        ranked.append(((0, 0.0), command("error", _cap(g.message or g.verdict), file=g.entry,
                                         title=f"{g.submission}: {g.verdict}")))
    for name, d in asked_for(g):
        title = f"{g.submission}: {title_of(name, g.report)}"
        if d is None:
            ranked.append(((2, 0.0), command("error", missing_message(name), file=g.entry, title=title)))
            continue
        if d.passed:
            continue
        rel = d.max_rel_error
        known = rel is not None and not (isinstance(rel, float) and math.isnan(rel))
        key = (1, -rel) if known else (2, 0.0)
        line = (d.span or {}).get("line")
        ranked.append((key, command("error", _cap(explain(d, g.report)), file=g.entry, line=line, title=title)))
    ranked.sort(key=lambda item: item[0])  # stable: report order among equals
    return [text for _, text in ranked]


def annotations(graded: Sequence[Graded], limit: int = 10) -> list[str]:
    """Workflow commands: up to ``limit - 1`` problem annotations, then one summary annotation."""
    if limit < 1:
        raise ValueError("limit must be at least 1 (the summary annotation)")
    per_submission = [_problems(g) for g in graded]
    out: list[str] = []
    depth = max((len(p) for p in per_submission), default=0)
    for rank in range(depth):
        for problems in per_submission:
            if rank < len(problems) and len(out) < limit - 1:
                out.append(problems[rank])
    failed = sum(1 for g in graded if g.verdict != "pass")
    if failed:
        out.append(command("error", f"{failed} of {len(graded)} submissions did not pass", title="gradcheck"))
    else:
        out.append(command("notice", f"all {len(graded)} submissions pass", title="gradcheck"))
    return out


def _cell(text: object) -> str:
    s = " ".join(str(text).split())
    s = s.replace("\\", "\\\\").replace("|", "\\|")
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _score(g: Graded) -> str:
    if not (math.isfinite(g.score) and math.isfinite(g.max_score)):
        return "—"
    return f"{g.score:g} / {g.max_score:g}"


def step_summary(graded: Sequence[Graded]) -> str:
    """A markdown job summary: a heading and a table submission | verdict | score | reason."""
    passed = sum(1 for g in graded if g.verdict == "pass")
    lines = [
        f"### gradcheck: {passed} of {len(graded)} submissions pass",
        "",
        "| submission | verdict | score | reason |",
        "| --- | --- | --- | --- |",
    ]
    for g in graded:
        lines.append(f"| {_cell(g.submission)} | {_cell(g.verdict)} | {_cell(_score(g))} | {_cell(g.message)} |")
    return "\n".join(lines) + "\n"


def write_step_summary(text: str) -> None:
    """Append ``text`` to the file named by $GITHUB_STEP_SUMMARY; nothing when it is not set."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    with open(path, "a", encoding="utf-8", errors="replace") as f:
        f.write(text if text.endswith("\n") else text + "\n")


def guard_output(text: str) -> tuple[str, str]:
    """``(start, end)`` lines to print around untrusted ``text`` so that the runner does not
    interpret anything in it as a workflow command: ``::stop-commands::TOKEN`` … ``::TOKEN::``.
    The token is fresh and random (and never one that occurs in ``text``)."""
    token = secrets.token_hex(16)
    while token in text:  # practically never; but a guard the text could close would be no guard
        token = secrets.token_hex(16)
    return f"::stop-commands::{token}", f"::{token}::"
