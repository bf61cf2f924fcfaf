"""Took d/dz log(1 − z) to be log(z − 1): np.log of a negative number, so dL_dZ is NaN.

(1 − y)·NaN is NaN even where y = 1, so every entry is NaN. dZ_dV is right.
"""
import numpy as np


def dZ_dV(Z):
    return Z * (1 - Z)


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z + (1 - Y) * np.log(Z - 1))
