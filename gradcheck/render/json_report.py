"""The report as JSON: the documented shape, plus more fields. Non-finite floats become null."""
from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from ..model import Report

SCHEMA_VERSION = 1


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
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
    return _clean(data)


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False)
