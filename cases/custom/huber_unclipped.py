"""Forgot to clip: used the squared-error gradient (Yhat − Y)/N everywhere, wrong where |r| > delta."""


def dL_dYhat(Yhat, Y, N):
    return (Yhat - Y) / N


def dL_dW(Yhat, Y, X, N):
    return (Yhat - Y) @ X.T / N
