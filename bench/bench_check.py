"""Speed of gradcheck, as ratios against baselines run in the same process.

    python bench/bench_check.py

1. Start-up: `python -m gradcheck check cases/bce/seed_question.py` against
   `python -c "import numpy"` (the floor any numpy tool pays).
2. The dL/dW reference at growing sizes: gradcheck's batched Richardson
   differences (6 evaluations per coordinate, vectorized, perturbing V = W X
   along X's rows as the BCE problem does) against a plain
   Python loop of 2-point central differences over the coordinates (2
   evaluations each), the way a hand-written checker does it.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradcheck.mathfn import log_one_minus_sigmoid, log_sigmoid  # noqa: E402
from gradcheck.numerics import finite_diff  # noqa: E402


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def startup() -> None:
    run = lambda args: subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, env={"NO_COLOR": "1", "PATH": ""})
    base = best_of(lambda: run(["-c", "import numpy"]), 5)
    full = best_of(lambda: run(["-m", "gradcheck", "check", "cases/bce/seed_question.py"]), 5)
    print(f"start-up   import numpy: {base * 1000:6.0f} ms   gradcheck check seed case: {full * 1000:6.0f} ms   ratio {full / base:.1f}x")


def loss(W, X, Y):
    return loss_of_v(W @ X, Y)


def loss_of_v(V, Y):
    n = V.shape[-1]
    return -(np.sum(Y * log_sigmoid(V), axis=-1) + np.sum((1 - Y) * log_one_minus_sigmoid(V), axis=-1)).squeeze(-1) / n


def loop_reference(W, X, Y):
    g = np.empty_like(W)
    for j in range(W.shape[1]):
        h = finite_diff.STEP * max(1.0, abs(W[0, j]))
        e = np.zeros_like(W)
        e[0, j] = h
        g[0, j] = (loss(W + e, X, Y) - loss(W - e, X, Y)) / (2 * h)
    return g


def reference_scaling() -> None:
    rng = np.random.default_rng(0)
    for m, n in [(10, 100), (100, 1000), (1000, 2000)]:
        W, X = rng.normal(size=(1, m)) * 0.1, rng.normal(size=(m, n))
        Y = (rng.random((1, n)) < 0.5).astype(float)
        exact = (1 / (1 + np.exp(-(W @ X))) - Y) @ X.T / n
        loop_t = best_of(lambda: loop_reference(W, X, Y), 1 if m >= 1000 else 3)
        through_v = lambda Vb: loss_of_v(Vb, Y)
        batched_t = best_of(lambda: finite_diff.jacobian(through_v, W, linear_map=X), 1 if m >= 1000 else 3)
        est = finite_diff.jacobian(through_v, W, linear_map=X)
        loop_err = np.max(np.abs(loop_reference(W, X, Y) - exact)) / np.max(np.abs(exact))
        ours_err = np.max(np.abs(est.value - exact)) / np.max(np.abs(exact))
        print(
            f"dL/dW M={m:5d} N={n:5d}   loop 2-point: {loop_t * 1000:8.1f} ms (rel err {loop_err:.1e})   "
            f"gradcheck batched Richardson: {batched_t * 1000:8.1f} ms (rel err {ours_err:.1e}, "
            f"bound {np.max(est.error) / np.max(np.abs(exact)):.1e})   time ratio {batched_t / loop_t:.2f}x"
        )


if __name__ == "__main__":
    startup()
    reference_scaling()
