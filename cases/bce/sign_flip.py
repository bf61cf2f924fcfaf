"""Sign flipped: wrote y − z instead of z − y, so the whole gradient is negated."""
import numpy as np


def dL_dV(Y, Z, N):
    return (Y - Z) / N


def dL_dW(X, Y, Z, N):
    return (Y - Z) @ X.T / N
