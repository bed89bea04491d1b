"""Shared fixtures: the bundled plans, the generality texts, a scratch corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import plancompare as pc

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SHARED = Path(os.environ.get("PLANCOMPARE_SHARED", REPO.parent / "shared"))
GENERALITY = SHARED / "generality"


def generality_files() -> list[Path]:
    files = sorted(GENERALITY.glob("*.txt"))
    if not files:
        pytest.fail(f"generality texts not found in {GENERALITY} (set PLANCOMPARE_SHARED)")
    return files


@pytest.fixture(scope="session")
def catalog():
    return pc.load_catalog(DATA / "catalog.csv")


@pytest.fixture(scope="session")
def plans(catalog):
    """The five bundled plans, cleaned and outlined (no embeddings: fast)."""
    return pc.build_corpus(list(catalog["source_file"]), catalog=catalog, embed=False)


@pytest.fixture(scope="session")
def generality():
    """The four government work reports from ../shared/generality (not bundled data)."""
    return pc.build_corpus(generality_files(), embed=False)


@pytest.fixture(scope="session")
def corpus():
    """The bundled corpus as users get it: embedded, themed, cached in data/processed."""
    return pc.load_corpus()
