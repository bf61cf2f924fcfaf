"""Left σ'(V) out of the chain: dL_dW = dL_dZ Xᵀ instead of (dL_dZ ⊙ σ'(V)) Xᵀ.

dL_dZ is right; dL_dW is wrong in both terms.
"""
import numpy as np


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))


def dL_dW(X, Y, Z, N):
    return dL_dZ(Y, Z, N) @ X.T
