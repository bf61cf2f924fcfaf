"""The sandbox worker: an isolated interpreter that forks one contained child per submission.

The grader (``sandbox.py``) starts it as ``python -I -c BOOT FD`` with a minimal
environment: a fresh interpreter that ignores PYTHON* variables and the user's
site, so a submitted ``numpy.py`` cannot shadow numpy. It imports numpy once, then
for each request (a submission path and a socket passed over the control channel)
forks a child that

- starts a new session and works in a fresh empty directory (also its HOME and TMPDIR),
  with stdin, stdout and stderr on /dev/null (Python-level output is captured and capped);
- gets address-space, CPU-time, file-size, core and open-file limits;
- loses the network (a new network namespace) where the kernel allows it;
- when started as root, drops to user ``nobody`` (so it cannot signal the grader, read its
  environment through /proc, or write the grader's files), which also makes RLIMIT_NPROC hold;
- dies with the worker (PR_SET_PDEATHSIG);
- loads the submission and answers evaluation requests with plain arrays (see ``wire``).

The worker is a child subreaper: whatever the child started, even in a new session,
is re-parented to the worker when its parent dies, and the worker kills all of it
after every submission, so nothing survives.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import time

NOBODY = 65534
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNET = 0x40000000
MAX_RESULT_ELEMENTS = 10_000_000  # a derivative of this problem is never bigger
FILE_SIZE_LIMIT = 16 * 1024 * 1024
OPEN_FILES_LIMIT = 256
PROCESS_LIMIT = 64

_libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> bool:
    return _libc.prctl(option, value, 0, 0, 0) == 0


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    import numpy  # noqa: F401  (paid once here, inherited by every forked child)

    _preload()
    control.send(json.dumps({"ready": True}).encode())

    from . import module, wire  # noqa: F401  (likewise)

    signal.signal(signal.SIGTERM, lambda *_: (_kill_descendants(), os._exit(0)))
    wakeup_read, wakeup_write = os.pipe()  # SIGCHLD wakes the select below
    os.set_blocking(wakeup_write, False)
    signal.set_wakeup_fd(wakeup_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 1)
        except OSError:
            break
        if not message:
            break  # the grader is done
        request = json.loads(message)
        if not fds:
            continue  # a late "kill" for a child that had already ended: nothing to do
        channel = socket.socket(fileno=fds[0])
        workdir = request["workdir"]  # made by the grader, with the submission copied in
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.close(wakeup_read)
            os.close(wakeup_write)
            code = 0
            try:
                _child(channel, request)
            except BaseException:
                code = 70
            os._exit(code)  # never return into the worker's loop
        channel.close()
        control.send(json.dumps({"pid": pid}).encode())
        status = _wait(pid, control, wakeup_read)
        _kill_descendants()
        shutil.rmtree(workdir, ignore_errors=True)
        control.send(json.dumps(status).encode())
    _kill_descendants()


# Modules a submission may import. They are imported here, once, because a child running as an
# unprivileged user may not be able to read the Python installation (e.g. a pyenv under /root).
PRELOAD = (
    "math", "cmath", "random", "statistics", "fractions", "decimal", "itertools", "functools", "operator",
    "collections", "numbers", "copy", "typing", "dataclasses", "re", "json", "time", "warnings", "string",
    "heapq", "bisect", "array", "struct", "enum", "abc", "contextlib", "traceback", "inspect",
    "numpy.linalg", "numpy.random", "numpy.fft", "numpy.polynomial",
)


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a module missing here is simply not offered
            pass


def _wait(pid: int, control: socket.socket, wakeup: int) -> dict:
    """Wait for the child to end; a "kill" message from the grader (or the grader going away) kills it.

    The grader asks us rather than signalling itself: inside a PID namespace it does not know
    the child's pid, and we are the child's parent in every case.
    """
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return {"exit": None, "signal": None}
        if done:
            if os.WIFSIGNALED(status):
                return {"exit": None, "signal": os.WTERMSIG(status)}
            return {"exit": os.WEXITSTATUS(status), "signal": None}
        ready, _, _ = select.select([control, wakeup], [], [], 1.0)
        if wakeup in ready:
            os.read(wakeup, 512)
        if control in ready:
            message = control.recv(1 << 16)
            if not message or json.loads(message).get("kill"):
                for kill in (os.killpg, os.kill):
                    try:
                        kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass


def _children() -> list[int]:
    me = os.getpid()
    try:  # one read where the kernel offers it (CONFIG_PROC_CHILDREN); the worker is single-threaded
        with open(f"/proc/{me}/task/{me}/children", "rb") as f:
            return [int(pid) for pid in f.read().split()]
    except OSError:
        pass
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if int(fields[1]) == me:
            found.append(int(entry))
    return found


def _readable_by_others(folder: str) -> bool:
    """Can any user reach and read ``folder`` (every parent searchable, itself readable)?"""
    path = os.path.abspath(folder)
    while True:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return False
        if not mode & 0o001:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return bool(os.stat(folder).st_mode & 0o004)
        path = parent


def _kill_descendants() -> None:
    """Kill every process re-parented to us, until none is left (their own children come to us next)."""
    for _ in range(200):
        children = _children()
        if not children:
            return
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        time.sleep(0.001)


def _child(channel: socket.socket, request: dict) -> None:
    protections = ["isolated-python", "minimal-environment", "new-session", "private-workdir", "stdin-closed"]
    protections += request.get("outer", [])  # what the worker itself runs inside (bwrap namespaces)
    os.setsid()
    workdir = request["workdir"]
    path = request["path"]
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.update({"HOME": workdir, "TMPDIR": workdir})
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)

    memory = int(request["memory"])
    cpu = int(request["timeout"]) + 2
    limits = [
        (resource.RLIMIT_AS, memory, "rlimit-as"),
        (resource.RLIMIT_CPU, cpu, "rlimit-cpu"),
        (resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT, "rlimit-fsize"),
        (resource.RLIMIT_CORE, 0, "no-core-dumps"),
        (resource.RLIMIT_NOFILE, OPEN_FILES_LIMIT, "rlimit-nofile"),
    ]
    for limit, value, label in limits:
        try:
            resource.setrlimit(limit, (value, value))
            protections.append(label)
        except (ValueError, OSError):
            pass
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big write fails instead of killing us

    if _libc.unshare(CLONE_NEWNET) == 0:
        protections.append("no-network")
    if os.getuid() == 0:
        uid = int(request.get("uid", NOBODY))  # a different unprivileged user for each worker
        os.chown(workdir, uid, uid)
        os.chown(path, uid, uid)
        readable = _readable_by_others(os.path.dirname(os.__file__))
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        protections.append("unprivileged-user" if readable else "unprivileged-user(preloaded-modules-only)")
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (PROCESS_LIMIT, PROCESS_LIMIT))
            protections.append("rlimit-nproc")
        except (ValueError, OSError):
            pass
    if _prctl(PR_SET_PDEATHSIG, signal.SIGKILL) and os.getppid() != 1:
        protections.append("dies-with-grader")
    _serve(channel, path, request, protections)


def _serve(channel: socket.socket, path: str, request: dict, protections: list[str]) -> None:
    import numpy as np

    from ..errors import SubmissionError
    from . import wire
    from .module import ModuleSubmission

    try:
        submission = ModuleSubmission(
            path,
            derivative_names=tuple(request["derivatives"]),
            parameters=tuple(request["parameters"]),
            timeout=float(request["timeout"]),
        )
    except SubmissionError as exc:
        wire.send(channel, {"error": str(exc), "kind": exc.kind, "protections": protections})
        return
    except MemoryError:
        wire.send(channel, {"error": "ran out of memory while loading", "kind": "memory", "protections": protections})
        return
    params = {n: submission._params[n] for n in submission.provided}
    wire.send(channel, {"provided": list(submission.provided), "params": params, "protections": protections})
    data: dict[int, dict] = {}  # token → a trial's values, sent once
    while True:
        try:
            header, arrays = wire.receive(channel)
        except (wire.WireError, OSError):
            return
        op = header.get("op")
        if op == "data":
            values = dict(header["scalars"])
            values.update({k[2:]: v for k, v in arrays.items() if k.startswith("v:")})
            data[int(header["token"])] = values
        elif op == "evaluate":
            values = data.get(int(header["data"]), {})
            parts = {k[2:]: v for k, v in arrays.items() if k.startswith("p:")} or None
            outcome = submission.evaluate(header["name"], values, parts)
            reply: dict = {"dtype": outcome.dtype, "error": None}
            result = {}
            if outcome.error is not None:
                e = outcome.error
                reply["error"] = {"kind": e.kind, "message": e.message, "operation": e.operation,
                                  "operand_shapes": [list(s) for s in e.operand_shapes]}
            elif outcome.value.size > MAX_RESULT_ELEMENTS:
                reply["error"] = {"kind": "type", "message": f"returned an array of {outcome.value.size} elements",
                                  "operation": None, "operand_shapes": []}
            else:
                result["value"] = np.asarray(outcome.value, dtype=np.float64)
            wire.send(channel, reply, result)
        elif op == "output":
            wire.send(channel, {"output": submission.captured_output()})
        else:
            return
