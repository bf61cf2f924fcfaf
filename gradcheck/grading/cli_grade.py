"""``gradcheck grade``: discovery, resume, durable result files, progress and the summary table.

Results are written as they arrive (JSON lines, fsynced), and every report file is
rewritten atomically at the end, after every submission's processes are gone, so
neither a crash of the grader nor a submission that tampers with files during the
run can leave a wrong or half-written report.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from ..errors import EXIT_FAIL, EXIT_PASS, GradcheckError
from ..model import Graded

VERDICT_STYLE = {"pass": "green", "fail": "red", "error": "yellow", "timeout": "magenta", "memory": "magenta",
                 "crash": "magenta"}


def run_grade(*, paths, entry, problem, layout, activation, seed, jobs, timeout, memory, sandbox, fix_budget, weights, require,
              json_path, junit_path, gradescope_path, github, resume) -> int:
    from ..grade import discover, grade
    from .results import ResultsWriter, read_done, write_atomic
    from .scoring import load_config, parse_weights

    config = load_config(Path(paths[0]).resolve())
    weight_map = {**config.get("weights", {}), **parse_weights(weights)}
    required = [n.strip() for n in require.split(",") if n.strip()] or list(config.get("require", []))
    targets = discover(paths, entry)
    if resume and not json_path:
        raise GradcheckError("--resume needs --json FILE (the results to resume from)")
    done = read_done(json_path) if resume and json_path and Path(json_path).exists() else {}
    todo = [t for t in targets if t.submission not in done]

    console = _console()
    writer = ResultsWriter(json_path, resume=bool(done)) if json_path else None
    lock = threading.Lock()
    progress = _progress(console, len(todo))

    def on_result(g: Graded) -> None:
        with lock:
            if writer is not None:
                writer.append(g)
            if progress is not None:
                progress.advance(progress.task_ids[0])

    try:
        if progress is not None:
            progress.start()
        graded = grade(
            todo, problem=problem, layout=layout, activation=activation, seed=seed, jobs=jobs or os.cpu_count() or 1, timeout=timeout, memory=memory,
            sandbox=sandbox, weights=weight_map, require=required, fix_budget=fix_budget, on_result=on_result,
        )
    finally:
        if progress is not None:
            progress.stop()
        if writer is not None:
            writer.close()

    everything = [*(_from_row(row) for row in done.values()), *graded]
    if json_path:
        ResultsWriter(json_path, resume=True).finalize([*done.values(), *graded])
    if junit_path:
        from ..render.junit import to_junit

        write_atomic(junit_path, to_junit(everything))
    if gradescope_path:
        from ..render.gradescope import to_gradescope

        write_atomic(gradescope_path, to_gradescope(everything))
    _summary(console, everything, github)
    return EXIT_PASS if all(g.verdict == "pass" for g in everything) else EXIT_FAIL


def _console():
    from ..render.console import make_console

    return make_console()


def _progress(console, total: int):
    if not console.is_terminal or total < 2:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, transient=True)
    progress.add_task("grading", total=total)
    return progress


def _from_row(row: dict) -> Graded:
    """A result read back from the JSON lines file (--resume): its verdict and score, no report."""
    return Graded(
        submission=str(row.get("submission")), entry=row.get("entry"), verdict=row.get("verdict", "error"),
        score=float(row.get("score") or 0.0), max_score=float(row.get("max_score") or 0.0),
        message=str(row.get("message", "")), duration_s=float(row.get("duration_s") or 0.0),
        weights=dict(row.get("weights") or {}), missing=tuple(row.get("missing") or ()),
        protections=tuple(row.get("protections") or ()),
    )


def _summary(console, graded: list[Graded], github: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    guard = None
    if github:
        from ..render.github import guard_output

        guard = guard_output("".join(g.submission + g.message for g in graded))
        print(guard[0], flush=True)  # submissions' names and messages below are not workflow commands
    table = Table(title=None, header_style="bold", show_edge=False)
    for column in ("submission", "verdict", "score", "reason"):
        table.add_column(column, overflow="fold")
    for g in graded:
        table.add_row(Text(g.submission), Text(g.verdict, style=VERDICT_STYLE.get(g.verdict, "")),
                      f"{g.score:g}/{g.max_score:g}", Text(g.message))  # Text: no markup from file names
    console.print(table)
    passed = sum(g.verdict == "pass" for g in graded)
    console.print(Text(f"{passed} of {len(graded)} submissions pass", style="bold"))
    if graded and graded[-1].protections:
        console.print(Text(f"sandbox: {', '.join(graded[-1].protections)}", style="dim"))
    if github:
        from ..render.github import annotations, step_summary, write_step_summary

        print(guard[1], flush=True)
        for line in annotations(graded):
            print(line)
        write_step_summary(step_summary(graded))
