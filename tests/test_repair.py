"""suggest_fix: the smallest verified edit that makes a wrong --expr pass, on real numpy data."""
from __future__ import annotations

import ast
import random
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcheck.diagnose.repair import Fix, suggest_fix
from gradcheck.mathfn import sigmoid
from gradcheck.submission.expression import Expression, compile_expression

VARIABLES = frozenset({"W", "X", "Y", "V", "Z", "N", "M"})
SHAPES = ((3, 5), (4, 2), (4, 4))  # (M, N): the screening trial has M != N; the last has M == N

DL_DZ = "-(1/N)*(Y/Z - (1-Y)/(1-Z))"
DZ_DV = "sigma(V)*(1 - sigma(V))"
DL_DV = "(Z - Y)/N"
DL_DW = "(Z - Y) @ X.T / N"
CHAIN = {"dL_dZ": DL_DZ, "dZ_dV": DZ_DV}  # given derivatives, for dL_dW written with them


class NumpyJudge:
    """Compares a candidate with a correct expression on a few random perceptron trials."""

    def __init__(self, name: str, reference: str, given: dict[str, str] | None = None, seed: int = 0):
        self.name, self.given = name, dict(given or {})
        rng = np.random.default_rng(seed)
        self.envs = [self._trial(rng, m, n) for m, n in SHAPES]
        correct = self.compile(reference)
        self.references = [np.asarray(correct.evaluate(env)) for env in self.envs]
        self.screens = self.full_checks = 0

    def _trial(self, rng: np.random.Generator, m: int, n: int) -> dict:
        W, X = rng.normal(size=(1, m)), rng.normal(size=(m, n))
        Y = rng.integers(0, 2, size=(1, n)).astype(np.float64)
        V = W @ X
        env = {"W": W, "X": X, "Y": Y, "V": V, "Z": sigmoid(V), "N": n, "M": m}
        for name, text in self.given.items():
            env[name] = compile_expression(name, text, variables=VARIABLES).evaluate(env)
        return env

    def compile(self, text: str) -> Expression:
        return compile_expression(self.name, text, variables=VARIABLES, derivatives=self.given)

    def badness(self, candidate: Expression, trial: int) -> float | None:
        try:
            yours = np.asarray(candidate.evaluate(self.envs[trial]), dtype=np.float64)
        except Exception:
            return None
        reference = self.references[trial]
        if yours.shape != reference.shape or not np.all(np.isfinite(yours)):
            return None
        tolerance = 1e-8 * np.max(np.abs(reference)) + 1e-12
        return float(np.max(np.abs(yours - reference)) / tolerance)

    def screen(self, candidate: Expression) -> float | None:
        self.screens += 1
        return self.badness(candidate, 0)

    def passes(self, candidate: Expression) -> bool:
        self.full_checks += 1
        scores = [self.badness(candidate, trial) for trial in range(len(self.envs))]
        return all(score is not None and score <= 1.0 for score in scores)


def repair(judge: NumpyJudge, text: str, budget: float = 2.0) -> Fix | None:
    return suggest_fix(judge.compile(text), judge, variables=VARIABLES, derivatives=judge.given,
                       budget=budget)


def assert_sound(fix: Fix, judge: NumpyJudge, text: str) -> None:
    """Everything a Fix promises: its pieces fit the user's text, and the result passes."""
    text = text.strip()
    start, end = fix.span
    assert text[start:end] == fix.before
    assert fix.expression_after == text[:start] + fix.after + text[end:]
    assert 1 <= len(fix.edits) <= 2
    assert judge.passes(judge.compile(fix.expression_after))


# --------------------------------------------------------------------------- the usual slips


def test_seed_is_fixed_by_dropping_the_spurious_one_minus():
    text = "-(1/N)*(Y*(1/Z) + (1-Y)*(1 - 1/(Z-1)))"
    judge = NumpyJudge("dL_dZ", DL_DZ)
    fix = repair(judge, text)
    assert fix is not None
    assert_sound(fix, judge, text)
    assert (fix.before, fix.after) == ("1 - 1/(Z-1)", "1/(Z-1)")
    assert fix.expression_after == "-(1/N)*(Y*(1/Z) + (1-Y)*(1/(Z-1)))"  # the user's formatting kept
    assert fix.edits == ("replace (1 - 1/(Z-1)) by its right operand 1/(Z-1)",)


