"""Tries to take the grader down with it: os._exit(3) inside a derivative call (no cleanup)."""
import os


def dL_dZ(Y, Z, N):
    os._exit(3)
