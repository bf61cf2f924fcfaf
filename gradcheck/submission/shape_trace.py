"""Find the operation and operand shapes behind a numpy shape error in a module function.

numpy says "matmul: Input operand 1 has a mismatch in its core dimension 0 ..."
without shapes. When a function fails like that we call it once more with its
array inputs viewed as ``_Traced`` arrays: every ufunc (``@``, ``*``, ``+`` ...)
and numpy function (``np.dot`` ...) on them goes through a hook that records
the operand shapes of the call that raises.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

_SYMBOLS = {"matmul": "@", "multiply": "*", "add": "+", "subtract": "-", "true_divide": "/", "divide": "/", "power": "**"}


class ShapeMismatch(ValueError):
    def __init__(self, op: str, shapes: tuple[tuple[int, ...], ...], original: Exception):
        super().__init__(str(original))
        self.op, self.shapes = op, shapes


def _plain(x):
    if isinstance(x, _Traced):
        return x.view(np.ndarray)
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(i) for i in x)
    return x


def _wrap(x):
    if type(x) is np.ndarray:
        return x.view(_Traced)
    if isinstance(x, tuple):
        return tuple(_wrap(i) for i in x)
    return x


class _Traced(np.ndarray):
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [_plain(i) for i in inputs]
        if "out" in kwargs:
            kwargs["out"] = _plain(kwargs["out"])
        try:
            return _wrap(getattr(ufunc, method)(*plain, **kwargs))
        except ShapeMismatch:
            raise
        except ValueError as exc:
            raise ShapeMismatch(_SYMBOLS.get(ufunc.__name__, ufunc.__name__), tuple(np.shape(i) for i in plain), exc) from None

    def __array_function__(self, func, types, args, kwargs):
        plain_args = [_plain(a) for a in args]
        plain_kwargs = {k: _plain(v) for k, v in kwargs.items()}
        try:
            return _wrap(func(*plain_args, **plain_kwargs))
        except ShapeMismatch:
            raise
        except ValueError as exc:
            shapes = tuple(np.shape(a) for a in plain_args if isinstance(a, np.ndarray))
            raise ShapeMismatch(func.__name__, shapes, exc) from None


def trace(fn: Callable, kwargs: Mapping[str, Any]) -> ShapeMismatch | None:
    """Call ``fn`` with traced arrays; the ShapeMismatch it raises, or None."""
    traced = {k: (np.array(v).view(_Traced) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    try:
        with np.errstate(all="ignore"):
            fn(**traced)
    except ShapeMismatch as exc:
        return exc
    except Exception:
        return None
    return None


def describe(op: str, shapes: tuple[tuple[int, ...], ...], names: Mapping[str, tuple[int, ...]]) -> str:
    """'(1, 5) @ (3, 5) does not line up: ...' with a hint naming an input when one fits."""
    if op in ("@", "dot", "matmul") and len(shapes) == 2 and all(len(s) == 2 for s in shapes):
        (a, b) = shapes
        text = f"{a} @ {b} does not line up (inner sizes {a[1]} and {b[0]} differ)"
        if a[1] == b[1]:
            named = [n for n, s in names.items() if s == b]
            text += f": did you mean @ {named[0]}.T?" if named else ": transposing the right operand would line up"
        elif a[0] == b[0]:
            text += ": transposing the left operand would line up"
        return text
    joined = f" {op} ".join(str(s) for s in shapes) if op in _SYMBOLS.values() else f"{op}{shapes}"
    return f"{joined}: shapes cannot broadcast"
