"""Reference methods (order of accuracy, honest error bounds) and the step-size sweep."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import ROOT
from gradcheck import check
from gradcheck.cli import cli
from gradcheck.numerics import finite_diff
from gradcheck.problems import get
from gradcheck.submission.module import ModuleSubmission
from gradcheck.sweep import sweep

X = np.array([0.3, 1.2, -2.0, 0.7])


@pytest.mark.parametrize("method, order", [("central", 2), ("richardson", 4)])
def test_each_method_has_its_order_of_accuracy(method, order):
    """Halving h divides the truncation error by 2**order (sin: smooth, known derivative)."""
    errors = []
    for h in (0.08, 0.04):
        with finite_diff.using(method=method, step=h):
            estimate = finite_diff.elementwise(np.sin, X)
        errors.append(np.max(np.abs(estimate.value - np.cos(X))))
    assert errors[0] / errors[1] == pytest.approx(2 ** order, rel=0.15)


@pytest.mark.parametrize("method", ["central", "richardson"])
@pytest.mark.parametrize("step", [1e-1, 1e-3, 1e-6, 1e-9])
def test_the_error_bound_covers_the_true_error_at_every_step(method, step):
    """Analytic functions with known derivatives: exp, log1p, a cubic; truncation and round-off both."""
    for f, df in ((np.exp, np.exp), (np.log1p, lambda x: 1 / (1 + x)), (lambda x: x**3 - 2 * x, lambda x: 3 * x**2 - 2)):
        with finite_diff.using(method=method, step=step):
            estimate = finite_diff.elementwise(f, np.abs(X))
        assert np.all(np.abs(estimate.value - df(np.abs(X))) <= estimate.error)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        with finite_diff.using(method="forward"):
            pass


def test_checks_agree_between_methods():
    assert check("cases/bce/correct.py", fix_budget=0).verdict == "pass"
    central = check("cases/bce/correct.py", fix_budget=0, method="central")
    assert central.verdict == "pass"
    limits = {d.name: d.detection_limit for d in central.derivatives}
    assert all(limit < 1e-4 for limit in limits.values())
    for method in ("central", "richardson"):
        assert check("cases/bce/seed_question.py", fix_budget=0, method=method).verdict == "fail"


UNSTABLE = '''"""BCE written naively: log(1 - sigma(v)) loses every digit when sigma(v) is within 1e-13 of 1."""
import numpy as np

shapes = {"W": (1, "M"), "X": ("M", "N"), "Y": (1, "N")}


def loss(W, X, Y, N):
    z = 1 / (1 + np.exp(-(W @ X)))
    return float(-np.sum((1 - Y) * np.log(1 - z)) / N)


def sample(rng, M, N):
    return {"W": np.full((1, M), 10.0), "X": np.abs(rng.normal(1.0, 0.1, (M, N))), "Y": np.zeros((1, N))}


dims = [{"M": 3, "N": 4}]
'''


def test_a_noisy_reference_is_inconclusive_never_a_false_verdict(tmp_path):
    problem = tmp_path / "unstable_problem.py"
    problem.write_text(UNSTABLE)
    right = tmp_path / "right.py"
    right.write_text("import numpy as np\n\ndef dL_dW(W, X, Y, N):\n"
                     "    return ((1 - Y) / (1 + np.exp(-(W @ X)))) @ X.T / N\n")
    r = CliRunner().invoke(cli, ["check", str(right), "--problem", str(problem), "--no-sandbox", "--format", "json"])
    assert r.exit_code == 4, r.output
    d = json.loads(r.stdout)["derivatives"][0]
    assert d["verdict"] == "inconclusive" and [f["kind"] for f in d["findings"]] == ["inconclusive"]
    assert "log1p" in d["findings"][0]["message"]


def test_detection_limit_is_reported_and_small():
    report = check("cases/bce/correct.py", fix_budget=0)
    for d in report.derivatives:
        assert d.detection_limit is not None and d.detection_limit < 1e-7


def _curves(path):
    problem = get("bce")
    submission = ModuleSubmission(ROOT / path, derivative_names=tuple(problem.derivatives), parameters=problem.parameters)
    return {c.name: c for c in sweep(problem, submission)}


def test_sweep_draws_a_v_for_a_correct_derivative_and_a_plateau_for_a_wrong_one():
    correct = _curves("cases/bce/correct.py")["dZ_dV"]
    errors = correct.errors
    low = errors.index(min(errors))
    assert correct.floor < 1e-9 and 0 < low < len(errors) - 1
    assert errors[0] > 100 * correct.floor and errors[-1] > 100 * correct.floor  # both arms of the V
    wrong = _curves("cases/bce/seed_question.py")["dL_dZ"]
    assert wrong.floor > 0.1 and max(wrong.errors) / wrong.floor < 1.01  # flat


def test_sweep_command_prints_the_chart():
    r = CliRunner().invoke(cli, ["sweep", "cases/bce/seed_question.py", "--no-sandbox"])
    assert r.exit_code == 0, r.output
    assert "a plateau: not noise, a bug" in r.output and "looks right" in r.output and "h=1e-12" in r.output
    shape = CliRunner().invoke(cli, ["sweep", "cases/bce/transposed.py", "--no-sandbox"])
    assert "no curve: shape" in shape.output


def test_sweep_plot_needs_matplotlib_or_writes_a_png(tmp_path):
    out = tmp_path / "sweep.png"
    r = CliRunner().invoke(cli, ["sweep", "cases/bce/correct.py", "--no-sandbox", "--plot", str(out)])
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert r.exit_code == 2 and "matplotlib" in r.output
    else:
        assert r.exit_code == 0 and out.read_bytes()[:4] == b"\x89PNG"


def test_complex_step_is_exact_for_analytic_functions_and_falls_back_otherwise():
    x = np.array([0.3, 1.2, -2.0])
    with finite_diff.using(method="complex"):
        exact = finite_diff.elementwise(np.sin, x)
        assert np.max(np.abs(exact.value - np.cos(x))) < 1e-15 and not finite_diff.fallbacks()
        from gradcheck.mathfn import sigmoid

        finite_diff.elementwise(sigmoid, x)  # casts to float64: not complex-safe
        assert finite_diff.fallbacks() and "Richardson" in finite_diff.fallbacks()[0]


def test_complex_method_through_the_checker():
    mse = check("cases/mse/correct.py", problem="mse", fix_budget=0, method="complex")
    assert mse.verdict == "pass" and mse.notes == ()  # linear model, squared error: complex-safe
    bce = check("cases/bce/correct.py", fix_budget=0, method="complex")
    assert bce.verdict == "pass" and any("complex step not possible" in n for n in bce.notes)
