"""Used σ(V) where σ'(V) belongs: dZ_dV returns sigma(V), and dL_dV chains dL_dZ with it.

dL_dZ itself is right; dZ_dV and dL_dV are wrong.
"""
import numpy as np


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def dZ_dV(V):
    return sigmoid(V)


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))


def dL_dV(Y, Z, V, N):
    return dL_dZ(Y, Z, N) * sigmoid(V)
