"""The step-size sweep: how the user's value and a plain central difference disagree as h shrinks.

For each derivative, on one trial, the largest |yours − D(h)| relative to the derivative's scale
for h from 1e-1 down to 1e-12 (relative steps, h·max(1, |x|)). A correct derivative draws a V:
truncation error (∝ h²) falls until round-off (∝ ε/h) takes over, and the V touches the floor
near 1e-10. A wrong one draws a plateau: no step makes the difference go away. That tells noise
from a bug at a glance.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .numerics import finite_diff
from .numerics.compare import broadcasts

STEPS = tuple(10.0 ** -k for k in range(1, 13))


@dataclass(frozen=True)
class Curve:
    name: str
    title: str
    trial: str
    steps: tuple[float, ...]
    errors: tuple[float | None, ...]  #: max |yours − D(h)| / scale; None where not comparable
    problem: str | None = None  #: why there is no curve (the code raised, wrong shape)

    @property
    def floor(self) -> float | None:
        finite = [e for e in self.errors if e is not None]
        return min(finite) if finite else None


def sweep(problem, submission, *, seed: int = 0, trial_name: str | None = None) -> list[Curve]:
    trials = problem.trials(np.random.default_rng(seed))
    trial = next((t for t in trials if t.name == trial_name), trials[0])
    curves = []
    for name in submission.provided:
        spec = problem.derivatives[name]
        outcome = submission.evaluate(name, trial.values)
        if outcome.value is None:
            curves.append(Curve(name, spec.title, trial.name, STEPS, (None,) * len(STEPS),
                                problem=outcome.error.message if outcome.error else "no value"))
            continue
        yours = outcome.value
        errors = []
        for h in STEPS:
            with finite_diff.using(method="central", step=h):
                reference = problem.reference(name, trial).value
            if yours.shape != reference.shape and not (
                    yours.size == reference.size and broadcasts(yours.shape, reference.shape)):
                curves.append(Curve(name, spec.title, trial.name, STEPS, (None,) * len(STEPS),
                                    problem=f"shape {yours.shape}, expected {reference.shape}"))
                break
            mine = yours.reshape(reference.shape)
            ok = np.isfinite(reference) & np.isfinite(mine)
            scale = float(np.max(np.abs(reference[ok]), initial=0.0)) or 1.0
            errors.append(float(np.max(np.abs(mine - reference)[ok], initial=0.0)) / scale if ok.any() else None)
        else:
            curves.append(Curve(name, spec.title, trial.name, STEPS, tuple(errors)))
    return curves
