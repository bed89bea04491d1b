"""District names: one resolver for every place a district is accepted, one way to name a new one.

A district has a *display name* (``Huli``: the ``district`` column of every table) and usually a
Chinese name (``湖里区``: ``documents.district_zh``). Users may type either, with or without the
administrative suffix (``湖里``), or the pinyin in any case (``huli``, ``HULI``, ``Huli District``).
:func:`resolve_district` maps any of these to the display name the tables use and raises
:class:`~plancompare.errors.UnknownItemError` listing the known names otherwise, so a misspelt
district is never silently read as "not stated".

:func:`display_name` gives a district found in a new document (``湖里区``) the same kind of name
as the bundled ones (``Huli``): the pinyin of the name without its administrative suffix, written
the way Chinese place names are romanised (one word, capitalised, an apostrophe before a syllable
that starts with a vowel: ``西安`` → ``Xi'an``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import pandas as pd

from .errors import UnknownItemError

#: Administrative suffixes, longest first (``自治县`` before ``县``), removed before romanising.
ADMIN_SUFFIXES = ("自治区", "自治州", "自治旗", "自治县", "新区", "林区", "特区", "地区", "区", "县", "市",
                  "省", "旗", "盟", "州", "街道", "镇", "乡")
_ENGLISH_SUFFIXES = re.compile(r"\s+(new\s+area|district|county|city|banner)$", re.I)
_HAN = re.compile(r"[\u3400-\u9fff]")


def has_han(text) -> bool:
    """Whether ``text`` contains a Chinese character."""
    return bool(_HAN.search(str(text)))


@lru_cache(maxsize=1)
def ethnic_groups() -> tuple[str, ...]:
    """The peoples named in autonomous units (``data/ethnic_groups.txt``), longest first."""
    text = resources.files("plancompare").joinpath("data/ethnic_groups.txt").read_text(encoding="utf-8")
    names = {n for line in text.splitlines() if not line.startswith("#") for n in line.split()}
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


def strip_admin_suffix(name: str) -> str:
    """``湖里区`` → ``湖里``, ``广西壮族自治区`` → ``广西``; a name that would be left with a single
    character keeps its suffix (``城区``), an autonomous unit named after its people keeps the
    people (``鄂温克族自治旗`` → ``鄂温克``)."""
    name = str(name).strip()
    for suffix in ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            break
    else:
        return name
    if suffix.startswith("自治"):
        stripped = True
        while stripped:
            stripped = False
            for people in ethnic_groups():
                for written in (people + "族", people):
                    if stem.endswith(written) and len(stem) - len(written) >= 2:
                        stem, stripped = stem[: -len(written)], True
                        break
                if stripped:
                    break
        stem = stem.removesuffix("族") if len(stem) > 3 else stem
    return stem


def _pinyin_syllables(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return [s for s in lazy_pinyin(text, style=Style.NORMAL, v_to_u=True, errors="ignore") if s]


def display_name(name) -> str:
    """The display name of a district: ``湖里区`` → ``Huli``, ``西安市`` → ``Xi'an``.

    Only a Chinese name that ends in an administrative suffix is romanised; other names (``Huli``,
    an id, ``全国`` for a national report) come back unchanged; a missing name gives ``""``.
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return ""
    name = str(name).strip()
    stem = strip_admin_suffix(name)
    if not has_han(name) or stem == name:
        return name
    return _romanise(stem) or name


def _romanise(text: str) -> str:
    """``湖里`` → ``Huli``, ``西安`` → ``Xi'an`` (one word, an apostrophe before a vowel syllable)."""
    syllables = _pinyin_syllables(text)
    if not syllables:
        return ""
    word = syllables[0]
    for syllable in syllables[1:]:
        word += ("'" if syllable[0] in "aoe" else "") + syllable
    return word[0].upper() + word[1:]


def _keys(name: str) -> set[str]:
    """Every spelling under which ``name`` may be looked up (case-folded)."""
    name = str(name).strip()
    folded = name.casefold()
    keys = {folded, _ENGLISH_SUFFIXES.sub("", folded)}
    if has_han(name):
        keys.add(strip_admin_suffix(name))
    return {k for k in keys if k}


@lru_cache(maxsize=4096)
def _pinyin_key(name: str) -> str:
    """The toneless pinyin of a Chinese name (``湖里区`` → ``huli``), used only as a last resort."""
    return (_romanise(strip_admin_suffix(name)) or name).casefold().replace("'", "")


def known_districts(table: pd.DataFrame | Iterable[str]) -> dict[str, list[str]]:
    """``{display name: [other names]}`` from ``corpus.documents`` (``district`` + ``district_zh``),
    any table with a ``district`` column, or a plain list of display names."""
    if isinstance(table, pd.DataFrame):
        known: dict[str, list[str]] = {}
        if "district" not in table:
            return known
        other = table["district_zh"] if "district_zh" in table else pd.Series([""] * len(table), index=table.index)
        for district, zh in zip(table["district"], other):
            if district is None or pd.isna(district) or str(district) == "":
                continue
            names = known.setdefault(str(district), [])
            if isinstance(zh, str) and zh and zh not in names:
                names.append(zh)
        return known
    return {str(d): [] for d in table if d is not None and not pd.isna(d) and str(d) != ""}


def resolve_district(name, known) -> str:
    """The display name of district ``name`` among ``known`` (see :func:`known_districts`).

    Tried in order: the display name or the Chinese name, case-insensitively, with or without an
    administrative suffix (``Huli``, ``huli``, ``湖里区``, ``湖里``, ``Huli District``); then, for a
    Chinese name, its pinyin against the display names (``湖里区`` → ``Huli`` when the table
    has no Chinese names). Raises :class:`UnknownItemError` listing the known districts.
    """
    if not isinstance(known, dict):
        known = known_districts(known)
    index: dict[str, str] = {}
    for district, others in known.items():
        for alias in [district, *others]:
            for key in _keys(alias):
                index.setdefault(key, district)
    for key in _keys(str(name)):
        if key in index:
            return index[key]
    if has_han(name):
        wanted = _pinyin_key(str(name))
        by_pinyin = {_pinyin_key(d) if has_han(d) else d.casefold(): d for d in known}
        if wanted in by_pinyin:
            return by_pinyin[wanted]
    listing = ", ".join(sorted(known)) or "(none)"
    raise UnknownItemError(f"unknown district {str(name)!r}; known districts: {listing}")


def resolve_districts(names, known) -> list[str]:
    """:func:`resolve_district` for one name or a list of names (order kept, duplicates dropped)."""
    if not isinstance(known, dict):
        known = known_districts(known)
    names = [names] if isinstance(names, str) else list(names)
    return list(dict.fromkeys(resolve_district(n, known) for n in names))


def district_key(name) -> str:
    """A spelling-independent key for grouping without a list of known districts:
    ``湖里区``, ``湖里``, ``huli`` and ``Huli`` all give ``huli``."""
    name = str(name).strip()
    return _pinyin_key(name) if has_han(name) else _ENGLISH_SUFFIXES.sub("", name.casefold())
