"""gradcheck grade through the real CLI: bundled cases, report files, resume, Gradescope, GitHub."""
import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from conftest import ROOT
from gradcheck.cli import cli

MANIFEST = json.loads((ROOT / "cases" / "manifest.json").read_text())
EXPECTED = {e["args"][0]: e["verdict"] for e in MANIFEST if len(e["args"]) == 1}


def grade(*args, env=None):
    return CliRunner(env=env).invoke(cli, ["grade", *args])


@pytest.fixture(scope="module")
def graded_cases(tmp_path_factory):
    out = tmp_path_factory.mktemp("grade")
    result = CliRunner().invoke(cli, ["grade", str(ROOT / "cases" / "bce"), "--jobs", "2", "--fix-budget", "0.2",
                                      "--json", str(out / "r.jsonl"), "--junit", str(out / "r.xml")])
    return result, out


def test_every_bundled_case_gets_its_verdict(graded_cases):
    result, out = graded_cases
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in (out / "r.jsonl").read_text().splitlines()]
    got = {str(__import__("pathlib").Path(r["submission"]).relative_to(ROOT)): r["verdict"] for r in rows}
    assert got == EXPECTED
    for row in rows:
        assert set(row) >= {"submission", "verdict", "score", "max_score", "derivatives", "message", "duration_s"}
        assert "unprivileged-user" in row["protections"] or "rlimit-as" in row["protections"]


def test_junit_has_a_suite_per_submission_and_failures_for_wrong_gradients(graded_cases):
    _, out = graded_cases
    root = ET.parse(out / "r.xml").getroot()
    suites = root.findall("testsuite")
    assert len(suites) == len(EXPECTED)
    seed = next(s for s in suites if s.get("name").endswith("seed_question.py"))
    failures = [c for c in seed.iter("testcase") if c.find("failure") is not None]
    assert {c.get("name") for c in failures} == {"∂L/∂Z (dL_dZ)", "∂L/∂W (dL_dW)"}
    assert "(1−y)·log(1−z)" in failures[0].find("failure").text
    raises = next(s for s in suites if s.get("name").endswith("raises.py"))
    assert any(c.find("error") is not None for c in raises.iter("testcase"))


