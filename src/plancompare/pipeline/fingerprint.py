"""Code fingerprints: which source files a stage's output depends on.

A stage's cached output is valid while the code that made it is unchanged.  The modules a
stage runs are found by walking the package's own imports (``import`` statements anywhere
in a module, function-level ones included) from the stage's entry modules, so a helper
module added later (``_cells.py``, a new ``text/`` module) is covered without a hand list.
Configuration data files (``data/*.toml``, ``data/*.txt``…) are part of every fingerprint;
the bundled source plans (``data/plans/``) are not: their bytes key each document.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = "plancompare"
# Source documents, not configuration: keyed by their own bytes.
_DATA_EXCLUDED = ("plans",)


def package_root() -> Path:
    """The folder of the installed ``plancompare`` package."""
    return Path(__file__).resolve().parents[1]


def module_file(name: str, root: Path | None = None) -> Path | None:
    """The source file of module ``name`` (``plancompare.text.headings``), or ``None``."""
    root = root or package_root()
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = root.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(name: str, root: Path | None = None) -> set[str]:
    """The package modules that module ``name`` imports (absolute names, any nesting level)."""
    return set(_imported_modules(name, root or package_root()))


@lru_cache(maxsize=None)  # parsing is most of a fingerprint's cost; stages share modules
def _imported_modules(name: str, root: Path) -> frozenset[str]:
    file = module_file(name, root)
    if file is None:
        return frozenset()
    is_package = file.name == "__init__.py"
    package_parts = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package_parts[: len(package_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != PACKAGE:
                continue
            if base != PACKAGE:  # the root __init__ only re-exports; every module "imports" it
                found.add(base)
            for alias in node.names:  # ``from . import repair`` imports a module
                if module_file(f"{base}.{alias.name}", root) is not None:
                    found.add(f"{base}.{alias.name}")
    # Importing a submodule runs its packages' __init__ first.
    for module in list(found):
        parts = module.split(".")
        found.update(".".join(parts[:i]) for i in range(2, len(parts)))
    return frozenset(m for m in found if module_file(m, root) is not None and m != name)


def module_closure(roots, root: Path | None = None) -> list[str]:
    """``roots`` (module names, with or without the ``plancompare.`` prefix) and everything
    they import within the package, transitively; sorted."""
    root = root or package_root()
    todo = [r if r.startswith(PACKAGE) else f"{PACKAGE}.{r}" for r in roots]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or module_file(name, root) is None:
            continue
        seen.add(name)
        todo.extend(imported_modules(name, root) - seen)
    return sorted(seen)


def data_files(root: Path | None = None) -> list[Path]:
    """Configuration data files of the package (everything in ``data/`` but source plans)."""
    data = (root or package_root()) / "data"
    if not data.is_dir():
        return []
    return sorted(
        f for f in data.rglob("*")
        if f.is_file() and f.relative_to(data).parts[0] not in _DATA_EXCLUDED and "__pycache__" not in f.parts
    )


def code_fingerprint(roots=None, root: Path | None = None) -> str:
    """SHA-256 over the source of ``roots`` and their imports, plus the configuration data.

    ``roots=None`` fingerprints the whole package.
    """
    return _fingerprint(tuple(roots) if roots is not None else None, str(root or package_root()))


@lru_cache(maxsize=64)
def _fingerprint(roots: tuple | None, root: str) -> str:
    base = Path(root)
    if roots is None:
        files = sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)
    else:
        files = [module_file(name, base) for name in module_closure(roots, base)]
    digest = hashlib.sha256()
    for file in [*files, *data_files(base)]:
        digest.update(str(file.relative_to(base)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()
