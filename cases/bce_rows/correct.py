"""The perceptron with samples as rows (X is (N, M), W is (M, 1)): all four derivatives correct."""
import numpy as np


def dZ_dV(Z):
    return Z * (1 - Z)


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))


def dL_dV(Y, Z, N):
    return (Z - Y) / N


def dL_dW(X, Y, Z, N):
    return X.T @ (Z - Y) / N
