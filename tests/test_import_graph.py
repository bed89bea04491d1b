"""The import graph reads as the pipeline: no cycle, and no stage imports a later stage.

Layers, earliest first (a module may import its own layer or an earlier one; imports inside
functions count too).  The order is the one in README's "How it works" table.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "plancompare"

LAYERS: list[tuple[str, ...]] = [
    ("text", "_version", "errors", "_cells", "districts", "formatting", "_priority"),
    ("ingest",),
    ("repair", "clean"),
    ("outline",),
    ("places", "catalog", "docinfo"),
    ("themes",),
    ("model_convert", "model", "onnx_backend", "embed_cache", "embed", "early_embed"),
    ("match", "vector_index"),
    ("indicators",),
    ("pipeline", "parallel", "engine_dask"),
    ("corpus",),
    ("charts", "export"),
    ("cli", "app", "__main__", "__init__"),
]
LAYER_OF = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _module_name(file: Path) -> str:
    parts = list(file.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _exists(name: str) -> bool:
    base = SRC.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _edges(file: Path) -> set[str]:
    """Package modules imported by ``file`` (the most specific existing module of each import)."""
    name = _module_name(file)
    package = name.split(".") if file.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "plancompare")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "plancompare":
                continue
            subs = [f"{base}.{a.name}" for a in node.names if _exists(f"{base}.{a.name}")]
            found.update(subs or [base])
    return {m for m in found if m != name}


def _graph() -> dict[str, set[str]]:
    return {_module_name(f): _edges(f) for f in sorted(SRC.rglob("*.py")) if "__pycache__" not in f.parts}


def _layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    assert top in LAYER_OF, f"{module}: place it in a layer of tests/test_import_graph.py and the README table"
    return LAYER_OF[top]


def test_every_module_has_a_layer():
    for module in _graph():
        _layer(module)


def test_no_stage_imports_a_later_stage():
    upward = [(m, dep) for m, deps in _graph().items() for dep in deps if _layer(dep) > _layer(m)]
    assert upward == []


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep] if dep in path else [node, dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_readme_table_lists_every_stage_module():
    readme = (SRC.parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## How it works", 1)[1].split("\n## ", 1)[0]
    for entry in sorted(SRC.iterdir()):
        if entry.name.startswith("__") or entry.name in ("data", "py.typed") or entry.suffix not in (".py", ""):
            continue
        shown = f"`{entry.name}/`" if entry.is_dir() else f"`{entry.name}`"
        assert shown in table, f"{shown} missing from README's How it works table"
