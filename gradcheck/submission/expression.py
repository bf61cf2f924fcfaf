"""The ``--expr`` language: numpy-like derivative expressions, parsed with ``ast`` and run by a whitelist.

A user types ``--expr 'dL_dZ=-(1/N)*(Y/Z - (1-Y)/(1-Z))'``. The text is parsed with
``ast.parse(mode="eval")`` and every node is checked against a small whitelist before
anything runs; evaluation walks the checked tree itself and never calls
``eval``/``exec``/``compile``. Nothing an expression can say reaches attributes, imports,
files or Python integers (constants and data are float64), so it cannot run code, touch
files or hang the tool on a huge power.

The body is also split into additive terms so a failing derivative can be blamed on the
user's own sub-expression (see :class:`Term`).
"""
from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np

from gradcheck.errors import ExpressionError
from gradcheck.mathfn import sigmoid, sigmoid_prime

MAX_LENGTH = 2000  #: longest expression text accepted
MAX_DEPTH = 100  #: deepest AST nesting accepted (keeps our own recursion far from the limit)
MAX_CONSTANT = 1e12  #: largest |numeric constant| accepted
MAX_EXPONENT = 64  #: largest |constant exponent| accepted for **
MAX_ELEMENTS = 10_000_000  #: largest array an evaluation may create (80 MB of float64)

_SCALAR_NAMES = frozenset({"N", "M"})
_DERIVATIVE_NAME = re.compile(r"^d[A-Za-z0-9]+_d[A-Za-z0-9]+$")  # d<of>_d<wrt>, e.g. dL_dZ
_NUMPY_MODULES = frozenset({"np", "numpy"})


@dataclass(frozen=True)
class _Function:
    """One callable of the language: what it runs, how many positional args, whether axis/keepdims apply."""

    impl: Callable
    arity: int
    reduces: bool = False


_FUNCTIONS: dict[str, _Function] = {
    "sigma": _Function(sigmoid, 1),
    "sigmoid": _Function(sigmoid, 1),
    "sigma_prime": _Function(sigmoid_prime, 1),
    "log": _Function(np.log, 1),
    "log1p": _Function(np.log1p, 1),
    "exp": _Function(np.exp, 1),
    "expm1": _Function(np.expm1, 1),
    "sqrt": _Function(np.sqrt, 1),
    "abs": _Function(np.abs, 1),
    "tanh": _Function(np.tanh, 1),
    "square": _Function(np.square, 1),
    "sum": _Function(np.sum, 1, reduces=True),
    "mean": _Function(np.mean, 1, reduces=True),
    "ones_like": _Function(np.ones_like, 1),
    "zeros_like": _Function(np.zeros_like, 1),
    "transpose": _Function(np.transpose, 1),
    "dot": _Function(np.dot, 2),
    "matmul": _Function(np.matmul, 2),
    "outer": _Function(np.outer, 2),
    "multiply": _Function(np.multiply, 2),
    "maximum": _Function(np.maximum, 2),
    "minimum": _Function(np.minimum, 2),
}
_MATMUL_FUNCTIONS = frozenset({"dot", "matmul"})
_BROADCAST_FUNCTIONS = frozenset({"multiply", "maximum", "minimum"})

_BINOPS: dict[type, tuple[str, Callable]] = {
    ast.Add: ("+", np.add),
    ast.Sub: ("-", np.subtract),
    ast.Mult: ("*", np.multiply),
    ast.Div: ("/", np.divide),
    ast.Pow: ("**", np.power),
    ast.MatMult: ("@", np.matmul),
}
_REFUSED_OPERATORS = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
}
_REFUSED_NODES = {
    ast.Subscript: "indexing is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and'/'or' are not allowed",
    ast.IfExp: "if-expressions are not allowed",
    ast.NamedExpr: "assignment (:=) is not allowed",
    ast.Starred: "starred arguments (*) are not allowed",
    ast.Dict: "dict literals are not allowed",
    ast.List: "list literals are not allowed",
    ast.Set: "set literals are not allowed",
    ast.Tuple: "tuple literals are not allowed",
}


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class Span:
    """0-based ``[start, end)`` character offsets into the expression text."""

    start: int
    end: int


