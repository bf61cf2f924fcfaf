"""The example submissions in cases/: every file and expression set, checked against cases/manifest.json.

Each manifest entry pins the exit code, the overall verdict and, per derivative, the
verdict, the diverging loss terms (exact, when pinned), finding kinds that must be
present and warning kinds that must be present.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcheck.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
MANIFEST = json.loads((CASES / "manifest.json").read_text(encoding="utf-8"))
ENTRY_KEYS = {"id", "args", "exit_code", "verdict", "derivatives", "warnings", "note"}
DERIVATIVE_KEYS = {"verdict", "diverging_terms", "finding_kinds", "suggested_fix"}


def run_json(args: list[str], monkeypatch) -> tuple[int, dict]:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["check", *args, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    try:
        report = json.loads(result.output)
    except json.JSONDecodeError:
        pytest.fail(f"not JSON (exit {result.exit_code}):\n{result.output}")
    return result.exit_code, report


def test_manifest_is_well_formed():
    ids = [e["id"] for e in MANIFEST]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for entry in MANIFEST:
        assert set(entry) <= ENTRY_KEYS, entry["id"]
        assert entry["derivatives"], entry["id"]
        for name, pinned in entry["derivatives"].items():
            assert set(pinned) <= DERIVATIVE_KEYS, (entry["id"], name)
        assert set(entry.get("warnings", {})) <= set(entry["derivatives"]), entry["id"]


def problem_of(args: list[str]) -> str:
    """The --problem argument of a manifest entry (the CLI's default: bce)."""
    return args[args.index("--problem") + 1] if "--problem" in args else "bce"


def test_manifest_covers_every_case_file():
    """Every submission under cases/ (any depth) has an entry; problem definitions (*_problem.py) are
    no submissions, they are named by --problem."""
    files = {p.relative_to(ROOT).as_posix() for p in CASES.rglob("*.py") if not p.name.endswith("_problem.py")}
    problems = {problem_of(e["args"]) for e in MANIFEST}
    covered = {a for e in MANIFEST for a in e["args"] if a.endswith(".py") and a not in problems}
    assert files, "no case files"
    assert files - covered == set(), "case files without a manifest entry"
    assert covered - files == set(), "manifest names files that do not exist"


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["id"] for e in MANIFEST])
def test_case(entry, monkeypatch):
    exit_code, report = run_json(entry["args"], monkeypatch)
    assert report["problem"] == problem_of(entry["args"])
    assert exit_code == entry["exit_code"]
    assert report["verdict"] == entry["verdict"]

    results = {d["name"]: d for d in report["derivatives"]}
    assert set(results) == set(entry["derivatives"]), "derivatives checked differ from those pinned"
    for name, pinned in entry["derivatives"].items():
        got = results[name]
        where = f"{entry['id']}: {name}"
        assert got["verdict"] == pinned["verdict"], f"{where}: {got['message']}"
        if "diverging_terms" in pinned:
            assert got["diverging_terms"] == pinned["diverging_terms"], where
        kinds = {f["kind"] for f in got["findings"]}
        if "finding_kinds" in pinned:  # exactly these: a pattern that does not match is never reported
            assert kinds == set(pinned["finding_kinds"]), f"{where}: findings {sorted(kinds)}"
        elif got["verdict"] == "pass":
            assert not kinds, f"{where}: a passing derivative reports {sorted(kinds)}"
        if "suggested_fix" in pinned:
            assert (got["suggested_fix"] is not None) == pinned["suggested_fix"], where
        if got["suggested_fix"] is not None:
            assert got["suggested_fix"]["passes"] is True
        warning_kinds = {w["kind"] for w in got["warnings"]}
        assert set(entry.get("warnings", {}).get(name, ())) <= warning_kinds, f"{where}: warnings {sorted(warning_kinds)}"


def test_seed_question_text_report():
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    env["NO_COLOR"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "gradcheck", "check", "cases/bce/seed_question.py"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "(1−y)·log(1−z)" in proc.stdout
    assert "shape" in proc.stdout


def test_relu_kink_is_skipped_and_passes(monkeypatch):
    """On the kink trial (one V1 a hair above 0) the ReLU network's correct submission has elements
    whose finite difference straddles the kink: they are skipped, not misjudged, and it passes."""
    exit_code, report = run_json(["cases/mlp_relu/correct.py", "--problem", "mlp", "--activation", "relu"], monkeypatch)
    assert exit_code == 0
    assert report["verdict"] == "pass"
    assert all(d["verdict"] == "pass" for d in report["derivatives"])
    skipped = {d["name"]: t["skipped"] for d in report["derivatives"] for t in d["trials"] if t["trial"] == "kink"}
    assert skipped, "no kink trial"
    assert any(n > 0 for n in skipped.values()), skipped
    assert skipped["dA1_dV1"] > 0 and skipped["dL_dV1"] > 0, skipped


FIXED = [e for e in MANIFEST if any(p.get("suggested_fix") for p in e["derivatives"].values())]


@pytest.mark.parametrize("entry", FIXED, ids=[e["id"] for e in FIXED])
def test_every_suggested_fix_passes_when_applied(entry, monkeypatch):
    """Apply every suggested fix of a case as --expr and check again: each fixed derivative passes
    (an assembly fix, verified with correct parts, passes once those parts pass too)."""
    _, report = run_json(entry["args"], monkeypatch)
    fixes = {d["name"]: d["suggested_fix"]["expression_after"] for d in report["derivatives"] if d["suggested_fix"]}
    args = [a for a in entry["args"]]
    given = {args[i + 1].split("=", 1)[0]: i for i, a in enumerate(args) if a == "--expr"}
    for name, text in fixes.items():
        if name in given:
            args[given[name] + 1] = f"{name}={text}"
        else:
            args += ["--expr", f"{name}={text}"]
    _, fixed = run_json(args, monkeypatch)
    results = {d["name"]: d for d in fixed["derivatives"]}
    for d in report["derivatives"]:
        fix = d["suggested_fix"]
        if fix and all(results[p]["verdict"] == "pass" for p in fix["with_parts"]):
            assert results[d["name"]]["verdict"] == "pass", (d["name"], fixes[d["name"]], results[d["name"]]["message"])
