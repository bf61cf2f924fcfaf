"""Differentiated (lam/2)·‖W‖² as lam·W / 2 (kept the 1/2), so the penalty's gradient is half too small."""
import numpy as np


def dL_dW(W, X, Y, Z, N, lam):
    grad = np.zeros_like(W)
    for k in range(N):
        grad += (Z[0, k] - Y[0, k]) * X[:, k] / N
    return grad + lam * W / 2
