"""A submission made of ``--expr NAME=EXPRESSION`` options (optionally on top of a module).

An expression may use the other derivatives given in the same command by name;
they then stand for the user's own definitions, so ``dL_dW=(dL_dZ*dZ_dV) @ X.T``
checks the chain as the user assembled it.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import ExpressionError, SubmissionError
from .base import CallError, Outcome, Submission, to_outcome
from .expression import EvaluationError, Expression, compile_expression, split_option


class ExpressionSubmission:
    """Derivatives typed as expressions; names not given fall back to ``base`` (a module), if any."""

    def __init__(
        self,
        options: Sequence[str],
        *,
        derivative_names: tuple[str, ...],
        variables: tuple[str, ...],
        base: Submission | None = None,
    ):
        texts: dict[str, str] = {}
        for option in options:
            name, text = split_option(option)
            if name not in derivative_names:
                raise ExpressionError(name, text, None, f"unknown derivative {name!r} (known: {', '.join(derivative_names)})")
            if name in texts:
                raise ExpressionError(name, text, None, "given twice")
            texts[name] = text
        available = set(texts) | set(base.provided if base else ())
        self.expressions: dict[str, Expression] = {
            name: compile_expression(name, text, variables=variables, derivatives=available - {name})
            for name, text in texts.items()
        }
        _refuse_cycles(self.expressions)
        self._base = base
        self.provided = tuple(n for n in derivative_names if n in available)
        given = " ".join(f"--expr '{n}={t}'" for n, t in texts.items())
        self.description = f"{base.description} {given}" if base else given

    def evaluate(self, name: str, values: Mapping[str, Any], parts: Mapping[str, Any] | None = None) -> Outcome:
        """The user's value of ``name``; derivatives in ``parts`` are used instead of the user's own."""
        expr = self.expressions.get(name)
        if expr is None:
            return self._base.evaluate(name, values, parts)
        env = dict(values)
        for dep in sorted(expr.derivatives_used):
            if parts and dep in parts:
                env[dep] = parts[dep]
                continue
            outcome = self.evaluate(dep, values)
            if outcome.value is None:
                why = outcome.error.message if outcome.error else "no value"
                return Outcome(error=CallError(kind="exception", message=f"uses {dep}, which failed: {why}"))
            env[dep] = outcome.value
        try:
            result = expr.evaluate(env)
        except EvaluationError as exc:
            return Outcome(
                error=CallError(
                    kind="shape" if exc.is_shape_error else "exception",
                    message=str(exc),
                    operation=exc.op,
                    operand_shapes=tuple(exc.operand_shapes),
                    span=(exc.span.start, exc.span.end),
                )
            )
        return to_outcome(result)

    def expression(self, name: str) -> Expression | None:
        expr = self.expressions.get(name)
        if expr is None and self._base is not None:
            return self._base.expression(name)
        return expr

    def uses(self, name: str) -> frozenset[str]:
        expr = self.expressions.get(name)
        if expr is not None:
            return expr.derivatives_used
        return self._base.uses(name) if self._base else frozenset()

    def locate(self, name: str, span: tuple[int, int]) -> dict | None:
        if name in self.expressions:
            return {"line": 1, "col": span[0] + 1, "end_col": span[1] + 1}
        return self._base.locate(name, span) if self._base else None

    def function_source(self, name: str):
        if name in self.expressions or self._base is None:
            return None
        return self._base.function_source(name)

    def source(self, name: str) -> str | None:
        expr = self.expressions.get(name)
        if expr is not None:
            return expr.text
        return self._base.source(name) if self._base else None

    def captured_output(self) -> str:
        return self._base.captured_output() if self._base else ""


def _refuse_cycles(expressions: dict[str, Expression]) -> None:
    """dL_dZ may use dL_dW only if dL_dW does not (indirectly) use dL_dZ."""

    def visit(name: str, path: tuple[str, ...]) -> None:
        for dep in expressions[name].derivatives_used:
            if dep in path:
                chain = " → ".join(path + (dep,))
                raise SubmissionError(f"--expr {path[0]}: circular definition: {chain}")
            if dep in expressions:
                visit(dep, path + (dep,))

    for name in expressions:
        visit(name, (name,))
