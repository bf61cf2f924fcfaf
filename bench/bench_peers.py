"""gradcheck against the established gradient checkers, on the BCE perceptron's dL/dW.

    pip install -e '.[bench]'        # torch==2.13.0, scipy, numdifftools (optional: missing peers are skipped)
    python bench/bench_peers.py      # the table in the README; --quick for a smaller run

Every tool runs in its own process, on the same data (seeded), and answers one question per
case: is this gradient wrong? Cases: the exact gradient with one element off by a relative
1e-2, 1e-4, 1e-6 and 1e-8 of the gradient's largest element ("flags"), and the exact gradient on
20 ordinary and 20 saturated seeds (max |V| = 16; "false alarms"). Times are the median over the
correct cases, with the ratio to the hand-vectorized numpy central-difference baseline.

Verdict rules of the peers (their usual use): torch.autograd.gradcheck with its defaults
(eps 1e-6, atol 1e-5, rtol 1e-3), and fast_mode; scipy.optimize.check_grad flags when the
difference norm exceeds 1e-6 × the gradient's norm (direction "all", and "random");
numdifftools.Gradient flags when any element differs by more than 1e-7 of the largest;
the numpy baseline uses CS231n's elementwise relative error |a − b| / max(|a|, |b|) > 1e-7.
gradcheck uses `mode="auto"`: all elements for small gradients, directional derivatives
with group testing above 512 coordinates.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(10, 100), (100, 1000), (1000, 2000)]
SCALE_SIZE = (100_000, 50)  # for the scale modes: only tools that do not difference every coordinate one by one
SCALE_TOOLS = ("numpy", "gradcheck", "torch-fast", "scipy-random")
INJECTED = [1e-2, 1e-4, 1e-6, 1e-8]
TOOLS = ["numpy", "gradcheck", "torch", "torch-fast", "scipy-all", "scipy-random", "numdifftools"]


# ----------------------------------------------------------------------------------- the problem
def data(m: int, n: int, seed: int, saturated: bool = False):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (m, n))
    W = rng.normal(0, 1 / np.sqrt(m), (1, m))
    if saturated:  # scale W so the largest |V| is 16
        W *= 16 / np.max(np.abs(W @ X))
    Y = (rng.random((1, n)) < 0.5).astype(float)
    return W, X, Y


def loss_of_v(V, Y):
    n = V.shape[-1]
    return (np.sum(Y * np.logaddexp(0, -V), axis=-1) + np.sum((1 - Y) * np.logaddexp(0, V), axis=-1)).squeeze(-1) / n


def exact_gradient(W, X, Y):
    V = W @ X
    Z = np.exp(-np.logaddexp(0, -V))
    return (Z - Y) @ X.T / X.shape[1]


def cases(m: int, n: int, quick: bool):
    """(label, W, X, Y, gradient, is_wrong)."""
    W, X, Y = data(m, n, 0)
    g = exact_gradient(W, X, Y)
    out = []
    for size in INJECTED:
        bad = g.copy()
        bad[0, m // 2] += size * np.max(np.abs(g))
        out.append((f"inject {size:g}", W, X, Y, bad, True))
    seeds = 3 if quick or m > 10_000 else 20
    for seed in range(1, seeds + 1):
        for saturated in (False, True):
            W2, X2, Y2 = data(m, n, seed, saturated)
            out.append((f"{'saturated' if saturated else 'normal'} {seed}", W2, X2, Y2, exact_gradient(W2, X2, Y2), False))
    return out


# ------------------------------------------------------------------------------------- the tools
class Counter:
    def __init__(self):
        self.evaluations = 0


def tool_numpy(W, X, Y, g, counter):
    h = 1e-6
    V = W @ X
    plus = loss_of_v(V[None] + h * X[:, None, :], Y)  # (M,): every W_j perturbed at once
    minus = loss_of_v(V[None] - h * X[:, None, :], Y)
    counter.evaluations += 2 * W.size
    numeric = (plus - minus) / (2 * h)
    rel = np.abs(numeric - g[0]) / np.maximum(np.maximum(np.abs(numeric), np.abs(g[0])), 1e-300)
    return bool(np.max(rel) > 1e-7)


def tool_gradcheck(W, X, Y, g, counter):
    from gradcheck.numerics import directional
    from gradcheck.numerics.compare import compare
    from gradcheck.problems.bce import BCEPerceptron, make_trial
    from gradcheck.submission.base import to_outcome

    from gradcheck.scale import AUTO_THRESHOLD

    problem = BCEPerceptron()
    trial = make_trial("bench", "", W, X, Y)
    if W.size > AUTO_THRESHOLD:  # what --mode auto does
        x, along = problem.loss_along("dL_dW", trial)
        result = directional.check(x, g, along)
        counter.evaluations += result.evaluations
        return not result.passed
    reference = problem.reference("dL_dW", trial)
    counter.evaluations += 6 * W.size + 8
    return compare(to_outcome(g), reference.value, reference.error, trial="bench", shape_text="").result.status != "pass"


def _torch_function(X, Y, g):
    import torch

    Xt, Yt, gt = (torch.tensor(a, dtype=torch.float64) for a in (X, Y, g))

    class Loss(torch.autograd.Function):  # forward: the real loss; backward: the gradient under test
        @staticmethod
        def forward(ctx, w):
            v = w @ Xt
            return (Yt * torch.nn.functional.softplus(-v) + (1 - Yt) * torch.nn.functional.softplus(v)).sum() / Xt.shape[1]

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * gt

    return Loss.apply


def tool_torch(W, X, Y, g, counter, fast=False):
    import torch

    fn = _torch_function(X, Y, g)

    def counted(w):
        counter.evaluations += 1
        return fn(w)

    w = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    ok = torch.autograd.gradcheck(counted, (w,), raise_exception=False, fast_mode=fast)
    return not ok


def tool_scipy(W, X, Y, g, counter, direction="all"):
    from scipy.optimize import check_grad

    def f(w):
        counter.evaluations += 1
        return float(loss_of_v((w @ X)[None, None], Y)[0])

    err = check_grad(f, lambda w: g[0], W[0], direction=direction, seed=0)
    norm = np.linalg.norm(g) if direction == "all" else abs(float(g[0] @ np.ones_like(g[0]))) or 1.0
    return bool(err > 1e-6 * max(norm, 1e-300))


def tool_numdifftools(W, X, Y, g, counter):
    import numdifftools as nd

    def f(w):
        counter.evaluations += 1
        return float(loss_of_v((w @ X)[None, None], Y)[0])

    numeric = nd.Gradient(f)(W[0])
    return bool(np.max(np.abs(numeric - g[0])) > 1e-7 * np.max(np.abs(g)))


RUNNERS = {
    "numpy": tool_numpy, "gradcheck": tool_gradcheck,
    "torch": tool_torch, "torch-fast": lambda *a: tool_torch(*a, fast=True),
    "scipy-all": tool_scipy, "scipy-random": lambda *a: tool_scipy(*a, direction="random"),
    "numdifftools": tool_numdifftools,
}
AVAILABLE = {"torch": "torch", "torch-fast": "torch", "scipy-all": "scipy", "scipy-random": "scipy",
             "numdifftools": "numdifftools"}


def run_tool(tool: str, m: int, n: int, quick: bool, budget: float) -> dict:
    """In this (child) process: every case for one tool and size."""
    module = AVAILABLE.get(tool)
    if module:
        try:
            __import__(module)
        except ImportError:
            return {"skipped": f"{module} not installed"}
    runner = RUNNERS[tool]
    flags, false_alarms, times, evaluations, done = {}, 0, [], [], 0
    start = time.perf_counter()
    for label, W, X, Y, g, wrong in cases(m, n, quick):
        if time.perf_counter() - start > budget:
            break
        counter = Counter()
        t0 = time.perf_counter()
        flagged = runner(W, X, Y, g, counter)
        elapsed = time.perf_counter() - t0
        done += 1
        if wrong:
            flags[label.split()[1]] = flagged
        else:
            times.append(elapsed)
            evaluations.append(counter.evaluations)
            false_alarms += int(flagged)
    correct_cases = sum(1 for c in cases(m, n, quick) if not c[5])
    return {"flags": flags, "false_alarms": false_alarms, "seeds": len(times), "of": correct_cases,
            "time": float(np.median(times)) if times else None,
            "evaluations": int(np.median(evaluations)) if evaluations else None, "cases": done}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="3 seeds of each kind, the two smaller sizes")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per tool and size")
    parser.add_argument("--child", nargs=3, metavar=("TOOL", "M", "N"))
    args = parser.parse_args()
    if args.child:
        tool, m, n = args.child[0], int(args.child[1]), int(args.child[2])
        print(json.dumps(run_tool(tool, m, n, args.quick, args.budget)))
        return
    sizes = SIZES[:2] if args.quick else SIZES + [SCALE_SIZE]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(f"BCE perceptron dL/dW; {'3' if args.quick else '20'} normal + saturated seeds; one process per tool")
    header = f"{'M':>5} {'N':>5}  {'tool':13s} {'time':>9} {'× numpy':>8} {'evals':>9}  " \
             + " ".join(f"{s:>6g}" for s in INJECTED) + "  false alarms"
    print(header)
    if not args.quick:
        print("(M = 100,000 rows: 3 seeds of each kind)")
    for m, n in sizes:
        base = None
        for tool in TOOLS:
            if (m, n) == SCALE_SIZE and tool not in SCALE_TOOLS:
                print(f"{m:>5} {n:>5}  {tool:13s} skipped: {m} coordinates one by one")
                continue
            command = [sys.executable, __file__, "--child", tool, str(m), str(n), "--budget", str(args.budget)]
            if args.quick:
                command.append("--quick")
            out = subprocess.run(command, capture_output=True, text=True, env=env)
            try:
                r = json.loads(out.stdout.strip().splitlines()[-1])
            except (IndexError, json.JSONDecodeError):
                r = {"skipped": "failed: " + (out.stderr.strip().splitlines() or ["?"])[-1][:60]}
            if "skipped" in r:
                print(f"{m:>5} {n:>5}  {tool:13s} skipped: {r['skipped']}")
                continue
            if tool == "numpy":
                base = r["time"]
            ratio = f"{r['time'] / base:8.2f}" if base and r["time"] else "       —"
            flags = " ".join(f"{'yes' if r['flags'].get(f'{s:g}') else ('no' if f'{s:g}' in r['flags'] else '—'):>6}"
                             for s in INJECTED)
            alarms = f"{r['false_alarms']}/{r['seeds']}" + ("" if r["seeds"] == r["of"] else f" (of {r['of']}: time budget)")
            time_text = f"{r['time'] * 1000:7.1f}ms" if r["time"] is not None else "       —"
            print(f"{m:>5} {n:>5}  {tool:13s} {time_text} {ratio} {r['evaluations'] or 0:>9}  {flags}  {alarms}")


if __name__ == "__main__":
    main()