@dataclass(frozen=True)
class Term:
    """One additive term: ``sign * scalar factors * core``.

    Only scalar factors (constants, N, M) are distributed over sums, so ``text`` is always
    a piece the user actually wrote and can recognise when it is blamed.
    """

    sign: float
    text: str
    span: Span
    _core: ast.expr = field(repr=False, compare=False)
    _factors: tuple[tuple[str, ast.expr], ...] = field(default=(), repr=False, compare=False)
    full_text: str = field(default="", compare=False)  #: with its sign and scalar factors, e.g. "-(1/N)*Y/Z"


class EvaluationError(Exception):
    """numpy refused an operation while evaluating; says which node, on which shapes, and why."""

    def __init__(self, message: str, *, op: str, operand_shapes: tuple[tuple[int, ...], ...],
                 span: Span, is_shape_error: bool):
        super().__init__(message)
        self.op, self.operand_shapes = op, operand_shapes
        self.span, self.is_shape_error = span, is_shape_error


class Expression:
    """A checked expression: safe to evaluate any number of times against different data."""

    def __init__(self, name: str, text: str, body: ast.expr, *, variables_used: frozenset[str],
                 derivatives_used: frozenset[str]):
        self.name, self.text, self._body = name, text, body
        self._source = _Source(text)
        self.variables_used, self.derivatives_used = variables_used, derivatives_used
        self.terms: tuple[Term, ...] = tuple(_split_terms(body, 1.0, (), self._source))

    def __repr__(self) -> str:
        return f"Expression({self.name}={self.text})"

    def evaluate(self, env: Mapping[str, object]) -> np.ndarray:
        """Value of the whole expression; division by zero gives inf/nan rather than raising."""
        with np.errstate(all="ignore"):
            return np.asarray(_Evaluator(env, self._source).value(self._body))

    def evaluate_term(self, term: Term, env: Mapping[str, object]) -> np.ndarray:
        """Value of one term including its sign and scalar factors; the terms sum to :meth:`evaluate`."""
        if term not in self.terms:
            raise ValueError(f"{term!r} is not a term of {self!r}")
        evaluator = _Evaluator(env, self._source)
        with np.errstate(all="ignore"):
            value = evaluator.value(term._core)
            for op, factor in reversed(term._factors):
                scale = evaluator.value(factor)
                value = value * scale if op == "*" else value / scale
            return np.asarray(term.sign * value)

    def node_text(self, span: Span) -> str:
        return self.text[span.start:span.end]


# --------------------------------------------------------------------------- entry points


def split_option(option: str) -> tuple[str, str]:
    """``'NAME=EXPR'`` -> ``(name, text)``; only the first ``=`` splits (``==`` is refused later anyway)."""
    name, sep, text = option.partition("=")
    name, text = name.strip(), text.strip()
    if not sep or not name.isidentifier():
        raise ExpressionError(_printable(name or option), _printable(option), None,
                              "expected NAME=EXPRESSION")
    return name, text


def compile_expression(name: str, text: str, *, variables: Collection[str],
                       derivatives: Collection[str] = ()) -> Expression:
    """Parse and whitelist-check ``text``; raise ExpressionError pointing at the first refused node.

    ``text`` is stripped first (Python refuses leading spaces), so columns count from the
    first non-blank character.
    """
    text = text.strip()
    _check_raw_text(name, text)
    body = _parse(name, text)
    checker = _Checker(name, text, frozenset(variables), frozenset(derivatives) - {name})
    checker.check_depth(body)
    checker.check(body)
    return Expression(name, text, body, variables_used=frozenset(checker.variables_used),
                      derivatives_used=frozenset(checker.derivatives_used))


# --------------------------------------------------------------------------- parsing


