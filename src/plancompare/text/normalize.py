"""Character normalisation: full-width folding, white space, traditional → simplified.

Every stage that folds characters uses these functions, so a cleaned passage, a query and
an indicator quote are folded the same way.  OpenCC converters are built once per process
and configuration (:func:`opencc_converter`): building one reads its dictionaries from disk.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Full-width digits and Latin letters, the full-width percent sign and the ideographic and
# no-break spaces have ordinary ASCII equivalents; Chinese punctuation (，。：；) is kept.
FULLWIDTH_MAP: dict[str, str] = {chr(0xFF10 + i): str(i) for i in range(10)}
FULLWIDTH_MAP.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})
FULLWIDTH_MAP.update({chr(0xFF41 + i): chr(0x61 + i) for i in range(26)})
FULLWIDTH_MAP.update({"％": "%", "\u3000": " ", "\u00a0": " "})
_FULLWIDTH_RE = re.compile("[" + "".join(FULLWIDTH_MAP) + "]")
# Every full-width form (！ to ～, punctuation included) to its ASCII twin, for str.translate:
# the byte-shift damage passed through a tool that folded them all, so the repair scores text
# folded this way (and so do the counts of its genre model).
FULLWIDTH_FORMS_TO_ASCII: dict[int, int] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# White space found around lines of published plans (BOM included).
LINE_STRIP_CHARS = " \t\u3000\u00a0\ufeff"

_SPACE_RUN = re.compile(r" +")
_TAB_RUN = re.compile(r" *\t[\t ]*")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def fold_fullwidth(text: str) -> str:
    """Full-width digits, letters and ``％`` to ASCII; ideographic and no-break spaces to spaces."""
    return _FULLWIDTH_RE.sub(lambda m: FULLWIDTH_MAP[m.group()], text)


def squeeze_spaces(line: str, keep_word_spaces: bool = False) -> str:
    """Drop spaces except between two ASCII letters/digits or next to a Latin word.

    With ``keep_word_spaces`` (a ``第X章`` heading line), spaces between words are kept too:
    ``第一章 开启… 建设…`` parts a chapter's title from its subtitle.  Spaces between digits
    are kept on purpose: ``10 13`` is a slogan whose ``+`` was lost, and joining it would
    invent the number 1013.  Tabs separate the cells of a table row: one is kept.
    """

    def keep(match: re.Match) -> str:
        text = match.string
        before = text[match.start() - 1] if match.start() > 0 else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if not before or not after:
            return ""
        if _ASCII_ALNUM.match(before) and _ASCII_ALNUM.match(after):
            return " "
        if _ASCII_LETTER.match(before) or _ASCII_LETTER.match(after):
            return " "
        if keep_word_spaces and not before.isdigit() and not after.isdigit():
            return " "
        return ""

    cells = [_SPACE_RUN.sub(keep, cell).strip() for cell in _TAB_RUN.split(line)]
    return "\t".join(cell for cell in cells if cell)


@lru_cache(maxsize=None)
def opencc_converter(config: str = "t2s"):
    """The process's one OpenCC converter for ``config`` (``t2s``, ``s2t``…)."""
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """``text`` with traditional characters converted to simplified (OpenCC ``t2s``)."""
    return opencc_converter("t2s").convert(text)


def detect_script(text: str, threshold: float = 0.01) -> str:
    """``"traditional"`` when more than ``threshold`` of CJK characters change under OpenCC t2s,
    else ``"simplified"``."""
    cjk = _CJK.findall(text)
    if not cjk:
        return "simplified"
    converted = to_simplified("".join(cjk))
    changed = sum(a != b for a, b in zip(cjk, converted))
    return "traditional" if changed / len(cjk) > threshold else "simplified"
