"""Softmax regression, all three derivatives correct (the softmax Jacobian collapses to Z − Y)."""
import numpy as np


def dL_dZ(Y, Z, N):
    return -(1 / N) * Y / Z


def dL_dV(Y, Z, N):
    return (Z - Y) / N


def dL_dW(X, Y, Z, N):
    return (Z - Y) @ X.T / N
