"""Quantitative indicators: every target, expected value and achievement in the documents, with its source.

The stage reads passages and writes the ``corpus.indicators`` table:

* :mod:`.registry` — canonical indicators and cue words (``data/indicators.toml``);
* :mod:`.reading` — years, indicator names and numbers in one sentence, and which name a number belongs to
  (numbers and units themselves are read by the shared :mod:`plancompare.text.numbers`);
* :mod:`.rules` — kind (target / expected / actual) and year as an ordered, documented rule table;
* :mod:`.extract` — :func:`extract_indicators`, the table with provenance and the deciding rule per row;
* :mod:`.compare` — :func:`compare_indicators`, a district × indicator view.
"""

from .compare import NOT_STATED, compare_indicators, format_indicator
from .extract import INDICATOR_COLUMNS, extract_indicators
from .registry import Registry, RegistryError, load_registry

__all__ = ["Registry", "RegistryError", "load_registry", "extract_indicators", "compare_indicators",
           "format_indicator", "INDICATOR_COLUMNS", "NOT_STATED"]
