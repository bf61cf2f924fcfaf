"""Control: an ordinary, correct submission (must pass)."""


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))


def dL_dW(X, Y, Z, N):
    return (Z - Y) @ X.T / N
