"""The pytest plugin, used the way a course's own test suite would use it (pytester runs real pytest)."""
import pytest

from conftest import ROOT

pytest_plugins = ["pytester"]


def test_assert_gradient_passes_and_fails_with_the_report(pytester):
    pytester.makepyfile(
        student=(ROOT / "cases" / "bce" / "seed_question.py").read_text(),
        test_course=f'''
import student

def test_path_in_sandbox(assert_gradient):
    assert_gradient({str(ROOT / "cases" / "bce" / "correct.py")!r}, "dL_dW")

def test_module_in_process(assert_gradient):
    assert_gradient(student, "dZ_dV")

def test_wrong_term(assert_gradient):
    assert_gradient(student, "dL_dZ")

def test_single_function(assert_gradient):
    assert_gradient(student.dL_dZ, "dL_dZ")
''',
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["*wrong term (1−y)·log(1−z)*", "*fix: 1 - 1 / (Z - 1)  →  1 / (Z - 1)*"])


def test_assert_gradient_names_a_missing_derivative():
    from gradcheck.pytest_plugin import assert_gradient

    with pytest.raises(AssertionError, match="dL_dV is not defined"):
        assert_gradient(str(ROOT / "cases" / "bce" / "seed_question.py"), "dL_dV", sandbox=False)
