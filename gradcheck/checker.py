"""Run a check: trials × derivatives → references, user values, comparisons, findings → Report."""
from __future__ import annotations

import shlex
from pathlib import Path
from typing import Sequence

import numpy as np

from . import problems
from .diagnose.summary import summarize
from .diagnose.terms import TrialData
from .errors import SubmissionError
from .model import Report, TrialInfo, overall_verdict
from .numerics.compare import compare
from .problems.base import Problem
from .submission.base import Outcome, Submission

DEFAULT_SEED = 0


def load_submission(
    problem: Problem, path: str | Path | None = None, exprs: Sequence[str] = (), *, timeout: float | None = 10.0
) -> Submission:
    """A module file, ``--expr`` options, or expressions on top of a module."""
    names = tuple(problem.derivatives)
    base = None
    if path is not None:
        from .submission.module import ModuleSubmission

        base = ModuleSubmission(path, derivative_names=names, parameters=problem.parameters, timeout=timeout)
    if exprs:
        from .submission.expression_set import ExpressionSubmission

        return ExpressionSubmission(exprs, derivative_names=names, variables=problem.parameters, base=base)
    if base is None:
        raise SubmissionError("nothing to check: give a submission FILE.py or --expr NAME=EXPRESSION")
    return base


def run(problem: Problem, submission: Submission, *, seed: int = DEFAULT_SEED, command: str = "") -> Report:
    """Compare every derivative the submission provides with finite differences on seeded trials."""
    trials = problem.trials(np.random.default_rng(seed))
    outcomes: dict[tuple[str, str], Outcome] = {}

    def outcome_of(name: str, trial) -> Outcome:
        key = (name, trial.name)
        if key not in outcomes:
            outcomes[key] = submission.evaluate(name, trial.values)
        return outcomes[key]

    results = []
    for name in submission.provided:
        spec = problem.derivatives[name]
        comparisons, term_data = [], []
        expr = submission.expression(name)
        for trial in trials:
            reference = problem.reference(name, trial)
            outcome = outcome_of(name, trial)
            compared = compare(outcome, reference.value, reference.error, trial=trial.name, shape_text=spec.shape_text)
            comparisons.append(compared.result)
            env = dict(trial.values)
            if expr is not None:  # the user's own values of the derivatives the expression uses
                for dep in expr.derivatives_used:
                    env[dep] = outcome_of(dep, trial).value
            term_data.append(TrialData(reference=reference, failing=compared.failing, values=env, yours=outcome.value))
        results.append(
            summarize(
                spec,
                comparisons,
                term_data,
                problem.terms,
                source=submission.source(name),
                expression=expr,
            )
        )
    return Report(
        problem=problem.name,
        problem_title=problem.title,
        submission=submission.description,
        seed=seed,
        verdict=overall_verdict([r.verdict for r in results]),
        derivatives=tuple(results),
        trials=tuple(TrialInfo(name=t.name, description=t.description, dims=t.dims) for t in trials),
        terms=problem.terms,
        not_checked=tuple(n for n in problem.derivatives if n not in submission.provided),
        command=command,
        output=submission.captured_output(),
    )


def check(
    path: str | Path | None = None,
    exprs: Sequence[str] = (),
    *,
    seed: int = DEFAULT_SEED,
    problem: str = "bce",
    timeout: float | None = 10.0,
) -> Report:
    """The Python API: check a submission file and/or expressions; raises GradcheckError on bad input.

    ``timeout`` limits loading the module and each call of its functions, in seconds.
    """
    prob = problems.get(problem)
    submission = load_submission(prob, path, exprs, timeout=timeout)
    return run(prob, submission, seed=seed, command=reproduce_command(path, exprs, seed, problem))


def reproduce_command(path, exprs: Sequence[str], seed: int, problem: str) -> str:
    parts = ["gradcheck", "check"]
    if path is not None:
        parts.append(str(path))
    for e in exprs:
        parts += ["--expr", e]
    if problem != "bce":
        parts += ["--problem", problem]
    parts += ["--seed", str(seed)]
    return shlex.join(parts)
