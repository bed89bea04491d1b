"""Lexical primitives shared by the match stage: Han runs, character n-grams, query-term matching."""

from __future__ import annotations

import re

import numpy as np

from ..text.han import HAS_HAN, TOKEN_RUN
# Indexes saved before the analyzer moved to the text layer name it through this module.
from ..text.han import CharNgramAnalyzer  # noqa: F401


def matched_query_terms(query: str, text: str, min_len: int = 2) -> list[str]:
    """Maximal substrings of the query's Han runs (>= ``min_len`` chars) that occur in ``text``.

    Greedy longest match from left to right, so "长者食堂 社区助餐点" against a passage with
    "长者食堂、社区助餐点" gives ``["长者食堂", "社区助餐点"]`` rather than a list of bigrams.
    Latin words of the query match case-insensitively as whole words.
    """
    found: list[str] = []
    lower_text = (text or "").lower()
    for run in TOKEN_RUN.findall(query or ""):
        if not HAS_HAN.match(run):
            if len(run) >= 2 and re.search(rf"(?<![a-z0-9]){re.escape(run.lower())}(?![a-z0-9])", lower_text):
                found.append(run)
            continue
        i = 0
        while i <= len(run) - min_len:
            # Grow the match from i while it still occurs: every prefix of a substring of
            # ``text`` is one too, so this finds the longest match in O(match length) look-ups.
            j = i + min_len
            if run[i:j] not in text:
                i += 1
                continue
            while j < len(run) and run[i:j + 1] in text:
                j += 1
            found.append(run[i:j])
            i = j
    return list(dict.fromkeys(found))



def minmax(x: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector maps to zeros (it carries no ranking information)."""
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-12:
        return np.zeros_like(x)
    return (x - lo) / (hi - lo)

