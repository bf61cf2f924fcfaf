"""Raises inside the call (with an exception whose message is long and multi-line)."""


def dL_dZ(Y, Z, N):
    raise RuntimeError("boom\n" + "x" * 100_000)
