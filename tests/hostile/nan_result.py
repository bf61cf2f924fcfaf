"""Returns NaN everywhere (tries to slip through comparisons, since NaN compares false)."""
import numpy as np


def dL_dZ(Y, Z, N):
    return np.full(Z.shape, np.nan)
