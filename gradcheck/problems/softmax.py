"""Softmax regression: K classes, V = W X, Z = softmax(V) per column, L = −(1/N) Σ Y log Z.

W (K, M), X (M, N), Y one-hot (K, N). The reference uses a stable softmax (shifted by the
column maximum).
"""
from __future__ import annotations

import numpy as np

from ..model import TermInfo
from .common import weight_std
from .graph import GraphProblem, LossTerm, Stage, Variable

TRIALS = [
    ("mixed", "K=3, M=4, N=5", {"K": 3, "M": 4, "N": 5}),
    ("wide", "K=2, M=6, N=3", {"K": 2, "M": 6, "N": 3}),
    ("square", "K=M=N=4", {"K": 4, "M": 4, "N": 4}),
    ("one-sample", "N=1", {"K": 3, "M": 2, "N": 1}),
    ("one-feature", "M=1", {"K": 4, "M": 1, "N": 6}),
]


def softmax_columns(v: np.ndarray) -> np.ndarray:
    shifted = v - v.max(axis=-2, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-2, keepdims=True)


def make() -> GraphProblem:
    W, X = Variable("W", ("K", "M")), Variable("X", ("M", "N"), data=True)
    Y, V = Variable("Y", ("K", "N"), data=True), Variable("V", ("K", "N"))
    Z = Variable("Z", ("K", "N"), lower=0.0, upper=1.0)

    def sample(rng, dims, trial):
        k, n = dims["K"], dims["N"]
        labels = rng.integers(0, k, size=n)
        return {"W": rng.normal(0, weight_std(dims["M"]), (k, dims["M"])), "X": rng.normal(0, 1, (dims["M"], n)),
                "Y": np.eye(k)[:, labels]}

    def cross_entropy(v):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -np.where(v["Y"] != 0, v["Y"] * np.log(v["Z"]), 0.0).sum(axis=(-2, -1)) / v["N"]

    return GraphProblem(
        name="softmax",
        title="softmax regression, cross-entropy",
        inputs=[W, X, Y],
        stages=[Stage(V, lambda v: v["W"] @ v["X"], formula="W X"),
                Stage(Z, lambda v: softmax_columns(v["V"]), formula="softmax(V) per column")],
        loss_formula="−(1/N) Σ Y log Z",
        example=EXAMPLE,
        loss_terms=[LossTerm(TermInfo(id="cross_entropy", formula="y·log z", description="the whole loss"),
                             cross_entropy)],
        wanted=[("L", "Z"), ("L", "V"), ("L", "W")],
        sample=sample,
        trial_dims=TRIALS,
        formulas={"dL_dZ": "−(1/N)·Y/Z", "dL_dV": "(Z − Y)/N", "dL_dW": "(Z − Y) @ X.T/N"},
        description=__doc__.strip().splitlines()[0],
    )


EXAMPLE = """def dL_dZ(Y, Z, N):
    return -(1 / N) * Y / Z

def dL_dV(Y, Z, N):
    return (Z - Y) / N

def dL_dW(X, Y, Z, N):
    return (Z - Y) @ X.T / N
"""
