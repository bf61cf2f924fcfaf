"""dL_dW as a row vector: (Yhat − Y)ᵀ X / N is (1, M), but W is the column (M, 1)."""
import numpy as np


def dL_dYhat(Yhat, Y, N):
    return (Yhat - Y) / N


def dL_dW(Yhat, Y, X, N):
    return (Yhat - Y).T @ X / N
