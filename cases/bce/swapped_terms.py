"""Exchanged Y and 1 − Y in ∂L/∂Z: each label weighs the other class's term.

Should be −(1/N)·(Y/Z − (1−Y)/(1−Z)).
"""


def dL_dZ(Y, Z, N):
    return -(1 / N) * ((1 - Y) / Z - Y / (1 - Z))
