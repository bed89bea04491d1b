"""Lexical primitives shared by the match stage: Han runs, character n-grams, query-term matching."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# Han characters (CJK unified ideographs + extension A + compatibility) and Latin/digit runs.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_RUN = re.compile(rf"[{HAN}]+|[A-Za-z0-9]+")
_HAS_HAN = re.compile(rf"[{HAN}]")


@dataclass(frozen=True)
class CharNgramAnalyzer:
    """Split text into Han runs and Latin/digit words; emit Han character n-grams and Latin words.

    N-grams never cross punctuation or whitespace, so "服务，提升" yields no "务，" or "务提" noise;
    Latin words (``VOCs``, ``5G``) are kept whole and lower-cased. A picklable dataclass rather
    than a lambda so that a fitted index can be copied.
    """

    ngram_min: int = 2
    ngram_max: int = 3

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        for run in TOKEN_RUN.findall(text or ""):
            if not _HAS_HAN.match(run):
                out.append(run.lower())
                continue
            if len(run) < self.ngram_min:
                # A lone character carries too little meaning to count as a term.
                continue
            for n in range(self.ngram_min, self.ngram_max + 1):
                out.extend(run[i:i + n] for i in range(len(run) - n + 1))
        return out


def matched_query_terms(query: str, text: str, min_len: int = 2) -> list[str]:
    """Maximal substrings of the query's Han runs (>= ``min_len`` chars) that occur in ``text``.

    Greedy longest match from left to right, so "长者食堂 社区助餐点" against a passage with
    "长者食堂、社区助餐点" gives ``["长者食堂", "社区助餐点"]`` rather than a list of bigrams.
    Latin words of the query match case-insensitively as whole words.
    """
    found: list[str] = []
    lower_text = (text or "").lower()
    for run in TOKEN_RUN.findall(query or ""):
        if not _HAS_HAN.match(run):
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



def has_han(text: str) -> bool:
    """True when ``text`` contains at least one Han character."""
    return bool(_HAS_HAN.search(text or ""))


def minmax(x: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector maps to zeros (it carries no ranking information)."""
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-12:
        return np.zeros_like(x)
    return (x - lo) / (hi - lo)

