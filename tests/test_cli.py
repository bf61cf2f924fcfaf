"""The command line, through click's runner and as a real subprocess."""
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import CORRECT, ROOT
from gradcheck.cli import cli


def invoke(*args):
    return CliRunner().invoke(cli, ["check", *args])


def test_correct_module_exits_0(write_module):
    r = invoke(write_module(CORRECT))
    assert r.exit_code == 0, r.output
    assert "all 5 derivatives match" in r.stdout


def test_json_has_the_documented_shape(write_module):
    r = invoke(write_module(CORRECT), "--format", "json")
    data = json.loads(r.stdout)
    assert data["problem"] == "bce" and data["verdict"] == "pass"
    for d in data["derivatives"]:
        assert set(d) >= {"name", "verdict", "max_abs_error", "max_rel_error", "diverging_terms", "findings", "message"}
        assert d["verdict"] == "pass" and isinstance(d["max_abs_error"], float)
    assert [d["name"] for d in data["derivatives"]] == ["dV_dW", "dZ_dV", "dL_dZ", "dL_dV", "dL_dW"]


SEED_EXPRS = [
    "--expr", "dV_dW=X",
    "--expr", "dZ_dV=sigma_prime(V)",
    "--expr", "dL_dZ=-(1/N)*(Y*(1/Z) + (1-Y)*(1 - 1/(Z-1)))",
    "--expr", "dL_dW=dL_dZ*dZ_dV @ X",
]


def test_seed_derivation_as_expressions_points_at_the_wrong_term_and_the_shape():
    r = invoke(*SEED_EXPRS, "--format", "json")
    assert r.exit_code == 1
    by_name = {d["name"]: d for d in json.loads(r.stdout)["derivatives"]}
    assert by_name["dV_dW"]["verdict"] == by_name["dZ_dV"]["verdict"] == "pass"
    dz = by_name["dL_dZ"]
    assert dz["verdict"] == "fail" and dz["diverging_terms"] == ["negative"]
    text = "-(1/N)*(Y*(1/Z) + (1-Y)*(1 - 1/(Z-1)))"
    term = next(f for f in dz["findings"] if f["kind"] == "wrong_term")
    assert text[term["span"][0]:term["span"][1]] == "(1-Y)*(1 - 1/(Z-1))"
    dw = by_name["dL_dW"]
    assert dw["verdict"] == "fail"
    shape = next(f for f in dw["findings"] if f["kind"] == "shape")
    assert "(1, 5) @ (3, 5)" in shape["message"] and "X.T" in shape["message"]


def test_chain_assembled_from_the_users_own_parts_is_checked_as_written():
    good = invoke("--expr", "dL_dZ=-(1/N)*(Y/Z - (1-Y)/(1-Z))", "--expr", "dZ_dV=sigma_prime(V)",
                  "--expr", "dL_dW=(dL_dZ*dZ_dV) @ X.T")
    assert good.exit_code == 0, good.output
    bad = invoke("--expr", "dL_dZ=-(1/N)*(Y/Z)", "--expr", "dL_dW=(dL_dZ*sigma_prime(V)) @ X.T", "--format", "json")
    by_name = {d["name"]: d for d in json.loads(bad.stdout)["derivatives"]}
    assert by_name["dL_dW"]["diverging_terms"] == ["negative"]  # inherited from the dropped term


def test_dropped_term_in_an_expression_is_called_missing():
    r = invoke("--expr", "dL_dZ=-(1/N)*Y/Z", "--format", "json")
    dz = json.loads(r.stdout)["derivatives"][0]
    assert dz["diverging_terms"] == ["negative"]
    assert [f["kind"] for f in dz["findings"]] == ["dropped_term"]
    assert "missing" in dz["findings"][0]["message"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["missing.py"], ["missing.py", "no such file"]),
        (["--expr", "dL_dZ=Y + foo"], ["unknown name 'foo'", "column 5"]),
        (["--expr", "dL_dZ=__import__('os').system('true')"], ["column 1"]),
        (["--expr", "dL_dZ=Y +"], ["cannot parse"]),
        (["--expr", "dL_dQ=Y"], ["unknown derivative 'dL_dQ'"]),
        (["--expr", "dL_dZ"], ["NAME=EXPRESSION"]),
        (["--expr", "dL_dZ=Z**1000"], ["exponent"]),
        (["--expr", "dL_dZ=dL_dW", "--expr", "dL_dW=dL_dZ @ X.T"], ["circular"]),
        ([], ["nothing to check"]),
        (["--problem", "nope", "--expr", "dL_dZ=Z"], ["unknown problem"]),
    ],
)
def test_usage_problems_exit_2_with_one_line_and_no_traceback(args, words):
    r = invoke(*args)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output
    for w in words:
        assert w in lines[0]


@pytest.mark.parametrize(
    "source, words",
    [
        ("def dL_dZ(Y, Z:\n    return Y\n", ["syntax error", ":1:"]),
        ("import numpy as np\n", ["no recognized function"]),
        ("def dL_dZ(Y, Q):\n    return Y\n", ["unknown parameter 'Q'"]),
        ("raise RuntimeError('boom')\ndef dL_dZ(Y):\n    return Y\n", ["RuntimeError: boom", "while loading"]),
        ("import sys\nsys.exit(0)\n", ["SystemExit", "while loading"]),
        ("dL_dZ = 3\n", ["not a function"]),
    ],
)
def test_bad_modules_exit_2_with_one_line(write_module, source, words):
    r = invoke(write_module(source))
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output
    for w in words:
        assert w in lines[0]


