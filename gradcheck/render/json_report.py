"""The report as JSON: the documented shape, plus more fields. Non-finite floats become null."""
from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any, Callable

from ..model import Report

SCHEMA_VERSION = 1


def json_safe(value: Any, text: Callable[[str], str] = lambda s: s) -> Any:
    """A copy JSON can hold: non-finite floats become None (JSON has no NaN), tuples lists;
    ``text`` is applied to every string (keys too)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {json_safe(k, text): json_safe(v, text) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, text) for v in value]
    return value


def to_dict(report: Report) -> dict[str, Any]:
    data = asdict(report)
    data["schema_version"] = SCHEMA_VERSION
    for d in data["derivatives"]:
        # the per-trial detail is long; keep a compact view of it
        d["trials"] = [
            {k: t[k] for k in ("trial", "status", "shape", "dtype", "compared", "failing", "skipped", "max_abs_error")}
            for t in d["trials"]
        ]
    return json_safe(data)


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False)
