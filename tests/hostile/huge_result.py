"""Returns a 5000 x 5000 array (200 MB, 25 million elements) instead of the 1 x N gradient:
tries to make the grader allocate and receive a huge message."""
import numpy as np


def dL_dZ(Y, Z, N):
    return np.zeros((5000, 5000))
