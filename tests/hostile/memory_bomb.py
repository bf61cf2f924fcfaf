"""Tries to exhaust the machine's memory: allocates 100 GB in one go inside a call."""


def dL_dZ(Y, Z, N):
    hog = bytearray(10**11)
    return hog
