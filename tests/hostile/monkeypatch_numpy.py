"""Tries to make every comparison succeed by monkeypatching numpy in its own process
(np.allclose, np.isclose, np.array_equal, np.abs, np.isfinite, np.testing.assert_*) while
returning a wrong gradient (twice the right one). The comparison happens in the grader, so this
must still be graded fail."""
import numpy as np

try:
    import numpy.testing as npt
except ImportError:  # the sandbox's user may be unable to read numpy's files; patch what is loaded
    npt = None

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.abs = np.absolute = lambda x, *a, **k: np.zeros(np.shape(x))
np.isfinite = lambda x, *a, **k: np.ones(np.shape(x), dtype=bool)
if npt is not None:
    npt.assert_allclose = lambda *a, **k: None
    npt.assert_array_almost_equal = lambda *a, **k: None
    npt.assert_array_equal = lambda *a, **k: None
    npt.assert_equal = lambda *a, **k: None


def dL_dW(X, Y, Z, N):
    return 2 * (Z - Y) @ X.T / N
