"""Used the sigmoid's derivative A1(1 − A1) for the tanh layer, in dA1_dV1 and in dL_dV1."""
import numpy as np


def dA1_dV1(A1):
    return A1 * (1 - A1)


def dL_dV1(W2, Z, Y, N, A1):
    dL_dA1 = W2.T @ ((Z - Y) / N)
    return dL_dA1 * A1 * (1 - A1)
