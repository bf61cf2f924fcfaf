"""The sandbox's processes, grader side: worker interpreters and the pool that hands them out.

``SandboxPool`` starts worker interpreters (see worker.py), under bubblewrap where it
works, and gives each submission one of them; ``open()`` returns a
``SandboxSubmission`` (sandbox.py) that talks to the child the worker forks. This
module uses the standard library only, so the CLI can start the first worker
before it imports numpy: the two start-ups overlap.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from typing import TYPE_CHECKING

from ..errors import SubmissionError

if TYPE_CHECKING:
    from .sandbox import SandboxSubmission

DEFAULT_MEMORY = 2 * 1024**3  # bytes of address space; a numpy import needs about 200 MiB
DEFAULT_TIMEOUT = 10.0  # seconds of waiting for one submission, loading included
MAX_SOURCE_BYTES = 4 * 1024 * 1024
_PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # keep a known-good BLAS kernel choice
_THREADS_PINNED = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                   "VECLIB_MAXIMUM_THREADS")
_BOOT = "import sys; sys.path.insert(0, {root!r}); from gradcheck.submission.worker import main; main()"


class SandboxTimeout(Exception):
    """The submission used up its wall-clock budget; it has been killed."""


class SandboxCrash(Exception):
    """The child went away: killed by a signal, or exited (sys.exit, os._exit, segfault)."""


SANDBOX_UID_BASE = 61000  # children run as uid BASE + worker index (as root): none can signal another


def sandbox_uid(index: int) -> int:
    """An unused uid for the children of worker ``index``, so concurrent submissions are different users."""
    import pwd

    uid = SANDBOX_UID_BASE + index
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 64


def child_environment() -> dict[str, str]:
    """What a submission sees: no secrets, no CI or GITHUB_* variables, one BLAS thread."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    env.update({name: "1" for name in _THREADS_PINNED})
    env.update({k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ})
    return env


_BWRAP_PROTECTIONS = ["pid-namespace", "read-only-filesystem", "private-tmp", "ipc-namespace"]


def _needed_under_tmp(root: str) -> list[str]:
    """Folders the worker needs that a private /tmp would hide (a clone or a venv in /tmp)."""
    import site
    import sysconfig

    wanted = {root, sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable)),
              *site.getsitepackages(), sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
    under = sorted(p for p in wanted if p and os.path.realpath(p).startswith("/tmp/") and os.path.isdir(p))
    return [p for p in under if not any(p != q and p.startswith(q + os.sep) for q in under)]


