"""What a problem is: its variables, data, derivatives, loss terms and reference derivatives.

A problem knows the mathematics; the checker, the diagnosis and the renderers
only see the data types below.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from ..model import TermInfo


@dataclass(frozen=True, kw_only=True)
class DerivativeSpec:
    """One derivative a submission may provide, e.g. dL_dZ."""

    name: str
    title: str  #: "∂L/∂Z"
    shape: Callable[[dict[str, int]], tuple[int, ...]]  #: expected shape from the trial's dims
    shape_text: str  #: "(1, N), like Z"
    formula: str  #: the correct result, for hints: "−(1/N)·(Y/Z − (1−Y)/(1−Z))"
    of_loss: bool  #: a derivative of the loss (so its loss terms can be isolated)
    term_formulas: dict[str, str] = field(default_factory=dict)  #: term id → that term's part of the result
    term_reasons: dict[str, str] = field(default_factory=dict)  #: term id → the calculus step behind it
    hint: str = ""  #: what to write when the shape is wrong


@dataclass(frozen=True, kw_only=True)
class Trial:
    """One set of random data, consistent across every variable (V = W X, Z = σ(V), ...)."""

    name: str
    description: str
    values: dict[str, Any]  #: everything a submission's function may ask for
    dims: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class Reference:
    """A finite-difference derivative, its error bound and, for loss derivatives, its per-term parts."""

    value: np.ndarray
    error: np.ndarray
    terms: dict[str, np.ndarray] = field(default_factory=dict)


class Problem(Protocol):
    name: str
    title: str
    parameters: tuple[str, ...]  #: names a submission's function may declare
    derivatives: dict[str, DerivativeSpec]  #: in chain order, the assembled gradient last
    terms: tuple[TermInfo, ...]

    def trials(self, rng: np.random.Generator) -> list[Trial]: ...

    def reference(self, name: str, trial: Trial) -> Reference: ...
