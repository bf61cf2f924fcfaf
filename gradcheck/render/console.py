"""The terminal report (rich). Colored on a terminal; plain when NO_COLOR is set or output is piped.

Order, for each failing derivative: what is wrong in one line, which loss term,
the user's own text with the wrong part marked, the numbers, a hint.
"""
from __future__ import annotations

import sys
from typing import IO

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..model import DerivativeResult, Element, Report

MARK = {"pass": ("✓", "green"), "fail": ("✗", "red"), "error": ("!", "yellow"), "inconclusive": ("?", "yellow")}
LABELS = {
    "shape": "shape", "nan": "NaN", "exception": "raised", "timeout": "timeout", "type": "type",
    "hint": "how to fix", "term_unknown": "term", "term": "term", "layout": "layout",
    "inherited": "assembly", "wrong_assembly": "assembly", "inconclusive": "undecided", "localized": "wrong at",
}  # every other kind is a named mistake pattern
SPAN_STYLE = "bold red underline"


# For terminals that cannot show the report's mathematics (an ASCII locale).
_ASCII = str.maketrans({"∂": "d", "σ": "sigma", "✓": "+", "✗": "x", "−": "-", "·": "*", "ᵀ": "^T",
                        "⊙": "*", "≈": "~", "Σ": "sum", "…": "...", "—": "-", "→": "->", "²": "^2"})


class _Transliterating:
    """A text stream that writes the report in the target encoding, never raising on a symbol."""

    def __init__(self, stream: IO[str]):
        self._stream, self.encoding = stream, stream.encoding

    def write(self, text: str) -> int:
        safe = text.translate(_ASCII).encode(self.encoding, "replace").decode(self.encoding)
        return self._stream.write(safe)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()


def make_console(file: IO[str] | None = None, *, width: int | None = None) -> Console:
    """Rich decides color from the terminal and NO_COLOR/FORCE_COLOR; no terminal means no escape codes."""
    stream = file if file is not None else sys.stdout
    if "utf" not in (getattr(stream, "encoding", None) or "utf-8").lower():
        stream = _Transliterating(stream)
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def render(report: Report, console: Console) -> None:
    console.print(_header(report), soft_wrap=True)
    console.print(_summary_table(report))
    for d in report.derivatives:
        if d.verdict != "pass":
            console.print(_details(d, report))
    notes = [(d, w) for d in report.derivatives if d.verdict == "pass" for w in d.warnings]
    if notes:
        console.print()
    for d, w in notes:
        console.print(Text(f"note {d.title}: {w.message}", style="yellow"))
    _footer(report, console)


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2g}"


def _header(report: Report) -> Text:
    t = Text()
    t.append("gradcheck ", style="bold")
    layout = f", samples as {report.layout}" if report.layout else ""
    t.append(f"· {report.problem}: {report.problem_title}{layout}\n", style="dim")
    t.append("submission: ", style="dim")
    t.append(report.submission + "\n")
    t.append(f"{len(report.trials)} trials (seed {report.seed}): ", style="dim")
    t.append(", ".join(tr.name for tr in report.trials), style="dim")
    return t


def _summary_table(report: Report) -> Table:
    table = Table(show_edge=False, box=None, pad_edge=False, padding=(0, 2), header_style="bold")
    table.add_column("")
    table.add_column("derivative")
    table.add_column("shape")
    table.add_column("max rel error", justify="right")
    table.add_column("verdict")
    for d in report.derivatives:
        mark, color = MARK[d.verdict]
        table.add_row(
            Text(mark, style=f"bold {color}"),
            Text(d.title, style="bold"),
            d.expected_shape.split(")")[0] + ")",
            _fmt(d.max_rel_error),
            Text(d.message, style=color if d.verdict != "pass" else "dim"),
        )
    for name in report.not_checked:
        table.add_row(Text("·", style="dim"), Text(name, style="dim"), "", "", Text("not provided", style="dim"))
    return table


def _details(d: DerivativeResult, report: Report) -> Group:
    mark, color = MARK[d.verdict]
    parts: list = [Text("")]
    head = Text()
    head.append(f"{mark} {d.title}", style=f"bold {color}")
    head.append(f"  expected shape {d.expected_shape}", style="dim")
    parts.append(head)
    if d.code is not None:
        parts.append(_code(d))
    elif d.source:
        parts.extend(_source(d))
    if any(v != "unknown" for v in d.term_verdicts.values()):
        line = Text("  loss terms: ")
        formulas = {t.id: t.formula for t in report.terms}
        for tid, verdict in d.term_verdicts.items():
            m, c = {"right": ("✓", "green"), "wrong": ("✗", "red")}.get(verdict, ("?", "yellow"))
            line.append(f"{formulas.get(tid, tid)} ", style="bold")
            line.append(f"{m}   ", style=f"bold {c}")
        parts.append(line)
    for f in d.findings:
        if f.kind in ("term", "wrong_term", "dropped_term") and "formula" in f.evidence:
            parts.extend(_term_finding(f))
            continue
        label = LABELS.get(f.kind, "mistake")
        row = Text()
        row.append(f"{label}: ", style="bold")
        row.append(f.message)
        if label == "mistake":
            row.append(f"  [{f.kind}]", style="dim")
        trials = f.evidence.get("trials")
        if trials and f.kind in ("shape", "nan", "exception", "timeout", "type"):
            row.append(f"  [trials: {', '.join(trials)}]", style="dim")
        parts.append(Padding(row, (0, 0, 0, 2)))
    if d.suggested_fix is not None:
        parts.extend(_fix(d))
    for w in d.warnings:
        parts.append(Padding(Text(f"note: {w.message}", style="yellow"), (0, 0, 0, 2)))
    if d.worst:
        parts.append(_worst_table(d.worst))
    return Group(*parts)


