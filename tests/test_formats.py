"""Output formats of ``gradcheck grade``: results file, scoring, JUnit, Gradescope, GitHub Actions."""
from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import xml.etree.ElementTree as ET

import pytest

from gradcheck import check
from gradcheck.errors import GradcheckError
from gradcheck.grading import scoring
from gradcheck.grading.results import ResultsWriter, graded_to_dict, read_done, write_atomic
from gradcheck.model import Graded
from gradcheck.render import github
from gradcheck.render.gradescope import to_gradescope
from gradcheck.render.junit import to_junit

KNOWN = ("dV_dW", "dZ_dV", "dL_dZ", "dL_dV", "dL_dW")
SEED = "cases/bce/seed_question.py"
CORRECT = "cases/bce/correct.py"


@functools.cache
def _report(path):
    return check(path, fix_budget=0)


def graded(path, *, weights=None, require=(), verdict=None, message=None, output="", report=True):
    rep = _report(path) if report else None
    s, m, used, missing = scoring.score(rep, weights=weights or {}, require=require, known=KNOWN)
    if verdict is None:
        verdict = "pass" if rep is not None and rep.passed and not missing else "fail"
    return Graded(submission=path, entry=path, verdict=verdict, score=s, max_score=m,
                  message=message or f"{verdict}", duration_s=1.25, report=rep, weights=used,
                  missing=missing, output=output)


@pytest.fixture
def seed():
    """The seed question: dL_dZ wrong in the (1−y) term, dL_dW wrong shape; dL_dV not defined."""
    return graded(SEED, weights={"dL_dW": 2}, require=("dL_dV", "dL_dW"), message="2 wrong, dL_dV missing")


@pytest.fixture
def correct():
    return graded(CORRECT, message="all 5 derivatives pass")


@pytest.fixture
def timeout():
    return Graded(submission="subs/slow.py", entry="subs/slow.py", verdict="timeout", score=0.0,
                  max_score=2.0, message="timed out after 10 s while importing", duration_s=10.02,
                  weights={"dL_dW": 2.0}, output="still loading...\n")


@pytest.fixture
def crash():
    return Graded(submission="subs/crash", entry=None, verdict="crash", score=0.0, max_score=1.0,
                  message="the process died (signal 11)", duration_s=0.4)


# ---------------------------------------------------------------- scoring

def test_score_weights_require_and_missing(seed):
    assert seed.missing == ("dL_dV",)
    assert seed.weights == {"dV_dW": 1.0, "dZ_dV": 1.0, "dL_dZ": 1.0, "dL_dV": 1.0, "dL_dW": 2.0}
    assert (seed.score, seed.max_score) == (2.0, 6.0)  # dV_dW and dZ_dV pass


def test_score_only_provided_when_nothing_required(correct):
    assert (correct.score, correct.max_score, correct.missing) == (5.0, 5.0, ())


def test_score_without_report():
    assert scoring.score(None, weights={"dL_dW": 3}, require=["dL_dW", "dL_dZ"], known=KNOWN) == (
        0.0, 4.0, {"dL_dW": 3.0, "dL_dZ": 1.0}, ())
    assert scoring.score(None, weights={}, require=[], known=KNOWN)[:2] == (0.0, 1.0)


@pytest.mark.parametrize("weights,require", [({"dL_dQ": 1}, ()), ({}, ("dl_dw",))])
def test_score_unknown_name(weights, require):
    with pytest.raises(GradcheckError, match="unknown derivative"):
        scoring.score(_report(CORRECT), weights=weights, require=require, known=KNOWN)


def test_parse_weights():
    assert scoring.parse_weights(["dL_dW=2", " dL_dZ = 0.5 ", "dL_dW=3"]) == {"dL_dW": 3.0, "dL_dZ": 0.5}
    for bad in ("dL_dW", "dL_dW=", "=2", "dL_dW=two", "dL_dW=-1", "dL_dW=nan", "dL_dW=inf"):
        with pytest.raises(GradcheckError) as info:
            scoring.parse_weights([bad])
        assert "\n" not in str(info.value)


@pytest.mark.skipif(scoring._toml is None, reason="no tomllib before Python 3.11")
def test_load_config_from_nearest_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.gradcheck]\nrequire = ["dL_dW"]\n[tool.gradcheck.weights]\ndL_dW = 2\ndL_dZ = 0.5\n')
    sub = tmp_path / "subs" / "alice"
    sub.mkdir(parents=True)
    (sub / "grad.py").write_text("")
    config = scoring.load_config(sub / "grad.py")
    assert config == {"require": ["dL_dW"], "weights": {"dL_dW": 2.0, "dL_dZ": 0.5}}
    # a nearer pyproject.toml without the table ends the search
    (sub / "pyproject.toml").write_text("[project]\nname = 'alice'\n")
    assert scoring.load_config(sub) == {}


