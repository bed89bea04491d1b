"""Han characters: the one character class, Han/Latin token runs, and character n-grams.

The lexical index, the verdict features, text reuse and the scalable lexical index all tokenise
with these, so a query and a passage are cut the same way wherever they are compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Han characters (CJK unified ideographs + extension A + compatibility), for regex classes.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: A run of Han characters or of Latin letters and digits.
TOKEN_RUN = re.compile(rf"[{HAN}]+|[A-Za-z0-9]+")
HAS_HAN = re.compile(rf"[{HAN}]")


def has_han(text: str) -> bool:
    """True when ``text`` contains at least one Han character."""
    return bool(HAS_HAN.search(text or ""))


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
            if not HAS_HAN.match(run):
                out.append(run.lower())
                continue
            if len(run) < self.ngram_min:
                # A lone character carries too little meaning to count as a term.
                continue
            for n in range(self.ngram_min, self.ngram_max + 1):
                out.extend(run[i:i + n] for i in range(len(run) - n + 1))
        return out
