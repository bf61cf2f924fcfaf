"""Kept the 1/2 of 1/(2N) after differentiating the square (the 2 should cancel it): everything is half."""
import numpy as np


def dL_dYhat(Yhat, Y, N):
    return (Yhat - Y) / (2 * N)


def dL_db(Yhat, Y, N):
    return np.sum(Yhat - Y, keepdims=True) / (2 * N)


def dL_dW(Yhat, Y, X, N):
    return (Yhat - Y) @ X.T / (2 * N)
