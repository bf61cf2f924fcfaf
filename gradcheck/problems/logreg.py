"""Logistic regression with a bias and L2: V = W X + b, Z = σ(V), L = BCE + (lam/2)·‖W‖².

Terms: ``positive`` (y·log z), ``negative`` ((1−y)·log(1−z)), ``l2`` ((lam/2)·‖W‖², lam = 0.1).
Layouts: ``columns`` (W (1, M), X (M, N), Y (1, N)) and ``rows`` (X (N, M), W (M, 1), Y (N, 1),
V = X W + b). ``binary_linear`` also builds the seed's perceptron in the rows layout.
"""
from __future__ import annotations


from ..mathfn import sigmoid
from ..model import TermInfo
from .common import weight_std, BCE_TERMS, LINEAR_TRIALS, SINGLE_CLASS_TRIALS, bce_negative, bce_positive, binary_labels
from .graph import GraphProblem, LossTerm, Stage, Variable

LAM = 0.1


def binary_linear(name: str, title: str, *, layout: str, bias: bool, lam: float | None) -> GraphProblem:
    rows = layout == "rows"
    W = Variable("W", ("M", 1) if rows else (1, "M"))
    b = Variable("b", (1, 1))
    X = Variable("X", ("N", "M") if rows else ("M", "N"), data=True)
    Y = Variable("Y", ("N", 1) if rows else (1, "N"), data=True)
    V = Variable("V", ("N", 1) if rows else (1, "N"))
    Z = Variable("Z", V.shape, lower=0.0, upper=1.0)

    def linear(v):
        out = v["X"] @ v["W"] if rows else v["W"] @ v["X"]
        return out + v["b"] if bias else out

    def sample(rng, dims, trial):
        drawn = {"W": rng.normal(0, weight_std(dims["M"]), W.shape_in(dims)), "X": rng.normal(0, 1, X.shape_in(dims)),
                 "Y": binary_labels(rng, Y.shape_in(dims), trial)}
        if bias:
            drawn["b"] = rng.normal(0, 0.5, (1, 1))
        return drawn

    terms = [LossTerm(BCE_TERMS[0], lambda v: bce_positive(v["Z"], v["Y"], v["N"])),
             LossTerm(BCE_TERMS[1], lambda v: bce_negative(v["Z"], v["Y"], v["N"]))]
    if lam is not None:
        terms.append(LossTerm(TermInfo(id="l2", formula="(lam/2)·‖W‖²", description="the weight penalty"),
                              lambda v: (v["lam"] / 2) * (v["W"] ** 2).sum(axis=(-2, -1))))
    wanted = [("Z", "V"), ("L", "Z"), ("L", "V")] + ([("L", "b")] if bias else []) + [("L", "W")]
    error = "(Z − Y)"
    gradient = f"X.T @ {error}/N" if rows else f"{error} @ X.T/N"
    return GraphProblem(
        name=name,
        title=title,
        inputs=[W, b, X, Y] if bias else [W, X, Y],
        stages=[Stage(V, linear, formula=("X W" if rows else "W X") + (" + b" if bias else "")),
                Stage(Z, lambda v: sigmoid(v["V"]), elementwise_of="V", formula="σ(V)")],
        loss_formula="−(1/N) Σ [y log z + (1−y) log(1−z)]" + (" + (lam/2)·‖W‖²" if lam is not None else ""),
        example=_example(rows, bias, lam is not None),
        loss_terms=terms,
        wanted=wanted,
        sample=sample,
        trial_dims=LINEAR_TRIALS + SINGLE_CLASS_TRIALS,
        constants={"lam": lam} if lam is not None else {},
        formulas={"dZ_dV": "Z ⊙ (1 − Z)", "dL_dZ": "−(1/N)·(Y/Z − (1−Y)/(1−Z))", "dL_dV": f"{error}/N",
                  "dL_db": f"sum{error}/N",
                  "dL_dW": gradient + (" + lam·W" if lam is not None else "")},
        layout=layout,
    )


def make(layout: str = "columns") -> GraphProblem:
    problem = binary_linear("logreg", "logistic regression with bias and L2", layout=layout, bias=True, lam=LAM)
    problem.description = __doc__.strip().splitlines()[0]
    return problem


def _example(rows: bool, bias: bool, l2: bool) -> str:
    gradient = "X.T @ dL_dV(Y, Z, N)" if rows else "dL_dV(Y, Z, N) @ X.T"
    params = "X, Y, Z, N, W, lam" if l2 else "X, Y, Z, N"
    text = f"""def dZ_dV(Z):
    return Z * (1 - Z)

def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))

def dL_dV(Y, Z, N):
    return (Z - Y) / N

def dL_dW({params}):
    return {gradient}{" + lam * W" if l2 else ""}
"""
    if bias:
        text += """
def dL_db(Y, Z, N):
    return dL_dV(Y, Z, N).sum(keepdims=True)
"""
    return text
