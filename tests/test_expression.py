"""The --expr language: what it evaluates, what it refuses (and where), and how it splits terms."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck.errors import ExpressionError
from gradcheck.mathfn import sigmoid, sigmoid_prime
from gradcheck.submission.expression import (
    EvaluationError,
    Expression,
    Span,
    compile_expression,
    split_option,
)

VARIABLES = {"W", "X", "Y", "V", "Z", "N", "M"}
SEED = "-(1/N)*(Y/Z - (1-Y)/(1-Z))"


@pytest.fixture
def env():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(1, 3))
    X = rng.normal(size=(3, 5))
    V = W @ X
    Z = sigmoid(V)
    Y = (rng.random(size=(1, 5)) < 0.5).astype(np.float64)
    return {"W": W, "X": X, "Y": Y, "V": V, "Z": Z, "N": 5, "M": 1}


def compile_(text: str, name: str = "dL_dZ", derivatives=()) -> Expression:
    return compile_expression(name, text, variables=VARIABLES, derivatives=derivatives)


def refusal(text: str, **kwargs) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        compile_(text, **kwargs)
    assert "\n" not in str(info.value)
    return info.value


# --------------------------------------------------------------------------- split_option


def test_split_option_splits_on_first_equals_and_strips():
    assert split_option(" dL_dZ = -(1/N)*Y ") == ("dL_dZ", "-(1/N)*Y")
    assert split_option("a=b=c") == ("a", "b=c")


@pytest.mark.parametrize("option", ["no equals here", "1x=Y", "d L=Y", "=Y"])
def test_split_option_refuses_bad_names(option):
    with pytest.raises(ExpressionError, match="expected NAME=EXPRESSION"):
        split_option(option)


# --------------------------------------------------------------------------- evaluation


def test_seed_expression_matches_numpy(env):
    expr = compile_(SEED)
    Y, Z, N = env["Y"], env["Z"], env["N"]
    np.testing.assert_allclose(expr.evaluate(env), -(1 / N) * (Y / Z - (1 - Y) / (1 - Z)), rtol=1e-14)
    assert expr.variables_used == {"N", "Y", "Z"}
    assert expr.derivatives_used == frozenset()
    assert expr.name == "dL_dZ" and expr.text == SEED


def test_numpy_prefixed_and_bare_functions_agree(env):
    for bare, prefixed in [("log(Z)", "np.log(Z)"), ("exp(V)", "numpy.exp(V)"),
                           ("sigma(V)", "np.sigmoid(V)"), ("abs(V)", "np.abs(V)")]:
        np.testing.assert_array_equal(compile_(bare).evaluate(env), compile_(prefixed).evaluate(env))


@pytest.mark.parametrize("text, expected", [
    ("sigma_prime(V)", lambda e: sigmoid_prime(e["V"])),
    ("sigmoid(V) * (1 - sigma(V))", lambda e: sigmoid(e["V"]) * (1 - sigmoid(e["V"]))),
    ("(Z - Y) @ X.T / N", lambda e: (e["Z"] - e["Y"]) @ e["X"].T / e["N"]),
    ("dot(Z - Y, transpose(X))", lambda e: (e["Z"] - e["Y"]) @ e["X"].T),
    ("outer(W, W)", lambda e: np.outer(e["W"], e["W"])),
    ("maximum(V, 0) + minimum(V, 0)", lambda e: e["V"]),
    ("ones_like(Z) - zeros_like(Z) + square(Y) + sqrt(Z) + tanh(V) + log1p(Z) + expm1(V)",
     lambda e: 1 + e["Y"] ** 2 + np.sqrt(e["Z"]) + np.tanh(e["V"]) + np.log1p(e["Z"]) + np.expm1(e["V"])),
    ("mean(multiply(Z, Y))", lambda e: np.mean(e["Z"] * e["Y"])),
    ("+Z ** 2", lambda e: e["Z"] ** 2),
])
def test_functions_and_operators(env, text, expected):
    np.testing.assert_allclose(compile_(text).evaluate(env), expected(env), rtol=1e-14)


def test_sum_and_mean_accept_axis_and_keepdims(env):
    X = env["X"]
    np.testing.assert_array_equal(compile_("sum(X, axis=1)").evaluate(env), X.sum(axis=1))
    np.testing.assert_array_equal(compile_("np.sum(X, axis=-1, keepdims=True)").evaluate(env),
                                  X.sum(axis=-1, keepdims=True))
    np.testing.assert_array_equal(compile_("mean(X, axis=None)").evaluate(env), X.mean())


def test_results_are_float64_arrays_even_for_integer_data(env):
    value = compile_("N ** N ** N").evaluate(env)  # float64, so this overflows to inf instead of hanging
    assert isinstance(value, np.ndarray) and value.dtype == np.float64 and value.shape == ()
    assert np.isinf(value)


def test_division_by_zero_gives_inf_not_an_exception(env):
    value = compile_("Y / (Z - Z)").evaluate(env)
    assert not np.isfinite(value).any()


def test_derivative_references_evaluate_from_env(env):
    expr = compile_("dL_dZ * Z * (1 - Z)", name="dL_dV", derivatives={"dL_dZ", "dZ_dV"})
    assert expr.derivatives_used == {"dL_dZ"}
    env = dict(env, dL_dZ=np.full((1, 5), 2.0))
    np.testing.assert_allclose(expr.evaluate(env), 2.0 * env["Z"] * (1 - env["Z"]))


def test_self_reference_is_refused():
    error = refusal("2 * dL_dZ", name="dL_dZ", derivatives={"dL_dZ"})
    assert "refers to itself" in error.reason and error.column == 5


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("text, column, reason", [
    ("Y + foo", 5, "unknown name 'foo' (known: M, N, V, W, X, Y, Z)"),
    ("Y + X.shape", 5, "attribute '.shape' is not allowed; only .T"),
    ("X[0]", 1, "indexing is not allowed"),
    ("Y * 'a'", 5, "str constants are not allowed"),
    ("Y + b'a'", 5, "bytes constants are not allowed"),
    ("Y + f'{X}'", 5, "f-strings are not allowed"),
    ("Y + 1j", 5, "complex numbers are not allowed"),
    ("Y + True", 5, "True is not allowed here"),
    ("Y + None", 5, "None is not allowed here"),
    ("Y + ...", 5, "Ellipsis is not allowed here"),
    ("Y if Z else X", 1, "if-expressions are not allowed"),
    ("Y < Z", 1, "comparisons are not allowed"),
    ("Y and Z", 1, "'and'/'or' are not allowed"),
    ("not Y", 1, "operator 'not' is not allowed"),
    ("Y // 2", 1, "operator '//' is not allowed"),
    ("~Y", 1, "operator '~' is not allowed"),
    ("(y := Y)", 2, "assignment (:=) is not allowed"),
    ("sum(*X)", 5, "starred arguments (*) are not allowed"),
    ("[1, 2]", 1, "list literals are not allowed"),
    ("(1, 2)", 1, "tuple literals are not allowed"),
    ("{1: 2}", 1, "dict literals are not allowed"),
    ("{1}", 1, "set literals are not allowed"),
    ("[x for x in X]", 1, "comprehensions are not allowed"),
    ("lambda: 0", 1, "lambda is not allowed"),
    ("9**9**9", 4, "exponent too large"),
    ("Z ** -100", 6, "exponent too large"),
    ("1e300 * Y", 1, "constant too large"),
    ("Y * 99999999999999999999999", 5, "constant too large"),
    ("log(Z, Y)", 1, "log takes 1 argument, got 2"),
    ("dot(Z)", 1, "dot takes 2 arguments, got 1"),
    ("sum()", 1, "sum takes 1 argument, got 0"),
    ("log(Z, axis=0)", 8, "keyword 'axis' is only allowed for sum and mean"),
    ("sum(Z, out=Z)", 8, "keyword 'out' is not allowed"),
    ("sum(Z, **Y)", 8, "**keyword arguments are not allowed"),
    ("sum(Z, axis=Y)", 13, "axis must be an integer constant or None"),
    ("sum(Z, axis=1.5)", 13, "axis must be an integer constant or None"),
    ("sum(Z, keepdims=1)", 17, "keepdims must be True or False"),
    ("log + Z", 1, "'log' is a function"),
    ("np.log + Z", 1, "'np.log' is a function"),
    ("Z(1)", 1, "'Z' is data, not a function"),
    ("sum(Z)(1)", 1, "only named functions can be called"),
    ("Z +* Y", 4, "cannot parse: invalid syntax"),
])
def test_refusals_name_the_reason_and_column(text, column, reason):
    error = refusal(text)
    assert reason in error.reason
    assert error.column == column


@pytest.mark.parametrize("text", [
    "__import__('os')",
    "__import__('os').system('true')",
    "().__class__",
    "X.__class__",
    "X.__class__.__subclasses__()",
    "open('f')",
    "np.load('x')",
    "numpy.lib.format.open_memmap('x')",
    "os.system('true')",
    "X.sum()",
    "np.linalg.inv(X)",
    "eval('1')",
    "getattr(X, 'T')",
    "np",
])
def test_escape_attempts_are_refused(text):
    refusal(text)


def test_oversized_and_pathological_input_is_refused_without_crashing():
    long_error = refusal("X+" * 2500)
    assert "too long" in long_error.reason and len(str(long_error)) < 300
    assert "cannot parse" in refusal("(" * 300 + "X" + ")" * 300).reason
    assert "nested too deeply" in refusal("-" * 150 + "X").reason
    assert "nested too deeply" in refusal("+".join(["X"] * 150)).reason
    assert refusal("X\nY").column == 2
    assert refusal("X\x00").column == 2
    assert "empty" in refusal("   ").reason


def test_columns_are_characters_not_bytes():
    variables = VARIABLES | {"é", "ü"}
    with pytest.raises(ExpressionError) as info:
        compile_expression("d", "é + ü + foo", variables=variables)
    assert info.value.column == 9
    with pytest.raises(ExpressionError) as info:
        compile_expression("d", "é+ü +* X", variables=variables)
    assert info.value.column == 6


# --------------------------------------------------------------------------- terms


def term_summary(expr: Expression):
    return [(term.sign, term.text) for term in expr.terms]


def test_terms_distribute_scalar_factors_and_signs(env):
    text = "-(1/N)*(Y*(1/Z) + (1-Y)*(1 - 1/(Z-1)))"
    expr = compile_(text)
    assert term_summary(expr) == [(-1.0, "Y*(1/Z)"), (-1.0, "(1-Y)*(1 - 1/(Z-1))")]
    for term in expr.terms:
        assert expr.node_text(term.span) == term.text == text[term.span.start:term.span.end]
    Y, Z, N = env["Y"], env["Z"], env["N"]
    np.testing.assert_allclose(expr.evaluate_term(expr.terms[0], env), -(1 / N) * Y * (1 / Z))


@pytest.mark.parametrize("text, expected", [
    ("(Z - Y) @ X.T / N", [(1.0, "(Z - Y) @ X.T")]),
    ("Z - Y", [(1.0, "Z"), (-1.0, "Y")]),
    ("log(Z)", [(1.0, "log(Z)")]),
    ("-(Z - -Y)", [(-1.0, "Z"), (-1.0, "Y")]),
    ("(Z - Y) * 2 / N", [(1.0, "Z"), (-1.0, "Y")]),
    ("2 * -(Z + +Y)", [(-1.0, "Z"), (-1.0, "Y")]),
    ("Z * (Y - 1)", [(1.0, "Z * (Y - 1)")]),
    (SEED, [(-1.0, "Y/Z"), (1.0, "(1-Y)/(1-Z)")]),
])
def test_term_splitting(text, expected):
    assert term_summary(compile_(text)) == expected


@pytest.mark.parametrize("text", [SEED, "-(1/N)*(Y*(1/Z) + (1-Y)*(1 - 1/(Z-1)))", "(Z - Y) * 2 / N - 3*Z + 1",
                                  "-(2*M)*(Z - sigma(V)) / N"])
def test_terms_sum_to_the_whole(env, text):
    expr = compile_(text)
    total = sum(expr.evaluate_term(term, env) for term in expr.terms)
    np.testing.assert_allclose(total, expr.evaluate(env), rtol=1e-12, atol=1e-12)


def test_term_spans_are_characters():
    expr = compile_expression("d", "é*0 + Z - Y", variables=VARIABLES | {"é"})
    assert expr.terms[-1].span == Span(10, 11)
    assert expr.terms[-1].text == "Y"


# --------------------------------------------------------------------------- evaluation errors


def test_matmul_mismatch_explains_shapes_and_suggests_transpose(env):
    expr = compile_("(Z - Y) @ X / N")
    env = dict(env, X=np.ones((3, 5)))
    with pytest.raises(EvaluationError) as info:
        expr.evaluate(env)
    error = info.value
    assert error.is_shape_error and error.op == "@"
    assert error.operand_shapes == ((1, 5), (3, 5))
    assert str(error) == "(1, 5) @ (3, 5) does not line up: did you mean @ X.T?"
    assert expr.node_text(error.span) == "(Z - Y) @ X"


def test_matmul_mismatch_without_a_fix_states_the_inner_sizes(env):
    with pytest.raises(EvaluationError) as info:
        compile_("Z @ W").evaluate(dict(env, W=np.ones((2, 4))))
    assert str(info.value) == "(1, 5) @ (2, 4) does not line up (matmul needs the inner sizes to agree: 5 vs 2)"
    assert info.value.is_shape_error


def test_dot_mismatch_is_a_shape_error_with_a_hint(env):
    with pytest.raises(EvaluationError) as info:
        compile_("np.dot(Z - Y, X)").evaluate(env)
    assert info.value.is_shape_error and info.value.op == "dot"
    assert str(info.value) == "dot((1, 5), (3, 5)) does not line up: did you mean dot(Z - Y, X.T)?"
    with pytest.raises(EvaluationError) as info:
        compile_("(Z - Y) @ X.T.T").evaluate(env)
    assert str(info.value).endswith("did you mean @ X.T?")
    with pytest.raises(EvaluationError) as info:
        compile_("X @ (Z - Y)").evaluate(env)
    assert str(info.value).endswith("did you mean @ (Z - Y).T?")


def test_broadcast_mismatch(env):
    expr = compile_("Y + 2 * (Z * W)")
    with pytest.raises(EvaluationError) as info:
        expr.evaluate(env)
    error = info.value
    assert str(error) == "(1, 5) * (1, 3) cannot broadcast"
    assert error.op == "*" and error.is_shape_error
    assert expr.node_text(error.span) == "Z * W"
    with pytest.raises(EvaluationError) as info:
        expr.evaluate_term(expr.terms[1], env)
    assert info.value.op == "*"


def test_other_function_failures_are_not_shape_errors(env):
    with pytest.raises(EvaluationError) as info:
        compile_("sum(X, axis=5)").evaluate(env)
    assert info.value.op == "sum" and not info.value.is_shape_error
    assert info.value.operand_shapes == ((3, 5),)
    assert "\n" not in str(info.value)


def test_results_too_large_to_allocate_are_refused_before_numpy_tries(env):
    square = "outer(outer(X, X), outer(X, X))"  # 225 * 225 numbers: fine
    assert compile_(square).evaluate(env).shape == (225, 225)
    with pytest.raises(EvaluationError) as info:
        compile_(f"outer({square}, {square})").evaluate(env)
    assert info.value.op == "outer" and not info.value.is_shape_error
    assert "limit" in str(info.value)
    column = f"outer({square}, sum(X))"  # shape (50625, 1)
    for op in ("@", "*"):
        with pytest.raises(EvaluationError, match="limit") as info:
            compile_(f"{column} {op} {column}.T").evaluate(env)
        assert info.value.operand_shapes == ((50625, 1), (1, 50625))


def test_a_derivative_used_but_not_given_says_how_to_give_it():
    with pytest.raises(ExpressionError) as info:
        compile_expression("dL_dW", "dL_dZ @ X.T", variables=VARIABLES)
    assert "derivative you did not give" in str(info.value) and info.value.column == 1
