"""The seed's problem: a single-layer perceptron with binary cross-entropy.

W (1, M), X (M, N) with samples as columns, Y (1, N) in {0, 1},
V = W X, Z = σ(V), L = −(1/N) Σ_k [ y_k log z_k + (1 − y_k) log(1 − z_k) ].

The loss has two additive terms, ``positive`` (y·log z) and ``negative``
((1−y)·log(1−z)); every reference of a loss derivative is computed per term, so
the diagnosis can tell which term a wrong derivative gets wrong.
"""
from __future__ import annotations

import numpy as np

from ..mathfn import log_one_minus_sigmoid, log_sigmoid, sigmoid
from ..model import TermInfo
from ..numerics import finite_diff
from .base import DerivativeSpec, Reference, Trial

SATURATION = 14.5  # |v| that puts z within about 5e-7 of 0 or 1

DERIVATIVES = {
    spec.name: spec
    for spec in (
        DerivativeSpec(
            name="dV_dW",
            title="∂V/∂W",
            shape=lambda d: (d["M"], d["N"]),
            shape_text="(M, N): entry [j, k] is ∂V_k/∂W_j",
            formula="X",
            of_loss=False,
        ),
        DerivativeSpec(
            name="dZ_dV",
            title="∂Z/∂V",
            shape=lambda d: (1, d["N"]),
            shape_text="(1, N), like V (elementwise)",
            formula="σ'(V) = Z ⊙ (1 − Z)",
            of_loss=False,
        ),
        DerivativeSpec(
            name="dL_dZ",
            title="∂L/∂Z",
            shape=lambda d: (1, d["N"]),
            shape_text="(1, N), like Z",
            formula="−(1/N)·(Y/Z − (1−Y)/(1−Z))",
            of_loss=True,
            term_formulas={"positive": "−(1/N)·Y/Z", "negative": "+(1/N)·(1−Y)/(1−Z)"},
            term_reasons={
                "positive": "d/dz log z = 1/z",
                "negative": "d/dz log(1−z) = −1/(1−z): the chain rule brings the −1 of (1−z)",
            },
        ),
        DerivativeSpec(
            name="dL_dV",
            title="∂L/∂V",
            shape=lambda d: (1, d["N"]),
            shape_text="(1, N), like V",
            formula="∂L/∂Z ⊙ σ'(V) = (Z − Y)/N",
            of_loss=True,
            term_formulas={"positive": "−(1/N)·Y ⊙ (1−Z)", "negative": "+(1/N)·(1−Y) ⊙ Z"},
            term_reasons={
                "positive": "(1/z)·σ'(v) = (1/z)·z(1−z) = 1−z",
                "negative": "(−1/(1−z))·σ'(v) = −z(1−z)/(1−z) = −z",
            },
        ),
        DerivativeSpec(
            name="dL_dW",
            title="∂L/∂W",
            shape=lambda d: (1, d["M"]),
            shape_text="(1, M), like W",
            formula="(∂L/∂Z ⊙ σ'(V)) Xᵀ = (Z − Y) Xᵀ / N",
            of_loss=True,
            term_formulas={"positive": "−(1/N)·(Y ⊙ (1−Z)) Xᵀ", "negative": "+(1/N)·((1−Y) ⊙ Z) Xᵀ"},
            term_reasons={
                "positive": "∂L/∂V of the term, summed over samples with Xᵀ (∂V_k/∂W_j = X[j, k])",
                "negative": "∂L/∂V of the term, summed over samples with Xᵀ (∂V_k/∂W_j = X[j, k])",
            },
            hint="∂L/∂W must be shaped like W (1, M): multiply ∂L/∂Z and σ'(V) elementwise "
            "over the samples, then sum over samples with Xᵀ: (dL_dZ * dZ_dV) @ X.T",
        ),
    )
}

TERMS = (
    TermInfo(id="positive", formula="y·log z", description="the part of the loss from samples with y = 1"),
    TermInfo(id="negative", formula="(1−y)·log(1−z)", description="the part of the loss from samples with y = 0"),
)


