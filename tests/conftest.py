from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    """Reports must not depend on the runner's color settings or working directory."""
    for var in ("NO_COLOR", "FORCE_COLOR", "COLUMNS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(ROOT)


@pytest.fixture
def write_module(tmp_path):
    """Write a submission module into a fresh file and return its path."""
    counter = iter(range(1000))

    def write(source: str, name: str | None = None) -> str:
        path = tmp_path / (name or f"submission_{next(counter)}.py")
        path.write_text(source)
        return str(path)

    return write


CORRECT = (ROOT / "cases" / "bce" / "correct.py").read_text()  # the bundled correct submission
