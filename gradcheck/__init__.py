"""gradcheck: check a hand-derived gradient against finite differences and say which term is wrong.

Python API::

    import gradcheck
    report = gradcheck.check("my_gradients.py")          # or exprs=["dL_dZ=..."]
    assert report.passed, report.derivatives
"""
from __future__ import annotations

__all__ = ["check", "Report", "DerivativeResult", "Finding", "GradcheckError"]


def __getattr__(name: str):
    # Lazy: importing gradcheck (e.g. for the CLI's --help) must not import numpy.
    if name == "check":
        from .checker import check

        return check
    if name in ("Report", "DerivativeResult", "Finding"):
        from . import model

        return getattr(model, name)
    if name == "GradcheckError":
        from .errors import GradcheckError

        return GradcheckError
    raise AttributeError(name)