def bwrap_prefix(base: str) -> list[str]:
    """The bubblewrap command that wraps a worker, or [] where bwrap is missing (or GRADCHECK_BWRAP=0).

    Whether it works here (some hosted runners forbid its namespaces) shows when a worker starts:
    the pool then falls back to the rlimit + subreaper sandbox.
    """
    if os.environ.get("GRADCHECK_BWRAP", "1") == "0":
        return []
    binary = shutil.which("bwrap")
    if binary is None:
        return []
    root = str(Path(__file__).resolve().parents[2])
    prefix = [binary, "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
              "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for folder in _needed_under_tmp(root):
        prefix += ["--ro-bind", folder, folder]
    prefix += ["--bind", base, base, "--chdir", base, "--"]
    return prefix


def _traversable_tmp() -> str | None:
    """Where to put the children's folders. As root the children run as other users, who must be
    able to reach them: a TMPDIR under /root or a 0700 folder would lock them out (and bwrap
    re-creates a bound folder's parents 0700), so use /tmp itself then."""
    if os.getuid() != 0:
        return None
    for candidate in ("/tmp", "/var/tmp", "/dev/shm"):
        try:
            if os.stat(candidate).st_mode & 0o001:
                return candidate
        except OSError:
            continue
    return None


class _Worker:
    def __init__(self, base: str, index: int, wrapper: list[str]):
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        root = str(Path(__file__).resolve().parents[2])
        env = child_environment()
        env.update({"HOME": base, "TMPDIR": base})
        self.outer = _BWRAP_PROTECTIONS if wrapper else []
        self.uid = sandbox_uid(index)  # its children's user, if it can switch: one per worker
        self.process = subprocess.Popen(
            wrapper + [sys.executable, "-I", "-c", _BOOT.format(root=root), str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env=env,
            cwd=base,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        theirs.close()
        self.lock = threading.Lock()
        self._ready: bool | None = None

    def ready(self, timeout: float = 60.0) -> bool:
        """Wait (once) for the worker's hello; False if it died starting (e.g. bwrap not allowed)."""
        if self._ready is None:
            self.control.settimeout(timeout)
            try:
                self._ready = json.loads(self.control.recv(1 << 16) or b"{}").get("ready") is True
            except (OSError, ValueError):
                self._ready = False
            self.control.settimeout(None)
            if not self._ready:
                self.process.kill()
        return self._ready

    def close(self) -> None:
        try:
            self.control.close()
        finally:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class SandboxPool:
    """Worker interpreters shared by the submissions of one run; use as a context manager."""

    def __init__(self, *, jobs: int = 1, memory: int = DEFAULT_MEMORY, timeout: float = DEFAULT_TIMEOUT):
        if not hasattr(socket, "send_fds") or not sys.platform.startswith("linux"):
            raise SubmissionError("the sandbox needs Linux; use --no-sandbox for trusted code")
        self.memory, self.timeout = int(memory), float(timeout)
        self._base = tempfile.mkdtemp(prefix="gradcheck-", dir=_traversable_tmp())
        os.chmod(self._base, 0o711)  # an unprivileged child may enter its own folder, not list others
        self._wrapper = bwrap_prefix(self._base)
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._counter = 0
        self._idle.append(self._start_worker())  # start booting now; the first open() needs it

    def _start_worker(self) -> _Worker:
        worker = _Worker(self._base, len(self._all), self._wrapper)
        self._all.append(worker)
        return worker

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._all:
            worker.close()
        shutil.rmtree(self._base, ignore_errors=True)

    def _acquire(self) -> _Worker:
        with self._lock:
            worker = self._idle.pop() if self._idle else self._start_worker()
            if worker.ready():
                return worker
            if self._wrapper:  # bwrap is installed but not allowed here: do without it from now on
                self._wrapper = []
                worker = self._start_worker()
                if worker.ready():
                    return worker
            raise SubmissionError("the sandbox could not start a worker process (use --no-sandbox for trusted code)")

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if worker.process.poll() is None:
                self._idle.append(worker)

    def open(self, path: str | Path, *, derivative_names: tuple[str, ...], parameters: tuple[str, ...]) -> SandboxSubmission:
        """Load ``path`` in a fresh child; SubmissionError (with a kind) when it cannot be loaded."""
        path = Path(path)
        if path.is_symlink():  # the grader would copy whatever it points to, e.g. a secret
            raise SubmissionError(f"{path}: is a symbolic link; submit the file itself")
        if not path.is_file():
            raise SubmissionError(f"{path}: no such file")
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise SubmissionError(f"{path}: larger than {MAX_SOURCE_BYTES // 1024 // 1024} MB")
        if path.suffix != ".py":
            raise SubmissionError(f"{path}: not a Python file (.py)")
        with self._lock:
            self._counter += 1
            workdir = os.path.join(self._base, f"s{self._counter}")
        # The child sees only its own folder (under bwrap, not even the grader's /tmp): copy the file in.
        os.mkdir(workdir, 0o700)
        shutil.copyfile(path, os.path.join(workdir, path.name))
        from .sandbox import SandboxSubmission, WorkerGone

        try:
            return SandboxSubmission(self, self._acquire(), path, workdir, derivative_names, parameters)
        except WorkerGone:  # the worker died between submissions: one more try, on a fresh one
            return SandboxSubmission(self, self._acquire(), path, workdir, derivative_names, parameters)


