"""Property: a random single edit of a correct expression is judged by what it computes.

If the edited expression still computes the right numbers on every trial, the check
must pass; if it computes something clearly different (or cannot be evaluated), the
check must fail. Either way the tool never crashes, and a suggested fix always passes.
"""
from __future__ import annotations

import ast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcheck import check
from gradcheck.errors import GradcheckError
from gradcheck.problems import get
from gradcheck.submission.expression import compile_expression

CORRECT = {
    "dL_dZ": "-(1/N)*(Y/Z - (1-Y)/(1-Z))",
    "dL_dV": "(Z - Y)/N",
    "dL_dW": "(Z - Y) @ X.T / N",
    "dZ_dV": "sigma(V)*(1 - sigma(V))",
    "dV_dW": "X",
}
PROBLEM = get("bce")
TRIALS = PROBLEM.trials(np.random.default_rng(0))
VARIABLES = PROBLEM.parameters


def _negate(node):
    return ast.UnaryOp(op=ast.USub(), operand=node)


def _transpose(node):
    return ast.Attribute(value=node, attr="T", ctx=ast.Load())


def _times_n(node):
    return ast.BinOp(left=node, op=ast.Mult(), right=ast.Name(id="N", ctx=ast.Load()))


def _first_operand(node):
    return node.left if isinstance(node, ast.BinOp) else node


def _swap(node):
    if isinstance(node, ast.BinOp):
        return ast.BinOp(left=node.right, op=node.op, right=node.left)
    return node


def _complement(node):
    return ast.BinOp(left=ast.Constant(1), op=ast.Sub(), right=node)


MUTATIONS = [_negate, _transpose, _times_n, _first_operand, _swap, _complement]


def mutate(text: str, index: int, mutation) -> str:
    tree = ast.parse(text, mode="eval")
    nodes = [n for n in ast.walk(tree.body) if isinstance(n, ast.expr)]
    target = nodes[index % len(nodes)]

    class Replace(ast.NodeTransformer):
        def visit(self, node):
            if node is target:
                return mutation(node)
            return self.generic_visit(node)

    return ast.unparse(ast.fix_missing_locations(Replace().visit(tree)))


def computes_the_same(name: str, text: str) -> bool | None:
    """True: same numbers on every trial; False: clearly different or not computable; None: too close to call."""
    good = compile_expression(name, CORRECT[name], variables=VARIABLES)
    try:
        mutant = compile_expression(name, text, variables=VARIABLES)
    except GradcheckError:
        return False
    verdicts = []
    for trial in TRIALS:
        expected = good.evaluate(trial.values)
        try:
            got = mutant.evaluate(trial.values)
        except Exception:
            return False
        if got.size != expected.size or not np.all(np.isfinite(got)):
            return False
        if got.shape != expected.shape:
            try:
                if np.broadcast_shapes(got.shape, expected.shape) != expected.shape:
                    return False
            except ValueError:
                return False
            got = got.reshape(expected.shape)
        with np.errstate(invalid="ignore"):
            deviation = np.max(np.abs(got - expected)) / np.max(np.abs(expected))
        verdicts.append(True if deviation < 1e-12 else False if deviation > 1e-6 else None)
    if all(v is True for v in verdicts):
        return True
    if any(v is False for v in verdicts):
        return False
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(CORRECT)),
    index=st.integers(min_value=0, max_value=40),
    mutation=st.sampled_from(MUTATIONS),
)
def test_a_single_edit_is_judged_by_what_it_computes(name, index, mutation):
    text = mutate(CORRECT[name], index, mutation)
    expected = computes_the_same(name, text)
    try:
        report = check(exprs=[f"{name}={text}"], fix_budget=0)
    except GradcheckError:
        assert expected is False  # refused (e.g. an exponent too large): never for a correct expression
        return
    verdict = report.derivatives[0].verdict
    if expected is True:
        assert verdict == "pass", (text, report.derivatives[0].message)
    elif expected is False:
        assert verdict in ("fail", "error"), text


@pytest.mark.parametrize("name, mutation, index", [
    ("dL_dZ", _complement, 5), ("dL_dW", _transpose, 3), ("dL_dV", _negate, 1), ("dZ_dV", _swap, 2),
])
def test_fixes_suggested_for_edits_pass_when_applied(name, mutation, index):
    text = mutate(CORRECT[name], index, mutation)
    report = check(exprs=[f"{name}={text}"])
    fix = report.derivatives[0].suggested_fix
    assert report.derivatives[0].verdict == "fail" and fix is not None, text
    again = check(exprs=[f"{name}={fix.expression_after}"], fix_budget=0)
    assert again.derivatives[0].verdict == "pass", (text, fix)