def _code(d: DerivativeResult) -> Group:
    """The user's function with line numbers, the diverging part styled and marked with carets."""
    code = d.code
    # Plain text, not Syntax: the Python lexer's regexes cost ~0.15 s to compile, more than the check.
    lines = [Text(line) for line in code.text.split("\n")]
    span = d.span or {}
    mark_line = span.get("line")
    rows = []
    for i, line in enumerate(lines):
        number = code.first_line + i
        row = Text(f"  {number:>4} │ ", style="dim")
        if number == mark_line and span.get("col") and span.get("end_col"):
            line.stylize(SPAN_STYLE, span["col"] - 1, span["end_col"] - 1)
        row.append_text(line)
        rows.append(row)
        if number == mark_line and span.get("col") and span.get("end_col"):
            width = span["end_col"] - span["col"]
            rows.append(Text(" " * (9 + span["col"] - 1) + "^" * width, style="bold red"))
    while rows and not rows[-1].plain.strip(" │0123456789"):
        rows.pop()
    return Group(*rows)


def _fix(d: DerivativeResult) -> list:
    fix = d.suggested_fix
    row = Text()
    row.append("fix: ", style="bold green")
    row.append(fix.before, style="red")
    row.append("  →  ")
    row.append(fix.after, style="bold green")
    rows = [Padding(row, (0, 0, 0, 2))]
    checked = "passes on every trial"
    if fix.with_parts:
        checked += f" (with correct {', '.join(fix.with_parts)})"
    rows.append(Padding(Text(f"gives: {fix.expression_after}   ✓ {checked}", style="green"), (0, 0, 0, 7)))
    return rows


def _term_finding(f) -> list:
    """A wrong loss term as a small block: which term, yours, what it should be, and why."""
    ev = f.evidence
    head = Text()
    head.append("✗ missing term " if f.kind == "dropped_term" else "✗ wrong term ", style="bold red")
    head.append(ev["formula"], style="bold")
    head.append(f"  ({ev['description']}")
    if ev.get("isolated"):
        head.append(f": {ev['failing']} of {ev['isolated']} such elements disagree")
    head.append(")")
    rows = [head]
    if ev.get("yours") is None and f.kind == "dropped_term":
        rows.append(Text("yours:     (no part of your expression belongs to this term)", style="red"))
    elif ev.get("yours"):
        rows.append(Text(f"yours:     {ev['yours']}"))
    for fragment in ev.get("not_finite", ()):
        rows.append(Text(f"           {fragment} is NaN or inf", style="red"))
    if ev.get("expected"):
        rows.append(Text(f"should be: {ev['expected']}", style="green"))
    if ev.get("why"):
        rows.append(Text(f"because:   {ev['why']}", style="dim"))
    return [Padding(rows[0], (0, 0, 0, 2))] + [Padding(r, (0, 0, 0, 4)) for r in rows[1:]]


def _source(d: DerivativeResult) -> list[Text]:
    """The user's text, with diverging spans styled and underlined with carets (visible without color)."""
    spans = [s for f in d.findings for s in ([f.span] if f.span else [])]
    for f in d.findings:
        spans += [tuple(s) for s in f.evidence.get("spans", []) if tuple(s) not in spans]
    prefix = "  yours: "
    text = Text(prefix)
    text.append(d.source)
    if not spans:
        return [text]
    marks = [" "] * len(d.source)
    for start, end in spans:
        text.stylize(SPAN_STYLE, len(prefix) + start, len(prefix) + end)
        for i in range(start, min(end, len(marks))):
            marks[i] = "^"
    carets = Text(" " * len(prefix) + "".join(marks).rstrip(), style="bold red")
    return [text, carets]


def _worst_table(worst: tuple[Element, ...]) -> Table:
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim")
    for col in ("  trial", "index", "expected", "yours", "diff", "tolerance"):
        left = col in ("  trial", "index")
        table.add_column(col, justify="left" if left else "right", no_wrap=True)
    for e in worst:
        table.add_row(
            f"  {e.trial}",
            str(list(e.index)),
            f"{e.expected:.5g}",
            f"{e.yours:.5g}",
            f"{e.abs_error:.2g}",
            f"{e.tolerance:.1g}",
        )
    return table


def _footer(report: Report, console: Console) -> None:
    console.print()
    if report.verdict == "pass":
        n = len(report.derivatives)
        what = "the derivative matches" if n == 1 else f"all {n} derivatives match"
        limits = [d.detection_limit for d in report.derivatives if d.detection_limit is not None]
        limit = f" (any element off by {max(limits):.0e} of its derivative's scale would be caught)" if limits else ""
        console.print(Text(f"✓ {what} the finite differences{limit}", style="bold green"))
    elif report.verdict == "inconclusive":
        console.print(Text("? nothing differs, but some elements could not be decided (see above)", style="bold yellow"))
    else:
        bad = [d.title for d in report.derivatives if d.verdict != "pass"]
        console.print(Text(f"✗ {len(bad)} of {len(report.derivatives)} wrong: {', '.join(bad)}", style="bold red"))
    if report.output:
        console.print(Text(f"the submission printed {len(report.output)} characters (shown with --format json)", style="dim"))
    for note in report.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    if report.protections:
        console.print(Text(f"sandbox: {', '.join(report.protections)}", style="dim"))
    console.print(Text(f"reproduce: {report.command}", style="dim"), soft_wrap=True)  # copy-pasteable
