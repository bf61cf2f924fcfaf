"""Linear regression with mean squared error: Yhat = W X + b, L = (1/(2N)) Σ (yhat − y)².

Layouts: ``columns`` (samples as columns: W (1, M), X (M, N), Y (1, N)) and ``rows``
(samples as rows: X (N, M), W (M, 1), Y (N, 1), Yhat = X W + b).
"""
from __future__ import annotations

from ..model import TermInfo
from .common import weight_std, LINEAR_TRIALS
from .graph import GraphProblem, LossTerm, Stage, Variable


def make(layout: str = "columns") -> GraphProblem:
    rows = layout == "rows"
    W = Variable("W", ("M", 1) if rows else (1, "M"))
    b = Variable("b", (1, 1))
    X = Variable("X", ("N", "M") if rows else ("M", "N"), data=True)
    Y = Variable("Y", ("N", 1) if rows else (1, "N"), data=True)
    Yhat = Variable("Yhat", ("N", 1) if rows else (1, "N"))

    def predict(v):
        return (v["X"] @ v["W"] if rows else v["W"] @ v["X"]) + v["b"]

    def sample(rng, dims, trial):
        return {"W": rng.normal(0, weight_std(dims["M"]), W.shape_in(dims)), "b": rng.normal(0, 1, (1, 1)),
                "X": rng.normal(0, 1, X.shape_in(dims)), "Y": rng.normal(0, 1, Y.shape_in(dims))}

    return GraphProblem(
        name="mse",
        title="linear regression, mean squared error",
        inputs=[W, b, X, Y],
        stages=[Stage(Yhat, predict, formula="X W + b" if rows else "W X + b")],
        loss_formula="(1/(2N)) Σ (yhat − y)²",
        example=EXAMPLE_ROWS if rows else EXAMPLE,
        loss_terms=[LossTerm(TermInfo(id="squared_error", formula="(yhat − y)²", description="the whole loss"),
                             lambda v: ((v["Yhat"] - v["Y"]) ** 2).sum(axis=(-2, -1)) / (2 * v["N"]))],
        wanted=[("L", "Yhat"), ("L", "b"), ("L", "W")],
        sample=sample,
        trial_dims=LINEAR_TRIALS,
        formulas={"dL_dYhat": "(Yhat − Y)/N", "dL_db": "sum(Yhat − Y)/N",
                  "dL_dW": "X.T @ (Yhat − Y)/N" if rows else "(Yhat − Y) @ X.T/N"},
        layout=layout,
        description=__doc__.strip().splitlines()[0],
    )


EXAMPLE = """def dL_dYhat(Yhat, Y, N):
    return (Yhat - Y) / N

def dL_db(Yhat, Y, N):
    return (Yhat - Y).sum(keepdims=True) / N

def dL_dW(Yhat, Y, X, N):
    return (Yhat - Y) @ X.T / N
"""
EXAMPLE_ROWS = EXAMPLE.replace("(Yhat - Y) @ X.T / N", "X.T @ (Yhat - Y) / N")
