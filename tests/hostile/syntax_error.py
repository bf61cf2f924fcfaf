"""Does not even parse."""


def dL_dZ(Y, Z, N)
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
