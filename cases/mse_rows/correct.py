"""Linear regression with samples as rows (X is (N, M), W is (M, 1)): all three derivatives correct."""
import numpy as np


def dL_dYhat(Yhat, Y, N):
    return (Yhat - Y) / N


def dL_db(Yhat, Y, N):
    return np.sum(Yhat - Y, axis=0, keepdims=True) / N


def dL_dW(Yhat, Y, X, N):
    return X.T @ (Yhat - Y) / N