def _terms_from_v(v: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    """Per-sample loss contributions of each term, from V, in stable form; trailing axis = term."""
    pos = np.where(y != 0, -y * log_sigmoid(v), 0.0) / n
    neg = np.where(y != 1, -(1 - y) * log_one_minus_sigmoid(v), 0.0) / n
    return np.stack([pos, neg], axis=-1)


def _terms_from_z(z: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    """Per-sample loss contributions of each term, from Z; trailing axis = term."""
    pos = np.where(y != 0, -y * np.log(z), 0.0) / n
    neg = np.where(y != 1, -(1 - y) * np.log1p(-z), 0.0) / n
    return np.stack([pos, neg], axis=-1)


def make_trial(name: str, description: str, W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> Trial:
    """A trial whose derived values are computed from W, X, Y, so they are always consistent."""
    V = W @ X
    M, N = X.shape
    values = {"W": W, "X": X, "Y": Y, "V": V, "Z": sigmoid(V), "N": N, "M": M}
    return Trial(name=name, description=description, values=values, dims={"M": M, "N": N})


class BCEPerceptron:
    """The seed's perceptron; see the module docstring."""

    name = "bce"
    title = "single-layer perceptron, binary cross-entropy"
    layout = "columns"
    description = "The seed's perceptron: W (1, M), X (M, N), V = W X, Z = σ(V), binary cross-entropy."
    parameters = ("W", "X", "Y", "V", "Z", "N", "M")
    derivatives = DERIVATIVES
    terms = TERMS
    #: spellings of "label minus prediction" (the error signal is Z − Y)
    swapped_roles = ("Y - Z", "Y - sigma(V)", "Y - sigmoid(V)", "Y - np.sigmoid(V)")

    def pattern_variants(self, name: str, trial: Trial, reference) -> list[tuple[str, str, np.ndarray]]:
        """What a typical mistake computes instead, from the finite-difference pieces of this trial.

        ``reference(name, trial)`` returns a Reference. σ' variants follow the chain
        dL/dV = dL/dZ ⊙ dZ/dV and dL/dW = dL/dV (dV/dW)ᵀ with the dZ/dV piece replaced.
        """
        Z = trial.values["Z"]
        out: list[tuple[str, str, np.ndarray]] = []
        if name in ("dL_dZ", "dL_dV", "dL_dW"):
            flipped = make_trial(trial.name, trial.description, trial.values["W"], trial.values["X"], 1 - trial.values["Y"])
            out.append(("swapped_terms", "equals the derivative with Y and 1−Y exchanged", reference(name, flipped).value))
        activation = [
            ("missing_activation_derivative", "σ' is left out of the chain (∂L/∂Z used as ∂L/∂V)", 1.0),
            ("extra_activation_derivative", "σ' is applied twice (an extra factor Z(1−Z))", None),
            ("wrong_activation_derivative", "σ(V) is used where σ'(V) = σ(V)(1−σ(V)) belongs", Z),
            ("wrong_activation_derivative", "1−σ(V) is used where σ'(V) = σ(V)(1−σ(V)) belongs", 1 - Z),
            ("wrong_activation_derivative", "(1−σ(V))² is used where σ'(V) = σ(V)(1−σ(V)) belongs", (1 - Z) ** 2),
        ]
        if name == "dZ_dV":
            dzdv = reference("dZ_dV", trial).value
            return [(k, t, dzdv * dzdv if g is None else np.broadcast_to(g, dzdv.shape) * 1.0) for k, t, g in activation[1:]]
        if name in ("dL_dV", "dL_dW"):
            dldz = reference("dL_dZ", trial).value
            dzdv = reference("dZ_dV", trial).value
            for kind, text, factor in activation:
                dldv = dldz * (dzdv * dzdv if factor is None else factor)
                out.append((kind, text, dldv if name == "dL_dV" else dldv @ reference("dV_dW", trial).value.T))
        return out

    def describe(self) -> dict:
        """What `gradcheck problems` shows: plain data."""
        return {
            "name": self.name, "title": self.title, "layout": self.layout, "description": self.description,
            "variables": [{"name": "W", "shape": "(1, M)", "data": False}, {"name": "X", "shape": "(M, N)", "data": True},
                          {"name": "Y", "shape": "(1, N)", "data": True}],
            "stages": [{"name": "V", "shape": "(1, N)", "formula": "W X"}, {"name": "Z", "shape": "(1, N)", "formula": "σ(V)"}],
            "loss": "−(1/N) Σ [y log z + (1−y) log(1−z)]",
            "terms": [{"id": t.id, "formula": t.formula} for t in self.terms],
            "derivatives": [{"name": d.name, "shape": d.shape_text, "formula": d.formula} for d in self.derivatives.values()],
            "constants": {},
            "example": EXAMPLE,
        }

    def trials(self, rng: np.random.Generator) -> list[Trial]:
        """Shapes with M ≠ N, M = N, N = 1 and M = 1; single-class trials; a saturated one."""

        def labels(n: int, kind: str = "mixed") -> np.ndarray:
            if kind != "mixed":
                return np.full((1, n), 1.0 if kind == "ones" else 0.0)
            y = rng.integers(0, 2, size=(1, n)).astype(float)
            if n >= 2:  # both classes present
                y[0, rng.choice(n, size=2, replace=False)] = (0.0, 1.0)
            return y

        def data(m: int, n: int, kind: str = "mixed"):
            return rng.normal(0, 0.7, size=(1, m)), rng.normal(0, 1.0, size=(m, n)), labels(n, kind)

        trials = [
            make_trial("mixed", "M=3, N=5, both classes", *data(3, 5)),
            make_trial("wide", "M=6, N=4, both classes", *data(6, 4)),
            make_trial("square", "M=N=4: a transposed result has the right shape here", *data(4, 4)),
            make_trial("one-sample", "N=1 (one sample, y=1)", *data(3, 1, "ones")),
            make_trial("one-feature", "M=1, N=6", *data(1, 6)),
            make_trial("all-positive", "every y=1: only the y·log z term is active", *data(3, 6, "ones")),
            make_trial("all-negative", "every y=0: only the (1−y)·log(1−z) term is active", *data(3, 6, "zeros")),
        ]
        trials.append(self._saturated_trial(rng))
        return trials

    def _saturated_trial(self, rng: np.random.Generator) -> Trial:
        """Half the samples at |v| ≈ 14.5, so z is within ~5e-7 of 0 or 1, with both labels."""
        m, n = 4, 8
        W = rng.normal(0, 0.7, size=(1, m))
        X = rng.normal(0, 1.0, size=(m, n))
        targets = SATURATION * np.array([1.0, -1.0, 1.0, -1.0]) * rng.uniform(1.0, 1.04, size=4)
        # Move sample k along W so that W·x_k = target exactly in exact arithmetic.
        for k, t in enumerate(targets):
            X[:, k] += W[0] * (t - W[0] @ X[:, k]) / (W[0] @ W[0])
        Y = np.array([[1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0]])
        return make_trial("saturated", "M=4, N=8, four samples with z within 1e-6 of 0 or 1", W, X, Y)

    def trial_with(self, dims: dict[str, int], rng: np.random.Generator) -> Trial:
        """One trial at the given dimensions (for checking at scale)."""
        m, n = int(dims.get("M", 0)), int(dims.get("N", 0))
        if m < 1 or n < 1:
            from ..errors import GradcheckError

            raise GradcheckError("--dims needs M and N for problem bce, e.g. --dims M=100000,N=50")
        y = rng.integers(0, 2, size=(1, n)).astype(float)
        if n >= 2:
            y[0, :2] = (0.0, 1.0)
        W = rng.normal(0, 1 / np.sqrt(m), size=(1, m))
        return make_trial("custom", f"M={m}, N={n}", W, rng.normal(0, 1.0, size=(m, n)), y)

    def loss_along(self, name: str, trial: Trial):
        """For dL_dW: W and ``f(u, ts)`` = L(W + t·u) for each t; V moves along u X, so each t is O(N)."""
        if name != "dL_dW":
            return None
        v = trial.values
        X, Y, N, V = v["X"], v["Y"], v["N"], v["V"]

        def f(u: np.ndarray, ts: np.ndarray) -> np.ndarray:
            shift = u @ X  # (1, N)
            return _terms_from_v(V[None] + ts.reshape(-1, 1, 1) * shift[None], Y, N).sum(axis=(-3, -2, -1))

        return v["W"], f

    def reference(self, name: str, trial: Trial) -> Reference:
        """Central finite differences of the stage that defines ``name``; per term for loss derivatives."""
        v = trial.values
        X, Y, N = v["X"], v["Y"], v["N"]
        if name == "dV_dW":
            est = finite_diff.jacobian(lambda Vb: Vb, v["W"], linear_map=X)  # (1, M, 1, N)
            return Reference(value=est.value[0, :, 0, :], error=est.error[0, :, 0, :])
        if name == "dZ_dV":
            # Where v > 0, difference σ(v) − 1 = −σ(−v) instead: same derivative, but a small value,
            # so the round-off stays relative to σ' even when z is within 1e-6 of 1.
            upper = v["V"] > 0
            est = finite_diff.elementwise(lambda vv: np.where(upper, -sigmoid(-vv), sigmoid(vv)), v["V"])
            return Reference(value=est.value, error=est.error)
        if name == "dL_dZ":
            est = finite_diff.elementwise(lambda z: _terms_from_z(z, Y, N), v["Z"], lower=0.0, upper=1.0)
        elif name == "dL_dV":
            est = finite_diff.elementwise(lambda vv: _terms_from_v(vv, Y, N), v["V"])
        elif name == "dL_dW":
            # W_j + h moves V by h·X[j]: differences of V, no matmul per perturbation.
            est = finite_diff.jacobian(lambda Vb: _terms_from_v(Vb, Y, N).sum(axis=(-3, -2)), v["W"], linear_map=X)
        else:
            raise KeyError(name)
        # est.value has a trailing term axis; the derivative of L is the sum over terms.
        terms = {t.id: est.value[..., i] for i, t in enumerate(TERMS)}
        return Reference(value=est.value.sum(axis=-1), error=est.error.sum(axis=-1), terms=terms)


EXAMPLE = """def dV_dW(X):
    return X

def dZ_dV(Z):
    return Z * (1 - Z)

def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))

def dL_dV(Y, Z, N):
    return dL_dZ(Y, Z, N) * dZ_dV(Z)

def dL_dW(X, Y, Z, N):
    return dL_dV(Y, Z, N) @ X.T
"""


def make(layout: str = "columns"):
    """The seed's perceptron; samples as rows (X (N, M), W (M, 1), V = X W) is built from the
    generic binary linear model."""
    if layout == "columns":
        return BCEPerceptron()
    from .logreg import binary_linear

    return binary_linear("bce", "single-layer perceptron, binary cross-entropy", layout=layout, bias=False, lam=None)
