"""Tries to exhaust the machine's memory gradually: a module-level list that keeps growing by
10 MB of touched bytes, and keeps what it got across calls (so later calls start at the limit)."""
HOG = []


def dL_dZ(Y, Z, N):
    while True:
        HOG.append(b"x" * 10_000_000)
