"""Text repair for plans with pinyin annotations and GBK byte-shift mojibake.

Two kinds of damage are handled. Entry points: :func:`repair_document` (a
whole document: builds a document model from its own lines, then repairs each
line) and :func:`repair_line` (one line, with a given :class:`Lexicon`).

* **Pinyin annotations** (:mod:`.pinyin`) such as ``區(qū)`` or ``發(fā)展``: a
  parenthesised run of Latin letters with tone marks that splits into valid
  pinyin syllables. Real parentheses (``（此件主动公开）``, ``(一)``,
  ``(2021—2025年)``) are never touched because their content is not
  tone-marked pinyin. Annotations whose ``(`` was swallowed by mojibake
  (``紕?chuàng)新``) are removed too.

* **GBK one-byte-shift mojibake**: the text was encoded as GBK, the lead byte of
  one double-byte character was replaced by ``?``, and the bytes after it were
  decoded in the wrong pairs until an ASCII byte realigned the decoder
  (``??萍紕?新`` from ``。科技創新``). Pairs that fell into GBK's user-defined
  area decoded to private-use characters and vanished, and full-width forms were
  later folded to ASCII (``；`` → ``;``). :mod:`.gbk` holds the byte tables and
  :func:`simulate_byte_shift`, which damages clean text the same way (for tests
  and ``benchmarks/bench_repair.py``). :mod:`.search` re-encodes a damaged run
  and re-pairs the bytes shifted by one; a beam search scored by a character
  model proposes the bytes that were lost, and a word model chooses among the
  surviving readings. Both models live in :class:`Lexicon` (:mod:`.lexicon`),
  which combines jieba's dictionary, the genre model of government work reports
  shipped with the package (:mod:`.genre`, derived counts only) and the
  document being repaired.

Order of operations (:func:`repair_line`, :mod:`.document`): pinyin removal
first, then mojibake repair. Annotations inside or right after a damaged run
are ASCII bytes that either realign the decoder or get swallowed, so removing
them first leaves a run that is exactly "shifted GBK", which is what the byte
model expects.

Both steps work on traditional text, before any OpenCC conversion, and a line
without damage comes back unchanged with no fixes.
"""

from __future__ import annotations

from .document import repair_document, repair_line, repair_mojibake, shows_damage
from .fixes import PLACEHOLDER, Fix
from .gbk import simulate_byte_shift
from .lexicon import Lexicon, default_lexicon
from .pinyin import remove_pinyin

__all__ = [
    "PLACEHOLDER",
    "Fix",
    "Lexicon",
    "default_lexicon",
    "remove_pinyin",
    "repair_document",
    "repair_line",
    "repair_mojibake",
    "shows_damage",
    "simulate_byte_shift",
]
