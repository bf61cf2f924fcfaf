"""Wrote the residual as (Y − Yhat) in every derivative: all of them have the wrong sign."""
import numpy as np


def dL_dYhat(Yhat, Y, N):
    return (Y - Yhat) / N


def dL_db(Yhat, Y, N):
    return np.sum(Y - Yhat, axis=0, keepdims=True) / N


def dL_dW(Yhat, Y, X, N):
    return X.T @ (Y - Yhat) / N
