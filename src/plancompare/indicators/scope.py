"""Scope: whose indicator a number is — the document's own region, or a part of it named before the indicator.

``城市副中心和平原新城地区生产总值年均增长5%以上`` in a city's report is a target for two sub-areas, not the
city's own GDP target; ``市级一般公共预算收入42.05亿元`` in a city's statistical bulletin is the city-level budget
only, one part of the city's total (``全市一般公共预算收入277.48亿元``). Such rows keep their indicator but carry
the sub-area in ``scope``; an empty ``scope`` means the document's region itself (the headline figure).

In: the folded sentence, the position of the indicator name, the document's own names. Out: a string.
"""

from __future__ import annotations

import re

__all__ = ["subject_scope", "own_names"]

_SUBJECT_BREAK = "，,；;。：:"


def own_names(doc: dict) -> tuple[str, ...]:
    """Names a document uses for its own region: its title and region fields (a place found in them is
    the document's own, not a sub-area)."""
    fields = ("title", "district_zh", "district", "city", "province")
    return tuple(str(doc.get(f)) for f in fields if isinstance(doc.get(f), str) and doc.get(f))


def _subject(s: str, name_start: int) -> str:
    """The words before an indicator name back to the last clause break (a comma or colon outside brackets)."""
    depth, i = 0, name_start - 1
    while i >= 0:
        ch = s[i]
        if ch in "）)":
            depth += 1
        elif ch in "（(":
            depth -= 1
        elif depth <= 0 and ch in _SUBJECT_BREAK:
            break
        i -= 1
    return s[i + 1:name_start]


def subject_scope(s: str, name_start: int, own: tuple[str, ...], cues: dict) -> str:
    """The sub-area an indicator name is qualified by (``平原新城``, ``县（市、区）``, ``市级``), or ``''``.

    Only a subject written directly before the name counts; ``全市``/``本区``/``我县`` and places named in the
    document's title (``湖里区地区生产总值`` in 湖里区's report) are the region itself.
    """
    subject = _subject(s, name_start)
    for word in sorted(cues.get("scope_lead_words", []), key=len, reverse=True):
        if subject.startswith(word):
            subject = subject[len(word):]
    for word in cues.get("sub_category_words", []):
        if subject.endswith(word):
            return word
    suffixes = "|".join(sorted(map(re.escape, cues.get("sub_area_suffixes", [])), key=len, reverse=True))
    if not suffixes:
        return ""
    m = re.search(rf"[\u4e00-\u9fff、和与及]{{0,16}}?(?:{suffixes})(?:[（(][^）)]{{1,12}}[）)])?$", subject)
    if not m:
        return ""
    scope = m.group(0).lstrip("、和与及")
    if scope in cues.get("not_sub_areas", []) or scope[:1] in cues.get("own_region_heads", []):
        return ""
    heads = "".join(map(re.escape, cues.get("own_region_heads", [])))
    if heads and re.search(rf"[{heads}](?:{suffixes})$", scope):
        return ""  # 推动全区地区生产总值…: a verb before 全区 leaves the region itself, not a sub-area
    bare = re.sub(r"[（(][^）)]*[）)]$", "", scope)
    if len(scope) < 2 or any(bare in name for name in own):  # 县（市、区） is a scope, a lone 区 is not
        return ""
    return scope
