"""Correct values, but dL_dW returns a flat (M,) vector instead of (1, M); passes with a warning."""
import numpy as np


def dL_dW(X, Y, Z, N):
    return X @ (Z - Y).ravel() / N