def test_missing_transpose_with_given_derivatives():
    text = "dL_dZ*dZ_dV @ X"
    judge = NumpyJudge("dL_dW", "dL_dZ*dZ_dV @ X.T", given=CHAIN)
    fix = repair(judge, text)
    assert fix is not None
    assert_sound(fix, judge, text)
    assert (fix.before, fix.after, fix.expression_after) == ("X", "X.T", "dL_dZ*dZ_dV @ X.T")


def test_missing_one_over_n_is_inserted_at_the_top():
    text = "(Z-Y) @ X.T"
    judge = NumpyJudge("dL_dW", DL_DW)
    fix = repair(judge, text)
    assert fix is not None
    assert_sound(fix, judge, text)
    assert fix.expression_after == "(Z-Y) @ X.T / N"
    assert fix.edits == ("divide ((Z-Y) @ X.T) by N",)


def test_wrong_sign_prefers_swapping_the_difference():
    text = "(Y-Z)/N"
    judge = NumpyJudge("dL_dV", DL_DV)
    fix = repair(judge, text)
    assert fix is not None
    assert_sound(fix, judge, text)
    assert (fix.before, fix.after, fix.expression_after) == ("Y-Z", "Z - Y", "(Z - Y)/N")


def test_dropped_term_gives_a_passing_fix_or_none():
    text = "-(1/N)*Y/Z"  # the (1-y) term is missing: no edit of the catalogue adds it
    judge = NumpyJudge("dL_dZ", DL_DZ)
    fix = repair(judge, text)
    if fix is not None:
        assert_sound(fix, judge, text)


def test_sigma_prime_twice_needs_both_factors_dropped():
    text = "(Z-Y)*Z*(1-Z)/N"
    judge = NumpyJudge("dL_dV", DL_DV)
    fix = repair(judge, text)
    assert fix is not None
    assert_sound(fix, judge, text)
    assert len(fix.edits) == 2


def test_forgotten_sigma_prime_and_repeated_one():
    judge = NumpyJudge("dZ_dV", DZ_DV)
    fix = repair(judge, "sigma(V)")
    assert fix is not None and fix.expression_after == "sigma(V) * (1 - sigma(V))"
    text = "sigma(V)*(1-sigma(V))*(1-sigma(V))"
    fix = repair(judge, text)
    assert fix is not None
    assert_sound(fix, judge, text)
    assert (fix.before, fix.after) == ("sigma(V)*(1-sigma(V))", "sigma(V)")  # the smaller change


@pytest.mark.parametrize(("text", "expected"), [
    ("np.sigmoid(V)", "np.sigmoid(V) * (1 - np.sigmoid(V))"),  # σ forgotten, numpy spelling kept
    ("Z", "Z * (1 - Z)"),
    ("sigma_prime(V)*(1 - sigma(V))", "sigma_prime(V)"),  # an extra factor: the shortest fix drops it
    ("Z*(1-Z)*(1-Z)", "Z*(1-Z)"),
])
def test_sigma_spellings(text, expected):
    judge = NumpyJudge("dZ_dV", DZ_DV)
    fix = repair(judge, text)
    assert fix is not None
    assert_sound(fix, judge, text)
    assert fix.expression_after == expected


def test_two_edits_are_found_within_budget():
    text = "(Y-Z) @ X / N"  # wrong sign and a missing transpose; M != N on the screening trial
    judge = NumpyJudge("dL_dW", DL_DW)
    started = time.perf_counter()
    fix = repair(judge, text, budget=2.0)
    assert time.perf_counter() - started < 2.3
    assert fix is not None
    assert_sound(fix, judge, text)
    assert len(fix.edits) == 2
    assert fix.before == "(Y-Z) @ X"  # the smallest sub-expression holding both edits
    assert fix.expression_after == "(Z - Y) @ X.T / N"


def test_a_passing_expression_gets_no_fix():
    judge = NumpyJudge("dL_dZ", DL_DZ)
    assert repair(judge, DL_DZ) is None
    assert judge.screens == 0


