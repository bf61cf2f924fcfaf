"""The promise: a correct gradient passes on every seed; one element off by 1e-6 of the scale fails."""
import numpy as np
import pytest

from conftest import CORRECT
from gradcheck import check

PERTURBED = CORRECT + '''
def dL_dW(Z, Y, X, N):
    g = (Z - Y) @ X.T / N
    j = {index} % g.shape[1]
    g[0, j] += {relative} * np.max(np.abs(g))
    return g

def dL_dZ(Y, Z, N):
    g = -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
    k = {index} % g.shape[1]
    g[0, k] += {relative} * np.max(np.abs(g))
    return g
'''


@pytest.mark.parametrize("seed", range(20))
def test_correct_gradient_passes_on_every_seed(write_module, seed):
    report = check(write_module(CORRECT), seed=seed)
    assert report.verdict == "pass", [d.message for d in report.derivatives]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("relative", [1e-6, -1e-6, 1e-3])
def test_one_element_off_by_a_relative_1e_6_fails(write_module, seed, relative):
    report = check(write_module(PERTURBED.format(index=seed, relative=relative)), seed=seed)
    verdicts = {d.name: d.verdict for d in report.derivatives}
    assert verdicts["dL_dW"] == "fail" and verdicts["dL_dZ"] == "fail"
    assert verdicts["dV_dW"] == verdicts["dZ_dV"] == verdicts["dL_dV"] == "pass"


def test_trials_cover_the_shapes_the_issue_names():
    report = check(exprs=["dV_dW=X"])
    dims = [t.dims for t in report.trials]
    assert any(d["M"] != d["N"] for d in dims) and any(d["M"] == d["N"] for d in dims)
    assert any(d["N"] == 1 for d in dims) and any(d["M"] == 1 for d in dims)
    assert any(t.name == "saturated" for t in report.trials)


def test_saturated_trial_really_is_saturated_and_its_reference_is_finite():
    from gradcheck.problems import get

    problem = get("bce")
    trial = next(t for t in problem.trials(np.random.default_rng(0)) if t.name == "saturated")
    z = trial.values["Z"]
    assert np.sum(np.minimum(z, 1 - z) < 1e-6) >= 4
    for name in problem.derivatives:
        assert np.all(np.isfinite(problem.reference(name, trial).value))
