"""Repairing lines and documents: pinyin removal, then the byte-shift search
at every ``?`` that shows damage, then the marking of leftover debris."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from ..text.normalize import to_simplified
from .fixes import PLACEHOLDER, Fix
from .lexicon import Lexicon, default_lexicon
from .sources import jieba_dictionary
from .pinyin import remove_pinyin
from .search import annotation_leads, repair_at

_MIN_CONFIDENCE = 0.5  # below this a guessed character becomes a placeholder


def repair_mojibake(line: str, *, lexicon: Lexicon | None = None,
                    hints: dict[int, str] | None = None, mark_debris: bool = True) -> tuple[str, list[Fix]]:
    """Repair GBK one-byte-shift runs in one line of (traditional) text.

    Input: a line, ideally with pinyin annotations already removed (see
    :func:`repair_line`); ``hints`` maps the index of a ``?`` to the orphaned
    pinyin annotation that followed it. Every ``?`` is a candidate start of a
    damaged run; it is treated as damage only when re-pairing the following
    bytes gives far more plausible text than the literal reading. Output: the
    repaired line and one fix per run, ``mojibake_repaired`` when every lost
    byte could be chosen confidently, else ``mojibake_unrecoverable`` with the
    doubtful characters replaced by :data:`PLACEHOLDER`.
    """
    if "?" not in line:
        return line, []
    lex = lexicon or default_lexicon()
    script = lex.script_of(line)
    hints = hints or {}
    out: list[str] = []
    fixes: list[Fix] = []
    pos = 0
    q = line.find("?")
    while q >= 0:
        found = repair_at(line, q, lex, script, annotation_leads(line, q, hints.get(q), lex))
        if found is None:
            q = line.find("?", q + 1)
            continue
        end, restored, confs = found
        chars = list(restored)
        doubtful = [i for i, c in confs.items() if c < _MIN_CONFIDENCE]
        for i in doubtful:
            chars[i] = PLACEHOLDER
        after = "".join(chars)
        kind = "mojibake_unrecoverable" if doubtful else "mojibake_repaired"
        conf = min(confs.values(), default=1.0)
        out.append(line[pos:q])
        out.append(after)
        fixes.append(Fix(kind, line[q:end], after, round(conf, 3), q))
        pos = end
        q = line.find("?", end)
    out.append(line[pos:])
    if not mark_debris:
        return "".join(out), fixes
    return _mark_debris("".join(out), fixes)


_DEBRIS = re.compile(r"(?<=[\u3400-\u9fff])\?+")


def _mark_debris(line: str, fixes: list[Fix]) -> tuple[str, list[Fix]]:
    """Replace ``?`` runs glued to a CJK character that no reading explained
    by :data:`PLACEHOLDER` and log them as unrecoverable. ``?`` set off by
    spaces or inside Latin text is left alone."""
    if "?" not in line:
        return line, fixes
    if not _DEBRIS.search(line):
        return line, fixes
    out, pos, extra = [], 0, []
    for m in _DEBRIS.finditer(line):
        out.append(line[pos : m.start()])
        out.append(PLACEHOLDER)
        pos = m.end()
        extra.append((m.start(), m.group()))
    out.append(line[pos:])
    # map offsets in the repaired line back to the input line
    for start, text in extra:
        orig = start
        for fix in fixes:
            if fix.start < orig:
                orig -= len(fix.after) - len(fix.before)
        fixes.append(Fix("mojibake_unrecoverable", text, PLACEHOLDER, 0.0, orig))
    fixes.sort(key=lambda f: f.start)
    return "".join(out), fixes


def repair_line(line: str, *, lexicon: Lexicon | None = None, mark_debris: bool = True) -> tuple[str, list[Fix]]:
    """Remove pinyin annotations, then repair mojibake, in one line.

    ``mark_debris``: replace a ``?`` glued to a Chinese character that no reading explained by
    :data:`PLACEHOLDER` (logged as unrecoverable). Right for a line known to be damaged; wrong for
    ordinary text whose ASCII question marks follow Chinese characters (see :func:`repair_document`).

    Output: the clean line and all fixes. Offsets of mojibake fixes are mapped
    back to the input line, so every ``start`` refers to ``line``.
    """
    no_pinyin, fixes = remove_pinyin(line)
    if "?" not in no_pinyin:
        return no_pinyin, fixes
    # offset in the pinyin-free line -> offset in the input line
    mapping: list[int] = []
    removed = iter(sorted((f.start, f.start + len(f.before)) for f in fixes))
    gap = next(removed, None)
    for i in range(len(line) + 1):
        if gap and gap[0] <= i < gap[1]:
            if i + 1 == gap[1]:
                gap = next(removed, None)
            continue
        mapping.append(i)
    # an annotation whose "(" the damage swallowed belonged to the shifted
    # bytes at its "?": pass it on as a hint (see _annotation_leads)
    where = {orig: new for new, orig in enumerate(mapping)}
    hints = {where[f.start - 1]: f.before.strip("()") for f in fixes
             if not f.before.startswith("(") and f.start - 1 in where}
    repaired, moji = repair_mojibake(no_pinyin, lexicon=lexicon, hints=hints, mark_debris=mark_debris)
    for f in moji:
        start = mapping[f.start]
        end = mapping[f.start + len(f.before)]
        fixes.append(Fix(f.kind, line[start:end], f.after, f.confidence, start))
    fixes.sort(key=lambda f: f.start)
    return repaired, fixes


_PLAIN_AFTER_QUESTION = set("，。、；：“”‘’（）《》！？—…· 0123456789%")
_COMMON_CHARS = 3000


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """The most frequent characters of jieba's dictionary (simplified), weighted by word frequency."""
    dictionary = jieba_dictionary(None)
    # the dictionary's character counts are these sums already, except for words listed twice
    # (counted once here, with their last count): the same counts, in the same order, without a pass
    counts: Counter = Counter(dictionary.bigrams.uni)
    for word, n in dictionary.repeated:
        for ch in word:
            counts[ch] -= n
    return frozenset(ch for ch, _ in counts.most_common(_COMMON_CHARS))


