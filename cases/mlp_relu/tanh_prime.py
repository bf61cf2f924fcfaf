"""Reused the tanh network's backprop after switching to ReLU: dL_dV1 still multiplies by (1 − A1²)."""
import numpy as np


def dL_dV1(W2, Z, Y, N, A1):
    return (W2.T @ (Z - Y) / N) * (1 - A1**2)


def dL_dW1(W2, Z, Y, N, A1, X):
    return dL_dV1(W2, Z, Y, N, A1) @ X.T
