"""Pinyin annotations (``區(qū)``, ``發(fā)展``): recognising and removing them.

An annotation is a parenthesised run of Latin letters that splits into pinyin
syllables each carrying one tone mark. Parentheses with other content are real
text and stay.
"""

from __future__ import annotations

import re

from .fixes import Fix

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PLAIN = str.maketrans(
    _TONE_VOWELS + "ü", "aaaaeeeeiiiioooouuuu" + "üüüü" + "ü"
)
_INITIALS = ["zh", "ch", "sh", *"bpmfdtnlgkhjqxrzcsyw", ""]
_FINALS = ["a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "er", "i", "ia", "ie", "iao", "iu", "ian", "in", "iang", "ing", "iong", "u", "ua", "uo", "uai", "ui", "uan", "un", "uang", "ueng", "ü", "üe", "üan", "ün", "ue"]
# Over-generates a little (e.g. "bü"); that is harmless for recognising annotations.
_SYLLABLES = frozenset(i + f for i in _INITIALS for f in _FINALS)
_PINYIN_CHARS = "a-zü" + _TONE_VOWELS
ANNOTATION = re.compile(rf"\(([{_PINYIN_CHARS}]{{1,30}})\)")
# "(" eaten by mojibake: the annotation then follows a "?" directly.
_ANNOTATION_NO_OPEN = re.compile(rf"(?<=\?)([{_PINYIN_CHARS}]{{1,30}})\)")


def is_pinyin(word: str) -> bool:
    """True when ``word`` splits into syllables that each carry one tone mark."""
    n = len(word)
    ok = [False] * (n + 1)
    ok[0] = True
    for end in range(1, n + 1):
        for start in range(max(0, end - 6), end):
            piece = word[start:end]
            if (
                ok[start]
                and piece.translate(_PLAIN) in _SYLLABLES
                and sum(ch in _TONE_VOWELS for ch in piece) == 1
            ):
                ok[end] = True
                break
    return ok[n]


def remove_pinyin(line: str) -> tuple[str, list[Fix]]:
    """Strip pinyin annotations from one line.

    Input: a line of text. Output: the line without annotations and one
    ``pinyin_removed`` fix per annotation (``before`` is the annotation
    including its brackets, ``after`` is empty). Parentheses whose content is
    not tone-marked pinyin are left alone.
    """
    spans: list[tuple[int, int]] = []
    for pattern in (ANNOTATION, _ANNOTATION_NO_OPEN):
        for m in pattern.finditer(line):
            if m.start() > 0 and not line[m.start() - 1].isspace() and is_pinyin(m.group(1)):
                spans.append((m.start(), m.end()))
    if not spans:
        return line, []
    spans.sort()
    fixes = [Fix("pinyin_removed", line[a:b], "", 1.0, a) for a, b in spans]
    out, pos = [], 0
    for a, b in spans:
        out.append(line[pos:a])
        pos = b
    out.append(line[pos:])
    return "".join(out), fixes

