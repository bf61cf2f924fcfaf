"""Floods the grader with output: 5 MB printed at import and in every call, plus 5 MB written
straight to file descriptors 1 and 2 with os.write. The gradient itself is correct (must pass,
with the output capped in the reports)."""
import os
import sys

print("A" * 5_000_000)
os.write(1, b"B" * 5_000_000)


def dL_dZ(Y, Z, N):
    print("C" * 5_000_000)
    sys.stderr.write("D" * 5_000_000)
    os.write(1, b"E" * 5_000_000)
    os.write(2, b"F" * 5_000_000)
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
