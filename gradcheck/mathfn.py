"""Numerically stable elementwise functions shared by problems and the expression language."""
from __future__ import annotations

import numpy as np


def sigmoid(v):
    """σ(v) = 1/(1+e^(−v)), without overflow for large |v|."""
    v = np.asarray(v, dtype=np.float64)
    e = np.exp(-np.abs(v))
    return np.where(v >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(v):
    """σ'(v) = σ(v)(1 − σ(v)), computed as e^(−|v|)/(1+e^(−|v|))² so it stays accurate when saturated."""
    v = np.asarray(v, dtype=np.float64)
    e = np.exp(-np.abs(v))
    return e / (1.0 + e) ** 2


def log_sigmoid(v):
    """log σ(v) = −log(1 + e^(−v)), stable for all v."""
    return -np.logaddexp(0.0, -np.asarray(v, dtype=np.float64))


def log_one_minus_sigmoid(v):
    """log(1 − σ(v)) = −log(1 + e^(v)), stable for all v."""
    return -np.logaddexp(0.0, np.asarray(v, dtype=np.float64))
