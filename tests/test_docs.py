"""Docs stay true: every CLI command and public name is in the README, the contract's columns exist."""

from __future__ import annotations

import re

import pytest
import typer.main

import plancompare as pc
from plancompare.cli import app

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix=""):
    click_group = typer.main.get_command(group)
    for name, command in click_group.commands.items():
        if hasattr(command, "commands"):
            for sub in command.commands:
                yield f"{prefix}{name} {sub}"
        else:
            yield f"{prefix}{name}"


@pytest.mark.parametrize("command", sorted(_commands(app)))
def test_every_cli_command_is_documented(command):
    head = command.split()[0]
    assert re.search(rf"plancompare {re.escape(head)}\b", README), f"`plancompare {command}` missing from README"
    if " " in command:
        assert command.split()[1] in README


@pytest.mark.parametrize("name", [n for n in pc.__all__ if not n.startswith("_") and not n.endswith("Error")])
def test_every_public_name_is_documented(name):
    assert name in README, f"pc.{name} missing from README"


CONTRACT = {
    "documents": "doc_id district city province title kind year period_start period_end source_file source_sha256 n_chars",
    "passages": "passage_id doc_id district level heading section_path text line_start line_end theme",
    "repairs": "doc_id line kind before after confidence",
    "indicators": "indicator_id name district doc_id value value_high unit comparator kind year period_start "
                  "period_end quote passage_id line",
}


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_contract_columns_exist(plans, table):
    columns = set(getattr(plans, table).columns)
    assert set(CONTRACT[table].split()) <= columns


def test_contract_methods_exist():
    for name in ("search", "compare", "themes_table", "clean_text", "save", "embeddings", "indicators"):
        assert hasattr(pc.Corpus, name), name
    assert pc.Corpus.load is not None and callable(pc.load_corpus) and callable(pc.build_corpus)


def test_documented_kinds_and_comparators(plans):
    assert set(plans.documents["kind"]) <= {"five_year_plan", "work_report", "implementation_plan", "other"}
    assert set(plans.indicators["comparator"]) <= {"=", ">=", ">", "<=", "<", "~", "range"}
    assert set(plans.indicators["kind"]) <= {"target", "expected", "actual"}


@pytest.mark.slow
def test_readme_tour_runs(corpus, tmp_path, monkeypatch):
    """The README's Python tour runs as written (in a scratch folder holding one plan as `my_plans/`)."""
    import shutil

    block = re.search(r"## A short tour\n\n```python\n(.*?)```", README, re.S).group(1)
    (tmp_path / "my_plans").mkdir()
    shutil.copy(REPO / "data" / "raw" / "cangshan_14th_five_year_plan.txt", tmp_path / "my_plans")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    assert (tmp_path / "my_corpus" / "manifest.json").is_file()
    assert (tmp_path / "reports" / "gdp.png").is_file()
