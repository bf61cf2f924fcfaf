"""Exit codes and the exceptions that end a run with a one-line message.

Only the CLI turns these into exit codes; everything else raises or returns data.
"""
from __future__ import annotations

EXIT_PASS = 0  #: every checked derivative passes
EXIT_FAIL = 1  #: some derivative fails or errors
EXIT_USAGE = 2  #: the input cannot be checked (missing file, refused expression, ...)
EXIT_INTERNAL = 3  #: a bug in gradcheck itself (reported in one line, never a traceback)
EXIT_INCONCLUSIVE = 4  #: nothing is wrong, but some elements could not be decided (noisy reference)


class GradcheckError(Exception):
    """A problem with the user's input; its message is one line meant for a person."""

    exit_code = EXIT_USAGE


class SubmissionError(GradcheckError):
    """The submission cannot be loaded or has nothing to check.

    ``kind`` says why, for grading: "error" (syntax error, raised, no recognized function,
    unknown parameter), "crash" (exited while loading), "timeout" or "memory".
    """

    def __init__(self, message: str, *, kind: str = "error"):
        super().__init__(message)
        self.kind = kind


class ExpressionError(SubmissionError):
    """An ``--expr`` that cannot be parsed or is refused by the whitelist.

    ``column`` is 1-based and points into ``text`` (the expression after ``NAME=``).
    """

    def __init__(self, name: str, text: str, column: int | None, reason: str):
        self.name, self.text, self.column, self.reason = name, text, column, reason
        where = f" (column {column})" if column is not None else ""
        super().__init__(f"--expr {name}: {reason}{where}: {text}")


class SubmissionFailed(GradcheckError):
    """A sandboxed submission timed out, crashed or ran out of memory while being checked."""

    exit_code = EXIT_FAIL

    def __init__(self, message: str, *, kind: str):
        super().__init__(message)
        self.kind = kind
