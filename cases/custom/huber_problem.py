"""Robust regression with the Huber loss: Yhat = W X + b, L = (1/N) Σ huber(yhat − y), delta = 1.

huber(r) = r²/2 where |r| ≤ delta, else delta·(|r| − delta/2). Its derivative is r clipped to
[−delta, delta]. The kink points of huber' are no trouble for finite differences of L itself.
"""
import numpy as np

title = "linear regression, Huber loss (delta = 1)"
shapes = {"W": (1, "M"), "b": (1, 1), "X": ("M", "N"), "Y": (1, "N")}
data = ("X", "Y")
stages = {"Yhat": (lambda W, X, b: W @ X + b, (1, "N"))}
constants = {"delta": 1.0}


def _huber(r, delta):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))


def loss(Yhat, Y, N, delta):
    return float(np.sum(_huber(Yhat - Y, delta)) / N)


def sample(rng, M, N):
    # Residuals of both kinds: some within delta, some beyond it.
    return {"W": rng.normal(0, 1, (1, M)), "b": rng.normal(0, 1, (1, 1)),
            "X": rng.normal(0, 1, (M, N)), "Y": rng.normal(0, 2, (1, N))}


dims = [{"M": 3, "N": 6}, {"M": 5, "N": 3}, {"M": 4, "N": 4}, {"M": 2, "N": 1}]