class _Source:
    """Maps ast positions (0-based UTF-8 byte columns) to character offsets in the text."""

    def __init__(self, text: str):
        self.text, self._bytes = text, text.encode("utf-8")

    def offset(self, byte_column: int) -> int:
        return len(self._bytes[:byte_column].decode("utf-8"))

    def span(self, node: ast.AST) -> Span:
        return Span(self.offset(node.col_offset), self.offset(node.end_col_offset))

    def node_text(self, node: ast.AST) -> str:
        span = self.span(node)
        return self.text[span.start:span.end]


def _check_raw_text(name: str, text: str) -> None:
    """Refuse what ast.parse would choke on or mis-locate: huge, empty, multi-line or unencodable text."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(name, text[:60] + "...", None,
                              f"expression is too long ({len(text)} characters; the limit is {MAX_LENGTH})")
    if not text:
        raise ExpressionError(name, text, None, "empty expression")
    for index, char in enumerate(text):
        if not _is_printable(char):
            reason = f"character U+{ord(char):04X} is not allowed (the expression must be one line)"
            raise ExpressionError(name, _printable(text), index + 1, reason)


def _is_printable(char: str) -> bool:
    return char.isprintable() or char == "\t"


def _printable(text: str) -> str:
    """``text`` with control characters shown as U+FFFD: messages stay one line, columns still fit."""
    return "".join(char if _is_printable(char) else "\ufffd" for char in text)


def _parse(name: str, text: str) -> ast.expr:
    """ast.parse, turning every way it can fail on hostile input into an ExpressionError."""
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        column = None if exc.offset is None else min(max(exc.offset, 1), len(text) + 1)
        raise ExpressionError(name, text, column, f"cannot parse: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(name, text, None, "expression is nested too deeply") from None
    except ValueError as exc:
        raise ExpressionError(name, text, None, f"cannot parse: {exc}") from None


# --------------------------------------------------------------------------- whitelist


class _Checker:
    """Walks the parsed tree and refuses anything outside the language, recording names used."""

    def __init__(self, name: str, text: str, variables: frozenset[str], derivatives: frozenset[str]):
        self.name, self.text, self._source = name, text, _Source(text)
        self.variables, self.derivatives = variables, derivatives
        self.variables_used: set[str] = set()
        self.derivatives_used: set[str] = set()

    def refuse(self, node: ast.AST, reason: str) -> ExpressionError:
        return ExpressionError(self.name, self.text, self._source.offset(node.col_offset) + 1, reason)

    def check_depth(self, body: ast.expr) -> None:
        """Iterative depth count, so a deep tree is refused before any recursive walk sees it."""
        stack = [(body, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise self.refuse(node, f"expression is nested too deeply (more than {MAX_DEPTH} levels)")
            children = (child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
            stack.extend((child, depth + 1) for child in children)

    def check(self, node: ast.expr) -> None:
        if isinstance(node, ast.BinOp):
            self._check_binop(node)
        elif isinstance(node, ast.UnaryOp):
            self._check_operator(node, node.op)
            self.check(node.operand)
        elif isinstance(node, ast.Constant):
            self._check_constant(node)
        elif isinstance(node, ast.Name):
            self._check_name(node)
        elif isinstance(node, ast.Attribute):
            self._check_attribute(node)
        elif isinstance(node, ast.Call):
            self._check_call(node)
        else:
            raise self.refuse(node, _REFUSED_NODES.get(type(node), f"{type(node).__name__} is not allowed"))

    def _check_constant(self, node: ast.Constant) -> None:
        """Only numbers, and none so large that they only make sense as an attack."""
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.refuse(node, f"{value!r} is not allowed here")
        if isinstance(value, (str, bytes)):
            raise self.refuse(node, f"{type(value).__name__} constants are not allowed")
        if isinstance(value, complex):
            raise self.refuse(node, "complex numbers are not allowed")
        if not abs(value) <= MAX_CONSTANT:
            raise self.refuse(node, f"constant too large (|constant| must be at most {MAX_CONSTANT:g})")

    def _check_operator(self, node: ast.AST, op: ast.AST) -> None:
        if type(op) in _REFUSED_OPERATORS:
            raise self.refuse(node, f"operator '{_REFUSED_OPERATORS[type(op)]}' is not allowed")

    def _check_binop(self, node: ast.BinOp) -> None:
        self._check_operator(node, node.op)
        if isinstance(node.op, ast.Pow):
            exponent = self._constant_value(node.right)
            if exponent is not None and not abs(exponent) <= MAX_EXPONENT:
                reason = f"exponent too large (|exponent| must be at most {MAX_EXPONENT})"
                raise self.refuse(node.right, reason)
        self.check(node.left)
        self.check(node.right)

    def _constant_value(self, node: ast.expr) -> float | None:
        """Value of a subtree made only of numeric constants and arithmetic (e.g. ``9**9``), else None.

        Lets ``9**9**9`` be refused as an oversized exponent; computed in float64 so it is cheap.
        """
        if isinstance(node, ast.Constant):
            self._check_constant(node)
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self._constant_value(node.operand)
            return None if operand is None else (-operand if isinstance(node.op, ast.USub) else operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS and not isinstance(node.op, ast.MatMult):
            left, right = self._constant_value(node.left), self._constant_value(node.right)
            if left is None or right is None:
                return None
            with np.errstate(all="ignore"):
                return float(_BINOPS[type(node.op)][1](np.float64(left), np.float64(right)))
        return None

    def _check_name(self, node: ast.Name) -> None:
        if node.id == self.name:
            raise self.refuse(node, f"the expression for {self.name} refers to itself")
        if node.id in self.variables:
            self.variables_used.add(node.id)
        elif node.id in self.derivatives:
            self.derivatives_used.add(node.id)
        elif node.id in _FUNCTIONS:
            raise self.refuse(node, f"'{node.id}' is a function; call it like {node.id}(...)")
        elif _DERIVATIVE_NAME.match(node.id):
            raise self.refuse(node, f"'{node.id}' is a derivative you did not give: add --expr "
                                    f"'{node.id}=...' or define it in the module")
        else:
            known = ", ".join(sorted(self.variables | self.derivatives))
            raise self.refuse(node, f"unknown name '{node.id}' (known: {known})")

    def _check_attribute(self, node: ast.Attribute) -> None:
        if node.attr != "T":
            if _numpy_function_name(node):
                raise self.refuse(node, f"'{self._source.node_text(node)}' is a function; call it with (...)")
            raise self.refuse(node, f"attribute '.{node.attr}' is not allowed; only .T")
        self.check(node.value)

    def _check_call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in self.derivatives:
            self._check_derivative_call(node)
            return
        function_name = self._function_name(node.func)
        function = _FUNCTIONS[function_name]
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg, "starred arguments (*) are not allowed")
        if len(node.args) != function.arity:
            expected = f"{function.arity} argument" + ("" if function.arity == 1 else "s")
            raise self.refuse(node, f"{function_name} takes {expected}, got {len(node.args)}")
        for keyword in node.keywords:
            self._check_keyword(keyword, function_name, function)
        for arg in node.args:
            self.check(arg)

    def _check_derivative_call(self, node: ast.Call) -> None:
        """``dL_dZ(Y, Z, N)`` in a module function stands for the user's dL_dZ on the same data,
        so its arguments must be the data names themselves (in any order, or as Z=Z)."""
        for arg in list(node.args) + [k.value for k in node.keywords]:
            if not (isinstance(arg, ast.Name) and arg.id in self.variables):
                raise self.refuse(arg, f"{node.func.id}(...) may only be passed the data names themselves")
        for keyword in node.keywords:
            if keyword.arg != keyword.value.id:
                raise self.refuse(keyword, f"{node.func.id}(...) must get {keyword.arg}={keyword.arg}")
        self.derivatives_used.add(node.func.id)
        for arg in node.args:
            self.variables_used.add(arg.id)

    def _function_name(self, func: ast.expr) -> str:
        """The table name of a callee written as ``name`` or ``np.name``; refuse any other callee."""
        if isinstance(func, ast.Name):
            if func.id in _FUNCTIONS:
                return func.id
            if func.id in self.variables or func.id in self.derivatives:
                raise self.refuse(func, f"'{func.id}' is data, not a function")
            allowed = ", ".join(sorted(_FUNCTIONS))
            raise self.refuse(func, f"unknown function '{func.id}' (allowed: {allowed})")
        if _numpy_function_name(func):
            return func.attr
        if isinstance(func, ast.Attribute):
            raise self.refuse(func, f"function '{self._source.node_text(func)}' is not allowed; "
                                    f"only the listed functions, called as name(...) or np.name(...)")
        raise self.refuse(func, "only named functions can be called")

    def _check_keyword(self, keyword: ast.keyword, function_name: str, function: _Function) -> None:
        if keyword.arg is None:
            raise self.refuse(keyword, "**keyword arguments are not allowed")
        if keyword.arg not in ("axis", "keepdims"):
            raise self.refuse(keyword, f"keyword '{keyword.arg}' is not allowed (only axis= and keepdims=)")
        if not function.reduces:
            reason = f"keyword '{keyword.arg}' is only allowed for sum and mean, not {function_name}"
            raise self.refuse(keyword, reason)
        if _keyword_value(keyword) is _INVALID:
            expected = "an integer constant or None" if keyword.arg == "axis" else "True or False"
            raise self.refuse(keyword.value, f"{keyword.arg} must be {expected}")


_INVALID = object()


def _keyword_value(keyword: ast.keyword) -> object:
    """The Python value of an ``axis=``/``keepdims=`` argument, or ``_INVALID``."""
    node = keyword.value
    negate = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
    if negate and keyword.arg == "axis":
        node = node.operand
    if not isinstance(node, ast.Constant):
        return _INVALID
    value = node.value
    if keyword.arg == "keepdims":
        return value if isinstance(value, bool) else _INVALID
    if value is None and not negate:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return -value if negate else value
    return _INVALID


def _numpy_function_name(node: ast.expr) -> bool:
    """True for exactly ``np.NAME`` / ``numpy.NAME`` with NAME in the function table."""
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in _NUMPY_MODULES and node.attr in _FUNCTIONS)


# --------------------------------------------------------------------------- additive terms


def _is_scalar(node: ast.expr) -> bool:
    """A factor that is safe to distribute: only numeric constants, N and M."""
    return all(isinstance(n, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop, ast.Load))
               or (isinstance(n, ast.Name) and n.id in _SCALAR_NAMES)
               for n in ast.walk(node))


def _peel_sign(node: ast.expr, sign: float) -> tuple[ast.expr, float]:
    """Move a scalar factor's leading unary signs into the term's sign: ``-(1/N)`` -> ``-1``, ``1/N``."""
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    return node, sign


def _split_terms(node: ast.expr, sign: float, factors: tuple[tuple[str, ast.expr], ...],
                 source: _Source) -> list[Term]:
    """Additive terms of ``node``, distributing signs and scalar factors only."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _split_terms(node.operand, -sign if isinstance(node.op, ast.USub) else sign, factors, source)
    if isinstance(node, ast.BinOp):
        op = node.op
        if isinstance(op, (ast.Add, ast.Sub)):
            right_sign = -sign if isinstance(op, ast.Sub) else sign
            return (_split_terms(node.left, sign, factors, source)
                    + _split_terms(node.right, right_sign, factors, source))
        if isinstance(op, ast.Mult) and _is_scalar(node.left):
            factor, sign = _peel_sign(node.left, sign)
            return _split_terms(node.right, sign, factors + (("*", factor),), source)
        if isinstance(op, (ast.Mult, ast.Div)) and _is_scalar(node.right):
            factor, sign = _peel_sign(node.right, sign)
            kind = "*" if isinstance(op, ast.Mult) else "/"
            return _split_terms(node.left, sign, factors + ((kind, factor),), source)
    span = source.span(node)
    text = source.text[span.start:span.end]
    return [Term(sign, text, span, node, factors, _with_factors(text, sign, factors, source))]


