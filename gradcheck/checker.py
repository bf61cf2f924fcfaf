"""Run a check: trials × derivatives → references, user values, comparisons, findings → Report."""
from __future__ import annotations

import shlex
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import problems
from .diagnose import patterns
from .diagnose.assembly import ComparisonJudge, TrialCase, check_assembly
from .diagnose.patterns import PatternTrial
from .diagnose.summary import summarize
from .diagnose.terms import TrialData
from .errors import GradcheckError, SubmissionError, SubmissionFailed
from .model import CodeExcerpt, DerivativeResult, Finding, Report, SuggestedFix, TrialInfo, overall_verdict
from .numerics.compare import compare
from .problems.base import Problem, Reference, Trial
from .submission.base import Outcome, Submission

DEFAULT_SEED = 0
DEFAULT_FIX_BUDGET = 2.0  # seconds for the suggested-fix search per derivative
SCALE_FLOOR = 1e-2  # a trial is judged relative to at least 1% of the derivative's typical (median) size


def load_submission(
    problem: Problem,
    path: str | Path | None = None,
    exprs: Sequence[str] = (),
    *,
    timeout: float | None = 10.0,
    pool=None,
) -> Submission:
    """A module file, ``--expr`` options, or expressions on top of a module.

    With a ``SandboxPool`` the module runs in a sandboxed child; without, in this process.
    """
    names = tuple(problem.derivatives)
    base = None
    if path is not None and pool is not None:
        base = pool.open(path, derivative_names=names, parameters=problem.parameters)
    elif path is not None:
        from .submission.module import ModuleSubmission

        base = ModuleSubmission(path, derivative_names=names, parameters=problem.parameters, timeout=timeout)
    if exprs:
        from .submission.expression_set import ExpressionSubmission

        return ExpressionSubmission(exprs, derivative_names=names, variables=problem.parameters, base=base)
    if base is None:
        raise SubmissionError("nothing to check: give a submission FILE.py or --expr NAME=EXPRESSION")
    return base


def run(
    problem: Problem,
    submission: Submission,
    *,
    seed: int = DEFAULT_SEED,
    command: str = "",
    fix_budget: float = DEFAULT_FIX_BUDGET,
    cache: ReferenceCache | None = None,
    method: str = "richardson",
    mode: str = "full",
    dims: dict[str, int] | None = None,
) -> Report:
    """Compare every derivative the submission provides with finite differences on seeded trials.

    A ``ReferenceCache`` shares the trials and their references between runs (grading a batch);
    ``method`` is the finite-difference method ("richardson" or "central"); ``mode`` "full"
    (every element), "directional" or "sampled" (see scale.py) or "auto"; ``dims`` sizes one trial.
    """
    from .numerics import finite_diff

    cache = cache if cache is not None else ReferenceCache(problem, seed, dims)
    session = _Session(problem, submission, cache, fix_budget, mode)
    with finite_diff.using(method=method):
        results = [session.check(name) for name in submission.provided]
        notes = tuple(dict.fromkeys(finite_diff.fallbacks()))
    return Report(
        problem=problem.name,
        problem_title=problem.title,
        submission=submission.description,
        layout=getattr(problem, "layout", ""),
        seed=seed,
        verdict=overall_verdict([r.verdict for r in results]),
        derivatives=tuple(results),
        trials=tuple(TrialInfo(name=t.name, description=t.description, dims=t.dims) for t in session.trials),
        terms=problem.terms,
        not_checked=tuple(n for n in problem.derivatives if n not in submission.provided),
        command=command,
        output=submission.captured_output(),
        protections=tuple(getattr(submission, "protections", ())),
        notes=notes,
    )


class ReferenceCache:
    """The seeded trials of a problem and their finite-difference references, computed once.

    With ``dims`` there is one trial, at those dimensions (checking at scale).
    """

    def __init__(self, problem: Problem, seed: int, dims: dict[str, int] | None = None):
        self.problem = problem
        rng = np.random.default_rng(seed)
        self.trials = [problem.trial_with(dims, rng)] if dims else problem.trials(rng)
        self._references: dict[tuple[str, str], Reference] = {}
        self._lock = threading.Lock()

    def reference(self, name: str, trial: Trial) -> Reference:
        if not any(trial is t for t in self.trials):  # a variant trial (e.g. labels flipped): not cached
            return self.problem.reference(name, trial)
        key = (name, trial.name)
        with self._lock:
            if key not in self._references:
                self._references[key] = self.problem.reference(name, trial)
            return self._references[key]


