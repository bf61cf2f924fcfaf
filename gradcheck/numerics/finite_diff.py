"""Central finite differences with an estimate of their own error.

Scheme (see scipy.optimize._numdiff for the step rule): for each coordinate x_i
the step is ``h_i = EPS**(1/3) * max(1, |x_i|)``, which balances the O(h²)
truncation error of a central difference against the O(EPS/h) round-off, and it
is shrunk to stay well inside the function's domain (e.g. 0 < z < 1 for log z).
We evaluate central differences D(h), D(2h), D(4h) and return the Richardson
extrapolation R(h) = (4·D(h) − D(2h))/3, an O(h⁴) estimate. Its error is
estimated from R(h) − R(2h) (≈ 15× the truncation error of R(h), so a
deliberately generous bound) plus a round-off term: the larger of K·EPS·|f|/h
(a well-conditioned f) and the *measured* noise of f near x over h — f is
evaluated at a few points a few ulps away, and how much it jumps is how much
any one evaluation can be off (a loss that cancels catastrophically, like
log(1 − σ(v)) with σ(v) within 1e-13 of 1, shows it here). Cost: 6 function
evaluations per coordinate plus 8 in all, batched into a few numpy calls.

Methods (``using(method=...)``, a context the problems need not know about):
- ``richardson`` (the default): as above; O(h⁴), 6 evaluations per coordinate.
- ``central``: the plain central difference D(h), O(h²), 4 evaluations per coordinate (D(2h)
  only to estimate its error: |D(h) − D(2h)|/3 plus round-off).
- ``complex``: the complex step Im f(x + i·h)/h, exact to machine precision for analytic f,
  1 evaluation per coordinate (complex). Where f is not complex-safe (it drops the imaginary
  part, or raises) the Richardson differences are used instead and ``fallbacks()`` says so.
``using(step=h)`` fixes the relative step (h·max(1, |x|)) instead of EPS**(1/3): the step
sweep uses it to draw the truncation/round-off curve.

Two entry points:
- ``jacobian``: f maps a batch of points (B, *x.shape) to (B, *out); every
  coordinate is perturbed separately, all in one batched call (chunked to bound
  memory). Result shape (*x.shape, *out).
  With ``linear_map=A`` (x a row (1, P), A shaped (P, K)), f instead takes
  points of the image x ↦ x @ A, shaped (B, 1, K): perturbing x_i by h moves the
  image by h·A[i], so a batch costs O(B·K) instead of a matmul (the perceptron's
  V = W X). Same result, far less work.
- ``elementwise``: f is separable (output i depends on x_i only, with optional
  trailing axes), so all coordinates are perturbed at once. Result shape f(x).shape.
"""
from __future__ import annotations

import contextlib
import contextvars
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

EPS = np.finfo(np.float64).eps
STEP = EPS ** (1 / 3)
ROUNDOFF_FACTOR = 16.0  # round-off of a few elementary operations per evaluation, generously
DOMAIN_FRACTION = 1 / 4096  # near a domain edge the step is tiny: even plain D(h) is then accurate to ~1e-8
METHODS = ("richardson", "central", "complex")
COMPLEX_STEP = 1e-20  # no subtraction, so no round-off: the step can be absurdly small


@dataclass(frozen=True)
class Settings:
    method: str = "richardson"
    step: float | None = None  #: a fixed relative step, or None for EPS**(1/3)
    fallbacks: list = field(default_factory=list)  #: notes of complex steps that fell back


_SETTINGS: contextvars.ContextVar[Settings] = contextvars.ContextVar("finite_diff_settings", default=Settings())


@contextlib.contextmanager
def using(*, method: str = "richardson", step: float | None = None):
    """Differences inside the block use ``method`` (and a fixed relative ``step``, if given)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (known: {', '.join(METHODS)})")
    token = _SETTINGS.set(Settings(method=method, step=step, fallbacks=[]))
    try:
        yield
    finally:
        _SETTINGS.reset(token)


def fallbacks() -> list[str]:
    """Why complex steps fell back to Richardson inside the current ``using`` block."""
    return list(_SETTINGS.get().fallbacks)


def _complex_step(f: Callable[[np.ndarray], np.ndarray], points: np.ndarray) -> np.ndarray | None:
    """Im f(points) at complex points, or None (noted) when f is not complex-safe."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)  # f dropping the imaginary part
            value = np.asarray(f(points))
    except Exception as exc:
        _SETTINGS.get().fallbacks.append(f"complex step not possible ({type(exc).__name__}): used Richardson")
        return None
    if not np.iscomplexobj(value):
        _SETTINGS.get().fallbacks.append("complex step not possible (the function is not complex-safe): used Richardson")
        return None
    return value.imag


def _complex_estimate(value: np.ndarray) -> Estimate:
    error = 4 * EPS * np.abs(value) + np.finfo(np.float64).tiny  # no cancellation: rounding of one evaluation
    bad = ~np.isfinite(value)
    return Estimate(value=np.where(bad, np.nan, value), error=np.where(bad, np.nan, error))