@pytest.mark.skipif(scoring._toml is None, reason="no tomllib before Python 3.11")
@pytest.mark.parametrize("text", ["[tool.gradcheck\n", "[tool.gradcheck]\nweights = {dL_dW = -1}\n",
                                  "[tool.gradcheck]\nweights = {dL_dW = 'x'}\n", "[tool.gradcheck]\nrequire = 'dL_dW'\n"])
def test_load_config_errors(tmp_path, text):
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(GradcheckError) as info:
        scoring.load_config(tmp_path)
    assert "\n" not in str(info.value) and "pyproject.toml" in str(info.value)


# ---------------------------------------------------------------- results file

def test_graded_to_dict_keys(seed, timeout):
    data = graded_to_dict(seed)
    assert list(data)[:7] == ["submission", "verdict", "score", "max_score", "derivatives", "message", "duration_s"]
    assert set(data) == {"submission", "verdict", "score", "max_score", "derivatives", "message", "duration_s",
                         "entry", "missing", "protections", "weights"}
    assert [d["name"] for d in data["derivatives"]] == [d.name for d in seed.report.derivatives]
    assert data["missing"] == ["dL_dV"]
    assert graded_to_dict(timeout)["derivatives"] == []
    json.dumps(data, allow_nan=False)


def test_results_survive_a_crash_mid_write(tmp_path, seed, correct):
    path = tmp_path / "results.jsonl"
    with ResultsWriter(path) as writer:
        writer.append(seed)
        writer.append(correct)
    with open(path, "ab") as f:  # the grader died halfway through the third line
        f.write(b'{"submission": "subs/bob.py", "verdict": "pa')
    done = read_done(path)
    assert list(done) == [SEED, CORRECT]
    assert done[SEED]["score"] == 2.0
    # resuming starts a fresh line after the fragment, so the next result is intact
    with ResultsWriter(path, resume=True) as writer:
        writer.append(dataclasses.replace(correct, submission="subs/bob.py"))
    assert list(read_done(path)) == [SEED, CORRECT, "subs/bob.py"]


def test_results_round_trip_odd_strings(tmp_path, crash):
    g = dataclasses.replace(crash, message="bad \ud800 byte \u2028 line\nsep", score=math.nan)
    path = tmp_path / "r.jsonl"
    with ResultsWriter(path) as writer:
        writer.append(g)
    path.read_bytes().decode("utf-8")  # valid UTF-8
    row = read_done(path)["subs/crash"]
    assert row["message"] == g.message and row["score"] is None


def test_finalize_replaces_a_tampered_file_atomically(tmp_path, seed, correct, timeout):
    path = tmp_path / "results.jsonl"
    writer = ResultsWriter(path)
    writer.append(seed)
    path.write_text("tampered\n")  # something overwrote the file during the run
    inode = os.stat(path).st_ino
    writer.finalize([seed, correct, timeout])
    assert os.stat(path).st_ino != inode  # replaced, not rewritten in place
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["submission"] for line in lines] == [SEED, CORRECT, "subs/slow.py"]
    assert [p.name for p in tmp_path.iterdir()] == ["results.jsonl"]  # no temp file left


def test_finalize_accepts_resumed_rows(tmp_path, seed, correct):
    path = tmp_path / "results.jsonl"
    with ResultsWriter(path) as writer:
        writer.append(seed)
    done = read_done(path)
    with ResultsWriter(path, resume=True) as writer:
        writer.append(correct)
        writer.finalize([*done.values(), correct])
    assert list(read_done(path)) == [SEED, CORRECT]


def test_write_atomic_keeps_mode(tmp_path):
    path = tmp_path / "report.xml"
    path.write_text("old")
    os.chmod(path, 0o640)
    write_atomic(path, "new ∂")
    assert path.read_text(encoding="utf-8") == "new ∂"
    assert os.stat(path).st_mode & 0o777 == 0o640


# ---------------------------------------------------------------- JUnit

