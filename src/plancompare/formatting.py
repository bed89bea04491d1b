"""Writing an indicator value for people, in Chinese or English, the same way everywhere.

Data keeps one spelling per comparator (``=``, ``>=``, ``>``, ``<=``, ``<``, ``~``, ``range``:
``corpus.indicators.comparator``); this module is the only place that turns it into text, so the
briefing table, the charts, the CLI and ``compare_indicators`` never disagree:

========  ===========  ===========
data      ``lang="zh"``  ``lang="en"``
========  ===========  ===========
``~``     约5.5%        ≈5.5%
``>=``    ≥40张          ≥40张
``range`` 6–7%          6–7%
========  ===========  ===========
"""

from __future__ import annotations

import math

from .errors import OptionError

LANGS = ("zh", "en")

#: The written form of each comparator before the number, per language.
COMPARATOR_SYMBOLS: dict[str, dict[str, str]] = {
    "zh": {"=": "", ">=": "≥", ">": ">", "<=": "≤", "<": "<", "~": "约"},
    "en": {"=": "", ">=": "≥", ">": ">", "<=": "≤", "<": "<", "~": "≈"},
}
COMPARATORS = (*COMPARATOR_SYMBOLS["en"], "range")


def _number(x) -> float | None:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def format_number(x) -> str:
    """``1234.5`` → ``1,234.5``, ``8.0`` → ``8``; up to four decimals; ``""`` for a missing value."""
    value = _number(x)
    if value is None:
        return ""
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value(value, comparator: str = "=", value_high=None, unit=None, lang: str = "zh") -> str:
    """One indicator value as text: ``约5.5%`` / ``≈5.5%``, ``≥40张``, ``6–7%``.

    ``comparator`` is one of :data:`COMPARATORS` (empty or missing means ``=``); a ``range`` without
    ``value_high`` is written as its lower value. ``unit`` follows the number unchanged.
    """
    if lang not in LANGS:
        raise OptionError(f"unknown language {lang!r}: labels exist in zh (Chinese) and en (English)")
    comparator = comparator if isinstance(comparator, str) and comparator else "="
    unit = unit if isinstance(unit, str) else ""
    if comparator == "range" and _number(value_high) is not None:
        core = f"{format_number(value)}–{format_number(value_high)}"
    else:
        core = COMPARATOR_SYMBOLS[lang].get(comparator, "") + format_number(value)
    return core + unit


def format_row(row, lang: str = "zh", with_unit: bool = True) -> str:
    """:func:`format_value` of an indicator row (a mapping with ``value, comparator, value_high, unit``)."""
    return format_value(row.get("value"), row.get("comparator"), row.get("value_high"),
                        row.get("unit") if with_unit else None, lang)


#: Statement types (``corpus.indicators.kind``) as written inside a Chinese table cell.
KIND_LABELS_ZH = {"target": "目标值", "expected": "预期目标", "actual": "实际值"}


def format_when(row, lang: str = "zh") -> str:
    """The period (``2021–2025``) or year (``2025``) a value refers to, else "year not stated"."""
    start, end, year = (_number(row.get(k)) for k in ("period_start", "period_end", "year"))
    if start is not None and end is not None:
        return f"{int(start)}–{int(end)}"
    if year is not None:
        return str(int(year))
    return "年份未提及" if lang == "zh" else "year not stated"


def format_statement(row, lang: str = "zh") -> str:
    """A readable cell: ``≥55%（目标值，2021–2025）`` / ``≥55% (target, 2021–2025)``."""
    value = format_row(row, lang)
    kind = row.get("kind")
    kind = kind if isinstance(kind, str) else ""
    if lang == "zh":
        return f"{value}（{KIND_LABELS_ZH.get(kind, kind)}，{format_when(row, lang)}）"
    return f"{value} ({kind}, {format_when(row, lang)})"