def _complex_jacobian(f, x: np.ndarray, linear_map: np.ndarray | None) -> Estimate | None:
    flat = x.ravel()
    n = flat.size
    h = COMPLEX_STEP * np.maximum(1.0, np.abs(flat))
    if linear_map is None:
        batch = np.repeat(flat[None].astype(complex), n, axis=0)
        batch[np.arange(n), np.arange(n)] += 1j * h
        batch = batch.reshape((n,) + x.shape)
    else:
        A = np.asarray(linear_map, dtype=np.float64)
        batch = (flat[None] @ A)[None] + (1j * h[:, None] * A)[:, None, :]
    with np.errstate(all="ignore"):
        imag = _complex_step(f, batch)
    if imag is None:
        return None
    value = imag / h.reshape((n,) + (1,) * (imag.ndim - 1))
    estimate = _complex_estimate(value)
    shape = x.shape + imag.shape[1:]
    return Estimate(value=estimate.value.reshape(shape), error=estimate.error.reshape(shape))


def _multipliers() -> tuple[float, ...]:
    return (1.0, 2.0) if _SETTINGS.get().method == "central" else (1.0, 2.0, 4.0)
_CHUNK_ELEMENTS = 4_000_000  # floats per batched evaluation, about 32 MB
NOISE_SAMPLES = 8  # evaluations a few ulps from x, to measure how noisy f is there
NOISE_ULPS = 4.0
NOISE_FACTOR = 2.0  # a central difference carries the noise of two evaluations


@dataclass(frozen=True, slots=True)
class Estimate:
    """A finite-difference derivative and a bound on its error (same shape)."""

    value: np.ndarray
    error: np.ndarray


def steps(x: np.ndarray, lower: float | None = None, upper: float | None = None) -> np.ndarray:
    """Per-coordinate step: scale-aware, shrunk near a domain edge, exactly representable."""
    x = np.asarray(x, dtype=np.float64)
    h = (_SETTINGS.get().step or STEP) * np.maximum(1.0, np.abs(x))
    with np.errstate(invalid="ignore"):
        if lower is not None:
            h = np.minimum(h, (x - lower) * DOMAIN_FRACTION)
        if upper is not None:
            h = np.minimum(h, (upper - x) * DOMAIN_FRACTION)
    h = np.where(h > 0, h, np.nan)  # on or past an edge: no usable step
    return (x + h) - x  # so x ± h is exactly the point we difference at


