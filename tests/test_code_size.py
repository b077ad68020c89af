"""Small functions and files (issue "a house a maintainer can carry"): none in src/ or pipeline/ over 60 / 300
lines, so a newcomer can read any unit whole. Split a long one into named steps rather than raising the limit."""
import ast

from helpers.params import REPO

MAX_FUNCTION, MAX_FILE = 60, 300


def _sources():
    for base in ("src", "pipeline"):
        yield from sorted((REPO / base).rglob("*.py"))


def test_no_function_is_over_60_lines():
    long = [f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path in _sources() for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION]
    assert not long, "\n".join(long)


def test_no_file_is_over_300_lines():
    long = [f"{path.relative_to(REPO)} ({n} lines)" for path in _sources()
            if (n := len(path.read_text().splitlines())) > MAX_FILE]
    assert not long, "\n".join(long)
