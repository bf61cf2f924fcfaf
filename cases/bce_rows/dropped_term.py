"""Differentiated only the y·log z part of the loss: dL_dZ = −Y/(N Z), then chained it."""
import numpy as np


def dZ_dV(Z):
    return Z * (1 - Z)


def dL_dZ(Y, Z, N):
    return -Y / (N * Z)


def dL_dV(Y, Z, N):
    return dL_dZ(Y, Z, N) * dZ_dV(Z)


def dL_dW(X, Y, Z, N):
    return X.T @ dL_dV(Y, Z, N)
