"""dL_dW computed as X (Yhat − Y)ᵀ / N: a column (M, 1), the transpose of W's shape (1, M)."""
import numpy as np


def dL_dYhat(Yhat, Y, N):
    return (Yhat - Y) / N


def dL_dW(Yhat, Y, X, N):
    return X @ (Yhat - Y).T / N
