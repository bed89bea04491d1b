"""Sentence splitting: the one rule every stage uses.

A sentence ends at ``。！？!?`` (a closing quote or bracket right after the mark stays with
the sentence) and at a line break.  ``；``/``;`` does **not** end a sentence: in official
prose it separates clauses of one sentence, and what the sentence states before it -- a
time frame (``到2025年，``), a subject (``全区``), a condition -- governs every clause after it
(``到2025年，地区生产总值达到1000亿元；城镇居民人均可支配收入增长6%。``).  Splitting there
would cut a clause from its year.  Callers that need finer units split a sentence into
clauses with :func:`split_clauses`, which is a separate, named unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

SENTENCE_END = "。！？!?"
CLAUSE_END = SENTENCE_END + "；;"
# Closing marks that belong to the sentence they close: 。” 。） 。」
_CLOSERS = "”’」』）)"
# Punctuation a line may end with and still be a complete unit (clean uses it to tell a
# line broken mid-sentence): sentence and clause ends, a colon before a list, closing marks.
LINE_END = "。！？；：”」）)!?;:…"

_SENTENCE = re.compile(rf"[^{SENTENCE_END}\n]*(?:[{SENTENCE_END}]+[{_CLOSERS}]*|\n|$)")
_CLAUSE = re.compile(rf"[^{CLAUSE_END}\n]*(?:[{CLAUSE_END}]+[{_CLOSERS}]*|\n|$)")


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` offsets of the sentences of ``text``: non-blank, line breaks excluded."""
    yield from _spans(_SENTENCE, text)


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (see the module docstring for where they end)."""
    return [text[a:b] for a, b in sentence_spans(text)]


def clause_spans(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` offsets of clauses: sentences further cut after ``；``/``;``."""
    yield from _spans(_CLAUSE, text)


def split_clauses(text: str) -> list[str]:
    """The clauses of ``text``: sentences further cut after ``；``/``;``."""
    return [text[a:b] for a, b in clause_spans(text)]


def ends_line_unit(text: str) -> bool:
    """Whether a line ends with punctuation that closes a sentence or a clause."""
    return text.endswith(tuple(LINE_END))


def _spans(pattern: re.Pattern, text: str) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        start, end = match.span()
        if end > start and text[end - 1] == "\n":
            end -= 1
        if text[start:end].strip():
            yield start, end
