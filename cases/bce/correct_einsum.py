"""Correct, with np.einsum for the sum over samples."""
import numpy as np


def dV_dW(X):
    return np.einsum("jk->jk", X)


def dL_dV(Y, Z, N):
    return np.einsum("ik->ik", Z - Y) / N


def dL_dW(X, Y, Z, N):
    return np.einsum("ik,jk->ij", Z - Y, X) / N
