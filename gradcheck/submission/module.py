"""A submission module (a .py file), loaded and called in this process.

Loading runs the user's code, so this is for trusted code only; the functions are
called with copies of the data (a function that modifies its inputs in place
cannot change the trial) and their printed output is captured, not mixed into
the report.
"""
from __future__ import annotations

import contextlib
import importlib.util
import inspect
import io
import signal
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ..errors import SubmissionError
from . import function_source, shape_trace
from .base import CallError, Outcome, describe_exception, to_outcome

OUTPUT_LIMIT = 10_000  # characters of the submission's printed output kept for the report
DEFAULT_TIMEOUT = 10.0  # seconds for loading, and for each call


class _CappedText(io.TextIOBase):
    """A text sink that keeps the first OUTPUT_LIMIT characters (a submission may print megabytes)."""

    def __init__(self, limit: int = OUTPUT_LIMIT):
        self._parts: list[str] = []
        self._kept = 0
        self._dropped = 0
        self._limit = limit

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self._limit - self._kept
        if room > 0:
            self._parts.append(text[:room])
            self._kept += min(room, len(text))
        self._dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def getvalue(self) -> str:
        more = f"\n[... {self._dropped} more characters not kept]" if self._dropped else ""
        return "".join(self._parts) + more


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so the user's ``except Exception`` cannot swallow it."""


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Interrupt pure-Python code that runs too long (main thread, POSIX; otherwise no limit).

    A long numpy call is interrupted only when it returns; the sandbox of a later issue kills it.
    """
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class ModuleSubmission:
    """The derivative functions of one module file."""

    def __init__(
        self,
        path: str | Path,
        *,
        derivative_names: tuple[str, ...],
        parameters: tuple[str, ...],
        timeout: float | None = DEFAULT_TIMEOUT,
        namespace: Any = None,
    ):
        """Load the module at ``path``; or, with ``namespace`` (an imported module or any object with
        the functions as attributes), use those functions and read their source from ``path``."""
        self.path = Path(path)
        self.timeout = timeout
        self.description = str(path)
        self._output = _CappedText()
        module = self._load() if namespace is None else namespace
        self._functions: dict[str, Callable] = {}
        self._params: dict[str, tuple[str, ...] | None] = {}
        for name in derivative_names:
            fn = getattr(module, name, None)
            if fn is None:
                continue
            if not callable(fn):
                raise SubmissionError(f"{self.path}: {name} is a {type(fn).__name__}, not a function")
            self._functions[name] = fn
            self._params[name] = _parameters_of(self.path, name, fn, parameters)
        if not self._functions:
            raise SubmissionError(
                f"{self.path}: no recognized function (define any of {', '.join(derivative_names)})"
            )
        self.provided = tuple(n for n in derivative_names if n in self._functions)
        self._module = module
        self._parameters = parameters
        self._sources: dict[str, function_source.FunctionSource | None] = {}
        self._expressions: dict[str, Any] = {}

    def _load(self):
        if not self.path.is_file():
            raise SubmissionError(f"{self.path}: no such file")
        if self.path.suffix != ".py":
            raise SubmissionError(f"{self.path}: not a Python file (.py)")
        try:
            source = self.path.read_text(encoding="utf-8")
            code = compile(source, str(self.path), "exec")
        except SyntaxError as exc:
            raise SubmissionError(f"{self.path}:{exc.lineno}: syntax error: {exc.msg}") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise SubmissionError(f"{self.path}: cannot read: {exc}") from None
        spec = importlib.util.spec_from_file_location(f"gradcheck_submission_{id(self)}", self.path)
        module = importlib.util.module_from_spec(spec)
        try:
            with self._capture(), _time_limit(self.timeout):
                exec(code, module.__dict__)
        except _Timeout:
            raise SubmissionError(
                f"{self.path}: did not finish loading within {self.timeout:g} s", kind="timeout"
            ) from None
        except BaseException as exc:  # SystemExit too: a submission must not end the tool
            if isinstance(exc, KeyboardInterrupt):
                raise
            line = _user_line(exc, str(self.path))
            kind = "crash" if isinstance(exc, SystemExit) else "memory" if isinstance(exc, MemoryError) else "error"
            raise SubmissionError(
                f"{self.path}{line}: raised {describe_exception(exc).message} while loading", kind=kind
            ) from None
        return module

    @contextlib.contextmanager
    def _capture(self):
        with contextlib.redirect_stdout(self._output), contextlib.redirect_stderr(self._output):
            yield

    def evaluate(self, name: str, values: Mapping[str, Any], parts: Mapping[str, np.ndarray] | None = None) -> Outcome:
        """Call ``name`` on copies of ``values``; with ``parts``, the other derivative functions it
        calls return those arrays instead (to check an assembly with correct parts)."""
        params = self._params[name]
        wanted = values.keys() if params is None else params
        kwargs = {p: np.array(values[p], copy=True) if isinstance(values[p], np.ndarray) else values[p] for p in wanted}
        try:
            with self._capture(), np.errstate(all="ignore"), _time_limit(self.timeout), self._replaced(parts):
                result = self._functions[name](**kwargs)
        except _Timeout:
            return Outcome(error=CallError(kind="timeout", message=f"did not return within {self.timeout:g} s"))
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            return Outcome(error=self._explain(name, exc, kwargs))
        return to_outcome(result)

    @contextlib.contextmanager
    def _replaced(self, parts: Mapping[str, np.ndarray] | None):
        """Temporarily make the module's own derivative functions return ``parts``."""
        if not parts or not hasattr(self._module, "__dict__"):
            yield
            return
        namespace = self._module.__dict__
        saved = {n: namespace[n] for n in parts if n in namespace}
        for n, value in parts.items():
            namespace[n] = lambda *args, _value=value, **kwargs: np.array(_value, copy=True)
        try:
            yield
        finally:
            namespace.update(saved)

    def uses(self, name: str) -> frozenset[str]:
        return static_uses(self.function_source(name), self.provided, name)

    def function_source(self, name: str) -> function_source.FunctionSource | None:
        if name not in self._sources:
            self._sources[name] = function_source.read(self.path, name)
        return self._sources[name]

    def locate(self, name: str, span: tuple[int, int]) -> dict | None:
        source = self.function_source(name)
        return source.locate(*span) if source else None

    def _explain(self, name: str, exc: BaseException, kwargs: dict[str, Any]) -> CallError:
        """A CallError for ``exc``; for numpy shape errors, re-run traced to name the operation and shapes."""
        error = describe_exception(exc)
        line = _user_line(exc, str(self.path))
        where = f" (line {line[1:]})" if line else ""
        if error.kind != "shape":
            return replace(error, message=error.message + where)
        with self._capture():
            try:
                with _time_limit(self.timeout):
                    mismatch = shape_trace.trace(self._functions[name], kwargs)
            except _Timeout:
                mismatch = None
        if mismatch is None:
            return replace(error, message=error.message + where)
        inputs = {k: np.shape(v) for k, v in kwargs.items() if isinstance(v, np.ndarray)}
        return replace(
            error,
            message=shape_trace.describe(mismatch.op, mismatch.shapes, inputs) + where,
            operation=mismatch.op,
            operand_shapes=mismatch.shapes,
        )

    def expression(self, name: str):
        """The function as an Expression when its body reduces to one returned expression in the
        expression language (for pointing at the wrong part, and for fixes); None otherwise.
        Never used to compute the user's values: the diagnosis checks it agrees with them."""
        if name not in self._expressions:
            self._expressions[name] = self._compile(name)
        return self._expressions[name]

    def _compile(self, name: str):
        return static_expression(self.function_source(name), name, self._params[name], self._parameters, self.provided)

    def source(self, name: str) -> str | None:
        return static_source_text(self.function_source(name), self.path, name, self._params.get(name))

    def captured_output(self) -> str:
        return self._output.getvalue()


