"""A problem described as data: variables, stages and a loss, from which everything else follows.

A ``GraphProblem`` is given
- its variables with shapes in named dimensions (``W: ("K", "M")``), which of them are data
  (not differentiated) and the domain of any (``Z`` in (0, 1));
- stages computed in order from earlier values (``V = W @ X + b``, ``Z = softmax(V)``);
  stage functions must broadcast over a leading batch axis (write ``W @ X``, reduce over
  the last axes), because finite differences evaluate many perturbed points at once;
- the loss as named additive terms, each a function of the values returning one number
  per batch element;
- the derivatives a submission may give, as ``(of, wrt)`` pairs: ``("L", "W")`` is dL_dW,
  shaped like W; ``("Z", "V")`` is the elementwise derivative of an elementwise stage.

From that: seeded trials (``sample`` draws the inputs for each set of dimensions),
finite-difference references of every derivative (per loss term), and term isolation,
patterns and fixes through the generic machinery. A stage may return NaN where a
finite difference would straddle a kink (e.g. ReLU at 0): that element is not compared.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..model import TermInfo
from ..numerics import finite_diff
from .base import DerivativeSpec, Reference, Trial

Values = dict[str, Any]


@dataclass(frozen=True)
class Variable:
    name: str
    shape: tuple[str | int, ...]  #: dimension names or sizes
    data: bool = False  #: data (X, Y) is not differentiated
    lower: float | None = None  #: open domain, for finite-difference steps
    upper: float | None = None

    def shape_in(self, dims: Mapping[str, int]) -> tuple[int, ...]:
        return tuple(d if isinstance(d, int) else int(dims[d]) for d in self.shape)

    def shape_text(self) -> str:
        return "(" + ", ".join(str(d) for d in self.shape) + ("," if len(self.shape) == 1 else "") + ")"


@dataclass(frozen=True)
class Stage:
    variable: Variable
    compute: Callable[[Values], np.ndarray]  #: from earlier values; must broadcast over a batch axis
    elementwise_of: str | None = None  #: the variable it is an elementwise function of (for dZ_dV)
    formula: str = ""  #: for people, e.g. "W X + b"


@dataclass(frozen=True)
class LossTerm:
    info: TermInfo
    compute: Callable[[Values], np.ndarray]  #: one number per batch element (shape: the batch shape)


@dataclass
class GraphProblem:
    name: str
    title: str
    inputs: Sequence[Variable]
    stages: Sequence[Stage]
    loss_terms: Sequence[LossTerm]
    wanted: Sequence[tuple[str, str]]  #: (of, wrt) pairs, in chain order, the gradient last
    sample: Callable[[np.random.Generator, dict[str, int], str], Values]  #: inputs for (dims, trial name)
    trial_dims: Sequence[tuple[str, str, dict[str, int]]]  #: (trial name, description, dims)
    constants: dict[str, float] = field(default_factory=dict)  #: hyper-parameters passed by name (lam)
    formulas: dict[str, str] = field(default_factory=dict)  #: derivative name → the correct result, for hints
    layout: str = "columns"
    description: str = ""
    prepare: Callable[[Values], Values] | None = None  #: extra hidden values (e.g. the kink signs) per trial
    loss_formula: str = ""
    example: str = ""  #: a correct submission, for `gradcheck problems NAME`

    def __post_init__(self) -> None:
        self._variables = {v.name: v for v in [*self.inputs, *(s.variable for s in self.stages)]}
        self._stage_index = {s.variable.name: i for i, s in enumerate(self.stages)}
        dim_names = sorted({d for v in self._variables.values() for d in v.shape if isinstance(d, str)})
        self.dim_names = tuple(dim_names)
        self.parameters = tuple([*self._variables, *dim_names, *self.constants])
        self.terms = tuple(t.info for t in self.loss_terms)
        self.derivatives = {spec.name: spec for spec in (self._spec(of, wrt) for of, wrt in self.wanted)}
        self.swapped_roles = ()

    # -- description -------------------------------------------------------------------
    def _spec(self, of: str, wrt: str) -> DerivativeSpec:
        var = self._variables[wrt]
        name = f"d{of}_d{wrt}"
        return DerivativeSpec(
            name=name,
            title=f"∂{of}/∂{wrt}",
            shape=var.shape_in,
            shape_text=f"{var.shape_text()}, like {wrt}" + (" (elementwise)" if of != "L" else ""),
            formula=self.formulas.get(name, ""),
            of_loss=of == "L",
            hint=f"{name} must be shaped like {wrt} {var.shape_text()}" + (
                f" (layout: {self.layout})" if self.layout else ""),
        )

    def variable(self, name: str) -> Variable:
        return self._variables[name]

    def describe(self) -> dict[str, Any]:
        """What `gradcheck problems` shows: plain data."""
        return {
            "name": self.name, "title": self.title, "layout": self.layout, "description": self.description,
            "variables": [{"name": v.name, "shape": v.shape_text(), "data": v.data} for v in self.inputs],
            "stages": [{"name": s.variable.name, "shape": s.variable.shape_text(), "formula": s.formula}
                       for s in self.stages],
            "loss": self.loss_formula,
            "terms": [{"id": t.id, "formula": t.formula} for t in self.terms],
            "derivatives": [{"name": d.name, "shape": d.shape_text, "formula": d.formula}
                            for d in self.derivatives.values()],
            "constants": dict(self.constants),
            "example": self.example,
        }

    # -- data ----------------------------------------------------------------------------
    def trials(self, rng: np.random.Generator) -> list[Trial]:
        return [self._trial(name, description, dims, self.sample(rng, dict(dims), name))
                for name, description, dims in self.trial_dims]

    def _trial(self, name: str, description: str, dims: dict[str, int], inputs: Values) -> Trial:
        values: Values = {k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()}
        values.update(self.constants)
        values.update(dims)
        with np.errstate(all="ignore"):
            for stage in self.stages:
                values[stage.variable.name] = np.asarray(stage.compute(values), dtype=np.float64)
        if self.prepare is not None:
            values.update(self.prepare(values))
        for var in self._variables.values():
            got, want = np.shape(values[var.name]), var.shape_in(dims)
            if got != want:
                raise ValueError(f"problem {self.name}: {var.name} has shape {got}, declared {want}")
        return Trial(name=name, description=description, values=values, dims=dict(dims))

    # -- references ----------------------------------------------------------------------
    def _downstream(self, values: Values, wrt: str, batch: np.ndarray) -> Values:
        """Values with ``wrt`` replaced by a batch of points, and every later stage recomputed."""
        out = dict(values)
        out[wrt] = batch
        start = self._stage_index[wrt] + 1 if wrt in self._stage_index else 0
        for stage in self.stages[start:]:
            out[stage.variable.name] = stage.compute(out)
        return out

    def trial_with(self, dims: dict[str, int], rng: np.random.Generator) -> Trial:
        """One trial at the given dimensions (for checking at scale)."""
        missing = [d for d in self.dim_names if d not in dims]
        if missing:
            from ..errors import GradcheckError

            raise GradcheckError(f"--dims needs {', '.join(missing)} for problem {self.name}")
        dims = {d: int(dims[d]) for d in self.dim_names}
        label = ", ".join(f"{k}={v}" for k, v in dims.items())
        return self._trial("custom", label, dims, self.sample(rng, dict(dims), "custom"))

    def loss_along(self, name: str, trial: Trial):
        """For dL_d<wrt>: the point x and ``f(u, ts)`` = L(x + t·u) for each t (u shaped like x)."""
        of, wrt = name[1:].split("_d", 1)
        if of != "L":
            return None
        x = trial.values[wrt]

        def f(u: np.ndarray, ts: np.ndarray) -> np.ndarray:
            batch = x[None] + ts.reshape((-1,) + (1,) * x.ndim) * u[None]
            down = self._downstream(trial.values, wrt, batch)
            return sum(np.broadcast_to(t.compute(down), ts.shape) for t in self.loss_terms)

        return x, f

    def reference(self, name: str, trial: Trial) -> Reference:
        of, wrt = name[1:].split("_d", 1)
        var = self._variables[wrt]
        values = trial.values
        x = values[wrt]
        if of == "L":
            def loss(batch: np.ndarray) -> np.ndarray:
                down = self._downstream(values, wrt, batch)
                return np.stack([np.broadcast_to(t.compute(down), batch.shape[:1]) for t in self.loss_terms], axis=-1)

            est = finite_diff.jacobian(loss, x, lower=var.lower, upper=var.upper)  # (*x.shape, T)
            terms = {t.info.id: est.value[..., i] for i, t in enumerate(self.loss_terms)}
            return Reference(value=est.value.sum(axis=-1), error=est.error.sum(axis=-1), terms=terms)
        stage = self.stages[self._stage_index[of]]
        if stage.elementwise_of != wrt:
            raise KeyError(f"{name}: {of} is not an elementwise function of {wrt}")
        est = finite_diff.elementwise(lambda v: stage.compute({**values, wrt: v}), x, lower=var.lower, upper=var.upper)
        return Reference(value=est.value, error=est.error)