def _with_factors(core: str, sign: float, factors: tuple[tuple[str, ast.expr], ...], source: _Source) -> str:
    """The term as it contributes to the sum, e.g. ``-(1/N)*(1-Y)/(1-Z)``: sign and scalar factors shown."""
    def wrapped(node: ast.expr) -> str:
        text = source.node_text(node)
        return f"({text})" if isinstance(node, ast.BinOp) else text

    inner = f"({core})" if any(op == "*" for op, _ in factors) and " " in core.strip("()") else core
    head = "".join(f"{wrapped(f)}*" for op, f in factors if op == "*")
    tail = "".join(f"/{wrapped(f)}" for op, f in factors if op == "/")
    return ("-" if sign < 0 else "") + head + inner + tail


# --------------------------------------------------------------------------- evaluation


def _shape_text(shape: tuple[int, ...]) -> str:
    return str(tuple(shape))


def _operation_text(op: str, shapes: tuple[tuple[int, ...], ...]) -> str:
    """``(1, 5) @ (3, 5)`` for an operator, ``maximum((1, 5), (3, 4))`` for a function."""
    a, b = (_shape_text(shape) for shape in shapes)
    return f"{op}({a}, {b})" if op in _FUNCTIONS else f"{a} {op} {b}"


class _Evaluator:
    """Evaluates a checked tree against one environment; every value is float64."""

    def __init__(self, env: Mapping[str, object], source: _Source):
        self.env, self.source = env, source

    def value(self, node: ast.expr):
        if isinstance(node, ast.Constant):
            return np.float64(node.value)
        if isinstance(node, ast.Name):
            return np.asarray(self.env[node.id], dtype=np.float64)
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.Attribute):
            return np.transpose(self.value(node.value))
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise AssertionError(f"unchecked node {ast.dump(node)}")

    def _binop(self, node: ast.BinOp):
        symbol, impl = _BINOPS[type(node.op)]
        left, right = self.value(node.left), self.value(node.right)
        self._check_size(node, symbol, (np.shape(left), np.shape(right)))
        try:
            return impl(left, right)
        except Exception as exc:
            shapes = (np.shape(left), np.shape(right))
            if symbol == "@":
                raise self._matmul_error(node, "@", node.left, node.right, shapes, exc) from None
            raise self._elementwise_error(node, symbol, shapes, exc) from None

    def _call(self, node: ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        if name not in _FUNCTIONS:  # a checked call of another derivative: its value on this data
            return np.asarray(self.env[name], dtype=np.float64)
        args = [self.value(arg) for arg in node.args]
        kwargs = {keyword.arg: _keyword_value(keyword) for keyword in node.keywords}
        self._check_size(node, name, tuple(np.shape(arg) for arg in args))
        try:
            return _FUNCTIONS[name].impl(*args, **kwargs)
        except Exception as exc:
            shapes = tuple(np.shape(arg) for arg in args)
            if name in _MATMUL_FUNCTIONS:
                raise self._matmul_error(node, name, node.args[0], node.args[1], shapes, exc) from None
            if name in _BROADCAST_FUNCTIONS:
                raise self._elementwise_error(node, name, shapes, exc) from None
            raise self._generic_error(node, name, shapes, exc) from None

    def _check_size(self, node: ast.expr, op: str, shapes: tuple[tuple[int, ...], ...]) -> None:
        """Refuse a result too big to allocate quickly (nested outer() squares the size each time)."""
        size = _result_size(op, shapes)
        if size > MAX_ELEMENTS:
            on = ", ".join(_shape_text(shape) for shape in shapes)
            message = f"{op} on shapes {on} would make {size:,} numbers (the limit is {MAX_ELEMENTS:,})"
            raise EvaluationError(message, op=op, operand_shapes=shapes, span=self.source.span(node),
                                  is_shape_error=False)

    def _generic_error(self, node: ast.expr, op: str, shapes, exc: Exception) -> EvaluationError:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        on = ", ".join(_shape_text(shape) for shape in shapes)
        return EvaluationError(f"{op} failed on shapes {on}: {detail}", op=op, operand_shapes=shapes,
                               span=self.source.span(node), is_shape_error=False)

    def _elementwise_error(self, node: ast.expr, op: str, shapes, exc: Exception) -> EvaluationError:
        """Broadcast mismatch for + - * / ** and the elementwise functions; anything else is generic."""
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            return EvaluationError(f"{_operation_text(op, shapes)} cannot broadcast", op=op,
                                   operand_shapes=shapes, span=self.source.span(node), is_shape_error=True)
        return self._generic_error(node, op, shapes, exc)

    def _matmul_error(self, node: ast.expr, op: str, left: ast.expr, right: ast.expr, shapes,
                      exc: Exception) -> EvaluationError:
        """Explain a failed ``@``/dot/matmul, suggesting the transpose that would line up."""
        a, b = shapes
        reason = _matmul_reason(a, b)
        if reason is None:
            return self._generic_error(node, op, shapes, exc)
        hint = self._transpose_hint(op, left, right, a, b)
        explanation = f": did you mean {hint}?" if hint else f" ({reason})"
        message = f"{_operation_text(op, shapes)} does not line up{explanation}"
        return EvaluationError(message, op=op, operand_shapes=shapes, span=self.source.span(node),
                               is_shape_error=True)

    def _transpose_hint(self, op: str, left: ast.expr, right: ast.expr, a, b) -> str | None:
        """The user's own operands with one transposed, if that would make the inner sizes agree."""
        if len(a) == 0 or len(b) < 2:
            return None
        if a[-1] == b[-1]:
            left_text, right_text = self.source.node_text(left), self._transposed_text(right)
            return f"@ {right_text}" if op == "@" else f"{op}({left_text}, {right_text})"
        if len(a) >= 2 and a[-2] == b[-2]:
            left_text, right_text = self._transposed_text(left), self.source.node_text(right)
            return f"{left_text} @ {right_text}" if op == "@" else f"{op}({left_text}, {right_text})"
        return None

    def _transposed_text(self, node: ast.expr) -> str:
        """``X`` -> ``X.T``, ``X.T`` -> ``X``, ``Z - Y`` -> ``(Z - Y).T``."""
        if isinstance(node, ast.Attribute):
            return self.source.node_text(node.value)
        text = self.source.node_text(node)
        return f"{text}.T" if isinstance(node, (ast.Name, ast.Call, ast.Constant)) else f"({text}).T"


def _result_size(op: str, shapes: tuple[tuple[int, ...], ...]) -> int:
    """Upper bound on the number of elements ``op`` produces; 0 when it cannot grow or will fail anyway."""
    if op == "outer":
        return math.prod(math.prod(shape) for shape in shapes)
    if op in ("@", "dot", "matmul") and all(shapes):
        a, b = shapes
        return math.prod(a[:-1]) * math.prod(b[:-2]) * (b[-1] if len(b) >= 2 else 1)
    if len(shapes) == 2:
        try:
            return math.prod(np.broadcast_shapes(*shapes))
        except ValueError:
            return 0
    return 0


def _matmul_reason(a: tuple[int, ...], b: tuple[int, ...]) -> str | None:
    """Why ``a @ b`` fails, or None if the shapes are not the problem."""
    if len(a) == 0 or len(b) == 0:
        return "matmul needs arrays, not scalars; use * to scale"
    inner_b = b[0] if len(b) == 1 else b[-2]
    if a[-1] != inner_b:
        return f"matmul needs the inner sizes to agree: {a[-1]} vs {inner_b}"
    try:
        np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        return "the leading (batch) dimensions cannot broadcast"
    return None
