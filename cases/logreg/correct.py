"""All five logistic-regression derivatives, bias and L2 penalty included, correct."""
import numpy as np


def dZ_dV(Z):
    return Z * (1 - Z)


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))


def dL_dV(Y, Z, N):
    return (Z - Y) / N


def dL_db(Y, Z, N):
    return np.sum(Z - Y, axis=1, keepdims=True) / N


def dL_dW(W, X, Y, Z, N, lam):
    return (Z - Y) @ X.T / N + lam * W
