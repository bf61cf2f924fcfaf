"""The smallest verified edit that makes a wrong ``--expr`` derivative pass.

The search
----------
1. The user's text is parsed; every sub-expression (AST node) is a place to edit.
2. Single edits: a small catalogue of typical slips is applied at every node (sign,
   one operand instead of both, a dropped term, a missing or extra 1/N, a transpose,
   σ vs σ(1−σ), y vs 1−y). Each candidate tree is turned into text with
   ``ast.unparse`` (candidates are deduplicated by that text) and re-compiled with
   ``compile_expression``: that is the safety gate, a candidate it refuses is skipped
   and nothing is ever run through eval/exec.
3. Every candidate is screened by the judge on one or two trials. Those that screen
   as passing are confirmed with ``judge.passes`` in preference order: fewer edits,
   then a smaller changed sub-expression, then further left.
4. If no single edit passes, the best-screening single-edit candidates (a beam of
   ``BEAM_WIDTH``) get one more edit each, and step 3 runs on those pairs.

Everything happens within ``budget`` seconds of wall time: screening stops at
``SCREEN_SHARE`` of it so that what was found can still be confirmed. A fix is only
ever returned after ``judge.passes`` accepted it.
"""
from __future__ import annotations

import ast
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from gradcheck.submission.expression import Expression, compile_expression

BEAM_WIDTH = 24  #: single-edit candidates that get a second edit
SCREEN_SHARE = 0.85  #: share of the budget spent screening; the rest confirms what was found
FACTOR = "N"  #: the factor a missing/extra 1/N slip is about

_SCALAR_NAMES = frozenset({"N", "M"})
_COMPLEMENTED = frozenset({"Y", "Z"})  #: names a y <-> 1-y slip exchanges
_SIGMA = frozenset({"sigma", "sigmoid"})
_NUMPY = frozenset({"np", "numpy"})
_MATMUL_CALLS = frozenset({"dot", "matmul"})
_SWAPPABLE = (ast.Sub, ast.Div, ast.MatMult)
_PRODUCT_OPS = (ast.Mult, ast.Div, ast.MatMult)


class Judge(Protocol):
    def screen(self, candidate: Expression) -> float | None:
        """Cheap badness on one or two trials (<= 1 passes there); None if it cannot be evaluated."""

    def passes(self, candidate: Expression) -> bool:
        """The full comparison on every trial."""


@dataclass(frozen=True)
class Fix:
    """One verified repair. ``expression_after == text[:span[0]] + after + text[span[1]:]``.

    ``before`` is the user's own text of the changed sub-expression, without any
    parentheses around it (those stay in place); ``after`` carries parentheses only when
    precedence needs them.
    """

    before: str
    after: str
    span: tuple[int, int]
    expression_after: str
    edits: tuple[str, ...]


def suggest_fix(expression: Expression, judge: Judge, *, variables: Collection[str],
                derivatives: Collection[str] = (), budget: float = 2.0) -> Fix | None:
    """The preferred passing repair of ``expression`` with one or two edits, or None.

    None also when ``expression`` already passes or ``budget`` seconds ran out.
    """
    return _Search(expression, judge, variables, derivatives, budget).run()


# --------------------------------------------------------------------------- tree paths

Step = tuple[str, "int | None"]  # (field, index in a list field or None)
Path = tuple[Step, ...]


def _children(node: ast.expr) -> list[tuple[Step, ast.expr]]:
    """The sub-expressions an edit may touch (never a call's function name or keywords)."""
    if isinstance(node, ast.BinOp):
        return [(("left", None), node.left), (("right", None), node.right)]
    if isinstance(node, ast.UnaryOp):
        return [(("operand", None), node.operand)]
    if isinstance(node, ast.Attribute):
        return [(("value", None), node.value)]
    if isinstance(node, ast.Call):
        return [(("args", i), arg) for i, arg in enumerate(node.args)]
    return []


def _walk(node: ast.expr, path: Path = (), parent: ast.expr | None = None
          ) -> Iterator[tuple[Path, ast.expr, ast.expr | None]]:
    """Pre-order, left to right: (path, node, parent)."""
    yield path, node, parent
    for step, child in _children(node):
        yield from _walk(child, path + (step,), node)


