"""Batch grading: find the submissions, check each one (sandboxed, in parallel), score them.

Nothing here formats text or writes files; ``grade()`` hands every result to the
caller's ``on_result`` as soon as it is known, so the CLI can write it durably
before the next one finishes.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from . import problems
from .checker import DEFAULT_SEED, ReferenceCache, reproduce_command, run
from .errors import GradcheckError, SubmissionError
from .grading.scoring import score
from .model import Graded, GradeVerdict, Report

DEFAULT_ENTRY = "submission.py"


@dataclass(frozen=True)
class Target:
    """One submission: its path as the teacher named it, and the .py file to check (None: not found)."""

    submission: str
    entry: str | None
    problem: str = ""  #: why no entry was found


def discover(paths: Sequence[str | Path], entry: str | None = None) -> list[Target]:
    """Each .py file directly inside a folder is one submission; each sub-folder is one, with its
    entry file ``entry`` (default: its only .py file, else submission.py). A folder that holds the
    ``entry`` file itself is one submission (the Gradescope layout: /autograder/submission)."""
    targets: list[Target] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            targets.append(Target(str(path), str(path)))
        elif path.is_dir() and entry and (path / entry).is_file():
            targets.append(_folder_target(path, entry))
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and child.suffix == ".py":
                    targets.append(Target(str(child), str(child)))
                elif child.is_dir() and not child.name.startswith((".", "__")):
                    targets.append(_folder_target(child, entry))
        else:
            raise GradcheckError(f"{path}: no such file or folder")
    return targets


def _folder_target(folder: Path, entry: str | None) -> Target:
    if entry:
        candidate = folder / entry
        return Target(str(folder), str(candidate)) if candidate.is_file() else Target(
            str(folder), None, f"no {entry} in the folder")
    files = sorted(p for p in folder.glob("*.py") if p.is_file())
    if len(files) == 1:
        return Target(str(folder), str(files[0]))
    if (folder / DEFAULT_ENTRY).is_file():
        return Target(str(folder), str(folder / DEFAULT_ENTRY))
    why = "no .py file" if not files else f"{len(files)} .py files and no {DEFAULT_ENTRY} (use --entry)"
    return Target(str(folder), None, why)


def grade(
    targets: Sequence[Target],
    *,
    problem: str = "bce",
    seed: int = DEFAULT_SEED,
    jobs: int = 1,
    timeout: float = 10.0,
    memory: int | None = None,
    sandbox: bool = True,
    weights: dict[str, float] | None = None,
    require: Sequence[str] = (),
    fix_budget: float = 0.5,
    on_result: Callable[[Graded], None] = lambda g: None,
    layout: str | None = None,
    activation: str | None = None,
    method: str = "richardson",
) -> list[Graded]:
    """Grade every target; results come back in the targets' order (and to ``on_result`` as they finish)."""
    prob = problems.get(problem, layout=layout, activation=activation)
    options = {"layout": layout, "activation": activation}
    weights = dict(weights or {})
    score(None, weights=weights, require=require, known=tuple(prob.derivatives))  # unknown names: fail early
    cache = ReferenceCache(prob, seed)
    pool = None
    if sandbox:
        from .submission.sandbox import DEFAULT_MEMORY, SandboxPool

        pool = SandboxPool(jobs=jobs, memory=memory or DEFAULT_MEMORY, timeout=timeout)

    def one(target: Target) -> Graded:
        graded = _grade_one(target, prob, cache, pool, seed=seed, timeout=timeout, weights=weights,
                            require=require, fix_budget=fix_budget, options=options, method=method)
        on_result(graded)
        return graded

    try:
        if jobs <= 1 or len(targets) <= 1 or not sandbox:  # in-process code is not thread-safe to run in parallel
            return [one(t) for t in targets]
        with ThreadPoolExecutor(max_workers=jobs) as executor:
            return list(executor.map(one, targets))
    finally:
        if pool is not None:
            pool.close()


def _grade_one(target: Target, prob, cache: ReferenceCache, pool, *, seed, timeout, weights, require,
               fix_budget, options, method) -> Graded:
    start = time.monotonic()
    known = tuple(prob.derivatives)

    def result(verdict: GradeVerdict, message: str, report: Report | None = None, protections=()) -> Graded:
        points, max_points, used, missing = score(report, weights=weights, require=require, known=known)
        if verdict == "pass" and missing:
            verdict = "fail"
            message = f"missing {', '.join(missing)}"
        return Graded(
            submission=target.submission, entry=target.entry, verdict=verdict, score=points, max_score=max_points,
            message=message, duration_s=round(time.monotonic() - start, 4), report=report, weights=used,
            missing=missing, protections=tuple(protections),
            output=report.output if report is not None else "",
        )

    if target.entry is None:
        return result("error", target.problem)
    submission = None
    try:
        if pool is not None:
            submission = pool.open(target.entry, derivative_names=known, parameters=prob.parameters)
        else:
            from .submission.module import ModuleSubmission

            submission = ModuleSubmission(target.entry, derivative_names=known, parameters=prob.parameters,
                                          timeout=timeout)
        command = reproduce_command(target.entry, (), seed, prob.name, **options)
        report = run(prob, submission, seed=seed, command=command, fix_budget=fix_budget, cache=cache, method=method)
    except SubmissionError as exc:
        return result(_LOAD_VERDICTS.get(exc.kind, "error"), str(exc))
    except Exception as exc:  # the sandbox's own timeout/crash signals
        from .submission.sandbox import SandboxCrash, SandboxTimeout

        if isinstance(exc, SandboxTimeout):
            return result("timeout", str(exc), protections=getattr(submission, "protections", ()))
        if isinstance(exc, SandboxCrash):
            return result("crash", str(exc), protections=getattr(submission, "protections", ()))
        raise
    finally:
        if submission is not None and hasattr(submission, "close"):
            submission.close()
    return result(_verdict(report), _message(report), report, report.protections)


_LOAD_VERDICTS: dict[str, GradeVerdict] = {"error": "error", "crash": "crash", "timeout": "timeout", "memory": "memory"}


def _verdict(report: Report) -> GradeVerdict:
    """The check's verdict, sharpened: a derivative that ran out of time or memory says so."""
    kinds = [f for d in report.derivatives for f in d.findings]
    if any(f.kind == "timeout" for f in kinds):
        return "timeout"
    if any(f.kind == "exception" and f.message.startswith("MemoryError") for f in kinds):
        return "memory"
    if report.verdict == "inconclusive":  # could not be decided: not a pass, not the student's failure
        return "error"
    return report.verdict


def _message(report: Report) -> str:
    bad = [d for d in report.derivatives if d.verdict != "pass"]
    if not bad:
        n = len(report.derivatives)
        return f"all {n} derivative{'s' if n != 1 else ''} pass"
    return "; ".join(f"{d.name}: {d.message}" for d in bad)
