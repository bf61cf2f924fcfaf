"""Correct Huber gradients written with a loop over samples and an if for the clipping."""
import numpy as np


def dL_dW(Yhat, Y, X, N, delta):
    grad = np.zeros((1, X.shape[0]))
    for k in range(N):
        r = Yhat[0, k] - Y[0, k]
        if r > delta:
            g = delta
        elif r < -delta:
            g = -delta
        else:
            g = r
        grad[0, :] += g * X[:, k] / N
    return grad
