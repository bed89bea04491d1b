"""List modules over a line limit and functions over a line limit in src/plancompare.

Usage:  python scripts/check_sizes.py [--module-lines 600] [--function-lines 80]

A function's length counts from its ``def`` line (decorators excluded) to its last line,
docstring included. tests/test_sizes.py enforces the same limits with an allow-list.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "plancompare"


def module_lengths(root: Path = SRC) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
            for p in sorted(root.rglob("*.py"))}


def function_lengths(root: Path = SRC) -> dict[str, int]:
    out = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        stack = [(tree, "")]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        out[f"{path.relative_to(root).as_posix()}::{name}"] = child.end_lineno - child.lineno + 1
                    stack.append((child, name + "."))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module-lines", type=int, default=600)
    parser.add_argument("--function-lines", type=int, default=80)
    args = parser.parse_args()
    for name, n in sorted(module_lengths().items(), key=lambda kv: -kv[1]):
        if n > args.module_lines:
            print(f"module   {n:5d}  {name}")
    for name, n in sorted(function_lengths().items(), key=lambda kv: -kv[1]):
        if n > args.function_lines:
            print(f"function {n:5d}  {name}")


if __name__ == "__main__":
    main()
