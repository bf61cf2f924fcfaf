"""Returns an object whose special methods (__array__, __float__, __eq__, __del__, __len__,
__getitem__, __repr__, __reduce__) would create a marker file if they ever ran in another process
than this one (the grader). In its own process __array__ gives the correct gradient, so the
submission passes; the marker must never appear. __reduce__ is a pickle payload: unpickling it
anywhere runs open(MARKER, "w")."""
import os

import numpy as np

MARKER = "/tmp/gradcheck-hostile-marker-7c1e9"
HOME_PID = os.getpid()


def _elsewhere(what):
    if os.getpid() != HOME_PID:
        with open(MARKER, "a") as f:
            f.write(f"{what} ran in pid {os.getpid()} (submission pid {HOME_PID})\n")
        return True
    return False


class Hostile:
    def __init__(self, value):
        self._value = np.asarray(value, dtype=np.float64)

    def __array__(self, dtype=None, copy=None):
        if _elsewhere("__array__"):
            raise RuntimeError("hostile __array__ in the grader")
        return self._value if dtype is None else self._value.astype(dtype)

    def __float__(self):
        _elsewhere("__float__")
        return float(self._value.flat[0])

    def __eq__(self, other):
        _elsewhere("__eq__")
        return True

    __hash__ = object.__hash__

    def __len__(self):
        _elsewhere("__len__")
        return len(self._value)

    def __getitem__(self, index):
        _elsewhere("__getitem__")
        return self._value[index]

    def __repr__(self):
        _elsewhere("__repr__")
        return "Hostile()"

    def __reduce__(self):
        return (open, (MARKER, "w"))

    def __del__(self):
        _elsewhere("__del__")


def dL_dZ(Y, Z, N):
    return Hostile(-(1 / N) * (Y / Z - (1 - Y) / (1 - Z)))