def _child(node: ast.expr, step: Step) -> ast.expr:
    name, index = step
    value = getattr(node, name)
    return value if index is None else value[index]


def _at(root: ast.expr, path: Path) -> ast.expr:
    for step in path:
        root = _child(root, step)
    return root


def _shallow_copy(node: ast.expr) -> ast.expr:
    """Same fields (lists copied), no source positions: a new node has none."""
    return type(node)(**{name: list(value) if isinstance(value, list) else value
                         for name, value in ast.iter_fields(node)})


def _map_children(node: ast.expr, fn: Callable[[ast.expr], ast.expr]) -> ast.expr:
    copy = _shallow_copy(node)
    for (name, index), child in _children(node):
        if index is None:
            setattr(copy, name, fn(child))
        else:
            getattr(copy, name)[index] = fn(child)
    return copy


def _replace(root: ast.expr, path: Path, new: ast.expr) -> ast.expr:
    """``root`` with the node at ``path`` replaced; only the nodes on the path are copied."""
    if not path:
        return new
    copy = _shallow_copy(root)
    (name, index), rest = path[0], path[1:]
    if index is None:
        setattr(copy, name, _replace(getattr(root, name), rest, new))
    else:
        getattr(copy, name)[index] = _replace(getattr(root, name)[index], rest, new)
    return copy


def _common_prefix(a: Path, b: Path) -> Path:
    length = 0
    while length < min(len(a), len(b)) and a[length] == b[length]:
        length += 1
    return a[:length]


def _size(node: ast.expr) -> int:
    return sum(1 for n in ast.walk(node) if isinstance(n, ast.expr))


# --------------------------------------------------------------------------- node shapes


def _neg(node: ast.expr) -> ast.expr:
    return ast.UnaryOp(op=ast.USub(), operand=node)


def _binop(left: ast.expr, op: ast.operator, right: ast.expr) -> ast.expr:
    return ast.BinOp(left=left, op=op, right=right)


def _one_minus(node: ast.expr) -> ast.expr:
    return _binop(ast.Constant(value=1), ast.Sub(), node)


def _transposed(node: ast.expr) -> ast.expr:
    return ast.Attribute(value=node, attr="T", ctx=ast.Load())


def _name(node: ast.expr | None, names: Collection[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _is_scalar(node: ast.expr) -> bool:
    """Only constants, N and M: edits inside such a sub-tree rarely matter."""
    return all(isinstance(n, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop, ast.Load))
               or _name(n, _SCALAR_NAMES) for n in ast.walk(node))


def _is_sum(node: ast.expr | None) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))


def _is_minus(node: ast.expr) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)


def _is_one(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value == 1


def _call_name(node: ast.expr) -> str | None:
    """``f`` for a one-or-more-argument call written ``f(...)`` or ``np.f(...)``."""
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and _name(func.value, _NUMPY):
        return func.attr
    return None


def _is_sigma(node: ast.expr) -> bool:
    """σ itself: ``sigma(..)``, ``sigmoid(..)``, ``np.sigmoid(..)`` or the name Z."""
    return (_call_name(node) in _SIGMA and len(node.args) == 1) or _name(node, {"Z"})


def _inside_product(node: ast.expr, parent: ast.expr | None) -> bool:
    """A sign or scalar factor put on ``node`` would act on the enclosing product just the same.

    Such edits are generated only at the product itself, so the fix reads "negate the
    term" rather than "negate one of its factors", and there are fewer duplicates.
    """
    if isinstance(parent, ast.BinOp):
        return isinstance(parent.op, _PRODUCT_OPS)
    return isinstance(parent, (ast.Attribute, ast.UnaryOp))


def _is_product(node: ast.expr | None) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div))


def _drops_a_factor(result: ast.expr, node: ast.expr, parent: ast.expr | None) -> bool:
    """Replacing ``node`` by the constant 1 only drops it from a product: the product's own edits say so."""
    if not _is_one(result) or not isinstance(parent, ast.BinOp):
        return False
    return isinstance(parent.op, ast.Mult) or (isinstance(parent.op, ast.Div) and parent.right is node)