def test_user_spacing_outside_the_change_is_kept():
    text = "(Z  -  Y)   @   X.T"
    judge = NumpyJudge("dL_dW", DL_DW)
    fix = repair(judge, text)
    assert fix is not None
    assert_sound(fix, judge, text)
    assert fix.expression_after.startswith("(Z  -  Y)   @   X.T")


def test_splice_adds_parentheses_when_precedence_needs_them():
    text = "-(1/N)*(Y/Z - Y/(1-Z))"  # y where 1 - y belongs, inside a quotient
    judge = NumpyJudge("dL_dZ", DL_DZ)
    fix = repair(judge, text)
    assert fix is not None
    assert_sound(fix, judge, text)
    assert (fix.before, fix.after) == ("Y", "(1 - Y)")
    assert fix.expression_after == "-(1/N)*(Y/Z - (1 - Y)/(1-Z))"
    assert fix.edits == ("replace Y by 1 - Y",)


def test_time_budget_respected_on_a_60_node_expression():
    text = random_expression(random.Random(7), 60)
    nodes = sum(isinstance(n, ast.expr) for n in ast.walk(ast.parse(text, mode="eval")))
    assert nodes == 60
    judge = NumpyJudge("dL_dZ", DL_DZ)
    for budget in (0.5, 2.0):
        started = time.perf_counter()
        fix = repair(judge, text, budget=budget)
        assert time.perf_counter() - started < budget + 0.3
        if fix is not None:
            assert_sound(fix, judge, text)


def random_expression(rng: random.Random, size: int) -> str:
    """An elementwise expression of about ``size`` nodes over (1, N) data: it always evaluates."""
    if size <= 1:
        return rng.choice(["Y", "Z", "V", "N", "2"])
    if size == 2:
        return f"-{random_expression(rng, 1)}"
    if size == 3 or rng.random() < 0.1:
        return f"sigma({random_expression(rng, size - 2)})"
    left = rng.randint(1, size - 2)
    op = rng.choice(["+", "-", "*"])
    return f"({random_expression(rng, left)} {op} {random_expression(rng, size - 1 - left)})"


# --------------------------------------------------------------------------- property


CORRECT = (("dL_dZ", DL_DZ), ("dL_dW", DL_DW), ("dZ_dV", DZ_DV))
MUTATIONS = ("negate", "transpose", "divide", "left", "right", "swap", "complement")
JUDGES = {name: NumpyJudge(name, text) for name, text in CORRECT}


def mutate(text: str, index: int, mutation: str) -> str:
    """One slip at the index-th node, written independently of the module under test."""
    tree = ast.parse(text, mode="eval")
    nodes = [n for n in ast.walk(tree.body) if isinstance(n, ast.expr)]
    target = nodes[index % len(nodes)]

    class Mutator(ast.NodeTransformer):
        def visit(self, node):
            if node is not target:
                return self.generic_visit(node)
            if mutation == "left" and isinstance(node, ast.BinOp):
                return node.left
            if mutation == "right" and isinstance(node, ast.BinOp):
                return node.right
            if mutation == "swap" and isinstance(node, ast.BinOp):
                return ast.BinOp(node.right, node.op, node.left)
            if mutation == "transpose":
                return ast.Attribute(node, "T", ast.Load())
            if mutation == "divide":
                return ast.BinOp(node, ast.Div(), ast.Name("N", ast.Load()))
            if mutation == "complement" and isinstance(node, ast.Name) and node.id in ("Y", "Z"):
                return ast.BinOp(ast.Constant(1), ast.Sub(), node)
            return ast.UnaryOp(ast.USub(), node)

    return ast.unparse(Mutator().visit(tree))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CORRECT), index=st.integers(0, 40), mutation=st.sampled_from(MUTATIONS))
def test_random_single_slips_never_raise_and_fixes_pass(case, index, mutation):
    name, correct = case
    judge = JUDGES[name]
    text = mutate(correct, index, mutation)
    try:
        judge.compile(text)
    except Exception:
        return  # e.g. a transposed function name: not an expression a user could submit
    fix = repair(judge, text, budget=0.5)
    if fix is not None:
        assert_sound(fix, judge, text)
