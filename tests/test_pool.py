"""The sandbox pool's worker survives the races of a real batch."""
import json

from conftest import ROOT
from gradcheck.problems import get
from gradcheck.submission.pool import SandboxPool


def test_a_late_kill_does_not_end_the_worker():
    """The grader may ask to kill a child that has just ended; the worker must carry on."""
    problem = get("bce")
    names, params = tuple(problem.derivatives), problem.parameters
    with SandboxPool(jobs=1, timeout=10) as pool:
        first = pool.open(ROOT / "cases/bce/correct.py", derivative_names=names, parameters=params)
        worker = first._worker
        first.close()
        worker.control.send(json.dumps({"kill": True}).encode())  # arrives when no child is running
        second = pool.open(ROOT / "cases/bce/raises.py", derivative_names=names, parameters=params)
        try:
            assert second._worker is worker and worker.process.poll() is None
            assert second.provided == ("dL_dV", "dL_dW")
        finally:
            second.close()