def shows_damage(line: str, window: int = 4) -> bool:
    """True when ``line`` may hold byte-shift mojibake.

    A U+FFFD does; so does a ``?`` followed within ``window`` characters by what a wrong
    byte pairing produces: a rare character, a symbol, or Latin letters or ASCII punctuation
    glued to it. A ``?`` followed by ordinary text (``为什么?因为需要``) is a question mark.
    """
    if "\ufffd" in line:
        return True
    if "?" not in line:
        return False
    common = _common_chars()  # jieba's dictionary: only for a line that has a "?"
    for q in (i for i, ch in enumerate(line) if ch == "?"):
        for ch in line[q + 1 : q + 1 + window]:
            if ch == "?" or ch in _PLAIN_AFTER_QUESTION:
                continue
            if "\u3400" <= ch <= "\u9fff":
                if _t2s(ch) not in common:
                    return True
            else:
                return True
    return False


@lru_cache(maxsize=4096)
def _t2s(ch: str) -> str:
    return to_simplified(ch)


def repair_document(lines: list[str], *, lexicon: Lexicon | None = None) -> list[tuple[str, list[Fix]]]:
    """Remove pinyin annotations and repair mojibake in every line of a document.

    Input: the raw lines of one document; ``lexicon`` supplies the dictionary
    and genre parts (default: :func:`default_lexicon`). When some line shows damage the
    document itself is added to it (:meth:`Lexicon.with_document`): its
    repeated phrases and its own pinyin annotations are the best evidence for
    what the damage hid. A document without ``?`` costs no lexicon at all.
    Output: one ``(repaired_line, fixes)`` per input line, in order, with
    ``start`` offsets into the input line; undamaged lines without
    annotations come back unchanged with no fixes.
    """
    damaged_lines = [shows_damage(line) for line in lines]
    if not any(damaged_lines):
        return [remove_pinyin(line) for line in lines]
    lex = (lexicon or default_lexicon()).with_document(lines)
    results = [repair_line(line, lexicon=lex, mark_debris=False) if damaged else remove_pinyin(line)
               for line, damaged in zip(lines, damaged_lines)]
    # Leftover "?" next to Chinese characters is debris only in a document that proved to carry
    # byte-shift damage; elsewhere it is an ordinary question mark ("你知道吗?这…") and stays.
    damaged = any(f.kind == "mojibake_repaired" for _, fixes in results for f in fixes)
    if damaged:
        results = [repair_line(line, lexicon=lex) if damaged and _DEBRIS.search(out) else (out, fixes)
                   for line, damaged, (out, fixes) in zip(lines, damaged_lines, results)]
    return results

