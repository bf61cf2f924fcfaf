"""Crashes the interpreter with a segmentation fault (reads address 0 through ctypes) in a call."""
import ctypes


def dL_dZ(Y, Z, N):
    ctypes.string_at(0)
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
