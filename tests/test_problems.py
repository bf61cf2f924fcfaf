"""Every built-in problem: its references are right, its own example passes, `gradcheck problems` shows it."""
import numpy as np
import pytest
from click.testing import CliRunner

from gradcheck import check
from gradcheck.cli import cli
from gradcheck.errors import GradcheckError
from gradcheck.problems import get, names

VARIANTS = [("bce", {}), ("bce", {"layout": "rows"}), ("logreg", {}), ("logreg", {"layout": "rows"}),
            ("mse", {}), ("mse", {"layout": "rows"}), ("softmax", {}), ("mlp", {}), ("mlp", {"activation": "relu"})]


@pytest.mark.parametrize("name, options", VARIANTS, ids=[f"{n}-{'-'.join(o.values()) or 'default'}" for n, o in VARIANTS])
def test_the_problems_own_example_passes_and_a_perturbed_one_fails(tmp_path, name, options):
    example = get(name, **options).describe()["example"]
    path = tmp_path / "example.py"
    path.write_text(example)
    report = check(path, problem=name, fix_budget=0, **options)
    assert report.verdict == "pass", [(d.name, d.message) for d in report.derivatives]
    assert not report.not_checked, report.not_checked  # the example gives every derivative
    # the same example with its last function off by 1e-6 of its scale in one element must fail
    last = list(get(name, **options).derivatives)[-1]
    path.write_text(example + f"""

_original = {last}
def {last}(**values):
    import inspect
    g = _original(**{{k: v for k, v in values.items() if k in inspect.signature(_original).parameters}}).copy()
    g.flat[0] += 1e-6 * abs(g).max()
    return g
""")
    again = check(path, problem=name, fix_budget=0, **options)
    assert {d.name: d.verdict for d in again.derivatives}[last] == "fail"


def test_relu_kinks_are_skipped_not_misjudged(tmp_path):
    path = tmp_path / "example.py"
    path.write_text(get("mlp", activation="relu").describe()["example"])
    report = check(path, problem="mlp", activation="relu", fix_budget=0)
    skipped = {d.name: sum(t.skipped for t in d.trials) for d in report.derivatives}
    assert report.verdict == "pass" and skipped["dL_dV1"] > 0 and skipped["dL_dW2"] == 0


def test_problems_lists_every_builtin_and_shows_one_in_full():
    listing = CliRunner().invoke(cli, ["problems"])
    assert listing.exit_code == 0
    for name in names():
        assert name in listing.output
    one = CliRunner().invoke(cli, ["problems", "softmax"])
    assert one.exit_code == 0 and "def dL_dW" in one.output and "(K, M)" in one.output


@pytest.mark.parametrize("name, options, words", [
    ("nope", {}, "unknown problem"), ("softmax", {"layout": "rows"}, "no option --layout"),
    ("mlp", {"activation": "sigmoid"}, "unknown activation"), ("bce", {"layout": "diagonal"}, "unknown layout"),
])
def test_bad_problem_choices_are_usage_errors(name, options, words):
    with pytest.raises(GradcheckError, match=words):
        get(name, **options)


def test_layout_hint_only_when_the_other_layout_really_passes(tmp_path):
    path = tmp_path / "rows.py"
    path.write_text("def dL_dW(X, Y, Z, N):\n    return X.T @ (Z - Y) / N\n")  # the rows formula
    ok = check(path, problem="bce", layout="rows", fix_budget=0)
    assert ok.verdict == "pass" and ok.layout == "rows"
    report = check(path, problem="bce", fix_budget=0)  # checked as columns
    assert any(f.kind == "layout" and "--layout rows" in f.message for f in report.derivatives[0].findings)
    path.write_text("def dL_dW(X, Y, Z, N):\n    return ((Z - Y) @ X.T / N).T\n")  # merely transposed
    plain = check(path, problem="bce", fix_budget=0)
    assert not any(f.kind == "layout" for f in plain.derivatives[0].findings)


def test_custom_problem_file_end_to_end():
    ok = check("cases/custom/huber_correct.py", problem="cases/custom/huber_problem.py", fix_budget=0)
    assert ok.verdict == "pass" and {d.name for d in ok.derivatives} == {"dL_dYhat", "dL_dW", "dL_db"}
    bad = check("cases/custom/huber_unclipped.py", problem="cases/custom/huber_problem.py", fix_budget=0)
    assert bad.verdict == "fail"


def test_references_agree_with_closed_forms_on_every_trial():
    """A check on the engine itself, against answers worked out by hand (only here, never in the tool)."""
    problem = get("softmax")
    for trial in problem.trials(np.random.default_rng(3)):
        v = trial.values
        expected = (v["Z"] - v["Y"]) @ v["X"].T / v["N"]
        reference = problem.reference("dL_dW", trial)
        assert np.all(np.abs(reference.value - expected) <= reference.error + 1e-15)