def test_junit_structure(seed, correct, timeout, crash):
    root = ET.fromstring(to_junit([seed, correct, timeout, crash]))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [SEED, CORRECT, "subs/slow.py", "subs/crash"]
    counts = [(s.get("tests"), s.get("failures"), s.get("errors")) for s in suites]
    assert counts == [("5", "2", "1"), ("5", "0", "0"), ("1", "0", "1"), ("1", "0", "1")]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("12", "2", "3")
    for s in suites:  # the counts agree with the elements
        assert int(s.get("failures")) == len(s.findall("testcase/failure"))
        assert int(s.get("errors")) == len(s.findall("testcase/error"))

    cases = {c.get("name"): c for c in suites[0].findall("testcase")}
    assert list(cases) == ["∂V/∂W (dV_dW)", "∂Z/∂V (dZ_dV)", "∂L/∂Z (dL_dZ)", "∂L/∂V (dL_dV)", "∂L/∂W (dL_dW)"]
    assert all(c.get("classname") == SEED and c.get("file") == SEED for c in cases.values())
    assert cases["∂V/∂W (dV_dW)"].find("failure") is None and cases["∂V/∂W (dV_dW)"].find("error") is None
    failure = cases["∂L/∂Z (dL_dZ)"].find("failure")
    assert failure.get("type") == "gradcheck.wrong_term"
    assert failure.get("message") == "wrong in the (1−y)·log(1−z) term"
    body = failure.text
    assert "wrong term (1−y)·log(1−z)" in body and "should be: +(1/N)·(1−Y)/(1−Z)" in body
    assert "line 22" in body and "worst elements" in body
    assert cases["∂L/∂W (dL_dW)"].find("failure").get("type") == "gradcheck.shape"
    assert "@ X.T" in cases["∂L/∂W (dL_dW)"].find("failure").text
    missing = cases["∂L/∂V (dL_dV)"].find("error")
    assert missing.get("type") == "gradcheck.missing" and "dL_dV" in missing.text

    load = suites[2].find("testcase")
    assert load.get("name") == "load"
    assert load.find("error").get("type") == "gradcheck.timeout"
    assert "timed out" in load.find("error").text
    assert suites[2].find("system-out").text == "still loading...\n"
    assert suites[3].find("testcase").get("file") is None  # no entry file


def test_junit_strips_illegal_characters(timeout):
    nasty = dataclasses.replace(
        timeout, submission="subs/\x01evil.py", message="died \x00\x1b[31m red \ud800 \ufffe end",
        output="\x00\x1b[31mred\x1b[0m\tok\n\x0b\x0c")
    text = to_junit([nasty])
    root = ET.fromstring(text)  # still parses
    suite = root.find("testsuite")
    assert suite.get("name") == "subs/evil.py"
    assert suite.find("system-out").text == "[31mred[0m\tok\n"
    error = suite.find("testcase/error")
    assert error.get("message") == "died [31m red end"
    assert not any(ch in text for ch in "\x00\x01\x1b\x0b\x0c\ufffe")


def test_junit_caps_output(timeout):
    big = dataclasses.replace(timeout, output="é" * 70_000)
    out = ET.fromstring(to_junit([big])).find("testsuite/system-out").text
    assert len(out.encode("utf-8")) < 64 * 1024 + 100 and "more bytes not shown" in out


# ---------------------------------------------------------------- Gradescope

TEST_KEYS = {"name", "score", "max_score", "status", "output", "output_format", "visibility"}


def test_gradescope_results(seed):
    data = json.loads(to_gradescope(seed))
    assert set(data) == {"score", "output", "execution_time", "output_format", "tests"}
    assert data["output_format"] == "text" and data["execution_time"] == 2
    assert all(set(t) == TEST_KEYS for t in data["tests"])
    assert data["score"] == sum(t["score"] for t in data["tests"]) == 2.0
    assert sum(t["max_score"] for t in data["tests"]) == seed.max_score
    tests = {t["name"]: t for t in data["tests"]}
    assert tests["∂L/∂W (dL_dW)"]["max_score"] == 2.0 and tests["∂L/∂W (dL_dW)"]["status"] == "failed"
    assert tests["∂V/∂W (dV_dW)"]["status"] == "passed" and tests["∂V/∂W (dV_dW)"]["score"] == 1.0
    assert "(1−y)·log(1−z)" in tests["∂L/∂Z (dL_dZ)"]["output"]
    assert "not define" in tests["∂L/∂V (dL_dV)"]["output"]


def test_gradescope_unchecked(timeout):
    data = json.loads(to_gradescope(timeout))
    assert data["score"] == 0.0 and "max_score" not in data
    assert data["tests"] == [{"name": "load", "score": 0.0, "max_score": 2.0, "status": "failed",
                              "output": timeout.message, "output_format": "text", "visibility": "visible"}]


