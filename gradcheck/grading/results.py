"""The results file of ``gradcheck grade``: JSON lines, one graded submission a line, crash-safe.

Each ``append`` is flushed and fsync'ed, so a crash of the grader loses nothing
already graded; a crash in the middle of a write leaves at most a truncated last
line, which ``read_done`` ignores (``--resume``). At the end ``finalize`` rewrites
the whole file atomically (temp file in the same folder, fsync, ``os.replace``),
so the final file is intact even if something wrote into it during the run.

Lines are UTF-8 JSON; a lone surrogate (undecodable output of a submission) is
written as its ``\\udXXX`` JSON escape, so every line is valid UTF-8 and parses back
to the same string.
"""
from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterable

from ..model import Graded
from ..render.json_report import json_safe as _clean
from ..render.json_report import to_dict

Row = dict[str, Any]


def graded_to_dict(g: Graded) -> Row:
    """The documented keys first (submission, verdict, score, max_score, derivatives, message,
    duration_s), then entry, missing, protections, weights. Non-finite numbers become null."""
    data = {
        "submission": g.submission,
        "verdict": g.verdict,
        "score": g.score,
        "max_score": g.max_score,
        "derivatives": to_dict(g.report)["derivatives"] if g.report is not None else [],
        "message": g.message,
        "duration_s": g.duration_s,
        "entry": g.entry,
        "missing": list(g.missing),
        "protections": list(g.protections),
        "weights": dict(g.weights),
    }
    return _clean(data)


def _line(item: Graded | Row) -> bytes:
    data = graded_to_dict(item) if isinstance(item, Graded) else _clean(item)
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    # json.dumps escapes \n and \r, so the line is one line; a lone surrogate becomes "\udXXX",
    # which is exactly its JSON escape inside the string it came from.
    return text.encode("utf-8", "backslashreplace") + b"\n"


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); best effort where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Replace ``path`` with ``text`` (UTF-8) all at once: readers see the old file or the new one.

    Keeps the permissions of an existing file; a new file gets the usual umask-based mode.
    """
    path = Path(path)
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        status = os.lstat(path)  # not stat: a planted symlink must not lend us its target's mode
        if not stat.S_ISREG(status.st_mode):
            raise OSError("not a regular file")
        mode = status.st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)


def read_done(path: str | os.PathLike[str]) -> dict[str, Row]:
    """Submissions already graded in an existing results file, by ``submission`` path (for ``--resume``).

    Lines that do not parse (a truncated last line after a crash) or are not results are
    ignored; a submission that appears twice keeps its last line. A missing file is empty.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return {}
    done: dict[str, Row] = {}
    for raw in data.split(b"\n"):  # not splitlines(): U+2028 and friends may be inside a string
        if not raw.strip():
            continue
        try:
            row = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(row, dict) and isinstance(row.get("submission"), str) and "verdict" in row:
            done[row["submission"]] = row
    return done


class ResultsWriter:
    """Writes ``gradcheck grade`` results as they come: ``with ResultsWriter(path) as w: w.append(g)``.

    ``resume=False`` starts a new file; ``resume=True`` appends to an existing one (after
    ending a truncated last line, so that it stays a separate, ignored line).
    """

    def __init__(self, path: str | os.PathLike[str], *, resume: bool = False):
        self.path = Path(path)
        if resume and self.path.exists():
            self._file = open(self.path, "ab")
            size = self.path.stat().st_size
            if size:
                with open(self.path, "rb") as f:
                    f.seek(size - 1)
                    if f.read(1) != b"\n":
                        self._write(b"\n")
        else:
            self._file = open(self.path, "wb")
            self._sync()

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def _write(self, data: bytes) -> None:
        self._file.write(data)
        self._sync()

    def append(self, g: Graded | Row) -> None:
        """Write one line and make it durable before returning."""
        if self._file.closed:
            raise ValueError("ResultsWriter is closed")
        self._write(_line(g))

    def finalize(self, all_graded: Iterable[Graded | Row]) -> None:
        """Rewrite the whole file atomically from ``all_graded`` (Graded, or rows from ``read_done``)
        and close the writer."""
        data = b"".join(_line(g) for g in all_graded)
        self.close()
        write_atomic(self.path, data)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
