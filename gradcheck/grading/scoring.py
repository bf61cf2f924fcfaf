"""Scores of graded submissions: derivative weights, required derivatives, ``[tool.gradcheck]``.

The rule: the derivatives *asked for* are the required ones plus those the
submission provides; each weighs ``weights.get(name, 1.0)``; the score is the
sum of the weights of the passing ones. A required derivative the submission
does not define counts as failed and is listed as missing.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

from ..errors import GradcheckError
from ..model import Report

try:  # Python 3.11+
    import tomllib as _toml
except ModuleNotFoundError:  # pragma: no cover - Python 3.10: no TOML parser in the standard library
    _toml = None


def _number(value: Any) -> float | None:
    """A finite, non-negative number, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and value >= 0 else None


def parse_weights(options: Sequence[str]) -> dict[str, float]:
    """``["dL_dW=2", "dL_dZ=0.5"]`` (from ``--weight``) → ``{"dL_dW": 2.0, "dL_dZ": 0.5}``; a later one wins."""
    weights: dict[str, float] = {}
    for option in options:
        name, sep, text = option.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name or not text:
            raise GradcheckError(f"--weight {option!r}: expected NAME=NUMBER, e.g. dL_dW=2")
        if not name.isidentifier():
            raise GradcheckError(f"--weight {option!r}: {name!r} is not a derivative name")
        try:
            value = float(text)
        except ValueError:
            raise GradcheckError(f"--weight {option!r}: {text!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise GradcheckError(f"--weight {option!r}: the weight must be a finite number >= 0")
        weights[name] = value
    return weights


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` (or its folder, for a file) or a folder above it."""
    start = Path(start).resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def load_config(start: Path) -> dict[str, Any]:
    """``[tool.gradcheck]`` of the nearest ``pyproject.toml`` at or above ``start``, checked.

    Only the nearest ``pyproject.toml`` is read (like other tools, a project's file
    ends the search even when it has no ``[tool.gradcheck]``). ``weights`` comes back
    as ``{name: float}``, ``require`` as a list of names; other keys are passed
    through unchanged. Returns ``{}`` when there is no file or no table, and on
    Python 3.10, whose standard library cannot read TOML (use ``--weight`` there).
    Raises GradcheckError (one line) on unreadable TOML or badly typed values.
    """
    path = find_pyproject(start)
    if path is None or _toml is None:
        return {}
    try:
        with path.open("rb") as f:
            data = _toml.load(f)
    except OSError as exc:
        raise GradcheckError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except _toml.TOMLDecodeError as exc:
        raise GradcheckError(f"{path}: invalid TOML: {' '.join(str(exc).split())}") from None
    tool = data.get("tool", {})
    section = tool.get("gradcheck", {}) if isinstance(tool, dict) else {}
    if not isinstance(section, dict):
        raise GradcheckError(f"{path}: [tool.gradcheck] must be a table")
    config = dict(section)
    if "weights" in config:
        weights = config["weights"]
        if not isinstance(weights, dict):
            raise GradcheckError(f"{path}: [tool.gradcheck] weights must be a table of name = number")
        checked: dict[str, float] = {}
        for name, value in weights.items():
            number = _number(value)
            if number is None:
                raise GradcheckError(
                    f"{path}: [tool.gradcheck] weights.{name} = {value!r}: the weight must be a finite number >= 0"
                )
            checked[name] = number
        config["weights"] = checked
    if "require" in config:
        require = config["require"]
        if not isinstance(require, list) or not all(isinstance(n, str) for n in require):
            raise GradcheckError(f"{path}: [tool.gradcheck] require must be a list of derivative names")
        config["require"] = list(require)
    return config


def _check_known(weights: dict[str, float], require: Sequence[str], known: Sequence[str]) -> None:
    known_set = set(known)
    for what, names in (("--weight", list(weights)), ("require", list(require))):
        unknown = [n for n in names if n not in known_set]
        if unknown:
            raise GradcheckError(
                f"{what}: unknown derivative {', '.join(unknown)} (this problem has {', '.join(known)})"
            )


def score(
    report: Report | None,
    *,
    weights: dict[str, float],
    require: Sequence[str],
    known: Sequence[str],
) -> tuple[float, float, dict[str, float], tuple[str, ...]]:
    """``(score, max_score, weights used, missing)`` of one submission.

    ``report`` None means the submission could not be checked at all: it scores 0
    out of the required derivatives' weights (out of 1.0 when nothing is required).
    Names in ``weights`` or ``require`` that are not in ``known`` raise GradcheckError.
    """
    _check_known(weights, require, known)
    required = list(dict.fromkeys(require))
    if report is None:
        used = {name: float(weights.get(name, 1.0)) for name in required}
        max_score = sum(used.values()) if required else 1.0
        return 0.0, max_score, used, ()
    provided = {d.name: d for d in report.derivatives}
    asked = set(required) | set(provided)
    order = {name: i for i, name in enumerate(known)}
    names = sorted(asked, key=lambda n: (order.get(n, len(order)), n))
    used = {name: float(weights.get(name, 1.0)) for name in names}
    missing = tuple(name for name in names if name not in provided)
    total = sum(w for name, w in used.items() if name in provided and provided[name].passed)
    return total, sum(used.values()), used, missing
