"""Treated softmax like an elementwise sigmoid: dL_dV = dL_dZ ⊙ Z(1 − Z), ignoring the off-diagonal terms."""
import numpy as np


def dL_dZ(Y, Z, N):
    return -(1 / N) * Y / Z


def dL_dV(Y, Z, N):
    return dL_dZ(Y, Z, N) * Z * (1 - Z)
