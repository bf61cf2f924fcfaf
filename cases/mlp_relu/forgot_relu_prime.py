"""Backpropagated through the ReLU as if it were the identity: dL_dV1 = W2ᵀ dL_dV2, no mask (V1 > 0)."""
import numpy as np


def dL_dV1(W2, Z, Y, N):
    return W2.T @ (Z - Y) / N


def dL_db1(W2, Z, Y, N):
    return np.sum(dL_dV1(W2, Z, Y, N), axis=1, keepdims=True)
