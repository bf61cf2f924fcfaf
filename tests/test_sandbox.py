"""Hostile submissions against the sandbox, through the real CLI in a subprocess.

Every file in tests/hostile/ is one threat (its docstring says what it tries); the whole folder is
graded once (module fixture) and each result is checked against EXPECTED. Files in
tests/hostile/__isolated__/ (skipped by discovery) are graded on their own by the tests below.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"
ISOLATED = HOSTILE / "__isolated__"
SECRET_NAME, SECRET = "GRADCHECK_TEST_SECRET", "hunter2"
MARKER_FILE = Path("/tmp/gradcheck-hostile-marker-7c1e9")  # written by hostile_array_object.py if it escapes
RUNNER_NAME, RUNNER_STOP = "ghrun5150", Path("/tmp/gradcheck-hostile-stop-5150")  # __isolated__/fork_runner.py
LEFTOVER_ARGV = (["sleep", "313"], ["sleep", "314"])  # escape_processes.py

# file → verdict (see gradcheck/grade.py); a set where either outcome means "contained".
EXPECTED: dict[str, str | set[str]] = {
    "control_correct.py": "pass",
    "control_wrong.py": "fail",
    "loop_in_call.py": "timeout",  # the wall budget (3 s) ends it; the in-child alarm would too
    "loop_at_import.py": "timeout",
    "sleep_in_call.py": "timeout",
    "memory_bomb.py": "memory",  # RLIMIT_AS: MemoryError inside the call
    # touching ~1 GiB page by page takes a while on a slow or loaded machine: memory, or out of time
    "memory_growing.py": {"memory", "timeout"},
    "sys_exit_at_import.py": "crash",
    "os_exit_in_call.py": "crash",
    "segfault_in_call.py": "crash",
    "flood_output.py": "pass",
    "monkeypatch_numpy.py": "fail",  # the comparison happens in the grader, not in the patched child
    "hostile_array_object.py": "pass",  # converted to a plain array in the child
    "read_grader_environment.py": "pass",  # a fail here means it found the secret
    "ci_environment_probe.py": "pass",  # a fail here means it saw CI / GITHUB_* variables
    "overwrite_grader_outputs.py": "pass",
    "escape_processes.py": "pass",
    "busy_threads.py": "pass",
    "huge_result.py": "error",  # refused by the worker (more than MAX_RESULT_ELEMENTS)
    "nan_result.py": "fail",
    "raises.py": "error",
    "syntax_error.py": "error",
    "no_functions.py": "error",
    "infinite_recursion.py": "error",  # RecursionError inside the call
}

# The grader's environment: a secret and CI variables that no submission may see.
GRADER_ENV = {SECRET_NAME: SECRET, "GITHUB_TOKEN": SECRET, "GITHUB_ENV": "/tmp/gradcheck-hostile-github-env",
              "GITHUB_ACTIONS": "true", "CI": "true"}


# ---------------------------------------------------------------- helpers

def _environment(tmpdir: Path | None = None, **extra: str) -> dict[str, str]:
    """The grader's environment. TMPDIR stays the default (/tmp) unless given: see the private-TMPDIR bug."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env.update({"COLUMNS": "200"}, **extra)
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    return env