def test_user_code_that_raises_or_exits_is_reported_not_fatal(write_module):
    source = CORRECT + "\ndef dL_dV(Z, Y, N):\n    raise ZeroDivisionError('oops')\n" \
        "\ndef dZ_dV(V):\n    import sys; sys.exit(3)\n"
    r = invoke(write_module(source), "--format", "json")
    assert r.exit_code == 1
    by_name = {d["name"]: d for d in json.loads(r.stdout)["derivatives"]}
    assert by_name["dL_dV"]["verdict"] == "error"
    assert by_name["dL_dV"]["findings"][0]["kind"] == "exception"
    assert "ZeroDivisionError" in by_name["dL_dV"]["findings"][0]["message"]
    assert by_name["dZ_dV"]["verdict"] == "error"
    assert by_name["dL_dW"]["verdict"] == "pass"


def test_printing_and_in_place_edits_by_user_code_do_not_leak(write_module):
    source = CORRECT + "\ndef dL_dV(Z, Y, N):\n    print('debug', N)\n    Z -= Y\n    return Z / N\n"
    r = invoke(write_module(source), "--format", "json")
    data = json.loads(r.stdout)  # still valid JSON: the print was captured
    assert data["verdict"] == "pass", r.stdout
    assert "debug" in data["output"]


def test_wrong_shapes_and_nan_fail_with_findings(write_module):
    source = ("import numpy as np\n"
              "def dL_dW(Z, Y, X, N):\n    return X @ (Z - Y).T / N\n"
              "def dL_dZ(Y, Z, N):\n    return np.log(Z - 0.5) + 0 * Y\n")
    r = invoke(write_module(source), "--format", "json")
    assert r.exit_code == 1
    by_name = {d["name"]: d for d in json.loads(r.stdout)["derivatives"]}
    assert [f["kind"] for f in by_name["dL_dW"]["findings"]][:1] == ["shape"]
    assert "transposed" in by_name["dL_dW"]["findings"][0]["message"]
    assert "nan" in [f["kind"] for f in by_name["dL_dZ"]["findings"]]


def test_the_report_says_how_to_reproduce_it(write_module):
    path = write_module(CORRECT)
    r = invoke(path, "--seed", "7")
    assert f"gradcheck check {path} --seed 7" in r.stdout


def _run(args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-m", "gradcheck", *args], capture_output=True, text=True,
                          env=full_env, cwd=ROOT, timeout=60)


def test_module_entry_point_plain_without_a_terminal_and_colored_when_forced():
    seed = ["check", "cases/bce/seed_question.py"]
    plain = _run(seed, NO_COLOR="1")
    assert plain.returncode == 1 and "\x1b[" not in plain.stdout
    assert "(1−y)·log(1−z)" in plain.stdout
    colored = _run(seed, FORCE_COLOR="1")
    assert colored.returncode == 1 and "\x1b[" in colored.stdout


def test_subprocess_usage_error_has_no_traceback():
    r = _run(["check", "--expr", "dL_dZ=open('x')"])
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_in_process_a_function_that_never_returns_is_stopped_and_reported(write_module):
    source = CORRECT + "\ndef dZ_dV(V):\n    while True:\n        pass\n"
    r = invoke(write_module(source), "--no-sandbox", "--timeout", "0.2", "--format", "json")
    assert r.exit_code == 1
    by_name = {d["name"]: d for d in json.loads(r.stdout)["derivatives"]}
    assert by_name["dZ_dV"]["verdict"] == "error"
    assert by_name["dZ_dV"]["findings"][0]["kind"] == "timeout"
    assert by_name["dL_dW"]["verdict"] == "pass"


def test_in_process_a_module_that_hangs_while_loading_is_a_usage_error(write_module):
    r = invoke(write_module("while True:\n    pass\n"), "--no-sandbox", "--timeout", "0.2")
    assert r.exit_code == 2 and "did not finish loading" in r.stderr


def test_sandboxed_a_submission_that_never_returns_is_killed_and_fails(write_module):
    source = CORRECT + "\ndef dZ_dV(V):\n    import time\n    time.sleep(60)\n"
    r = invoke(write_module(source), "--timeout", "1")
    assert r.exit_code == 1 and "did not finish within 1 s" in r.stderr


def test_an_ascii_only_terminal_gets_a_transliterated_report_not_a_crash():
    r = _run(["check", "cases/bce/seed_question.py"], PYTHONIOENCODING="ascii")
    assert r.returncode == 1, r.stderr
    assert "dL/dZ" in r.stdout and "(1-y)*log(1-z)" in r.stdout


def test_negative_seed_is_a_usage_error():
    assert invoke("--seed", "-1", "--expr", "dV_dW=X").exit_code == 2


def test_expressions_override_a_modules_functions(write_module):
    seed = str(ROOT / "cases" / "bce" / "seed_question.py")
    r = invoke(seed, "--expr", "dL_dZ=-(1/N)*(Y/Z - (1-Y)/(1-Z))", "--format", "json")
    by_name = {d["name"]: d for d in json.loads(r.stdout)["derivatives"]}
    assert by_name["dL_dZ"]["verdict"] == "pass"
    assert by_name["dL_dW"]["verdict"] == "fail"  # the module's own dL_dW still has the shape problem
