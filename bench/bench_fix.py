"""Cost of the suggested-fix search, as ratios against the same check without it (same process).

    python bench/bench_fix.py

For each case: the whole check with --fix-budget 0 (baseline) and with the default
budget of 2 s; the ratio is the price of the fix. The last row is a 60-node wrong
expression that no single or double edit repairs: the search must give up within
its budget.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck import check  # noqa: E402

CASES = [
    ("seed module", dict(path=str(ROOT / "cases/bce/seed_question.py"))),
    ("seed dL_dZ expr", dict(exprs=["dL_dZ=-(1/N)*(Y*(1/Z) + (1-Y)*(1 - 1/(Z-1)))"])),
    ("sign + transpose", dict(exprs=["dL_dW=(Y-Z) @ X / N"])),
    ("σ' twice", dict(exprs=["dL_dV=(Z-Y)*Z*(1-Z)/N"])),
    ("60-node, no fix", dict(exprs=["dL_dZ=" + " + ".join(["(Y*Z - (1-Y)*log(Z+2))/N"] * 5)])),
]


def timed(kwargs: dict, budget: float) -> tuple[float, object]:
    start = time.perf_counter()
    report = check(**kwargs, fix_budget=budget)
    return time.perf_counter() - start, report


if __name__ == "__main__":
    for label, kwargs in CASES:
        base, _ = timed(kwargs, 0.0)
        full, report = timed(kwargs, 2.0)
        fixes = [f"{d.suggested_fix.before} → {d.suggested_fix.after}" for d in report.derivatives if d.suggested_fix]
        print(f"{label:18s} without fix search {base * 1000:7.0f} ms   with {full * 1000:7.0f} ms   "
              f"ratio {full / base:5.1f}x   fixes: {'; '.join(fixes) or 'none'}")