def _parameters_of(path: Path, name: str, fn: Callable, known: tuple[str, ...]) -> tuple[str, ...] | None:
    """The data names ``fn`` asks for; None means it takes **kwargs (gets everything)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        raise SubmissionError(f"{path}: cannot read the parameters of {name}") from None
    wanted = []
    for p in signature.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            return None
        if p.kind is p.VAR_POSITIONAL:
            continue
        if p.name in known:
            if p.kind is p.POSITIONAL_ONLY:
                raise SubmissionError(f"{path}: {name}: parameter {p.name!r} must not be positional-only")
            wanted.append(p.name)
        elif p.default is p.empty:
            raise SubmissionError(
                f"{path}: {name}({', '.join(signature.parameters)}): unknown parameter {p.name!r} "
                f"(known: {', '.join(known)})"
            )
    return tuple(wanted)


def _user_line(exc: BaseException, filename: str) -> str:
    """':LINE' of the deepest traceback frame in the user's file, or ''."""
    line = ""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = f":{tb.tb_lineno}"
        tb = tb.tb_next
    return line



# Reading a function's source is static (no user code runs), so the sandboxed submission shares these.


def static_uses(source, provided: tuple[str, ...], name: str) -> frozenset[str]:
    """The other derivative functions that ``name``'s code mentions."""
    names = source.names if source is not None else frozenset()
    return frozenset(n for n in provided if n in names and n != name)


def static_expression(source, name: str, params: tuple[str, ...] | None, parameters: tuple[str, ...], provided):
    """The function as an Expression in the expression language, or None."""
    from ..errors import ExpressionError
    from .expression import compile_expression

    if source is None or source.expression is None:
        return None
    try:
        return compile_expression(
            name,
            source.expression,
            variables=parameters if params is None else params,
            derivatives=set(provided) - {name},
        )
    except ExpressionError:
        return None


def static_source_text(source, path: Path, name: str, params: tuple[str, ...] | None) -> str:
    if source is not None and source.expression is not None:
        return source.expression
    args = "**values" if params is None else ", ".join(params)
    return f"{Path(path).name}: {name}({args})"
