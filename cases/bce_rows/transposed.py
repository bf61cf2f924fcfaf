"""dL_dW as a row: (Z − Y)ᵀ X / N is (1, M), the transpose of W (M, 1)."""
import numpy as np


def dL_dW(X, Y, Z, N):
    return (Z - Y).T @ X / N
