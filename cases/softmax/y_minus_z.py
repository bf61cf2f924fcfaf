"""Remembered 'prediction minus label' the wrong way round: dL_dV = (Y − Z)/N, and dL_dW built from it."""


def dL_dV(Y, Z, N):
    return (Y - Z) / N


def dL_dW(X, Y, Z, N):
    return dL_dV(Y, Z, N) @ X.T
