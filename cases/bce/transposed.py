"""dL_dW computed as X (Z − Y)ᵀ / N: the right numbers, but shaped (M, 1) instead of (1, M) like W."""
import numpy as np


def dL_dV(Y, Z, N):
    return (Z - Y) / N


def dL_dW(X, Y, Z, N):
    return X @ (Z - Y).T / N
