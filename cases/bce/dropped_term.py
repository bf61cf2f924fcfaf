"""Differentiated only the y·log z part: dL_dZ = −(1/N)·Y/Z, the (1−y)·log(1−z) term is forgotten.

dL_dV and dL_dW are assembled from it correctly, so they lack the same term.
"""
import numpy as np


def dZ_dV(Z):
    return Z * (1 - Z)


def dL_dZ(Y, Z, N):
    return -(1 / N) * Y / Z


def dL_dV(Y, Z, N):
    return dL_dZ(Y, Z, N) * dZ_dV(Z)


def dL_dW(X, Y, Z, N):
    return dL_dV(Y, Z, N) @ X.T
