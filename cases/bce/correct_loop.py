"""Correct, written as a Python loop over the samples (one column of X at a time)."""
import numpy as np


def dL_dV(Y, Z, N):
    out = np.zeros((1, N))
    for k in range(N):
        out[0, k] = (Z[0, k] - Y[0, k]) / N
    return out


def dL_dW(X, Y, Z, N, M):
    grad = np.zeros((1, M))
    for k in range(N):
        err = Z[0, k] - Y[0, k]
        for j in range(M):
            grad[0, j] += err * X[j, k]
    return grad / N
