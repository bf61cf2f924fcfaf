"""dL_dV is right, but dL_dW calls sigmoid, which this file never defines (NameError)."""
import numpy as np


def dL_dV(Y, Z, N):
    return (Z - Y) / N


def dL_dW(W, X, Y, N):
    return (sigmoid(W @ X) - Y) @ X.T / N
