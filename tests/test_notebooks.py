"""The notebooks run top to bottom headless, use only the public API and are stored without outputs."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_five_notebooks_exist():
    names = [n.stem for n in NOTEBOOKS]
    assert names == ["01_corpus_tour", "02_theme_alignment", "03_indicators", "04_precedent_finder",
                     "05_briefing_export"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_diff_friendly_and_parameterised(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "outputs not stripped"
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell must hold the parameters"
    assert notebook.cells[0].cell_type == "markdown"
    source = "\n".join(c.source for c in code)
    private = re.findall(r"pc\.\w+\._\w+|from plancompare\.\w+ import|import plancompare\.", source)
    assert not private, f"notebooks use only the public API: {private}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless(path, corpus):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
