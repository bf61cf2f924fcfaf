"""pytest integration: ``assert_gradient`` for a course's own test suite.

Registered as a pytest11 entry point, so an installed gradcheck offers the
``assert_gradient`` fixture in any pytest run::

    def test_student_gradient(assert_gradient):
        assert_gradient("submissions/alice.py", "dL_dW")          # a path: runs in the sandbox
        assert_gradient(my_module, "dL_dZ")                        # an imported module: in-process
        assert_gradient(my_module.dL_dV, "dL_dV")                  # one function: in-process

On failure the assertion message is gradcheck's plain-text report for that derivative.
"""
from __future__ import annotations

import io
import types
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import pytest


def assert_gradient(
    target: Any,
    name: str,
    *,
    problem: str = "bce",
    seed: int = 0,
    sandbox: bool | None = None,
    fix_budget: float = 2.0,
) -> None:
    """Fail with gradcheck's report unless derivative ``name`` of ``target`` passes.

    ``target`` is a path to a submission (checked in the sandbox unless ``sandbox=False``),
    an imported module, or a single function (both checked in-process).
    """
    from . import problems
    from .checker import ReferenceCache, reproduce_command, run
    from .checker import check as check_path
    from .submission.module import ModuleSubmission

    if isinstance(target, (str, Path)):
        report = check_path(target, seed=seed, problem=problem, sandbox=sandbox is not False, fix_budget=fix_budget)
    else:
        prob = problems.get(problem)
        namespace = target if isinstance(target, types.ModuleType) else _functions_namespace(target, name)
        path = Path(getattr(namespace, "__file__", None) or _source_file(target))
        submission = ModuleSubmission(path, derivative_names=tuple(prob.derivatives), parameters=prob.parameters,
                                      namespace=namespace)
        report = run(prob, submission, seed=seed, command=reproduce_command(path, (), seed, problem),
                     fix_budget=fix_budget, cache=ReferenceCache(prob, seed))
    results = {d.name: d for d in report.derivatives}
    if name not in results:
        raise AssertionError(f"{name} is not defined by {target!r} (found: {', '.join(results) or 'none'})")
    result = results[name]
    if not result.passed:
        raise AssertionError(_plain_report(replace(report, derivatives=(result,), not_checked=())))


def _functions_namespace(function: Callable, name: str) -> types.SimpleNamespace:
    namespace = types.SimpleNamespace(**{name: function})
    namespace.__file__ = _source_file(function)
    return namespace


def _source_file(obj: Any) -> str:
    import inspect

    try:
        return inspect.getsourcefile(obj) or "<unknown>"
    except TypeError:
        return "<unknown>"


def _plain_report(report) -> str:
    from rich.console import Console

    from .render.console import render

    buffer = io.StringIO()
    render(report, Console(file=buffer, width=100, color_system=None, highlight=False))
    return "gradcheck:\n" + buffer.getvalue()


@pytest.fixture(name="assert_gradient")
def _assert_gradient_fixture() -> Callable[..., None]:
    """gradcheck's ``assert_gradient(target, name, ...)``."""
    return assert_gradient
