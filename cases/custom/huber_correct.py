"""Correct Huber gradients: the residual clipped to [−delta, delta], averaged over samples."""
import numpy as np


def dL_dYhat(Yhat, Y, N, delta):
    return np.clip(Yhat - Y, -delta, delta) / N


def dL_db(Yhat, Y, N, delta):
    return np.sum(np.clip(Yhat - Y, -delta, delta), keepdims=True) / N


def dL_dW(Yhat, Y, X, N, delta):
    return np.clip(Yhat - Y, -delta, delta) @ X.T / N
