"""dL_db1 returns dL_dV1 itself, (H, N): forgot to sum over the samples to get (H, 1)."""
import numpy as np


def dL_dV1(W2, Z, Y, N, A1):
    return (W2.T @ ((Z - Y) / N)) * (1 - A1**2)


def dL_db1(W2, Z, Y, N, A1):
    return dL_dV1(W2, Z, Y, N, A1)