def _gradcheck(args: list[str], env: dict[str, str], timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "gradcheck", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout)
    return result, time.monotonic() - start


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _processes() -> list[tuple[int, list[str], str, bytes]]:
    """(pid, argv, comm, environ) of every live (non-zombie) process."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        status = _read(f"/proc/{entry}/stat")
        if not status or status[status.rfind(b")") + 2:][:1] == b"Z":
            continue
        argv = [a.decode(errors="replace") for a in _read(f"/proc/{entry}/cmdline").split(b"\0") if a]
        comm = _read(f"/proc/{entry}/comm").decode(errors="replace").strip()
        found.append((int(entry), argv, comm, _read(f"/proc/{entry}/environ")))
    return found


def _leftovers(tmpdir: Path | None = None) -> list[str]:
    """Processes left by the hostile submissions: the markers, and anything whose environment names
    the run's private TMPDIR (the workers and every child, whatever it exec'd)."""
    needle = os.fsencode(str(tmpdir)) if tmpdir is not None else None
    return [
        f"{pid}: {' '.join(argv) or comm}"
        for pid, argv, comm, environ in _processes()
        if pid != os.getpid() and (argv in LEFTOVER_ARGV or comm == RUNNER_NAME or (needle and needle in environ))
    ]


def _wait_for_no_leftovers(tmpdir: Path | None = None, grace: float = 2.0) -> list[str]:
    deadline = time.monotonic() + grace
    while True:
        left = _leftovers(tmpdir)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def _sandbox_folders() -> set[str]:
    return {p.name for p in Path("/tmp").glob("gradcheck-*") if p.is_dir() and not p.name.startswith("gradcheck-hostile")}


def _rows(path: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {Path(r["submission"]).name: r for r in rows}


# ---------------------------------------------------------------- the whole folder, graded once

@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile-out")
    MARKER_FILE.unlink(missing_ok=True)
    before = _leftovers()
    json_path, junit_path = out / "results.json", out / "junit.xml"
    result, seconds = _gradcheck(
        ["grade", "tests/hostile", "--timeout", "3", "--memory", "1G", "--jobs", "2",
         "--json", str(json_path), "--junit", str(junit_path)],
        _environment(None, **GRADER_ENV),
    )
    return {"result": result, "seconds": seconds, "json": json_path, "junit": junit_path, "out": out,
            "before": before}


def test_every_hostile_file_has_an_expected_verdict():
    assert sorted(p.name for p in HOSTILE.glob("*.py")) == sorted(EXPECTED)


def test_grading_completes_with_exit_code_1(hostile_run):
    r = hostile_run["result"]
    assert r.returncode == 1, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr + r.stdout
    assert "internal error" not in r.stderr
    assert hostile_run["seconds"] < 40, f"the hostile run took {hostile_run['seconds']:.1f} s"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_verdict(hostile_run, name):
    rows = _rows(hostile_run["json"])
    assert name in rows, f"no result line for {name}"
    expected = EXPECTED[name]
    allowed = expected if isinstance(expected, set) else {expected}
    assert rows[name]["verdict"] in allowed, (rows[name]["verdict"], rows[name]["message"])


def test_results_file_has_one_line_per_submission(hostile_run):
    lines = [line for line in hostile_run["json"].read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [json.loads(line) for line in lines]  # every line parses (nothing was written into the file)
    assert all(isinstance(r, dict) and "verdict" in r for r in rows)
    assert sorted(Path(r["submission"]).name for r in rows) == sorted(EXPECTED)


def test_junit_parses_with_one_testsuite_per_submission(hostile_run):
    root = ET.parse(hostile_run["junit"]).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert sorted(Path(s.get("name")).name for s in suites) == sorted(EXPECTED)


def test_only_the_grader_wrote_into_the_output_folder(hostile_run):
    assert sorted(p.name for p in hostile_run["out"].iterdir()) == ["junit.xml", "results.json"]
    for path in (hostile_run["json"], hostile_run["junit"]):
        assert not path.is_symlink() and path.stat().st_uid == os.getuid()
        assert b"pwned" not in path.read_bytes()


def test_output_flood_is_capped(hostile_run):
    assert hostile_run["json"].stat().st_size < 1_000_000
    assert hostile_run["junit"].stat().st_size < 1_000_000
    assert len(hostile_run["result"].stdout) + len(hostile_run["result"].stderr) < 200_000


def test_secret_never_appears_in_any_output(hostile_run):
    r = hostile_run["result"]
    for text in (r.stdout, r.stderr, hostile_run["json"].read_text(), hostile_run["junit"].read_text()):
        assert SECRET not in text and SECRET_NAME not in text


def test_hostile_array_object_never_ran_in_the_grader(hostile_run):
    assert not MARKER_FILE.exists(), MARKER_FILE.read_text()


def test_no_processes_are_left_behind(hostile_run):
    left = _wait_for_no_leftovers()
    assert [p for p in left if p not in hostile_run["before"]] == []


# ---------------------------------------------------------------- gradcheck check

def test_check_of_a_sleeping_submission_times_out_in_one_line():
    before = _sandbox_folders()
    result, seconds = _gradcheck(["check", "tests/hostile/sleep_in_call.py", "--timeout", "1"], _environment())
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "did not finish" in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert seconds < 15
    assert _wait_for_no_leftovers() == []
    assert _sandbox_folders() <= before  # its /tmp/gradcheck-* folder is gone (others' runs may add theirs)


def test_no_sandbox_checks_a_correct_submission(tmp_path):
    result, _ = _gradcheck(["check", "tests/hostile/control_correct.py", "--no-sandbox"], _environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "match" in result.stdout


def test_child_environment_has_no_ci_variables(tmp_path):
    out = tmp_path / "results.json"
    tmpdir = None
    result, _ = _gradcheck(["grade", "tests/hostile/ci_environment_probe.py", "--timeout", "5", "--json", str(out)],
                           _environment(tmpdir, GITHUB_ENV=str(tmp_path / "github-env"), CI="true",
                                        GITHUB_ACTIONS="true", GITHUB_TOKEN=SECRET, CI_JOB_TOKEN=SECRET))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _rows(out)["ci_environment_probe.py"]["verdict"] == "pass"


# ---------------------------------------------------------------- graded on their own

def test_a_fork_runner_does_not_outlive_the_grader(tmp_path):
    RUNNER_STOP.unlink(missing_ok=True)
    out = tmp_path / "results.json"
    try:
        result, _ = _gradcheck(["grade", str(ISOLATED / "fork_runner.py"), "--timeout", "5", "--json", str(out)],
                               _environment())
        assert result.returncode == 0, result.stdout + result.stderr
        assert _rows(out)["fork_runner.py"]["verdict"] == "pass"
        time.sleep(0.5)  # a runner that escaped would still be forking now
        assert _wait_for_no_leftovers() == []
    finally:
        RUNNER_STOP.touch()  # an escaped runner stops at once (and by itself after 20 s anyway)
        time.sleep(0.1)
        RUNNER_STOP.unlink(missing_ok=True)


def _bwrap_works() -> bool:
    from gradcheck.submission.sandbox import bwrap_prefix

    return bool(bwrap_prefix("/tmp"))


_BWRAP = os.environ.get("GRADCHECK_BWRAP", "1") != "0" and _bwrap_works()
@pytest.mark.parametrize("bwrap", [
    pytest.param("default"),
    pytest.param("off"),
])
def test_a_submission_cannot_kill_another_one_graded_at_the_same_time(tmp_path, bwrap):
    out = tmp_path / "results.json"
    extra = {"GRADCHECK_BWRAP": "0"} if bwrap == "off" else {}
    result, _ = _gradcheck(["grade", str(ISOLATED / "kill_everyone.py"), str(ISOLATED / "victim_slow_correct.py"),
                            "--timeout", "6", "--jobs", "2", "--json", str(out)], _environment(**extra))
    rows = _rows(out)
    assert rows["kill_everyone.py"]["verdict"] == "pass"
    assert rows["victim_slow_correct.py"]["verdict"] == "pass", rows["victim_slow_correct.py"]["message"]


def test_a_submission_may_import_modules_the_worker_did_not_preload(tmp_path):
    out = tmp_path / "results.json"
    result, _ = _gradcheck(["grade", str(ISOLATED / "imports_stdlib.py"), "--timeout", "5", "--json", str(out)],
                           _environment())
    assert _rows(out)["imports_stdlib.py"]["verdict"] == "pass", _rows(out)["imports_stdlib.py"]["message"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the submission must run as another user than the grader")
def test_a_planted_symlink_cannot_change_the_report_permissions(tmp_path):
    unique = uuid.uuid4().hex[:12]
    bait, report = Path(f"/tmp/gradcheck-hostile-bait-{unique}"), Path(f"/tmp/gradcheck-hostile-report-{unique}.xml")
    submission = tmp_path / "plant_symlink.py"
    submission.write_text(
        '"""Plants a symlink at the --junit path (not written yet) to a 0o777 file of its own."""\n'
        "import os\n\n"
        f"open({str(bait)!r}, 'w').close()\n"
        f"os.chmod({str(bait)!r}, 0o777)\n"
        f"os.symlink({str(bait)!r}, {str(report)!r})\n\n\n"
        "def dL_dZ(Y, Z, N):\n"
        "    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))\n"
    )
    try:
        result, _ = _gradcheck(["grade", str(submission), "--timeout", "5", "--junit", str(report)],
                               _environment())
        # Under bwrap the submission cannot even reach the real /tmp (an error while loading);
        # without it the symlink is planted. Either way the report must be the grader's own file.
        assert result.returncode in (0, 1), result.stdout + result.stderr
        assert not report.is_symlink()
        assert report.stat().st_mode & 0o022 == 0, oct(report.stat().st_mode)
    finally:
        bait.unlink(missing_ok=True)
        report.unlink(missing_ok=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader drops the child to another user")
def test_a_private_tmpdir_does_not_break_the_sandbox(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    out = tmp_path / "results.json"
    result, _ = _gradcheck(["grade", "tests/hostile/control_correct.py", "--timeout", "5", "--json", str(out)],
                           _environment(private))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _rows(out)["control_correct.py"]["verdict"] == "pass"


def test_write_atomic_replaces_a_planted_symlink_with_a_private_file(tmp_path):
    from gradcheck.grading.results import write_atomic

    bait = tmp_path / "bait"
    bait.write_text("")
    bait.chmod(0o777)
    report = tmp_path / "report.xml"
    report.symlink_to(bait)
    write_atomic(report, "<testsuites/>")
    assert not report.is_symlink() and report.read_text() == "<testsuites/>"
    assert report.stat().st_mode & 0o022 == 0 and bait.read_text() == ""
