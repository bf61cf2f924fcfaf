import numpy as np
import pytest

from gradcheck.numerics.compare import compare
from gradcheck.submission.base import CallError, Outcome, to_outcome

EXPECTED = np.array([[0.5, -0.25, 0.125, 1e-9]])
ERROR = np.full_like(EXPECTED, 1e-12)


def run(value, expected=EXPECTED, error=ERROR):
    outcome = value if isinstance(value, Outcome) else to_outcome(value)
    return compare(outcome, expected, error, trial="t", shape_text="(1, M), like W").result


def test_exact_values_pass():
    r = run(EXPECTED.copy())
    assert r.status == "pass" and r.failing == 0 and r.compared == 4


@pytest.mark.parametrize("index", range(4))
def test_one_element_off_by_1e_6_of_the_scale_fails(index):
    wrong = EXPECTED.copy()
    wrong[0, index] += 1e-6 * np.max(np.abs(EXPECTED))
    r = run(wrong)
    assert r.status == "fail" and r.failing == 1
    assert r.worst[0].index == (0, index)


def test_near_zero_entries_do_not_false_alarm_on_rounding():
    almost = EXPECTED * (1 + 1e-13)
    almost[0, 3] = 1.0000001e-9  # relative 1e-7 of a tiny entry, 1e-16 of the scale
    assert run(almost).status == "pass"


def test_flat_result_that_broadcasts_passes_with_a_warning():
    r = run(EXPECTED.ravel())
    assert r.status == "pass"
    assert [w.kind for w in r.warnings] == ["broadcast_shape"]


def test_transposed_result_is_a_shape_failure_with_a_hint():
    r = run(EXPECTED.T)
    assert r.status == "fail"
    assert r.findings[0].kind == "shape"
    assert "transposed" in r.findings[0].message and "(1, 4)" in r.findings[0].message


def test_wrong_size_is_a_shape_failure():
    r = run(np.ones((4, 4)))
    assert r.status == "fail" and r.findings[0].kind == "shape"


def test_nan_and_inf_fail_with_a_nan_finding():
    bad = EXPECTED.copy()
    bad[0, 1] = np.nan
    bad[0, 2] = np.inf
    r = run(bad)
    assert r.status == "fail" and r.failing == 2
    assert r.findings[0].kind == "nan" and "2 of 4" in r.findings[0].message


def test_float32_result_is_judged_by_its_rounding_and_says_so():
    r = run(EXPECTED.astype(np.float32))
    assert r.status == "pass"
    assert "low_precision" in [w.kind for w in r.warnings]
    wrong = EXPECTED.astype(np.float32)
    wrong[0, 0] *= 1.01
    assert run(wrong).status == "fail"


def test_elements_where_the_reference_is_not_finite_are_skipped():
    expected = EXPECTED.copy()
    expected[0, 0] = np.nan
    r = run(np.array([[123.0, -0.25, 0.125, 1e-9]]), expected=expected)
    assert r.status == "pass" and r.skipped == 1 and r.compared == 3


def test_exceptions_are_errors_and_shape_errors_are_failures():
    raised = Outcome(error=CallError(kind="exception", message="ZeroDivisionError: division by zero"))
    assert run(raised).status == "error"
    shape = Outcome(error=CallError(kind="shape", message="(1, 5) @ (3, 5) does not line up", operation="@"))
    r = run(shape)
    assert r.status == "fail" and r.findings[0].kind == "shape"


@pytest.mark.parametrize("value", ["a string", {"a": 1}, [1, "x"], 1 + 2j, None])
def test_results_that_are_not_real_numbers_are_type_errors(value):
    r = run(to_outcome(value))
    assert r.status == "error" and r.findings[0].kind == "type"