def _factors(node: ast.expr) -> list[tuple[ast.operator | None, ast.expr]]:
    """A left-nested chain of * and /, as (operator, factor) pairs: ``a*b/c`` -> (a, *b, /c)."""
    if _is_product(node):
        return _factors(node.left) + [(node.op, node.right)]
    return [(None, node)]


def _product(factors: list[tuple[ast.operator | None, ast.expr]]) -> ast.expr:
    result = factors[0][1]
    for op, factor in factors[1:]:
        result = _binop(result, op, factor)
    return result


def _chain(node: ast.expr) -> list[tuple[int, ast.expr]]:
    """A left-nested chain of + and -, as (sign, term) pairs: ``a - b + c`` -> (+a, -b, +c)."""
    if _is_sum(node):
        sign = 1 if isinstance(node.op, ast.Add) else -1
        return _chain(node.left) + [(sign, node.right)]
    return [(1, node)]


def _join(terms: list[tuple[int, ast.expr]]) -> ast.expr:
    (sign, first), rest = terms[0], terms[1:]
    result = first if sign > 0 else _neg(first)
    for sign, term in rest:
        result = _binop(result, ast.Add() if sign > 0 else ast.Sub(), term)
    return result


# --------------------------------------------------------------------------- the edit catalogue


@dataclass(frozen=True)
class _Edit:
    """Replace the node at ``path`` by ``node``; described lazily (descriptions cost an unparse)."""

    path: Path
    node: ast.expr
    template: str  #: {0}, {1}: nodes named in parentheses if compound; {result}: self.node bare
    args: tuple[ast.expr, ...] = ()

    def describe(self, shown: Callable[[ast.expr], str], bare: Callable[[ast.expr], str]) -> str:
        return self.template.format(*(shown(arg) for arg in self.args), result=bare(self.node))


def _sigma_edits(path: Path, node: ast.expr, parent: ast.expr | None) -> Iterator[_Edit]:
    """σ <-> σ(1−σ): a derivative of σ used twice, or forgotten."""
    if _is_sigma(node):
        yield _Edit(path, _binop(node, ast.Mult(), _one_minus(node)), "replace {0} by {result}", (node,))
    if _call_name(node) == "sigma_prime" and len(node.args) == 1:
        sigma = ast.Call(func=ast.Name(id="sigma", ctx=ast.Load()), args=list(node.args), keywords=[])
        yield _Edit(path, sigma, "replace {0} by {result}", (node,))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for sigma, other in ((node.left, node.right), (node.right, node.left)):
            complement = (isinstance(other, ast.BinOp) and isinstance(other.op, ast.Sub)
                          and _is_one(other.left) and ast.dump(other.right) == ast.dump(sigma))
            if _is_sigma(sigma) and complement:
                yield _Edit(path, sigma, "replace {0} by {result}", (node,))


def _complement_edits(path: Path, node: ast.expr, parent: ast.expr | None) -> Iterator[_Edit]:
    """Y <-> 1 − Y and Z <-> 1 − Z: the two loss terms mixed up."""
    if _name(node, _COMPLEMENTED):
        yield _Edit(path, _one_minus(node), "replace {0} by {result}", (node,))
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and _is_one(node.left)
            and _name(node.right, _COMPLEMENTED)):
        yield _Edit(path, node.right, "replace {0} by {result}", (node,))


def _factor_removals(path: Path, node: ast.expr, parent: ast.expr | None) -> Iterator[_Edit]:
    """Drop a scalar factor (``*(1/N)``, ``/N``, ``-(1/N)*``), optionally keeping its sign."""
    if not isinstance(node, ast.BinOp):
        return
    if isinstance(node.op, ast.Mult) and _is_scalar(node.left) != _is_scalar(node.right):
        factor, other = (node.left, node.right) if _is_scalar(node.left) else (node.right, node.left)
        if _is_minus(factor):
            yield _Edit(path, _neg(other), "remove the factor {0} from {1}, keeping its sign",
                        (factor.operand, node))
        yield _Edit(path, other, "remove the factor {0} from {1}", (factor, node))
    if isinstance(node.op, ast.Div) and _is_scalar(node.right) and not _is_scalar(node.left):
        yield _Edit(path, node.left, "remove the division by {0} from {1}", (node.right, node))


