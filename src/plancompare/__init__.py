"""plancompare: compare Chinese district development plans side by side.

>>> import plancompare as pc
>>> corpus = pc.load_corpus()            # the bundled plans, built and cached on first use
>>> corpus.passages.head()               # one row per passage, with raw-line provenance
>>> corpus.search("长者食堂", k=5)        # peer-district precedents
>>> corpus.indicators                    # targets and actuals with their source

Tables and columns: ``docs/tables.md``.  Charts (``pc.charts``) and export (``pc.export``)
are imported on first use, so importing the library stays light.
"""

from __future__ import annotations

import importlib

from ._version import __version__  # noqa: E402

from .catalog import load_catalog  # noqa: E402
from .corpus import Corpus, build_corpus, load_corpus  # noqa: E402
from .errors import (  # noqa: E402
    CatalogError,
    InputFileError,
    ModelError,
    PlancompareError,
    UnknownItemError,
)
from .indicators import compare_indicators, load_registry  # noqa: E402
from .themes import load_taxonomy  # noqa: E402

_LAZY_MODULES = ("app", "charts", "export", "model", "embed", "match", "themes", "indicators", "catalog")

__all__ = [
    "Corpus",
    "build_corpus",
    "load_corpus",
    "load_catalog",
    "compare_indicators",
    "load_registry",
    "load_taxonomy",
    "app",
    "charts",
    "export",
    "PlancompareError",
    "InputFileError",
    "CatalogError",
    "ModelError",
    "UnknownItemError",
    "__version__",
]


def __getattr__(name: str):
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'plancompare' has no attribute {name!r}")
