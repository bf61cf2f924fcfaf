"""Recurses without end inside the call (must end as a RecursionError, not take the grader down)."""


def _down(n):
    return _down(n + 1) + 1


def dL_dZ(Y, Z, N):
    return _down(0)
