"""Multiplied by σ'(V) twice: (Z − Y)/N already contains it, and they multiplied by Z(1 − Z) again."""
import numpy as np


def dZ_dV(Z):
    return Z * (1 - Z)


def dL_dV(Y, Z, N):
    return (Z - Y) * Z * (1 - Z) / N


def dL_dW(X, Y, Z, N):
    return dL_dV(Y, Z, N) @ X.T
