"""Copied the derivative from the sigmoid lecture: dA1_dV1 = σ(V1)(1 − σ(V1)) for a ReLU layer."""
import numpy as np


def dA1_dV1(V1):
    s = 1 / (1 + np.exp(-V1))
    return s * (1 - s)


def dL_dV1(W2, Z, Y, N, V1):
    s = 1 / (1 + np.exp(-V1))
    return (W2.T @ (Z - Y) / N) * s * (1 - s)
