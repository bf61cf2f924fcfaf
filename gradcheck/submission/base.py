"""The one small interface between gradcheck and a user's derivatives.

A submission says which derivatives it provides and evaluates one of them on
named arrays. Whatever the user's code does (raise, return a string, NaN), the
result is an ``Outcome``: plain data, never an exception. Module submissions run
in-process today; a sandboxed subprocess can implement the same interface.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

import numpy as np


@dataclass(frozen=True, kw_only=True, slots=True)
class CallError:
    """Why a derivative produced no usable array."""

    kind: str  #: "exception" (raised), "timeout", "type" (not numbers), "shape" (operands do not line up)
    message: str  #: one line, e.g. "ZeroDivisionError: division by zero"
    operation: str | None = None  #: for shape errors: "@", "*", ...
    operand_shapes: tuple[tuple[int, ...], ...] = ()
    span: tuple[int, int] | None = None  #: for expressions: the failing node


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """The user's value of one derivative on one trial: a float64 array or an error."""

    value: np.ndarray | None = field(default=None, compare=False)
    dtype: str | None = None  #: the dtype the user's code returned, before conversion
    error: CallError | None = None


class Submission(Protocol):
    description: str  #: e.g. "cases/bce/seed_question.py" or "--expr dL_dZ=..."
    provided: tuple[str, ...]  #: the derivative names it defines

    def evaluate(self, name: str, values: Mapping[str, Any], parts: Mapping[str, Any] | None = None) -> Outcome:
        """The user's ``name`` on ``values``; the derivatives in ``parts`` replace the user's own
        wherever ``name`` uses them (to check an assembly with correct parts)."""
        ...

    def uses(self, name: str) -> frozenset[str]:
        """The other derivatives that the definition of ``name`` uses."""
        ...

    def locate(self, name: str, span: tuple[int, int]) -> dict | None:
        """{"line", "col", "end_col"} of a span of ``expression(name).text`` in the user's input."""
        ...

    def function_source(self, name: str) -> Any:
        """The FunctionSource of a module function (for showing its code), else None."""
        ...

    def expression(self, name: str) -> Any:
        """The user's definition of ``name`` as an Expression, when it is one (for term analysis)."""
        ...

    def source(self, name: str) -> str | None:
        """A short text of the user's definition of ``name`` (for the report)."""
        ...

    def captured_output(self) -> str: ...


_NUMERIC_KINDS = "fiub"


def to_outcome(result: Any) -> Outcome:
    """Turn whatever the user's code returned into an Outcome (never raises)."""
    try:
        array = np.asarray(result)
    except Exception as exc:  # a hostile or broken object
        return Outcome(error=CallError(kind="type", message=f"returned a {type(result).__name__} that is not an array: {exc}"))
    if array.dtype.kind == "c":
        return Outcome(dtype=str(array.dtype), error=CallError(kind="type", message="returned complex numbers"))
    if array.dtype.kind not in _NUMERIC_KINDS:
        what = type(result).__name__ if array.dtype == object or array.ndim == 0 else f"an array of {array.dtype}"
        return Outcome(error=CallError(kind="type", message=f"returned {what}, not an array of numbers"))
    return Outcome(value=array.astype(np.float64), dtype=str(array.dtype))


def describe_exception(exc: BaseException) -> CallError:
    """A CallError for an exception raised by user code; numpy shape mismatches become ``shape``."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    message = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    shape_words = ("shapes", "mismatch in its core dimension", "broadcast", "not aligned")
    is_shape = isinstance(exc, ValueError) and any(w in text for w in shape_words)
    return CallError(kind="shape" if is_shape else "exception", message=message)
