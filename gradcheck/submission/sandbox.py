"""A submission module running in a sandboxed child process: the Submission interface over a socket.

Every call is a request to the child (see worker.py), answered with plain arrays
(see wire.py); the comparison with the reference happens here, in the grader, never
in the child. Wall-clock budget: the time spent waiting for the child (loading plus
every call) is limited per submission; past it the child and everything it started
are killed and the submission is reported as timed out. Everything static about the
submission (its functions' source, expressions, spans) is read from the file as text.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import SubmissionError
from . import function_source, wire
from .base import CallError, Outcome
from .module import static_expression, static_source_text, static_uses
from .pool import (  # noqa: F401  (re-exported: the sandbox's public names live here)
    DEFAULT_MEMORY,
    DEFAULT_TIMEOUT,
    SandboxCrash,
    SandboxPool,
    SandboxTimeout,
    bwrap_prefix,
    child_environment,
)


class WorkerGone(SandboxCrash):
    """The worker process was gone before the submission started (not the submission's doing)."""


class SandboxSubmission:
    """A submission module running in a sandboxed child (see the Submission protocol)."""

    def __init__(self, pool: SandboxPool, worker, path: Path, workdir: str,
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
                worker.process.wait()  # reaped, so the pool will not hand it out again
                raise WorkerGone(f"{path}: the sandbox worker failed ({exc})") from None
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
        scalars = {k: (int(v) if isinstance(v, (int, np.integer)) else float(v))
                   for k, v in values.items() if not isinstance(v, np.ndarray)}
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
