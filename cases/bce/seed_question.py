"""The derivation from the seed question, typed in as written.

dL_dZ has the wrong (1−y) part: (1−y)(1 − 1/(z−1)) instead of −(1−y)/(1−z);
dL_dW is "∂L/∂Z σ'(V) X", which multiplies by X instead of Xᵀ (wrong shape).
"""
import numpy as np


def sigma(v):
    return 1 / (1 + np.exp(-v))


def dV_dW(X):
    return X


def dZ_dV(V):
    return sigma(V) * (1 - sigma(V))


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y * (1 / Z) + (1 - Y) * (1 - 1 / (Z - 1)))


def dL_dW(Y, Z, V, X, N):
    return dL_dZ(Y, Z, N) * dZ_dV(V) @ X
