"""Checking large gradients: directional derivatives, group-testing localization, sampling, the CLI."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradcheck.cli import cli
from gradcheck.numerics import directional
from gradcheck.problems import get


@pytest.fixture(scope="module")
def big():
    problem = get("bce")
    trial = problem.trial_with({"M": 5000, "N": 30}, np.random.default_rng(1))
    v = trial.values
    gradient = (v["Z"] - v["Y"]) @ v["X"].T / v["N"]
    x, along = problem.loss_along("dL_dW", trial)
    return x, along, gradient


def test_a_correct_gradient_passes_every_direction(big):
    x, along, gradient = big
    result = directional.check(x, gradient, along)
    assert result.passed and result.wrong == [] and result.evaluations == 6 * result.directions
    assert result.detection_limit < 1e-6 and result.escape_probability == 0.5 ** 8


@pytest.mark.parametrize("wrong", [[17], [0, 4999], [12, 2048, 3333]])
@pytest.mark.parametrize("size", [1e-2, 1e-4, 1e-6])
def test_group_testing_finds_exactly_the_wrong_elements(big, wrong, size):
    x, along, gradient = big
    bad = gradient.copy()
    for j, i in enumerate(wrong):
        bad[0, i] += (-1) ** j * size * np.abs(gradient).max()
    result = directional.check(x, bad, along)
    assert not result.passed and result.wrong == sorted(wrong)
    # O(k log P) directional derivatives, far fewer than the P = 5000 coordinates
    tries = directional.GROUP_TRIES
    assert result.evaluations <= 6 * (result.directions + tries * 2 * len(wrong) * (np.log2(x.size) + 2))


def test_sampling_finds_a_wrong_coordinate_it_looks_at(big):
    x, along, gradient = big
    bad = gradient.copy()
    bad[0, 42] *= 1.001
    checked, wrong, evaluations = directional.sampled(x, bad, along, count=x.size)
    assert wrong == [42] and len(checked) == x.size


def test_directional_works_for_a_graph_problem():
    problem = get("logreg")
    trial = problem.trial_with({"M": 3000, "N": 20}, np.random.default_rng(2))
    v = trial.values
    gradient = (v["Z"] - v["Y"]) @ v["X"].T / v["N"] + v["lam"] * v["W"]
    x, along = problem.loss_along("dL_dW", trial)
    assert directional.check(x, gradient, along).passed
    gradient[0, 7] += 1e-5
    assert directional.check(x, gradient, along).wrong == [7]


def test_cli_localizes_a_wrong_element_at_scale(tmp_path):
    path = tmp_path / "big.py"
    path.write_text("import numpy as np\n\ndef dL_dW(X, Y, Z, N):\n    g = (Z - Y) @ X.T / N\n"
                    "    g[0, 1234] += 1e-4 * np.abs(g).max()\n    return g\n")
    r = CliRunner().invoke(cli, ["check", str(path), "--dims", "M=20000,N=20", "--mode", "directional",
                                 "--no-sandbox", "--format", "json"])
    assert r.exit_code == 1, r.output
    d = json.loads(r.stdout)["derivatives"][0]
    assert d["worst"][0]["index"] == [0, 1234] and [f["kind"] for f in d["findings"]] == ["localized"]
    ok = CliRunner().invoke(cli, ["check", "cases/bce/correct.py", "--dims", "M=30000,N=10", "--mode", "auto",
                                  "--no-sandbox", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    by_name = {d["name"]: d for d in json.loads(ok.stdout)["derivatives"]}
    assert [w["kind"] for w in by_name["dL_dW"]["warnings"]] == ["directional"]


def test_bad_dims_are_usage_errors():
    r = CliRunner().invoke(cli, ["check", "cases/bce/correct.py", "--dims", "M=lots", "--no-sandbox"])
    assert r.exit_code == 2
    r = CliRunner().invoke(cli, ["check", "cases/bce/correct.py", "--dims", "K=5", "--no-sandbox"])
    assert r.exit_code == 2 and "--dims needs M and N" in r.output
