"""Tries to hang the grader with a pure-Python endless loop inside a derivative call."""


def dL_dZ(Y, Z, N):
    while True:
        pass
