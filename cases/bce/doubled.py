"""Differentiated ½·BCE by mistake in reverse: an extra factor 2 in ∂L/∂W."""


def dL_dW(X, Y, Z, N):
    return 2 * (Z - Y) @ X.T / N
