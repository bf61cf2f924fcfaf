"""Tries to leave processes behind: at import it starts `sleep 313` in a new session (subprocess
with start_new_session=True, or fork + setsid + exec when subprocess cannot be imported), and
double-forks (os.fork + os.setsid + os.fork) a daemon that writes its pid to a file in its working
directory and becomes `sleep 314`. The gradient is correct (must pass); no `sleep 313` or
`sleep 314` may be running after the grader is done."""
import os

try:
    import subprocess

    subprocess.Popen(["sleep", "313"], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
except ImportError:  # the sandbox's user may be unable to read the standard library
    if os.fork() == 0:
        try:
            os.setsid()
            os.execv("/bin/sleep", ["sleep", "313"])
        finally:
            os._exit(0)

_pid = os.fork()
if _pid == 0:
    try:
        os.setsid()
        if os.fork() == 0:
            with open("daemon.pid", "w") as f:
                f.write(str(os.getpid()))
            os.execv("/bin/sleep", ["sleep", "314"])
    finally:
        os._exit(0)
os.waitpid(_pid, 0)


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