def test_resume_skips_what_is_already_graded(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.py").write_text((ROOT / "cases/bce/correct.py").read_text())
    results = tmp_path / "r.jsonl"
    first = grade(str(folder / "a.py"), "--json", str(results))
    assert first.exit_code == 0
    (results).write_text(results.read_text() + '{"submission": "trunc')  # the grader crashed mid-line
    again = grade(str(folder), "--json", str(results), "--resume")
    assert again.exit_code == 0, again.output
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert sorted(r["submission"] for r in rows) == sorted(str(folder / f"{n}.py") for n in ("a", "b"))


def test_gradescope_for_one_submission_folder(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "gradients.py").write_text((ROOT / "cases/bce/seed_question.py").read_text())
    results = tmp_path / "results.json"
    r = grade(str(submission), "--entry", "gradients.py", "--gradescope", str(results), "--require", "dL_dW,dL_dV")
    assert r.exit_code == 1, r.output
    data = json.loads(results.read_text())
    assert set(data) == {"score", "output", "execution_time", "output_format", "tests"}
    assert data["score"] == 2.0  # dV_dW and dZ_dV pass; dL_dZ, dL_dW fail; dL_dV required but missing
    assert sum(t["max_score"] for t in data["tests"]) == 5.0


def test_every_output_at_once_for_the_bundled_cases(tmp_path):
    """The issue's own command: every format for a folder of submissions in one run."""
    paths = {k: tmp_path / n for k, n in (("junit", "r.xml"), ("gradescope", "g.json"), ("json", "r.jsonl"))}
    r = grade(str(ROOT / "cases/bce"), "--fix-budget", "0", *[a for k, p in paths.items() for a in (f"--{k}", str(p))])
    assert r.exit_code == 1, r.output
    rows = [json.loads(line) for line in paths["json"].read_text().splitlines()]
    assert len(rows) == len(EXPECTED)
    assert len(ET.parse(paths["junit"]).getroot().findall("testsuite")) == len(EXPECTED)
    data = json.loads(paths["gradescope"].read_text())
    assert set(data) == {"score", "output", "execution_time", "output_format", "tests"}
    assert data["score"] == sum(row["score"] for row in rows)
    assert any(t["name"].startswith(str(ROOT / "cases/bce/seed_question.py")) for t in data["tests"])


def test_github_annotations_and_step_summary(tmp_path):
    summary = tmp_path / "summary.md"
    r = grade(str(ROOT / "cases/bce/seed_question.py"), str(ROOT / "cases/bce/correct.py"), "--github",
              env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    stop = next(line for line in lines if line.startswith("::stop-commands::"))
    token = stop.split("::")[2]
    assert f"::{token}::" in lines  # the table of submission names was fenced off
    errors = [line for line in lines if line.startswith("::error")]
    assert any("seed_question.py" in line and "line=" in line for line in errors)
    assert "| verdict |" in summary.read_text() or "verdict" in summary.read_text()


def test_unknown_weight_name_is_a_usage_error():
    r = grade(str(ROOT / "cases/bce/correct.py"), "--weight", "dL_dQ=2")
    assert r.exit_code == 2 and "dL_dQ" in r.output


def test_weights_and_required_functions_change_the_score(tmp_path):
    results = tmp_path / "r.jsonl"
    assert grade(str(ROOT / "cases/bce/seed_question.py"), "--weight", "dL_dW=3", "--require", "dL_dV",
                 "--json", str(results)).exit_code == 1
    row = json.loads(results.read_text())
    assert row["score"] == 2.0 and row["max_score"] == 1 + 1 + 1 + 3 + 1
    assert row["missing"] == ["dL_dV"]


def test_without_bwrap_the_rlimit_sandbox_still_grades(tmp_path, monkeypatch):
    import gradcheck.submission.sandbox as sandbox

    monkeypatch.setenv("GRADCHECK_BWRAP", "0")
    results = tmp_path / "r.jsonl"
    assert grade(str(ROOT / "cases/bce/correct.py"), str(ROOT / "cases/bce/raises.py"), "--json", str(results)).exit_code == 1
    rows = {json.loads(line)["submission"].rsplit("/", 1)[1]: json.loads(line) for line in results.read_text().splitlines()}
    assert rows["correct.py"]["verdict"] == "pass" and rows["raises.py"]["verdict"] == "error"
    assert "pid-namespace" not in rows["correct.py"]["protections"] and "rlimit-as" in rows["correct.py"]["protections"]
    assert sandbox.bwrap_prefix("/tmp") == []


def test_a_symlinked_submission_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2")
    link = tmp_path / "gradients.py"
    link.symlink_to(secret)
    results = tmp_path / "r.jsonl"
    assert grade(str(link), "--json", str(results)).exit_code == 1
    row = json.loads(results.read_text())
    assert row["verdict"] == "error" and "symbolic link" in row["message"]


def test_grading_with_a_custom_problem_file(tmp_path):
    results = tmp_path / "r.jsonl"
    r = grade(str(ROOT / "cases/custom/huber_correct.py"), str(ROOT / "cases/custom/huber_unclipped.py"),
              "--problem", str(ROOT / "cases/custom/huber_problem.py"), "--json", str(results))
    assert r.exit_code == 1, r.output
    rows = {json.loads(line)["submission"].rsplit("/", 1)[1]: json.loads(line) for line in results.read_text().splitlines()}
    assert rows["huber_correct.py"]["verdict"] == "pass" and rows["huber_unclipped.py"]["verdict"] == "fail"


def test_grading_the_rows_layout_and_relu(tmp_path):
    results = tmp_path / "r.jsonl"
    r = grade(str(ROOT / "cases/bce_rows"), "--layout", "rows", "--json", str(results), "--fix-budget", "0")
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert r.exit_code == 1 and any(row["verdict"] == "pass" for row in rows)
    assert all(row["verdict"] in ("pass", "fail") for row in rows)