def _jitters(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NOISE_SAMPLES copies of x with each coordinate moved a few ulps either way (seeded); and the moves."""
    rng = np.random.default_rng(20261128)
    signs = rng.choice((-1.0, 1.0), size=(NOISE_SAMPLES,) + x.shape)
    moves = signs * NOISE_ULPS * EPS * np.maximum(np.abs(x), np.finfo(np.float64).tiny)[None]
    moves = (x[None] + moves) - x[None]  # exactly representable
    return x[None] + moves, moves


def _combine(diffs: list[np.ndarray], magnitudes: list[np.ndarray], h: np.ndarray,
             noise_of: Callable[[np.ndarray], np.ndarray] | None = None) -> Estimate:
    """Combine central differences at h, 2h (and 4h) into an Estimate, by the current method.

    ``diffs[m]`` is f(x + m·h) − f(x − m·h); ``magnitudes[m]`` is |f(x+mh)| + |f(x−mh)|;
    ``noise_of(D(h))`` measures how noisy one evaluation of f is near x (its jumps over ulp-sized
    moves, the linear part D(h)·move taken out).
    """
    d = [diff / (2 * m * h) for diff, m in zip(diffs, _multipliers())]
    noise = noise_of(d[0]) if noise_of is not None else 0.0
    roundoff = np.maximum(ROUNDOFF_FACTOR * EPS * magnitudes[0], NOISE_FACTOR * noise) / h
    if len(d) == 2:  # central: D(h), its truncation error estimated from D(2h)
        r1 = d[0]
        error = np.abs(d[0] - d[1]) / 3 + roundoff
    else:
        r1 = (4 * d[0] - d[1]) / 3
        r2 = (4 * d[1] - d[2]) / 3
        # Truncation shrinks like h²: D(2h) − D(4h) ≈ 4·(D(h) − D(2h)). When it does not, the
        # differences are dominated by noise (e.g. D ∝ 1/h: the same rounding jump over a smaller
        # step), and only the spread of the three says how wrong they can be.
        a, b = d[0] - d[1], d[1] - d[2]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = b / a
        smooth = (ratio >= 2) & (ratio <= 8)
        spread = np.maximum.reduce([np.abs(a), np.abs(b), np.abs(d[0] - d[2])])
        # Never claim more than the plain D(h) supports: where the function is less smooth than
        # Richardson assumes (a kink of f'' within a step, as in a Huber loss), R(h) − R(2h) can
        # understate the error, and |R(h) − D(h)|, D(h)'s own truncation, is still small elsewhere.
        error = np.maximum(np.where(smooth, np.abs(r1 - r2), 2 * spread), np.abs(r1 - d[0])) + roundoff
    bad = ~np.isfinite(r1) | ~np.isfinite(error)
    return Estimate(value=np.where(bad, np.nan, r1), error=np.where(bad, np.nan, error))


def elementwise(
    f: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    *,
    lower: float | None = None,
    upper: float | None = None,
) -> Estimate:
    """Derivative of a separable f: d f(x)[i, ...] / d x[i], perturbing all coordinates at once."""
    x = np.asarray(x, dtype=np.float64)
    if _SETTINGS.get().method == "complex":
        hc = COMPLEX_STEP * np.maximum(1.0, np.abs(x))
        with np.errstate(all="ignore"):
            imag = _complex_step(f, x + 1j * hc)
        if imag is not None:
            return _complex_estimate(imag / hc.reshape(hc.shape + (1,) * (imag.ndim - x.ndim)))
        with using(method="richardson"):
            return elementwise(f, x, lower=lower, upper=upper)
    h = steps(x, lower, upper)
    diffs, mags = [], []
    with np.errstate(all="ignore"):
        f0 = np.asarray(f(x))
        extra = f0.ndim - x.ndim  # trailing axes of f (e.g. one per loss term)
        hb = h.reshape(h.shape + (1,) * extra)
        for m in _multipliers():
            plus, minus = np.asarray(f(x + m * h)), np.asarray(f(x - m * h))
            diffs.append(plus - minus)
            mags.append(np.abs(plus) + np.abs(minus))
        jittered, moves = _jitters(x)
        jumps = np.stack([np.asarray(f(j)) for j in jittered]) - f0[None]
        moves = moves.reshape(moves.shape + (1,) * extra)

        def noise_of(slope: np.ndarray) -> np.ndarray:  # separable: element i moves by its own slope
            return np.max(np.abs(jumps - slope[None] * moves), axis=0)

        return _combine(diffs, mags, hb, noise_of)


def jacobian(
    f: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    *,
    lower: float | None = None,
    upper: float | None = None,
    linear_map: np.ndarray | None = None,
) -> Estimate:
    """Derivative of f at x with respect to every coordinate of x; shape (*x.shape, *out)."""
    x = np.asarray(x, dtype=np.float64)
    if _SETTINGS.get().method == "complex":
        estimate = _complex_jacobian(f, x, linear_map)
        if estimate is not None:
            return estimate
        with using(method="richardson"):
            return jacobian(f, x, lower=lower, upper=upper, linear_map=linear_map)
    flat = x.ravel()
    h = steps(flat, lower, upper)
    n = flat.size
    if linear_map is None:
        point = x

        def perturbed(idx: np.ndarray, delta: np.ndarray) -> np.ndarray:
            batch = np.repeat(flat[None], idx.size, axis=0)
            batch[np.arange(idx.size), idx] += delta
            return batch.reshape((idx.size,) + x.shape)
    else:
        A = np.asarray(linear_map, dtype=np.float64)
        point = flat[None] @ A  # (1, K)

        def perturbed(idx: np.ndarray, delta: np.ndarray) -> np.ndarray:
            return point[None] + (delta[:, None] * A[idx])[:, None, :]

    with np.errstate(all="ignore"):
        out_shape = np.asarray(f(point[None]))[0].shape
        out_size = max(1, int(np.prod(out_shape)))
        multipliers = _multipliers()
        chunk = max(1, _CHUNK_ELEMENTS // (out_size * 2 * len(multipliers) + point.size))
        diffs = [np.empty((n,) + out_shape) for _ in multipliers]
        mags = [np.empty((n,) + out_shape) for _ in multipliers]
        for start in range(0, n, chunk):
            idx = np.arange(start, min(n, start + chunk))
            for k, m in enumerate(multipliers):
                # One batch holds x + m·h_i·e_i for every i in the chunk, then x − m·h_i·e_i.
                both = np.concatenate([idx, idx])
                values = np.asarray(f(perturbed(both, np.concatenate([m * h[idx], -m * h[idx]]))))
                plus, minus = values[: idx.size], values[idx.size :]
                diffs[k][idx] = plus - minus
                mags[k][idx] = np.abs(plus) + np.abs(minus)
        hb = h.reshape((n,) + (1,) * len(out_shape))
        jittered, moves = _jitters(flat)
        if linear_map is not None:
            jittered = point[None] + (moves @ A)[:, None, :]  # (S, 1, K) in the image
        else:
            jittered = jittered.reshape((NOISE_SAMPLES,) + x.shape)
        jumps = np.asarray(f(jittered)) - np.asarray(f(point[None]))[0][None]  # (S, *out)

        def noise_of(slope: np.ndarray) -> np.ndarray:  # one noise level per output, for every coordinate
            linear = (moves @ np.nan_to_num(slope).reshape(n, -1)).reshape(jumps.shape)
            return np.max(np.abs(jumps - linear), axis=0)[None]

        est = _combine(diffs, mags, hb, noise_of)
    shape = x.shape + out_shape
    return Estimate(value=est.value.reshape(shape), error=est.error.reshape(shape))