class _Session:
    """One run: the user's values computed once, the references shared through the cache."""

    def __init__(self, problem: Problem, submission: Submission, cache: ReferenceCache, fix_budget: float,
                 mode: str = "full"):
        self.problem, self.submission, self.fix_budget, self.mode = problem, submission, fix_budget, mode
        self.trials, self.reference = cache.trials, cache.reference
        self._outcomes: dict[tuple[str, str], Outcome] = {}
        self.verdicts: dict[str, str] = {}  #: derivatives checked so far (chain order: parts first)

    def outcome(self, name: str, trial: Trial) -> Outcome:
        key = (name, trial.name)
        if key not in self._outcomes:
            self._outcomes[key] = self.submission.evaluate(name, trial.values)
        return self._outcomes[key]

    def check(self, name: str) -> DerivativeResult:
        if self.mode != "full":
            from .scale import check_at_scale

            at_scale = check_at_scale(self, name)
            if at_scale is not None:
                self.verdicts[name] = at_scale.verdict
                return at_scale
        spec = self.problem.derivatives[name]
        expr = self.submission.expression(name)
        comparisons, term_data, pattern_data = [], [], []
        # The median, not the max: one saturated trial must not loosen every other trial.
        typical = float(np.median([np.nanmax(np.abs(self.reference(name, t).value), initial=0.0) for t in self.trials]))
        for trial in self.trials:
            reference = self.reference(name, trial)
            outcome = self.outcome(name, trial)
            compared = compare(outcome, reference.value, reference.error, trial=trial.name, shape_text=spec.shape_text,
                               scale_floor=SCALE_FLOOR * typical)
            comparisons.append(compared.result)
            env = self._env(expr, trial)
            term_data.append(TrialData(reference=reference, failing=compared.failing, values=env, yours=outcome.value))
            pattern_data.append((trial, reference, outcome, compared))
        extra: list[Finding] = []
        fix = None
        layout = self._layout_hint(name, comparisons)
        if layout is not None:
            extra.append(layout)
        if any(c.status == "fail" for c in comparisons):
            extra += self._patterns(name, spec, pattern_data, expr)
            assembly = self._assembly(name, spec)
            if assembly is not None:
                extra.append(assembly)
            if expr is not None and (assembly is None or assembly.kind != "inherited"):
                fix = self._fix(name, spec, expr)
        elif any(c.status == "error" for c in comparisons):
            assembly = self._assembly(name, spec)
            if assembly is not None and assembly.kind == "inherited":
                extra.append(assembly)
        result = summarize(
            spec,
            comparisons,
            term_data,
            self.problem.terms,
            source=self.submission.source(name),
            expression=expr,
            extra_findings=extra,
            fix=fix,
            locate=lambda span: self.submission.locate(name, span),
            code=self._code(name),
        )
        self.verdicts[name] = result.verdict
        return result

    def _layout_hint(self, name: str, comparisons) -> Finding | None:
        """When the shape is wrong, try the other layout: if the submission passes there, say so."""
        layout = getattr(self.problem, "layout", "")
        if layout not in problems.LAYOUTS or not any(f.kind == "shape" for c in comparisons for f in c.findings):
            return None
        other = problems.LAYOUTS[1 - problems.LAYOUTS.index(layout)]
        try:
            other_problem = problems.get(self.problem.name, layout=other)
        except GradcheckError:
            return None
        spec = other_problem.derivatives.get(name)
        if spec is None:
            return None
        for trial in other_problem.trials(np.random.default_rng(0)):
            reference = other_problem.reference(name, trial)
            outcome = self.submission.evaluate(name, trial.values)
            if compare(outcome, reference.value, reference.error, trial=trial.name,
                       shape_text=spec.shape_text).result.status != "pass":
                return None
        return Finding(kind="layout", message=f"this is right for samples as {other} ({spec.shape_text}): "
                                              f"try --layout {other}")

    def _env(self, expr, trial: Trial) -> dict[str, Any]:
        """The trial's data plus the user's own values of the derivatives ``expr`` uses."""
        env = dict(trial.values)
        for dep in expr.derivatives_used if expr is not None else ():
            env[dep] = self.outcome(dep, trial).value
        return env

    def _patterns(self, name, spec, pattern_data, expr) -> list[Finding]:
        variants = getattr(self.problem, "pattern_variants", None)
        trials = [
            PatternTrial(
                trial=trial,
                reference=reference,
                yours=outcome.value,
                tolerance=compared.tolerance if compared.tolerance is not None else reference.error,
                variants=variants(name, trial, self.reference) if variants else [],
            )
            for trial, reference, outcome, compared in pattern_data
        ]
        found = patterns.find(
            trials,
            [t.id for t in self.problem.terms] if spec.of_loss else [],
            {t.id: t.formula for t in self.problem.terms},
            expression=expr,
            swapped_roles=getattr(self.problem, "swapped_roles", ()),
        )
        return list(found.findings)

    def _cases(self, name: str) -> list[TrialCase]:
        return [TrialCase(name=t.name, values=t.values, reference=self.reference(name, t)) for t in self.trials]

    def _parts(self, name: str) -> list[str]:
        return [p for p in sorted(self.submission.uses(name)) if p in self.problem.derivatives]

    def _assembly(self, name: str, spec) -> Finding | None:
        parts = self._parts(name)
        if not parts:
            return None
        by_name = {t.name: t for t in self.trials}
        return check_assembly(
            spec.title,
            parts,
            {n: d.title for n, d in self.problem.derivatives.items()},
            self._cases(name),
            lambda case, replaced: self.submission.evaluate(name, case.values, parts=replaced),
            lambda part, case: self.reference(part, by_name[case.name]).value,
            spec.shape_text,
            wrong_parts=[p for p in parts if self.verdicts.get(p, "pass") != "pass"],
        )

    def _fix(self, name: str, spec, expr) -> SuggestedFix | None:
        """The smallest verified edit; an assembly is repaired with correct parts in place of the user's."""
        if self.fix_budget <= 0:
            return None
        from .diagnose.repair import suggest_fix

        parts = [p for p in expr.derivatives_used if p in self.problem.derivatives]
        envs = []
        for trial in self.trials:
            env = dict(trial.values)
            env.update({p: self.reference(p, trial).value for p in parts})
            envs.append(env)
        judge = ComparisonJudge(self._cases(name), envs, spec.shape_text)
        found = suggest_fix(
            expr,
            judge,
            variables=self.problem.parameters,
            derivatives=tuple(expr.derivatives_used),
            budget=self.fix_budget,
        )
        if found is None:
            return None
        return SuggestedFix(
            before=found.before,
            after=found.after,
            expression_after=found.expression_after,
            span=found.span,
            edits=tuple(found.edits),
            passes=True,
            with_parts=tuple(parts),
        )

    def _code(self, name: str) -> CodeExcerpt | None:
        source = self.submission.function_source(name)
        if source is None:
            return None
        return CodeExcerpt(path=source.path, first_line=source.first_line, text=source.code)


