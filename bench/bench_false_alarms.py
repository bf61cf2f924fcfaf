"""False alarms: every bundled correct case, on every seed from 0 to 199 (or --seeds N).

    python bench/bench_false_alarms.py [--seeds 200]

A correct case is a manifest entry whose expected verdict is "pass". Prints, per case, how many
seeds did not pass (the target is none) and the worst detection limit seen, then the total time
against one run of the same cases on seed 0 (the ratio says what 200 seeds cost).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck import check  # noqa: E402


def options(args: list[str]) -> tuple[str | None, dict]:
    path, kw, it = None, {}, iter(args)
    for a in it:
        if a in ("--problem", "--layout", "--activation"):
            kw[a[2:]] = next(it)
        elif a == "--expr":
            kw.setdefault("exprs", []).append(next(it))
        else:
            path = a
    return path, kw


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=200)
    args = parser.parse_args()
    manifest = json.loads((ROOT / "cases" / "manifest.json").read_text())
    correct = [e for e in manifest if e["verdict"] == "pass"]
    start = time.perf_counter()
    for e in correct:
        path, kw = options(e["args"])
        check(str(ROOT / path) if path else None, seed=0, fix_budget=0, **kw)
    base = time.perf_counter() - start
    total_bad, start = 0, time.perf_counter()
    for e in correct:
        path, kw = options(e["args"])
        bad, limit = [], 0.0
        for seed in range(args.seeds):
            report = check(str(ROOT / path) if path else None, seed=seed, fix_budget=0, **kw)
            if report.verdict != "pass":
                bad.append((seed, report.verdict))
            limit = max([limit] + [d.detection_limit or 0.0 for d in report.derivatives])
        total_bad += len(bad)
        print(f"{e['id']:32s} not passing on {len(bad):3d} of {args.seeds} seeds {bad[:3] if bad else ''}"
              f"  worst detection limit {limit:.1e}")
    elapsed = time.perf_counter() - start
    print(f"{len(correct)} correct cases × {args.seeds} seeds: {total_bad} false alarms; "
          f"{elapsed:.1f} s, {elapsed / base:.0f}× one seed")


if __name__ == "__main__":
    main()
