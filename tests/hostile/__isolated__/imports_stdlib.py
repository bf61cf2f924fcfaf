"""Not hostile: a correct submission that imports standard-library modules the sandbox worker has
not preloaded (fractions, decimal, statistics). Must pass in the sandbox as it does without it."""
import decimal  # noqa: F401
import fractions  # noqa: F401
import statistics  # noqa: F401


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
