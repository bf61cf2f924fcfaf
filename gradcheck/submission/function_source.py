"""A module function read as one expression, so it can be explained like an ``--expr``.

The file is read as text, never run, so the grader can do this for untrusted code.
A function qualifies when its body is (a docstring,) simple local assignments
``name = EXPR`` and one ``return EXPR``: the locals are inlined into the returned
expression. The text keeps the user's own spelling when nothing was inlined
(then every character maps back to a line and column of the file); with inlined
locals it is ``ast.unparse`` of the combined expression and maps to the return
line only.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class FunctionSource:
    """The function's code (for display) and its returned expression as one line of text."""

    path: str
    first_line: int  #: line of ``def`` in the file
    code: str  #: the function's source, dedented
    expression: str | None  #: one-line text of the returned expression, None when the body is not simple
    names: frozenset[str] = frozenset()  #: every name the function's code mentions
    return_line: int | None = None
    _anchors: tuple[tuple[int, int, int], ...] = ()  #: (offset in expression, file line, file column 0-based)

    def locate(self, start: int, end: int) -> dict | None:
        """{"line", "col", "end_col"} (1-based, end exclusive) of expression[start:end] in the file."""
        if self.expression is None:
            return None
        if not self._anchors:  # inlined: only the return line is known
            return {"line": self.return_line, "col": None, "end_col": None}
        line, col = self._position(start)
        end_line, end_col = self._position(max(start, end - 1))
        return {"line": line, "col": col + 1, "end_col": end_col + 2 if end_line == line else None}

    def _position(self, offset: int) -> tuple[int, int]:
        anchor = max((a for a in self._anchors if a[0] <= offset), key=lambda a: a[0])
        return anchor[1], anchor[2] + (offset - anchor[0])


def read(path: str | Path, name: str) -> FunctionSource | None:
    """The FunctionSource of the top-level function ``name`` in the file, read as text (never run)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if not defs:
        return None
    fn = defs[-1]  # the last definition is the one Python keeps
    lines = text.splitlines()
    code = "\n".join(lines[fn.lineno - 1:fn.end_lineno])
    names = frozenset(n.id for n in ast.walk(fn) if isinstance(n, ast.Name))
    plain = FunctionSource(path=str(path), first_line=fn.lineno, code=code.rstrip(), expression=None, names=names)
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return plain
    assigns = body[:-1]
    if not all(_simple_assignment(a) for a in assigns):
        return plain
    returned = body[-1].value
    if not assigns:
        expression, anchors = _one_line(text, returned)
        if expression is None:
            return plain
        return replace(plain, expression=expression, return_line=body[-1].lineno, _anchors=anchors)
    inlined = _inline(assigns, returned)
    return replace(plain, expression=ast.unparse(inlined), return_line=body[-1].lineno)


def _simple_assignment(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)


def _inline(assigns: list[ast.stmt], returned: ast.expr) -> ast.expr | None:
    """Substitute each local's value (itself substituted) into the returned expression."""
    values: dict[str, ast.expr] = {}

    class Substitute(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id in values:
                return values[node.id]
            return node

    for assign in assigns:
        values[assign.targets[0].id] = Substitute().visit(assign.value)
    return ast.fix_missing_locations(Substitute().visit(returned))


def _one_line(text: str, node: ast.expr):
    """The node's own text on one line, with anchors back to the file; (None, ()) if it holds a comment."""
    segment = ast.get_source_segment(text, node)
    if not segment or "#" in segment:
        return None, ()
    parts, anchors, offset = [], [], 0
    for i, line in enumerate(segment.splitlines()):
        stripped = line.strip()
        lead = len(line) - len(line.lstrip())
        col = node.col_offset if i == 0 else lead
        anchors.append((offset, node.lineno + i, col))
        parts.append(stripped)
        offset += len(stripped) + 1
    return " ".join(parts), tuple(anchors)