def check(
    path: str | Path | None = None,
    exprs: Sequence[str] = (),
    *,
    seed: int = DEFAULT_SEED,
    problem: str = "bce",
    timeout: float | None = 10.0,
    fix_budget: float = DEFAULT_FIX_BUDGET,
    sandbox: bool = False,
    memory: int | None = None,
    pool=None,
    layout: str | None = None,
    activation: str | None = None,
    method: str = "richardson",
    mode: str = "full",
    dims: dict[str, int] | None = None,
) -> Report:
    """The Python API: check a submission file and/or expressions; raises GradcheckError on bad input.

    ``timeout`` limits loading the module and each call of its functions, in seconds;
    ``fix_budget`` the search for a suggested fix, per derivative (0 turns it off).
    ``sandbox=True`` runs the module in a contained child process (untrusted code);
    a submission that then times out, crashes or runs out of memory raises SubmissionFailed.
    ``pool`` is a SandboxPool to use (already started); by default one is made and closed here.
    ``layout`` ("columns" or "rows") and ``activation`` are options of the problem;
    ``method`` the finite-difference method.
    """
    prob = problems.get(problem, layout=layout, activation=activation)
    command = reproduce_command(path, exprs, seed, problem, layout=layout, activation=activation,
                                method=None if method == "richardson" else method,
                                mode=None if mode == "full" else mode,
                                dims=",".join(f"{k}={v}" for k, v in dims.items()) if dims else None)
    if not sandbox or path is None:
        submission = load_submission(prob, path, exprs, timeout=timeout)
        return run(prob, submission, seed=seed, command=command, fix_budget=fix_budget, method=method,
                   mode=mode, dims=dims)
    from contextlib import nullcontext

    from .submission.sandbox import DEFAULT_MEMORY, SandboxCrash, SandboxPool, SandboxTimeout

    owned = pool is None
    if owned:
        pool = SandboxPool(jobs=1, memory=memory or DEFAULT_MEMORY, timeout=timeout or 10.0)
    with pool if owned else nullcontext(pool):
        try:
            submission = load_submission(prob, path, exprs, timeout=timeout, pool=pool)
            base = getattr(submission, "_base", None) or submission
            try:
                return run(prob, submission, seed=seed, command=command, fix_budget=fix_budget, method=method,
                           mode=mode, dims=dims)
            finally:
                base.close()
        except SandboxTimeout as exc:
            raise SubmissionFailed(str(exc), kind="timeout") from None
        except SandboxCrash as exc:
            raise SubmissionFailed(str(exc), kind="crash") from None


def reproduce_command(path, exprs: Sequence[str], seed: int, problem: str, **options: str | None) -> str:
    parts = ["gradcheck", "check"]
    if path is not None:
        parts.append(str(path))
    for e in exprs:
        parts += ["--expr", e]
    if problem != "bce":
        parts += ["--problem", problem]
    for key, value in options.items():
        if value is not None:
            parts += [f"--{key}", value]
    parts += ["--seed", str(seed)]
    return shlex.join(parts)
