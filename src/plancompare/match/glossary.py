"""English -> Chinese policy-term glossary: loading and query expansion."""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Sequence

from ..errors import MatchInputError
from ..text.han import has_han

_LATIN_WORD = re.compile(r"[a-z0-9]+")


def _fold_words(text: str) -> tuple[str, ...]:
    """Lower-cased Latin words with plurals folded: policies -> policy, taxes -> tax, parks -> park
    (not -ss/-us/-is words: business, campus, basis). Glossary keys and queries are folded alike."""
    words = []
    for w in _LATIN_WORD.findall((text or "").lower()):
        if len(w) > 4 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
            w = w[:-2]
        elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
        words.append(w)
    return tuple(words)


def load_policy_glossary(path: str | os.PathLike) -> dict[str, tuple[str, ...]]:
    """English policy term (lower case) -> Chinese terms, from the ``[terms]`` table of a TOML file
    laid out like the bundled ``plancompare/data/policy_terms_en_zh.toml``.

    A value is a string or an array of strings. Raises :class:`MatchInputError` when the file is
    not valid TOML, has no ``[terms]``, a value lacks Han characters, or two keys coincide once
    lower-cased and plural-folded (``"Park"`` / ``"parks"``), since matching could not tell them apart.
    """
    read = path.read_text if hasattr(path, "read_text") else Path(path).read_text  # also a Traversable
    try:
        terms = tomllib.loads(read(encoding="utf-8")).get("terms")
    except tomllib.TOMLDecodeError as exc:
        raise MatchInputError(f"glossary {path}: {exc}") from exc
    if not isinstance(terms, dict) or not terms:
        raise MatchInputError(f"glossary {path}: no [terms] table")
    glossary: dict[str, tuple[str, ...]] = {}
    key_of: dict[tuple[str, ...], str] = {}
    for key, value in terms.items():
        zh = (value,) if isinstance(value, str) else tuple(value)
        if not zh or not all(isinstance(t, str) and has_han(t) for t in zh):
            raise MatchInputError(f"glossary {path}: {key!r} must map to Chinese terms, got {value!r}")
        folded = _fold_words(key)
        if not folded or folded in key_of:
            raise MatchInputError(f"glossary {path}: key {key!r} is empty or repeats {key_of.get(folded)!r}")
        key_of[folded] = key
        glossary[key.lower()] = zh
    return glossary


@lru_cache(maxsize=1)
def default_policy_glossary() -> Mapping[str, tuple[str, ...]]:
    """The bundled glossary ``plancompare/data/policy_terms_en_zh.toml`` (read once, read-only)."""
    path = resources.files("plancompare").joinpath("data/policy_terms_en_zh.toml")
    return MappingProxyType(load_policy_glossary(path))


def expand_english_query(query: str, glossary: Mapping[str, Sequence[str]]) -> list[tuple[str, tuple[str, ...]]]:
    """The glossary terms an English query contains, as ``(English term, Chinese terms)`` in query order.

    Words compare lower-cased with plurals folded ("Elderly care services" contains
    ``elderly care service``); the longest term wins where terms overlap ("elderly care service" over
    "elderly care" over "elderly"), each query word belongs to one term at most, and a term is listed once.
    """
    key_of = {_fold_words(k): k for k in glossary}
    words = _fold_words(query)
    free = [True] * len(words)
    found: list[tuple[int, str]] = []
    for n in range(min(len(words), max(map(len, key_of), default=0)), 0, -1):
        for i in range(len(words) - n + 1):
            key = key_of.get(words[i:i + n])
            if key is not None and all(free[i:i + n]):
                free[i:i + n] = [False] * n
                found.append((i, key))
    keys = dict.fromkeys(key for _, key in sorted(found))  # first occurrence of each term
    return [(key, tuple(glossary[key])) for key in keys]


def mapped_terms(expansions: list[tuple[str, tuple[str, ...]]], text: str) -> list[str]:
    """``"elderly care→养老"`` for each expansion found in ``text`` (skipping 一窗 when 一窗受理 is shown)."""
    out = []
    for en, zh_terms in expansions:
        present = [t for t in zh_terms if t in text]
        out += [f"{en}→{t}" for t in present if not any(t != u and t in u for u in present)]
    return out



# ----------------------------------------------------------------------------------------------
# Variant terms: near-synonyms that different provinces use for one policy instrument
# ----------------------------------------------------------------------------------------------

VARIANT_COLUMNS = ("group", "term", "provenance")


def load_variant_terms(path: str | os.PathLike) -> dict[str, tuple[str, ...]]:
    """Variant term -> every term of its group (itself first), from a CSV with the columns
    ``group, term, provenance`` laid out like the bundled ``plancompare/data/variant_terms.csv``.

    Raises :class:`MatchInputError` when a column is missing, a term lacks Han characters, a group has
    a single term, or a term belongs to two groups (expansion could not tell which one is meant).
    """
    import csv
    import io

    read = path.read_text if hasattr(path, "read_text") else Path(path).read_text
    rows = list(csv.DictReader(io.StringIO(read(encoding="utf-8")), skipinitialspace=True))
    if not rows or any(c not in rows[0] for c in VARIANT_COLUMNS):
        raise MatchInputError(f"variant terms {path}: needs the columns {', '.join(VARIANT_COLUMNS)}")
    groups: dict[str, list[str]] = {}
    group_of: dict[str, str] = {}
    for line_no, row in enumerate(rows, start=2):
        term, group = row["term"].strip(), row["group"].strip()
        if not has_han(term) or not group:
            raise MatchInputError(f"variant terms {path}:{line_no}: term {term!r} / group {group!r} is not valid")
        if term in group_of:
            raise MatchInputError(f"variant terms {path}:{line_no}: {term!r} is already in group {group_of[term]!r}")
        group_of[term] = group
        groups.setdefault(group, []).append(term)
    lonely = [g for g, terms in groups.items() if len(terms) < 2]
    if lonely:
        raise MatchInputError(f"variant terms {path}: group {lonely[0]!r} has a single term")
    return {t: (t, *[u for u in groups[group_of[t]] if u != t]) for t in group_of}


@lru_cache(maxsize=1)
def default_variant_terms() -> Mapping[str, tuple[str, ...]]:
    """The bundled ``plancompare/data/variant_terms.csv`` (read once, read-only)."""
    path = resources.files("plancompare").joinpath("data/variant_terms.csv")
    return MappingProxyType(load_variant_terms(path))


def segment_variants(segment: str, variants: Mapping[str, Sequence[str]]) -> list[str]:
    """``segment`` followed by its spellings with one variant term swapped for another of its group
    (longest term first, so 护理型床位 is swapped before 床位 could be)."""
    out = [segment]
    for term in sorted((t for t in variants if t in segment), key=lambda t: (-len(t), t)):
        if any(term in longer and longer in segment for longer in variants if longer != term and len(longer) > len(term)):
            continue
        out += [segment.replace(term, alt) for alt in variants[term][1:]]
    return list(dict.fromkeys(out))


def matched_variants(query_segments: Sequence[str], text: str, variants: Mapping[str, Sequence[str]]) -> list[str]:
    """``"长者食堂→长者饭堂"`` for each query variant term absent from ``text`` whose alternative is present."""
    out = []
    for segment in query_segments:
        for term in (t for t in variants if t in segment and t not in text):
            out += [f"{term}→{alt}" for alt in variants[term][1:] if alt in text]
    return list(dict.fromkeys(out))
