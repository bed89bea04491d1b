"""Precedents across districts: hybrid passage search, peer comparison, theme alignment, text reuse.

Policy writers ask "who else set a target for X, and how?". This module answers it over the
``corpus.passages`` table (body rows) and the aligned ``corpus.embeddings`` matrix:

* :class:`PassageIndex` ranks passages for a query (Chinese or English) by fusing a dense signal
  (cosine of L2-normalised e5 embeddings) with a lexical signal suited to Chinese (TF-IDF over
  character 2-3-grams), and shows which query terms each hit contains (``matched_terms``).
  An English query gets its lexical signal from a bilingual glossary of policy terms
  (``data/policy_terms_en_zh.toml``, :func:`load_policy_glossary`): the English terms it contains
  are replaced by their Chinese renderings (:func:`expand_english_query`).
  :meth:`PassageIndex.compare` lists, for one passage, the most comparable passages of every
  other district.
* :func:`align_theme` groups passages of one theme that address the same goal in different
  districts (mutual nearest neighbours above a calibrated threshold) and shows the districts that
  have nothing comparable.
* :func:`find_text_reuse` finds near-verbatim sentences shared between documents and flags
  national boilerplate, so a user sees where one plan copies a measure from another.

Everything is deterministic; no state lives outside the objects a caller creates.
"""

from ..errors import MatchInputError, UnknownItemError
from .align import ALIGN_COLUMNS, DEFAULT_ALIGN_THRESHOLD, DEFAULT_ALIGN_THRESHOLD_LEXICAL, align_theme
from .glossary import default_policy_glossary, expand_english_query, load_policy_glossary
from .index import PassageIndex
from .ranking import REQUIRED_COLUMNS, RESULT_COLUMNS
from ..text.han import CharNgramAnalyzer
from .lexical import matched_query_terms
from .reuse import REUSE_COLUMNS, find_text_reuse, load_boilerplate_patterns


__all__ = [
    "PassageIndex",
    "align_theme",
    "find_text_reuse",
    "load_boilerplate_patterns",
    "load_policy_glossary",
    "default_policy_glossary",
    "expand_english_query",
    "UnknownItemError",
    "MatchInputError",
    "RESULT_COLUMNS",
    "DEFAULT_ALIGN_THRESHOLD",
    "DEFAULT_ALIGN_THRESHOLD_LEXICAL",
    "matched_query_terms",
    "CharNgramAnalyzer",
    "ALIGN_COLUMNS",
    "REUSE_COLUMNS",
    "REQUIRED_COLUMNS",
]