def _term_edits(path: Path, node: ast.expr, parent: ast.expr | None) -> Iterator[_Edit]:
    """Drop one additive term; only at the top of a chain of + and - (inner nodes repeat it)."""
    if not _is_sum(node) or (_is_sum(parent) and parent.left is node):
        return
    terms = _chain(node)
    for i, (_, term) in enumerate(terms):
        rest = _join(terms[:i] + terms[i + 1:])
        if not _drops_a_factor(rest, node, parent):  # (1 - Z)*a -> 1*a
            yield _Edit(path, rest, "drop the term {0} from {1}", (term, node))


def _factor_drops(path: Path, node: ast.expr, parent: ast.expr | None) -> Iterator[_Edit]:
    """Drop one factor of a chain of three or more (two are covered by the operand edits)."""
    if not _is_product(node) or (_is_product(parent) and parent.left is node):
        return
    factors = _factors(node)
    if len(factors) < 3:
        return
    for i, (op, factor) in enumerate(factors):
        rest = factors[:i] + factors[i + 1:]
        if isinstance(rest[0][0], ast.Div):  # a/b*c without a: there is no "/b" to start with
            continue
        words = "the division by {0}" if isinstance(op, ast.Div) else "the factor {0}"
        yield _Edit(path, _product(rest), f"drop {words} from {{1}}", (factor, node))


def _sign_edits(path: Path, node: ast.expr, parent: ast.expr | None) -> Iterator[_Edit]:
    if _is_minus(node):
        yield _Edit(path, node.operand, "remove the minus sign of {0}", (node,))
    elif not _inside_product(node, parent):
        yield _Edit(path, _neg(node), "negate {0}", (node,))


def _operand_edits(path: Path, node: ast.expr, parent: ast.expr | None) -> Iterator[_Edit]:
    if isinstance(node, ast.BinOp):
        for side, operand in (("left", node.left), ("right", node.right)):
            if not _drops_a_factor(operand, node, parent):
                yield _Edit(path, operand, f"replace {{0}} by its {side} operand {{result}}", (node,))


def _swap_edits(path: Path, node: ast.expr, parent: ast.expr | None) -> Iterator[_Edit]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, _SWAPPABLE):
        yield _Edit(path, _binop(node.right, node.op, node.left), "swap the operands of {0}", (node,))
    elif _call_name(node) in _MATMUL_CALLS and len(node.args) == 2:
        swapped = ast.Call(func=node.func, args=node.args[::-1], keywords=[])
        yield _Edit(path, swapped, "swap the operands of {0}", (node,))


def _transpose_edits(path: Path, node: ast.expr, parent: ast.expr | None) -> Iterator[_Edit]:
    if isinstance(node, ast.Attribute):
        yield _Edit(path, node.value, "remove the transpose from {0}", (node,))
    elif not isinstance(parent, ast.Attribute):  # X.T.T would only undo the .T
        yield _Edit(path, _transposed(node), "transpose {0}", (node,))


def _factor_insertions(path: Path, node: ast.expr, parent: ast.expr | None) -> Iterator[_Edit]:
    if not _inside_product(node, parent):
        factor = ast.Name(id=FACTOR, ctx=ast.Load())
        yield _Edit(path, _binop(node, ast.Div(), factor), f"divide {{0}} by {FACTOR}", (node,))
        yield _Edit(path, _binop(node, ast.Mult(), factor), f"multiply {{0}} by {FACTOR}", (node,))


# Specific slips first: when two edits give the same text, the first one's words are kept.
_FAMILIES = (_sigma_edits, _complement_edits, _factor_removals, _term_edits, _factor_drops, _sign_edits,
             _operand_edits, _swap_edits, _transpose_edits, _factor_insertions)
_SCALAR_FAMILIES = (_sign_edits, _operand_edits, _swap_edits)


def _edits(root: ast.expr) -> Iterator[_Edit]:
    """Every single edit of ``root``, node by node from the left."""
    for path, node, parent in _walk(root):
        if _is_scalar(node):
            # A constant sub-tree gets a few edits at its top (1/N -> N), none inside.
            if parent is not None and _is_scalar(parent):
                continue
            families = _SCALAR_FAMILIES
        else:
            families = _FAMILIES
        for family in families:
            yield from family(path, node, parent)


