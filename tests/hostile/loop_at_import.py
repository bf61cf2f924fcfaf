"""Tries to hang the grader with an endless loop while the module is being imported."""
while True:
    pass


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
