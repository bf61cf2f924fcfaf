"""Run submission modules in contained child processes (the grader's side; see worker.py).

``SandboxPool`` keeps worker interpreters that have already imported numpy; each
``open()`` forks a fresh child in one of them for one submission and returns a
``SandboxSubmission``: the same interface as an in-process module, but every call
is a request over a socket, answered with plain arrays. The comparison with the
reference happens here, in the grader, never in the child.

Wall-clock budget: the time spent waiting for the child (loading plus every call)
is limited per submission; past it the child and everything it started are killed
and the submission is reported as timed out.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import SubmissionError
from . import function_source, wire
from .base import CallError, Outcome
from .module import static_expression, static_source_text, static_uses

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
    """The bubblewrap command that wraps a worker, or [] where bwrap is missing or does not work here.

    Set GRADCHECK_BWRAP=0 to do without it (the rlimit + subreaper sandbox still applies).
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
    # Some hosted runners forbid the namespaces bwrap needs: try the real thing once.
    probe = [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {root!r}); import gradcheck.submission.worker"]
    try:
        ok = subprocess.run(prefix + probe, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return prefix if ok else []


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
            if self._idle:
                return self._idle.pop()
            worker = _Worker(self._base, len(self._all), self._wrapper)
            self._all.append(worker)
            return worker

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
        worker = self._acquire()
        return SandboxSubmission(self, worker, path, workdir, derivative_names, parameters)


class SandboxSubmission:
    """A submission module running in a sandboxed child (see the Submission protocol)."""

    def __init__(self, pool: SandboxPool, worker: _Worker, path: Path, workdir: str,
                 derivative_names: tuple[str, ...], parameters: tuple[str, ...]):
        self.path, self.description = path, str(path)
        self._pool, self._worker = pool, worker
        self._parameters = parameters
        self._budget = pool.timeout
        self._sources: dict[str, Any] = {}
        self._expressions: dict[str, Any] = {}
        self._output = ""
        self._closed = False
        self._sent: dict[int, tuple[int, Mapping]] = {}  # id(values) → (token, values): data the child holds
        self.exit_status: dict | None = None
        self._channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        request = {
            "path": os.path.join(workdir, path.name),
            "workdir": workdir,
            "derivatives": list(derivative_names),
            "parameters": list(parameters),
            "timeout": pool.timeout,
            "memory": pool.memory,
            "env": child_environment(),
            "outer": worker.outer,
            "uid": worker.uid,
        }
        worker.lock.acquire()
        try:
            try:
                socket.send_fds(worker.control, [json.dumps(request).encode()], [theirs.fileno()])
                theirs.close()
                self.pid = json.loads(worker.control.recv(1 << 16))["pid"]
            except (OSError, ValueError, KeyError) as exc:  # the worker itself is gone
                worker.process.kill()
                raise SandboxCrash(f"{path}: the sandbox worker failed ({exc})") from None
            header, _ = self._receive()
        except BaseException:
            self.close()
            raise
        self.protections = tuple(header.get("protections", ()))
        if "error" in header:
            message = str(header["error"]).replace(str(Path(workdir) / path.name), str(path))
            self.close()
            raise SubmissionError(message, kind=str(header.get("kind", "error")))
        self.provided = tuple(n for n in derivative_names if n in header["provided"])
        self._params = {n: (tuple(p) if p is not None else None) for n, p in header["params"].items()}

    # -- talking to the child -------------------------------------------------------------
    def _receive(self) -> tuple[dict, dict]:
        if self._budget <= 0:
            self._kill()
            raise SandboxTimeout(f"{self.path}: did not finish within {self._pool.timeout:g} s")
        start = time.monotonic()
        self._channel.settimeout(self._budget)
        try:
            return wire.receive(self._channel)
        except socket.timeout:
            self._kill()
            raise SandboxTimeout(f"{self.path}: did not finish within {self._pool.timeout:g} s") from None
        except (wire.WireError, OSError) as exc:
            self._kill()
            raise SandboxCrash(self._crash_message(exc)) from None
        finally:
            self._budget -= time.monotonic() - start

    def _crash_message(self, exc: Exception) -> str:
        status = self.exit_status or {}
        if status.get("signal"):
            name = signal.Signals(status["signal"]).name
            why = "ran out of CPU time" if name == "SIGXCPU" else f"was killed by {name}"
            return f"{self.path}: {why}"
        if status.get("exit") is not None:
            return f"{self.path}: exited early (exit code {status['exit']})"
        return f"{self.path}: stopped answering ({exc})"

    def _kill(self) -> None:
        """Have the worker kill the child's session; it then kills whatever escaped it."""
        try:
            self._worker.control.send(json.dumps({"kill": True}).encode())
        except OSError:
            self._worker.process.kill()
        self.close()

    def close(self) -> None:
        """End the child and wait until the worker has cleaned up after it."""
        if self._closed:
            return
        self._closed = True
        try:
            self._channel.close()
            if getattr(self, "pid", None) is not None:
                self._worker.control.settimeout(30)
                self.exit_status = json.loads(self._worker.control.recv(1 << 16))
                self._worker.control.settimeout(None)
        except (OSError, ValueError):
            self._worker.process.kill()
        finally:
            self._worker.lock.release()
            self._pool._release(self._worker)

    # -- the Submission interface ---------------------------------------------------------
    def evaluate(self, name: str, values: Mapping[str, Any], parts: Mapping[str, Any] | None = None) -> Outcome:
        if self._closed:
            return Outcome(error=CallError(kind="exception", message="the submission's process has ended"))
        try:
            token = self._data_token(values)
            arrays = {f"p:{k}": np.asarray(v, dtype=np.float64) for k, v in (parts or {}).items()}
            wire.send(self._channel, {"op": "evaluate", "name": name, "data": token}, arrays)
        except OSError as exc:
            self._kill()
            raise SandboxCrash(self._crash_message(exc)) from None
        header, result = self._receive()
        error = header.get("error")
        if error:
            return Outcome(dtype=header.get("dtype"), error=CallError(
                kind=str(error["kind"]), message=str(error["message"]),
                operation=error.get("operation"),
                operand_shapes=tuple(tuple(int(n) for n in s) for s in error.get("operand_shapes", ())),
            ))
        if "value" not in result:
            return Outcome(error=CallError(kind="type", message="returned no array"))
        return Outcome(value=result["value"], dtype=str(header.get("dtype")))

    def _data_token(self, values: Mapping[str, Any]) -> int:
        """Send a trial's data once; later calls on the same data name it by token."""
        known = self._sent.get(id(values))
        if known is not None and known[1] is values:
            return known[0]
        token = len(self._sent) + 1
        scalars = {k: int(v) for k, v in values.items() if not isinstance(v, np.ndarray)}
        arrays = {f"v:{k}": v for k, v in values.items() if isinstance(v, np.ndarray)}
        wire.send(self._channel, {"op": "data", "token": token, "scalars": scalars}, arrays)
        self._sent[id(values)] = (token, values)  # holding ``values`` keeps its id from being reused
        return token

    def captured_output(self) -> str:
        if not self._closed and not self._output:
            try:
                wire.send(self._channel, {"op": "output"})
                self._output = str(self._receive()[0].get("output", ""))
            except (OSError, SandboxTimeout, SandboxCrash):
                pass
        return self._output

    def function_source(self, name: str):
        if name not in self._sources:
            self._sources[name] = function_source.read(self.path, name)
        return self._sources[name]

    def uses(self, name: str) -> frozenset[str]:
        return static_uses(self.function_source(name), self.provided, name)

    def expression(self, name: str):
        if name not in self._expressions:
            self._expressions[name] = static_expression(
                self.function_source(name), name, self._params.get(name), self._parameters, self.provided
            )
        return self._expressions[name]

    def locate(self, name: str, span: tuple[int, int]) -> dict | None:
        source = self.function_source(name)
        return source.locate(*span) if source else None

    def source(self, name: str) -> str | None:
        return static_source_text(self.function_source(name), self.path, name, self._params.get(name))
