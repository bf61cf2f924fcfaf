"""Defines none of the derivative functions (only similarly named things)."""
dl_dz = None


def gradient(Y, Z, N):
    return Z - Y
