"""The registry of problems: ``get(name)`` returns a ready Problem.

A built-in problem is one module here with a ``make(**options)`` factory; ``--problem
path/to/problem.py`` loads a course's own (see custom.py).
"""
from __future__ import annotations

import importlib
import inspect

from ..errors import GradcheckError
from .base import DerivativeSpec, Problem, Reference, Trial

__all__ = ["DerivativeSpec", "Problem", "Reference", "Trial", "get", "names"]

_BUILTIN = ("bce", "logreg", "mse", "softmax", "mlp")
LAYOUTS = ("columns", "rows")


def names() -> tuple[str, ...]:
    return _BUILTIN


def get(name: str, **options) -> Problem:
    """The problem called ``name`` (or defined in the file ``name``), built with ``options``
    such as ``layout="rows"`` or ``activation="relu"``; a usage error naming what is known otherwise."""
    options = {k: v for k, v in options.items() if v is not None}
    if name.endswith(".py"):
        from .custom import load

        return load(name, **options)
    if name not in _BUILTIN:
        raise GradcheckError(f"unknown problem {name!r} (known: {', '.join(names())}, or a path to a problem .py file)")
    factory = importlib.import_module(f"{__name__}.{name}").make
    accepted = inspect.signature(factory).parameters
    for key, value in options.items():
        if key not in accepted:
            raise GradcheckError(f"problem {name!r} has no option --{key}")
    if options.get("layout", "columns") not in LAYOUTS:
        raise GradcheckError(f"unknown layout {options['layout']!r} (known: {', '.join(LAYOUTS)})")
    return factory(**options)
