"""A two-layer network: V1 = W1 X + b1, A1 = tanh(V1) (H hidden units), V2 = W2 A1 + b2,
Z = σ(V2), binary cross-entropy.

``activation="relu"`` uses A1 = max(V1, 0): a finite difference that would straddle the kink
at 0 is not compared (its reference is NaN) and the report counts the skipped elements.
"""
from __future__ import annotations

import numpy as np

from ..mathfn import sigmoid
from .common import weight_std, BCE_TERMS, SINGLE_CLASS_TRIALS, bce_negative, bce_positive, binary_labels
from .graph import GraphProblem, LossTerm, Stage, Variable

TRIALS = [
    ("mixed", "M=3, H=4, N=5", {"M": 3, "H": 4, "N": 5}),
    ("wide", "M=5, H=2, N=3", {"M": 5, "H": 2, "N": 3}),
    ("square", "M=H=N=3", {"M": 3, "H": 3, "N": 3}),
    ("one-sample", "N=1", {"M": 2, "H": 3, "N": 1}),
] + [(name, text, {"M": 3, "H": 4, "N": 6}) for name, text, _ in SINGLE_CLASS_TRIALS]


def make(activation: str = "tanh") -> GraphProblem:
    if activation not in ("tanh", "relu"):
        from ..errors import GradcheckError

        raise GradcheckError(f"unknown activation {activation!r} (known: tanh, relu)")
    W1, b1 = Variable("W1", ("H", "M")), Variable("b1", ("H", 1))
    W2, b2 = Variable("W2", (1, "H")), Variable("b2", (1, 1))
    X, Y = Variable("X", ("M", "N"), data=True), Variable("Y", (1, "N"), data=True)
    V1, A1 = Variable("V1", ("H", "N")), Variable("A1", ("H", "N"))
    V2, Z = Variable("V2", (1, "N")), Variable("Z", (1, "N"), lower=0.0, upper=1.0)

    def act(v):
        if activation == "tanh":
            return np.tanh(v["V1"])
        # The kink: a perturbed point on the other side of 0 than the trial's point has no
        # derivative to compare with; NaN marks it so the element is skipped, not misjudged.
        side = v.get("_V1_side", np.sign(v["V1"]))  # the trial itself is computed before it is known
        return np.where(np.sign(v["V1"]) == side, np.maximum(v["V1"], 0.0), np.nan)

    def sample(rng, dims, trial):
        h, m, n = dims["H"], dims["M"], dims["N"]
        drawn = {"W1": rng.normal(0, weight_std(m, 0.8), (h, m)), "b1": rng.normal(0, 0.3, (h, 1)),
                 "W2": rng.normal(0, 0.8, (1, h)), "b2": rng.normal(0, 0.3, (1, 1)),
                 "X": rng.normal(0, 1, (m, n)), "Y": binary_labels(rng, (1, n), trial)}
        if trial == "kink":  # put V1[0, 0] a hair above ReLU's kink
            drawn["b1"][0, 0] = 1e-7 - drawn["W1"][0] @ drawn["X"][:, 0]
        return drawn

    derivative = "1 − A1²" if activation == "tanh" else "(V1 > 0)"
    return GraphProblem(
        name="mlp",
        title=f"two-layer network ({activation}), binary cross-entropy",
        inputs=[W1, b1, W2, b2, X, Y],
        stages=[Stage(V1, lambda v: v["W1"] @ v["X"] + v["b1"], formula="W1 X + b1"),
                Stage(A1, act, elementwise_of="V1", formula="tanh(V1)" if activation == "tanh" else "max(V1, 0)"),
                Stage(V2, lambda v: v["W2"] @ v["A1"] + v["b2"], formula="W2 A1 + b2"),
                Stage(Z, lambda v: sigmoid(v["V2"]), formula="σ(V2)")],
        loss_formula="−(1/N) Σ [y log z + (1−y) log(1−z)]",
        example=EXAMPLE.replace("1 - A1 ** 2", "(V1 > 0) * 1.0") if activation == "relu" else EXAMPLE,
        loss_terms=[LossTerm(BCE_TERMS[0], lambda v: bce_positive(v["Z"], v["Y"], v["N"])),
                    LossTerm(BCE_TERMS[1], lambda v: bce_negative(v["Z"], v["Y"], v["N"]))],
        wanted=[("A1", "V1"), ("L", "V2"), ("L", "W2"), ("L", "b2"), ("L", "A1"), ("L", "V1"),
                ("L", "W1"), ("L", "b1")],
        sample=sample,
        trial_dims=TRIALS + ([("kink", "one V1 within 1e-7 of ReLU's kink", {"M": 3, "H": 4, "N": 5})]
                             if activation == "relu" else []),
        formulas={"dL_dV2": "(Z − Y)/N", "dL_dW2": "dL_dV2 @ A1.T", "dL_db2": "sum(dL_dV2)",
                  "dL_dA1": "W2.T @ dL_dV2", "dA1_dV1": derivative, "dL_dV1": f"dL_dA1 ⊙ {derivative}",
                  "dL_dW1": "dL_dV1 @ X.T", "dL_db1": "dL_dV1 summed over samples (axis=1, keepdims)"},
        prepare=(lambda v: {"_V1_side": np.sign(v["V1"])}) if activation == "relu" else None,
        description=__doc__.strip().splitlines()[0],
    )


EXAMPLE = """def dL_dV2(Y, Z, N):
    return (Z - Y) / N

def dL_dW2(Y, Z, N, A1):
    return dL_dV2(Y, Z, N) @ A1.T

def dL_db2(Y, Z, N):
    return dL_dV2(Y, Z, N).sum(keepdims=True)

def dL_dA1(Y, Z, N, W2):
    return W2.T @ dL_dV2(Y, Z, N)

def dA1_dV1(A1, V1):
    return 1 - A1 ** 2

def dL_dV1(Y, Z, N, W2, A1, V1):
    return dL_dA1(Y, Z, N, W2) * dA1_dV1(A1, V1)

def dL_dW1(Y, Z, N, W2, A1, V1, X):
    return dL_dV1(Y, Z, N, W2, A1, V1) @ X.T

def dL_db1(Y, Z, N, W2, A1, V1):
    return dL_dV1(Y, Z, N, W2, A1, V1).sum(axis=1, keepdims=True)
"""
