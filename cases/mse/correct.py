"""All three mean-squared-error derivatives, correct."""
import numpy as np


def dL_dYhat(Yhat, Y, N):
    return (Yhat - Y) / N


def dL_db(Yhat, Y, N):
    return np.sum(Yhat - Y, keepdims=True) / N


def dL_dW(Yhat, Y, X, N):
    return (Yhat - Y) @ X.T / N
