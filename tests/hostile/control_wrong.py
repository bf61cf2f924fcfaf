"""Control: an ordinary wrong submission (forgot the 1/N; must fail)."""


def dL_dW(X, Y, Z, N):
    return (Z - Y) @ X.T
