"""Wrong sign of d/dz log(1 − z): wrote +1/(1 − z) instead of −1/(1 − z), so the (1−y) part has the wrong sign."""
import numpy as np


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z + (1 - Y) / (1 - Z))