def test_gradescope_valid_json_with_nan(seed):
    rep = seed.report
    derivatives = tuple(dataclasses.replace(d, max_rel_error=math.nan, max_abs_error=math.inf)
                        for d in rep.derivatives)
    odd = dataclasses.replace(seed, report=dataclasses.replace(rep, derivatives=derivatives),
                              score=math.nan, duration_s=math.inf, message="bad \ud800")
    text = to_gradescope(odd)
    text.encode("utf-8")
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert data["score"] is None and data["execution_time"] == 0


# ---------------------------------------------------------------- GitHub Actions

def test_annotation_escaping(crash):
    g = dataclasses.replace(crash, submission="subs/a,b:c%.py", entry="subs/a,b:c%.py",
                            message="100% dead\r\nnext: line, and more")
    first = github.annotations([g])[0]
    assert first == ("::error file=subs/a%2Cb%3Ac%25.py,title=subs/a%2Cb%3Ac%25.py%3A could not be checked (crash)"
                     "::100%25 dead%0D%0Anext: line, and more")
    assert "\n" not in first and "\r" not in first


def test_annotations_order_limit_and_summary(seed, correct, timeout, crash):
    lines = github.annotations([seed, correct, timeout, crash], limit=4)
    assert len(lines) == 4
    assert lines[-1] == "::error title=gradcheck::3 of 4 submissions did not pass"
    # the worst problem of each submission first: dL_dZ (rel. error 2.5) of the seed, then the load errors
    assert lines[0].startswith(f"::error file={SEED},line=22,title={SEED}%3A ∂L/∂Z (dL_dZ)::")
    assert "%0A" in lines[0] and "(1−y)·log(1−z)" in lines[0]
    assert "slow.py" in lines[1] and "subs/crash" in lines[2]
    everything = github.annotations([seed, correct, timeout, crash], limit=100)
    titles = [line.split("::")[1].split("title=")[1] for line in everything if SEED in line]
    assert titles == [f"{SEED}%3A ∂L/∂Z (dL_dZ)", f"{SEED}%3A ∂L/∂W (dL_dW)",  # rel. error 2.5, then 1.6
                      f"{SEED}%3A ∂L/∂V (dL_dV)"]  # then the missing one
    assert github.annotations([seed], limit=1) == ["::error title=gradcheck::1 of 1 submissions did not pass"]


def test_annotations_all_pass(correct):
    assert github.annotations([correct, correct]) == ["::notice title=gradcheck::all 2 submissions pass"]


def test_step_summary(seed, correct, tmp_path, monkeypatch):
    odd = dataclasses.replace(correct, submission="subs/a|b.py", message="x | y\nz")
    text = github.step_summary([seed, odd])
    lines = text.splitlines()
    assert "| submission | verdict | score | reason |" in lines
    assert f"| {SEED} | fail | 2 / 6 | 2 wrong, dL_dV missing |" in lines
    assert "| subs/a\\|b.py | pass | 5 / 5 | x \\| y z |" in lines
    target = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    github.write_step_summary(text)
    github.write_step_summary("more")
    assert target.read_text(encoding="utf-8") == text + "more\n"
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    github.write_step_summary("ignored")  # no-op


def test_guard_output():
    start, end = github.guard_output("::error::x")
    token = start.removeprefix("::stop-commands::")
    assert len(token) == 32 and end == f"::{token}::"
    assert github.guard_output("")[0] != start  # fresh every time


def test_derivative_that_raises_is_an_error_and_nan_is_a_failure():
    raises = graded("cases/bce/raises.py", verdict="error", message="dL_dW raised")
    nan = graded("cases/bce/nan_result.py", message="dL_dZ is NaN")
    suites = ET.fromstring(to_junit([raises, nan])).findall("testsuite")
    cases = {c.get("name"): c for s in suites for c in s.findall("testcase")}
    error = cases["∂L/∂W (dL_dW)"].find("error")
    assert error is not None and cases["∂L/∂W (dL_dW)"].find("failure") is None
    assert error.get("type") == "gradcheck.exception" and "raised" in error.text
    assert cases["∂L/∂Z (dL_dZ)"].find("failure").get("type") == "gradcheck.nan"
    data = json.loads(to_gradescope(nan), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert [t["status"] for t in data["tests"]] == ["passed", "failed"]
    json.loads(to_gradescope(raises))
    assert len(github.annotations([raises, nan])) == 3
