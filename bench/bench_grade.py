"""Grading throughput: submissions per second for 200 ordinary submissions, sandboxed and not.

    python bench/bench_grade.py [--count 200] [--jobs 2]

Ordinary submissions: 4 of 5 are the bundled correct case, 1 of 5 the sign-flip case
(which triggers the diagnosis and the fix search). Both runs use the same process,
the same trials and the same submissions; the ratio is sandboxed / in-process.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck.grade import discover, grade  # noqa: E402


def make_submissions(folder: Path, count: int) -> None:
    correct = (ROOT / "cases/bce/correct.py").read_text()
    wrong = (ROOT / "cases/bce/sign_flip.py").read_text()
    for i in range(count):
        (folder / f"student_{i:03d}.py").write_text(wrong if i % 5 == 4 else correct)


def timed(targets, **options) -> tuple[float, list]:
    start = time.perf_counter()
    results = grade(targets, **options)
    return time.perf_counter() - start, results


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="gradcheck-bench-"))
    try:
        make_submissions(folder, args.count)
        targets = discover([folder])
        base, plain = timed(targets, sandbox=False, jobs=1)
        boxed, sandboxed = timed(targets, sandbox=True, jobs=args.jobs)
        assert [g.verdict for g in plain] == [g.verdict for g in sandboxed], "verdicts differ"
        print(f"{args.count} submissions, {args.jobs} jobs, {os.cpu_count()} cores")
        print(f"in-process (1 job):  {base:6.2f} s   {args.count / base:6.1f} submissions/s")
        print(f"sandboxed ({args.jobs} jobs):  {boxed:6.2f} s   {args.count / boxed:6.1f} submissions/s   "
              f"time ratio sandboxed/in-process {boxed / base:.2f}x")
        per = sorted(g.duration_s for g in sandboxed)
        print(f"sandboxed per-submission duration: median {per[len(per) // 2] * 1000:.0f} ms, "
              f"p95 {per[int(len(per) * 0.95)] * 1000:.0f} ms")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
