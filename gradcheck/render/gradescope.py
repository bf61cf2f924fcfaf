"""Gradescope autograder ``results.json`` for ONE graded submission.

Top level: ``score``, ``output``, ``execution_time`` (whole seconds, rounded up),
``output_format`` and ``tests``; no ``max_score``, so Gradescope uses the
assignment's total. One test per derivative asked for (weight = max_score); a
submission that could not be checked gets one test ``load``. Always valid JSON:
non-finite numbers become null and lone surrogates become U+FFFD.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Sequence

from ..model import Graded
from .json_report import json_safe
from .junit import asked_for, explain, missing_message, title_of, unexplained_failure

_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    """JSON-safe, with lone surrogates replaced: results.json must be valid UTF-8."""
    return json_safe(value, text=lambda s: _SURROGATE.sub("\ufffd", s))


def _test(name: str, score: float, max_score: float, passed: bool, output: str) -> dict[str, Any]:
    return {
        "name": name,
        "score": float(score),
        "max_score": float(max_score),
        "status": "passed" if passed else "failed",
        "output": output,
        "output_format": "text",
        "visibility": "visible",
    }


def _execution_time(duration: float) -> int:
    if not isinstance(duration, (int, float)) or not math.isfinite(duration) or duration <= 0:
        return 0
    return int(math.ceil(duration))


def _summary(g: Graded) -> str:
    score = f"{g.score:g} / {g.max_score:g}" if math.isfinite(g.score) and math.isfinite(g.max_score) else "—"
    head = "all derivatives pass" if g.verdict == "pass" else f"{g.verdict}: {g.message}"
    if g.verdict == "pass" and g.message:
        head = g.message
    return f"gradcheck {score}: {head}"


def to_gradescope(graded: Graded | Sequence[Graded]) -> str:
    """The results.json text for one submission (Gradescope's unit).

    Given several (a folder of submissions graded at once), their tests are listed together,
    each name prefixed by its submission, and the scores add up: still a valid results.json.
    """
    if not isinstance(graded, Graded):
        many = list(graded)
        if len(many) == 1:
            return to_gradescope(many[0])
        parts = [json.loads(to_gradescope(g)) for g in many]
        for g, part in zip(many, parts):
            for test in part["tests"]:
                test["name"] = f"{g.submission}: {test['name']}"
        data = {
            "score": sum(p["score"] or 0.0 for p in parts),
            "output": f"gradcheck: {sum(g.verdict == 'pass' for g in many)} of {len(many)} submissions pass",
            "execution_time": sum(p["execution_time"] or 0 for p in parts),
            "output_format": "text",
            "tests": [t for p in parts for t in p["tests"]],
        }
        return json.dumps(_clean(data), indent=2, ensure_ascii=False, allow_nan=False)
    g = graded
    tests: list[dict[str, Any]] = []
    if g.report is None:
        tests.append(_test("load", 0.0, g.max_score, False, g.message or g.verdict))
    else:
        for name, d in asked_for(g):
            weight = float(g.weights.get(name, 1.0))
            title = title_of(name, g.report)
            if d is None:
                tests.append(_test(title, 0.0, weight, False, missing_message(name)))
            else:
                tests.append(_test(title, weight if d.passed else 0.0, weight, d.passed, explain(d, g.report)))
        if unexplained_failure(g):
            tests.append(_test("submission", 0.0, 0.0, False, g.message or g.verdict))
    data = {
        "score": float(g.score),
        "output": _summary(g),
        "execution_time": _execution_time(g.duration_s),
        "output_format": "text",
        "tests": tests,
    }
    return json.dumps(_clean(data), indent=2, ensure_ascii=False, allow_nan=False)
