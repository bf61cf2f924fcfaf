"""Forgot the weight penalty in dL_dW: returned the plain BCE gradient (Z − Y) Xᵀ / N, no + lam·W."""
import numpy as np


def dL_dV(Y, Z, N):
    return (Z - Y) / N


def dL_db(Y, Z, N):
    return np.sum(Z - Y, axis=1, keepdims=True) / N


def dL_dW(X, Y, Z, N):
    return (Z - Y) @ X.T / N
