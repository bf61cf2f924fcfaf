"""A course's own problem, from a trusted .py file: ``--problem path/to/problem.py``.

The file defines
- ``shapes``: each variable's shape in integers or named dimensions,
  e.g. ``{"W": (1, "M"), "b": (1, 1), "X": ("M", "N"), "Y": (1, "N")}``;
- ``loss(**values) -> float``: the loss, a function whose parameters are named variables
  (and dimensions or constants);
and optionally
- ``data``: names that are data, not differentiated (default: ``("X", "Y")`` where present);
- ``terms``: ``{"id": function}``, additive parts of the loss (each like ``loss``), for term isolation;
- ``stages``: ``{"name": (function, shape)}``, intermediate values computed in order
  (e.g. ``{"V": (lambda W, X, b: W @ X + b, (1, "N"))}``), so ``dL_dV`` can be checked too;
- ``sample(rng, **dims) -> dict``: the inputs of a trial (default: standard normal values);
- ``dims``: a list of dicts, one per trial (default: a few shapes with unequal and equal sizes);
- ``constants``: scalars passed by name; ``title``.
A submission may then give ``dL_d<variable>`` for every variable that is not data.
The functions are called on one point at a time: they need not broadcast.
"""
from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ..errors import GradcheckError
from ..model import TermInfo
from .graph import GraphProblem, LossTerm, Stage, Variable

DEFAULT_SIZES = ((3, 5), (5, 2), (4, 4), (3, 1), (1, 4))


def load(path: str | Path, **options) -> GraphProblem:
    if options:
        raise GradcheckError(f"a problem file takes no options (got {', '.join('--' + k for k in options)})")
    path = Path(path)
    if not path.is_file():
        raise GradcheckError(f"{path}: no such problem file")
    spec = importlib.util.spec_from_file_location(f"gradcheck_problem_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise GradcheckError(f"{path}: cannot load the problem: {type(exc).__name__}: {exc}") from None
    try:
        return _build(path, module)
    except GradcheckError:
        raise
    except Exception as exc:
        raise GradcheckError(f"{path}: not a usable problem: {type(exc).__name__}: {exc}") from None


def _build(path: Path, module: Any) -> GraphProblem:
    shapes = getattr(module, "shapes", None)
    loss = getattr(module, "loss", None)
    if not isinstance(shapes, Mapping) or not callable(loss):
        raise GradcheckError(f"{path}: a problem file needs `shapes` (a dict) and `loss` (a function)")
    data = tuple(getattr(module, "data", tuple(n for n in ("X", "Y") if n in shapes)))
    stages_spec = dict(getattr(module, "stages", {}))
    variables = {name: Variable(name, tuple(shape), data=name in data) for name, shape in shapes.items()}
    stage_vars = {name: Variable(name, tuple(shape)) for name, (_, shape) in stages_spec.items()}
    ndims = {name: len(v.shape) for name, v in {**variables, **stage_vars}.items()}
    constants = dict(getattr(module, "constants", {}))

    stages = [Stage(stage_vars[name], _per_point(fn, ndims, scalar=False)) for name, (fn, _) in stages_spec.items()]
    term_functions = dict(getattr(module, "terms", {})) or {"loss": loss}
    loss_terms = [LossTerm(TermInfo(id=tid, formula=tid, description=f"the {tid} part of the loss"),
                           _per_point(fn, ndims, scalar=True)) for tid, fn in term_functions.items()]
    dim_names = sorted({d for v in [*variables.values(), *stage_vars.values()] for d in v.shape if isinstance(d, str)})
    trial_dims = _trial_dims(getattr(module, "dims", None), dim_names)
    sampler = getattr(module, "sample", None)

    def sample(rng, dims, trial):
        if sampler is not None:
            return dict(sampler(rng, **dims))
        return {name: rng.normal(0, 1, v.shape_in(dims)) for name, v in variables.items()}

    wanted = [("L", n) for n in [*stage_vars, *variables] if n not in data]
    return GraphProblem(
        name=str(path),
        title=str(getattr(module, "title", f"custom problem {path.stem}")),
        inputs=list(variables.values()),
        stages=stages,
        loss_terms=loss_terms,
        wanted=wanted,
        sample=sample,
        trial_dims=trial_dims,
        constants=constants,
        layout="",
        description=(module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else "",
    )


def _trial_dims(declared, names: list[str]) -> list[tuple[str, str, dict[str, int]]]:
    if declared:
        listed = [declared] if isinstance(declared, Mapping) else list(declared)
        return [(f"trial-{i + 1}", ", ".join(f"{k}={v}" for k, v in d.items()), dict(d)) for i, d in enumerate(listed)]
    out = []
    for i, sizes in enumerate(DEFAULT_SIZES):
        dims = {name: sizes[j % len(sizes)] for j, name in enumerate(names)}
        out.append((f"trial-{i + 1}", ", ".join(f"{k}={v}" for k, v in dims.items()), dims))
    return out


def _per_point(fn: Callable, ndims: Mapping[str, int], *, scalar: bool) -> Callable:
    """Call ``fn`` (written for one point) on each point of a batch, when values carry a batch axis."""
    wanted = [p for p in inspect.signature(fn).parameters]

    def call(values: Mapping[str, Any]):
        args = {p: values[p] for p in wanted if p in values}
        batched = [p for p, v in args.items() if p in ndims and np.ndim(v) > ndims[p]]
        if not batched:
            out = fn(**args)
            return float(out) if scalar else np.asarray(out, dtype=np.float64)
        size = np.shape(args[batched[0]])[0]
        results = [fn(**{p: (v[i] if p in batched else v) for p, v in args.items()}) for i in range(size)]
        return np.array([float(r) for r in results]) if scalar else np.stack([np.asarray(r, float) for r in results])

    return call