# --------------------------------------------------------------------------- the search


@dataclass(eq=False)
class _Candidate:
    tree: ast.expr
    text: str  #: ast.unparse(tree)
    expression: Expression | None  #: compiled from text; None only while being built
    edits: tuple[_Edit, ...]
    changed: Path  #: the smallest sub-expression containing every edit
    size: int  #: nodes in the user's sub-expression at ``changed``
    start: int  #: where that sub-expression starts in the user's text
    score: float | None = field(default=None)

    @cached_property
    def length(self) -> int:
        """Nodes in the whole candidate: shorter reads better."""
        return _size(self.tree)

    def preference(self) -> tuple:
        # fewest edits, then the shortest result (it reads best), then the smallest change, leftmost
        return (len(self.edits), self.length, self.size, self.start, self.text)


def _tree_dump(text: str) -> str | None:
    try:
        return ast.dump(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class _Search:
    def __init__(self, expression: Expression, judge: Judge, variables: Collection[str],
                 derivatives: Collection[str], budget: float):
        started = time.perf_counter()
        self.deadline = started + budget
        self.screen_deadline = started + SCREEN_SHARE * budget
        self.expression, self.judge = expression, judge
        self.variables, self.derivatives = frozenset(variables), frozenset(derivatives)
        self.text = expression.text
        self.tree = ast.parse(self.text, mode="eval").body
        self.spans = self._char_spans()
        self.sizes = {id(node): _size(node) for node in ast.walk(self.tree) if isinstance(node, ast.expr)}
        # text -> its candidate (None: the user's own text, or refused by compile_expression)
        self.seen: dict[str, _Candidate | None] = {ast.unparse(self.tree): None}

    def _char_spans(self) -> dict[int, tuple[int, int]]:
        """id(node) -> [start, end) in characters, for every node the user wrote."""
        encoded = self.text.encode("utf-8")

        def char(column: int) -> int:
            return len(encoded[:column].decode("utf-8"))

        return {id(node): (char(node.col_offset), char(node.end_col_offset))
                for node in ast.walk(self.tree) if isinstance(node, ast.expr)}

    @staticmethod
    def _late(deadline: float) -> bool:
        return time.perf_counter() > deadline

    # ---- phases

    def run(self) -> Fix | None:
        if self.judge.passes(self.expression):
            return None
        singles = self._screen(self._singles())
        fix = self._confirm(singles)
        if fix is not None or self._late(self.screen_deadline):
            return fix
        return self._confirm(self._screen(self._pairs(self._beam(singles))))

    def _singles(self) -> Iterator[_Candidate]:
        for edit in _edits(self.tree):
            candidate = self._candidate(self.tree, None, edit)
            if candidate is not None:
                yield candidate

    def _beam(self, singles: list[_Candidate]) -> list[_Candidate]:
        """The best-screening single edits (ones that could not be evaluated are left out)."""
        scored = [c for c in singles if c.score is not None and c.score == c.score]
        return sorted(scored, key=lambda c: (c.score, c.preference()))[:BEAM_WIDTH]

    def _pairs(self, beam: list[_Candidate]) -> Iterator[_Candidate]:
        for first in beam:
            for edit in _edits(first.tree):
                if self._late(self.screen_deadline):  # deduplication alone can take a while
                    return
                candidate = self._candidate(first.tree, first, edit)
                if candidate is not None:
                    yield candidate

    def _screen(self, candidates: Iterable[_Candidate]) -> list[_Candidate]:
        screened = []
        for candidate in candidates:
            if self._late(self.screen_deadline):
                break
            candidate.score = self.judge.screen(candidate.expression)
            screened.append(candidate)
        return screened

    def _confirm(self, screened: list[_Candidate]) -> Fix | None:
        passing = [c for c in screened if c.score is not None and c.score <= 1.0]
        for candidate in sorted(passing, key=_Candidate.preference):
            if self._late(self.deadline):
                return None
            if self.judge.passes(candidate.expression):
                return self._fix(candidate)
        return None

    def _candidate(self, base: ast.expr, previous: _Candidate | None, edit: _Edit) -> _Candidate | None:
        """``base`` with ``edit`` applied, compiled; None for a repeat or a refused candidate.

        A repeat reached by a smaller change takes over that change's description, so
        ``a*b*b -> a*b`` reads "replace b*b by b" rather than "drop the last factor".
        """
        tree = _replace(base, edit.path, edit.node)
        text = ast.unparse(tree)
        # The first edit's path exists in the user's tree; a prefix of it does too.
        changed = edit.path if previous is None else _common_prefix(previous.changed, edit.path)
        original = _at(self.tree, changed)
        edits = (edit,) if previous is None else previous.edits + (edit,)
        candidate = _Candidate(tree, text, None, edits, changed, self.sizes[id(original)],
                               self.spans[id(original)][0])
        if text in self.seen:
            known = self.seen[text]
            if known is not None and candidate.preference() < known.preference():
                known.tree, known.edits, known.changed = tree, edits, changed
                known.size, known.start = candidate.size, candidate.start
            return None
        try:
            candidate.expression = compile_expression(self.expression.name, text, variables=self.variables,
                                                      derivatives=self.derivatives)
        except Exception:  # the safety gate: whatever it refuses (or trips on) is simply not a candidate
            self.seen[text] = None
            return None
        self.seen[text] = candidate
        return candidate

    # ---- presenting a fix in the user's own text

    def _user_text(self, node: ast.expr) -> str:
        start, end = self.spans[id(node)]
        return self.text[start:end]

    def _render(self, node: ast.expr) -> str:
        """Text of ``node`` that keeps the user's spelling of every sub-expression they wrote."""
        if id(node) in self.spans:
            return self._user_text(node)
        holes: dict[str, str] = {}  # placeholder name -> the user's text it stands for
        compound: set[str] = set()

        def plug(n: ast.expr) -> ast.expr:
            if id(n) not in self.spans:
                return _map_children(n, plug)
            key = f"_{len(holes)}_hole_"
            holes[key] = self._user_text(n)
            if isinstance(n, (ast.BinOp, ast.UnaryOp)):
                compound.add(key)
            return ast.Name(id=key, ctx=ast.Load())

        skeleton = ast.unparse(plug(node))

        def fill(wrapped: set[str]) -> str:
            text = skeleton
            for key, value in holes.items():
                text = text.replace(key, f"({value})" if key in wrapped else value)
            return text

        # A placeholder hides its precedence: start with every compound in parentheses (always
        # right), then drop those the reading does not need. Holes never nest, so one at a time.
        target = _tree_dump(ast.unparse(node))
        wrapped = set(compound)
        for key in sorted(compound):
            if _tree_dump(fill(wrapped - {key})) == target:
                wrapped.discard(key)
        text = fill(wrapped)
        return text if _tree_dump(text) == target else ast.unparse(node)

    def _shown(self, node: ast.expr) -> str:
        """A node as named in an edit description; compounds in parentheses."""
        text = self._render(node)
        return f"({text})" if isinstance(node, ast.BinOp) else text

    def _fix(self, candidate: _Candidate) -> Fix:
        """Splice the changed sub-expression into the user's text; verified to mean the candidate.

        Tries the user's spelling, then ast.unparse, each bare then parenthesised; if no
        splice at the changed node reads back as the candidate, the whole text is replaced.
        """
        target = _tree_dump(candidate.text)
        edits = tuple(edit.describe(self._shown, self._render) for edit in candidate.edits)
        for path in (candidate.changed, ()):
            old, new = _at(self.tree, path), _at(candidate.tree, path)
            start, end = self.spans[id(old)]
            rendered, unparsed = self._render(new), ast.unparse(new)
            for after in dict.fromkeys((rendered, f"({rendered})", unparsed, f"({unparsed})")):
                text = self.text[:start] + after + self.text[end:]
                if _tree_dump(text) == target:
                    return Fix(self.text[start:end], after, (start, end), text, edits)
        # Unreachable in practice (the root spliced with ast.unparse is the candidate itself).
        return Fix(self.text, candidate.text, (0, len(self.text)), candidate.text, edits)
