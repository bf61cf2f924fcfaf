"""The registry of problems: ``get(name)`` returns a ready Problem."""
from __future__ import annotations

from ..errors import GradcheckError
from .base import DerivativeSpec, Problem, Reference, Trial

__all__ = ["DerivativeSpec", "Problem", "Reference", "Trial", "get", "names"]

_BUILTIN = {"bce": ("gradcheck.problems.bce", "BCEPerceptron")}


def names() -> tuple[str, ...]:
    return tuple(_BUILTIN)


def get(name: str) -> Problem:
    """The problem called ``name``; a usage error naming the known ones otherwise."""
    if name not in _BUILTIN:
        raise GradcheckError(f"unknown problem {name!r} (known: {', '.join(names())})")
    import importlib

    module, cls = _BUILTIN[name]
    return getattr(importlib.import_module(module), cls)()
