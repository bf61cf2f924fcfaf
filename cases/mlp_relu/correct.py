"""The two-layer ReLU network, all eight derivatives correct; ReLU's derivative is (V1 > 0)."""
import numpy as np


def dA1_dV1(V1):
    return (V1 > 0).astype(float)


def dL_dV2(Z, Y, N):
    return (Z - Y) / N


def dL_dW2(Z, Y, N, A1):
    return dL_dV2(Z, Y, N) @ A1.T


def dL_db2(Z, Y, N):
    return np.sum(dL_dV2(Z, Y, N), axis=1, keepdims=True)


def dL_dA1(W2, Z, Y, N):
    return W2.T @ dL_dV2(Z, Y, N)


def dL_dV1(W2, Z, Y, N, V1):
    return dL_dA1(W2, Z, Y, N) * dA1_dV1(V1)


def dL_dW1(W2, Z, Y, N, V1, X):
    return dL_dV1(W2, Z, Y, N, V1) @ X.T


def dL_db1(W2, Z, Y, N, V1):
    return np.sum(dL_dV1(W2, Z, Y, N, V1), axis=1, keepdims=True)
