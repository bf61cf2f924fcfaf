"""dL_dA1 written as dL_dV2 times W2 (an outer product, (N, H)) instead of W2ᵀ @ dL_dV2 (H, N)."""
import numpy as np


def dL_dV2(Z, Y, N):
    return (Z - Y) / N


def dL_dA1(W2, Z, Y, N):
    return dL_dV2(Z, Y, N).T * W2
