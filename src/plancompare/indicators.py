"""Quantitative indicators: every target, expected value and achievement in the plans, with its source.

Pipeline (all pure functions of DataFrames, deterministic):

1. :func:`load_registry` reads ``data/indicators.toml``: canonical indicators (id, Chinese name, aliases,
   English label, unit, category) and the cue words for comparators, kinds, growth vs level, periods.
2. :func:`extract_indicators` splits every passage into sentences, normalises each sentence (full-width
   digits and ``％``, stray spaces), finds numbers with their units and the indicator names around them,
   and decides comparator (``>=``, ``~`` …), kind (target / expected / actual) and year or period.
   Numbers with a unit but no canonical indicator are kept too (empty ``indicator_id``).
3. :func:`compare_indicators` turns the tidy table into a district × indicator comparison where a
   missing indicator reads ``not stated``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from ._cells import as_number
from .districts import resolve_districts
from .formatting import format_statement

__all__ = ["Registry", "load_registry", "extract_indicators", "compare_indicators", "INDICATOR_COLUMNS"]

INDICATOR_COLUMNS = [
    "indicator_id", "name", "district", "doc_id", "value", "value_high", "unit", "comparator", "kind", "year",
    "period_start", "period_end", "quote", "passage_id", "line", "indicator_name_en", "unit_raw", "category",
    "section_path", "value_raw", "name_raw", "measure",
]

NOT_STATED = "not stated"
_NUM = r"\d+(?:\.\d+)?"
_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_NUM_RE = re.compile(r"(百分之)?([零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?)")
_RANGE_DASHES = "-~～—–至"
_SENTENCE_END = "。！？!?\n"
_CLAUSE_BREAK = "，,；;：:、（(）)"
_COUNT_UNITS = {"家", "个", "张", "名", "件", "项", "所", "座", "条", "栋", "套", "宗", "场", "人", "户"}


# ---------------------------------------------------------------------------------------------- registry
@dataclass
class Registry:
    """The indicator registry.

    Attributes
    ----------
    table : DataFrame
        One row per canonical indicator: ``indicator_id, name, name_en, category, unit, units, measure,
        family, aliases, patterns, value_patterns, allow_increment``.
    cues : dict
        Cue-word lists (see the ``[cues]`` section of the TOML file).
    units : dict
        Unit as written -> (base unit, factor to the base unit).
    """

    table: pd.DataFrame
    cues: dict
    units: dict
    _aliases: list = field(default_factory=list, repr=False)   # (alias_upper, family)
    _patterns: list = field(default_factory=list, repr=False)  # (compiled, family)
    _value_patterns: list = field(default_factory=list, repr=False)  # (compiled, indicator_id)

    def members(self, family: str) -> pd.DataFrame:
        return self.table[self.table["family"] == family]

    def row(self, indicator_id: str) -> pd.Series:
        return self.table.set_index("indicator_id").loc[indicator_id]


def load_registry(path: str | Path | None = None) -> Registry:
    """Load the indicator registry.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file in the format of the bundled ``plancompare/data/indicators.toml`` (the default).

    Returns
    -------
    Registry
        ``registry.table`` is a DataFrame with one row per canonical indicator.
    """
    if path is None:
        raw = resources.files("plancompare").joinpath("data/indicators.toml").read_bytes()
    else:
        raw = Path(path).read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    rows = []
    for item in data.get("indicator", []):
        rows.append({
            "indicator_id": item["id"],
            "name": item["name"],
            "name_en": item.get("name_en", item["id"]),
            "category": item.get("category", ""),
            "unit": item.get("unit", ""),
            "units": list(item.get("units", [])),
            "measure": item.get("measure", "level"),
            "family": item.get("family", item["id"]),
            "aliases": list(item.get("aliases", [])),
            "patterns": list(item.get("patterns", [])),
            "value_patterns": list(item.get("value_patterns", [])),
            "allow_increment": bool(item.get("allow_increment", False)),
        })
    table = pd.DataFrame(rows)
    units = {k: (v[0], float(v[1])) for k, v in data.get("units", {}).items()}
    registry = Registry(table=table, cues=data.get("cues", {}), units=units)
    seen = set()
    for row in rows:
        for alias in [row["name"], *row["aliases"]]:
            key = (_normalise(alias)[0].upper(), row["family"])
            if key[0] and key not in seen:
                seen.add(key)
                registry._aliases.append(key)
        for pattern in row["patterns"]:
            registry._patterns.append((re.compile(pattern, re.IGNORECASE), row["family"]))
        for pattern in row["value_patterns"]:
            registry._value_patterns.append((re.compile(pattern, re.IGNORECASE), row["indicator_id"]))
    registry._aliases.sort(key=lambda a: -len(a[0]))
    return registry


# ---------------------------------------------------------------------------------------- normalisation
def _normalise(text: str) -> tuple[str, list[int]]:
    """Normalise a sentence for number reading; return the text and, per character, its original index.

    Full-width ASCII (digits, ``％``, letters, punctuation) becomes half-width, curly and straight quotes
    are dropped, and whitespace is dropped unless it separates two digits (``10 13`` is two numbers,
    not 1013; ``8 %`` is 8%).
    """
    out, index = [], []
    n = len(text)
    for i, ch in enumerate(text):
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        elif ch in "\u3000\u00a0":
            ch = " "
        if ch in "“”‘’\"'「」":
            continue
        if ch.isspace():
            prev_digit = bool(out) and out[-1].isdigit()
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            nxt = text[j] if j < n else ""
            nxt = chr(ord(nxt) - 0xFEE0) if nxt and 0xFF10 <= ord(nxt) <= 0xFF19 else nxt
            if prev_digit and nxt.isdigit() and (not out or out[-1] != " "):
                out.append(" ")
                index.append(i)
            continue
        out.append(ch)
        index.append(i)
    return "".join(out), index


def _cn_number(text: str) -> float | None:
    """Value of a Chinese numeral (``八``, ``十四``, ``两百``, ``六点五``, ``千``); None if not one."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits.update({"〇": 0, "两": 2})
    units = {"十": 10, "百": 100, "千": 1000}
    if "点" in text:
        whole, frac = text.split("点", 1)
        base = _cn_number(whole) if whole else 0
        if base is None or not frac or any(c not in digits for c in frac):
            return None
        return float(f"{int(base)}." + "".join(str(digits[c]) for c in frac))
    if all(c in digits for c in text):
        return float("".join(str(digits[c]) for c in text)) if len(text) > 1 else float(digits[text])
    total, current = 0, None
    for c in text:
        if c in digits:
            current = digits[c]
        elif c in units:
            total += (1 if current is None else current) * units[c]
            current = None
        else:
            return None
    return float(total + (current or 0))


# ------------------------------------------------------------------------------------------- structures
@dataclass
class _Token:
    start: int          # position of the number in the normalised sentence
    end: int            # end of number + unit (+ after-comparator)
    num_end: int        # end of the number itself (the value, or the range's high value)
    value: float
    value_high: float | None
    unit: str           # as written ('' if none)
    after: str          # text right after the unit (a few characters), for comparator and growth cues
    comparator_after: str | None
    chinese: bool


@dataclass
class _Alias:
    start: int
    end: int
    family: str
    text: str


# ---------------------------------------------------------------------------------------------- reading
def _years_and_masks(s: str, periods: list) -> tuple[list, list, list]:
    """Years (position, year), periods (position, start, end) and spans that hold no value."""
    years, spans, found_periods = [], [], []
    for m in re.finditer(r"《[^《》]*》|〔\d{4}〕\d*号?|\[\d{4}\]\d*号?", s):
        spans.append((m.start(), m.end()))
    inside = lambda p: any(a <= p < b for a, b in spans)  # noqa: E731
    for m in re.finditer(r"(\d{4})\s?[-~～—–至到]\s?(\d{4})年", s):
        a, b = int(m.group(1)), int(m.group(2))
        if 1900 <= a <= 2100 and 1900 <= b <= 2100 and not inside(m.start()):
            found_periods.append((m.start(), a, b))
            spans.append((m.start(), m.end()))
    for m in re.finditer(r"(?<![\d.])(\d{4})年(?:\d{1,2}月(?:\d{1,2}日)?)?", s):
        year = int(m.group(1))
        if 1900 <= year <= 2100 and not any(a <= m.start() < b for a, b in spans):
            years.append((m.start(), year))
            spans.append((m.start(), m.end()))
    for m in re.finditer(r"(?<![\d.])\d{1,2}月(?:\d{1,2}日)?|(?<![\d.])\d{1,2}日", s):
        spans.append((m.start(), m.end()))
    for m in re.finditer(r"(?<![\d.])(\d{4})(?=年)", s):
        spans.append((m.start(), m.end()))
    for name, a, b in periods:
        for m in re.finditer(re.escape(name), s):
            found_periods.append((m.start(), int(a), int(b)))
            spans.append((m.start(), m.end()))
    # ordinals (第3章, 第十四个), digits glued to Latin letters (5G, PM2.5, 4A, M2), versions (2.0版)
    for m in re.finditer(r"第[\d零〇一二两三四五六七八九十百千]+", s):
        spans.append((m.start(), m.end()))
    for m in re.finditer(r"[A-Za-z][\d.]*\d|\d[\d.]*(?=[A-Za-z])", s):
        spans.append((m.start(), m.end()))
    # slogans such as 二〇三五年, 两高两化, 一二三 are caught by requiring units below
    return sorted(years), sorted(found_periods), spans


def _find_aliases(s: str, registry: Registry, per_unit_prefixes: list) -> list[_Alias]:
    upper = s.upper()
    found = []
    for alias, family in registry._aliases:
        start = upper.find(alias)
        while start >= 0:
            found.append(_Alias(start, start + len(alias), family, s[start:start + len(alias)]))
            start = upper.find(alias, start + 1)
    for pattern, family in registry._patterns:
        for m in pattern.finditer(s):
            found.append(_Alias(m.start(), m.end(), family, m.group(0)))
    found.sort(key=lambda a: (a.start, -(a.end - a.start)))
    chosen, last_end = [], -1
    for alias in found:
        if alias.start >= last_end:
            # 单位地区生产总值… / 万元GDP… are per-unit-of-GDP measures, not GDP itself
            if any(s[max(0, alias.start - len(p)):alias.start] == p for p in per_unit_prefixes) and not any(
                alias.text.startswith(p) for p in per_unit_prefixes
            ):
                last_end = alias.end
                continue
            chosen.append(alias)
            last_end = alias.end
    return chosen


def _read_unit(s: str, pos: int, units: dict) -> tuple[str, int]:
    """Longest unit written at ``pos`` (a Chinese multiplier 万/亿 may precede a listed unit)."""
    for length in range(min(8, len(s) - pos), 0, -1):
        cand = s[pos:pos + length]
        if cand in units:
            return cand, pos + length
    return "", pos


def _tokens(s: str, masks: list, registry: Registry) -> list[_Token]:
    """Numbers with units in a normalised sentence (ranges folded into one token)."""
    units = registry.units
    after_cmp = registry.cues.get("after_comparators", [])
    masked = lambda a, b: any(x < b and a < y for x, y in masks)  # noqa: E731
    raw = []
    for m in re.finditer(_NUM, s):
        if masked(m.start(), m.end()):
            continue
        raw.append((m.start(), m.end(), float(m.group(0)), False, False))
    for m in _CN_NUM_RE.finditer(s):
        if masked(m.start(), m.end()) or (m.start() > 0 and s[m.start() - 1] in "第"):
            continue
        value = _cn_number(m.group(2))
        if value is None:
            continue
        raw.append((m.start(), m.end(), value, True, bool(m.group(1))))
    raw.sort()
    tokens, i, consumed = [], 0, -1
    while i < len(raw):
        start, end, value, chinese, is_percent = raw[i]
        i += 1
        if start < consumed:
            continue
        pos = end
        unit = "%" if is_percent else ""
        value_high = None
        if not unit and pos < len(s) and s[pos] in "%‰":
            unit, pos = s[pos], pos + 1
        # a range: 6%-6.5%, 4.5-5%, 5%—5.5%, 1—2个
        if pos < len(s) and s[pos] in _RANGE_DASHES:
            nxt = re.match(_NUM, s[pos + 1:])
            if nxt and not masked(pos + 1, pos + 1 + nxt.end()):
                high = float(nxt.group(0))
                hi_end = pos + 1 + nxt.end()
                if high <= value:
                    consumed = hi_end  # malformed (reversed or empty) range: no value at all
                    continue
                value_high, pos = high, hi_end
                while i < len(raw) and raw[i][0] < hi_end:
                    i += 1
                if pos < len(s) and s[pos] in "%‰":
                    unit, pos = s[pos], pos + 1
            elif s[pos] in "-~～—–":
                consumed = pos + 1  # dangling dash: a malformed range, no value
                continue
        elif start > 0 and s[start - 1] in "-~～—–" and start > 1 and s[start - 2] in "%‰":
            continue  # '%-6%': the low end of the range is missing
        num_end = pos
        more = ""
        if pos < len(s) and s[pos] in "多余" and not unit:
            more, pos = s[pos], pos + 1
        if not unit:
            unit, pos = _read_unit(s, pos, units)
        if not unit:
            continue
        if unit == "年" and not chinese and value >= 1900:
            continue
        if chinese and not is_percent and not re.match(r"[万亿]", unit) and unit not in ("万人", "万元", "亿元"):
            # Chinese numerals are read only as 百分之… or with a 万/亿 amount (两个维护, 三大 … are slogans)
            chinese_ok = False
        else:
            chinese_ok = True
        comparator_after = ">" if more else None
        for word, cmp in after_cmp:
            if s.startswith(word, pos):
                comparator_after = comparator_after or cmp
                pos += len(word)
                break
        tokens.append(_Token(start, pos, num_end, value, value_high, unit, s[pos:pos + 12], comparator_after,
                             chinese and not chinese_ok))
        consumed = pos
    return tokens


# -------------------------------------------------------------------------------------------- binding
def _clause_start(s: str, pos: int) -> int:
    i = pos - 1
    while i >= 0 and s[i] not in _CLAUSE_BREAK:
        i -= 1
    return i + 1


def _residual(text: str, cues: dict) -> str:
    """What is left of a clause prefix after removing cue words, years and filler."""
    text = re.sub(r"\d{4}年", "", text)
    words = (cues.get("growth_words", []) + cues.get("level_change_words", []) + cues.get("reduction_words", [])
             + [w for w, _ in cues.get("before_comparators", [])] + cues.get("period_value_words", [])
             + ["全年", "同比", "其中", "实际", "预计", "预估", "力争", "保持", "达到", "达", "为", "是", "在", "了",
                "和", "总量", "规模", "分别", "总额", "五年", "年均", "每年", "继续", "稳定", "以上", "左右"])
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, "")
    return re.sub(r"[\s\W\d]", "", text)


def _bind(s: str, token: _Token, aliases: list[_Alias], registry: Registry) -> tuple[_Alias | None, str]:
    """The alias naming ``token`` (or None) and the local text between that name and the number."""
    cues = registry.cues
    # postfix: 60家左右专精特新企业 — the name right after the number and unit
    # (counts only: "20%的规上工业增加值" is a share of it, not its value)
    q = token.end
    counted = token.unit in _COUNT_UNITS or token.unit.lstrip("万") in _COUNT_UNITS
    if counted:
        for alias in aliases:
            if alias.start == q:
                return alias, s[_clause_start(s, token.start):token.start]
        if q < len(s) and re.match(r"[\u4e00-\u9fff]", s[q]) and s[q] not in "的、和及与或":
            # "20家左右制造业单项冠军企业": the number counts the noun after it, whatever came before
            return None, s[_clause_start(s, token.start):token.start]
    preceding = [a for a in aliases if a.end <= token.start]
    if not preceding:
        return None, s[_clause_start(s, token.start):token.start]
    alias = preceding[-1]
    between = s[alias.end:token.start]
    if len(between) > 40:
        return None, s[_clause_start(s, token.start):token.start]
    clause_start = _clause_start(s, token.start)
    if clause_start > alias.end:
        local = s[clause_start:token.start]
        if len(_residual(local, cues)) > 1 or re.search(r"\d", re.sub(r"\d{4}年", "", local)):
            return None, local  # the clause has its own subject (or its own numbers)
        return alias, local
    return alias, between


def _choose_member(alias: _Alias, local: str, token: _Token, registry: Registry, tail: str, s: str = ""):
    """Pick the family member for the wording; None when the number is not that indicator."""
    cues = registry.cues
    members = registry.members(alias.family)
    text = local
    if any(w in text for w in cues.get("share_words", [])) and not any(
        w in alias.text for w in cues.get("share_words", [])
    ):
        return None
    if any(w in text for w in cues.get("relative_words", [])):
        return None
    # "经费占国内生产总值比例4%": a share OF the named quantity
    if s[max(0, alias.start - 1):alias.start] == "占" or re.match(r"(比例|比重|的比)", text):
        return None
    # "人均预期寿命再提高1岁": a change of a level, not the level (提高到/至 … is the level)
    change = re.search(r"(提高|提升|增加|减少|下降|降低)$", text.rstrip("了约近"))
    level_change = any(text.rstrip("约近超过突破了").endswith(w) or w in text[-4:] for w in cues.get("level_change_words", []))
    growth = (not level_change) and (
        any(w in text for w in cues.get("growth_words", []))
        or any(tail.startswith(p) for p in ("的增长", "的中高速增长", "的高速增长", "增长"))
        or bool(re.match(r"^[^，,。；;]{0,8}增长", tail))
    )
    reduction = any(w in text for w in cues.get("reduction_words", []))
    wanted = "reduction" if reduction else ("growth" if growth else "level")
    order = [wanted, "flow", "level", "growth", "reduction"]
    unit_base = registry.units.get(token.unit, (token.unit, 1.0))[0]
    candidates = []
    for measure in order:
        for _, member in members[members["measure"] == measure].iterrows():
            if member["indicator_id"] in [c["indicator_id"] for c in candidates]:
                continue
            candidates.append(member)
    for member in candidates:
        if change and member["measure"] == "level" and token.unit not in ("%",) and wanted == "level":
            return None
        base = registry.units.get(member["unit"], (member["unit"], 1.0))[0]
        accepted = {base} | {registry.units.get(u, (u, 1.0))[0] for u in member["units"]}
        if unit_base in accepted:
            if member["measure"] in ("growth", "reduction") and wanted == "level" and token.unit not in ("%",):
                continue
            if member["measure"] == "level" and wanted in ("growth", "reduction") and unit_base == "%" and len(members) > 1:
                continue
            if not member["allow_increment"]:
                window = s[max(0, alias.start - 3):alias.start] + local
                if any(w in window for w in cues.get("increment_words", [])):
                    return None
            return member
    return None


# ----------------------------------------------------------------------------------------- kind & year
def _doc_years(doc: dict) -> tuple[int | None, int | None, int | None, int | None]:
    """(past year, coming year, plan period start, plan period end) for a document's metadata."""
    kind = doc.get("kind") or "other"
    year = as_number(doc.get("year"), int)
    ps, pe = as_number(doc.get("period_start"), int), as_number(doc.get("period_end"), int)
    if kind == "five_year_plan":
        past = ps - 1 if ps else (year - 1 if year else None)
        return past, pe or (ps + 4 if ps else None), ps, pe
    if kind == "work_report":
        if ps and pe and pe > ps:
            return ps, pe, None, None
        if year:
            return year - 1, year, None, None
        return None, None, None, None
    past = year - 1 if year else None
    return past, pe or year, ps, pe


def _section_context(section_path: str, cues: dict, periods: list):
    """('past'|'future'|None, year in the headings, periods in the headings) — the deepest heading wins."""
    heads = [h for h in str(section_path or "").split(" > ") if h]
    direction, year, found_periods = None, None, []
    for head in heads:
        norm = _normalise(head)[0]
        last_past = max((norm.rfind(w) for w in cues.get("past_section_words", [])), default=-1)
        last_future = max((norm.rfind(w) for w in cues.get("future_section_words", [])), default=-1)
        if last_past >= 0 or last_future >= 0:
            direction = "past" if last_past > last_future else "future"
        m = re.findall(r"(?<!\d)(\d{4})年", norm)
        if m:
            year = int(m[-1])
        for name, a, b in periods:
            if name in norm:
                found_periods.append((int(a), int(b)))
    return direction, year, found_periods


def _kind_and_year(s: str, token: _Token, years: list, periods: list, section: tuple, doc: tuple,
                   cues: dict, doc_kind: str, local: str = "", context: str = ""):
    """Decide (kind, year, period_start, period_end) for one number."""
    past, coming, plan_start, plan_end = doc
    direction, head_year, head_periods = section
    before = s[:token.start]
    pos = token.start
    # explicit year or period in the sentence before the number (nearest one)
    year = next((y for p, y in reversed(years) if p < pos), None)
    period = next(((a, b) for p, a, b in reversed(periods) if p < pos), None)
    year_pos = next((p for p, y in reversed(years) if p < pos), -1)
    period_pos = next((p for p, a, b in reversed(periods) if p < pos), -1)
    if year is not None and re.search(r"\d[^\d，,。；;]{0,8}(?:到|至)[^\d]{0,4}$", s[year_pos + 5:pos]):
        year = None  # 由2020年的82.4岁提高到83.9岁: the year belongs to the first number
    if period_pos > year_pos:
        year = None
    else:
        period = None if year is not None and period_pos < year_pos else period
    rel = None
    for word, offset in (("今年", 0), ("明年", 1), ("去年", -1), ("上年", -1), ("过去一年", -1), ("过去五年", -1),
                         ("一年来", -1), ("五年来", -1)):
        if word in before:
            rel = offset
    if rel is None and context:
        for word, offset in (("过去一年", -1), ("过去五年", -1), ("一年来", -1), ("五年来", -1)):
            if word in context:
                rel = offset
    # kind
    expected = any(re.search(p, s) for p in cues.get("expected_patterns", [])) and not any(
        re.search(w + r".{0,6}预期", s) for w in cues.get("achieved_expected_words", [])
    )
    ref_past = past
    if year is None and period is None and head_year and direction == "past":
        ref_past = max(ref_past or head_year, head_year) if ref_past else head_year
    kind = None
    if expected:
        kind = "expected"
    elif year is not None and ref_past is not None:
        kind = "actual" if year <= ref_past else "target"
    elif period is not None and ref_past is not None:
        kind = "actual" if period[1] <= ref_past else "target"
    elif rel is not None:
        kind = "actual" if rel < 0 else "target"
    if kind is None and direction:
        kind = "actual" if direction == "past" else "target"
    if kind is None:
        cue_pos = {}
        for word in cues.get("actual_words", []):
            p = before.rfind(word)
            if p >= 0:
                cue_pos[p] = "actual"
        for word in cues.get("target_words", []):
            p = before.rfind(word)
            if p >= 0 and (p not in cue_pos):
                cue_pos[p] = "target"
        if cue_pos:
            kind = cue_pos[max(cue_pos)]
    if kind is None and direction:
        kind = "actual" if direction == "past" else "target"
    if kind is None:
        kind = "actual" if doc_kind == "work_report" else "target"
    # year and period
    period_words = any(w in local for w in cues.get("period_value_words", [])) or any(
        w in before for w in ("过去五年", "五年来"))
    if period is not None:
        start, end = period
        return kind, (year if year is not None else end), start, end
    if year is None and head_periods:
        chosen = head_periods[-1] if kind != "actual" else head_periods[0]
        if direction or period_words:
            if kind == "actual" and past and chosen[1] > past and len(head_periods) == 1:
                chosen = None
            if chosen:
                return kind, chosen[1], (chosen[0] if period_words else None), (chosen[1] if period_words else None)
    if year is None:
        if rel is not None and coming is not None:
            year = coming + rel if rel >= 0 else (past if past is not None else coming - 1)
        elif head_year is not None:
            year = head_year
        elif kind == "actual":
            year = past
        else:
            year = coming if doc_kind == "work_report" else (plan_end or coming)
    pstart = pend = None
    if period_words:
        if kind == "actual" and year is not None:
            pstart, pend = year - 4, year
        elif plan_start and plan_end:
            pstart, pend = plan_start, plan_end
        elif year is not None:
            pstart, pend = None, year
    return kind, year, pstart, pend


def _comparator(local: str, token: _Token, kind: str, cues: dict) -> str:
    if token.value_high is not None:
        return "range"
    if token.comparator_after:
        return token.comparator_after
    tail = local[-6:]
    for word, cmp in cues.get("before_comparators", []):
        if word in tail:
            return cmp
    if kind == "target" and any(local.endswith(w) or w in local[-3:] for w in cues.get("target_floor_words", [])):
        return ">="
    return "="


# ------------------------------------------------------------------------------------------ extraction
def _sentences(text: str):
    start = 0
    for i, ch in enumerate(text):
        if ch in _SENTENCE_END:
            if i + (ch != "\n") > start:
                yield start, text[start:i + (ch != "\n")]
            start = i + 1
    if start < len(text):
        yield start, text[start:]


def _raw_line(passage: pd.Series, offset_lines: int, line_map: dict | None) -> int | None:
    """Raw line of the clean line ``offset_lines`` within a passage (best effort without a map)."""
    clean_start = as_number(passage.get("clean_line_start"), int)
    if line_map and passage["doc_id"] in line_map and clean_start is not None:
        lines = line_map[passage["doc_id"]]
        idx = clean_start + offset_lines
        if 0 <= idx < len(lines):
            entry = lines[idx]
            return int(entry[0] if isinstance(entry, (tuple, list)) else entry)
    ls, le = as_number(passage.get("line_start"), int), as_number(passage.get("line_end"), int)
    if ls is None:
        return None
    n_lines = str(passage["text"]).count("\n") + 1
    if n_lines <= 1 or le is None:
        return ls
    return ls + round(offset_lines * (le - ls) / (n_lines - 1))


def _written_name(local: str, cues: dict) -> str:
    text = local
    for word in sorted([w for w, _ in cues.get("before_comparators", [])] + cues.get("growth_words", [])
                       + cues.get("level_change_words", []) + ["达", "为", "保持在", "控制在"], key=len, reverse=True):
        if text.endswith(word):
            text = text[: -len(word)]
    text = re.sub(r"^[\d.、)）\s]+", "", text)
    return text[-20:]


def extract_indicators(passages: pd.DataFrame, documents: pd.DataFrame, registry: Registry | None = None, *,
                       kinds: tuple = ("body", "heading"), canonical_only: bool = False,
                       line_map: dict | None = None) -> pd.DataFrame:
    """Extract every quantitative statement from the passages.

    Parameters
    ----------
    passages : DataFrame
        ``corpus.passages`` (needs ``passage_id, doc_id, kind, text, section_path, line_start, line_end``;
        ``district, clean_line_start`` used when present).
    documents : DataFrame
        ``corpus.documents`` (``doc_id, kind, year, period_start, period_end, district``): tells a work
        report's past year from its coming year and a plan's period.
    registry : Registry, optional
        Default: the bundled registry.
    kinds : tuple of str
        Passage kinds to read. Headings are read too: some plans put a goal in a numbered heading line.
    canonical_only : bool
        Keep only rows tied to a canonical indicator.
    line_map : dict, optional
        ``doc_id -> list`` of the raw line (or ``(raw_start, raw_end)``) of every clean line; gives exact
        raw lines for quotes inside multi-line passages. Without it the line is interpolated.

    Returns
    -------
    DataFrame
        One row per number (columns :data:`INDICATOR_COLUMNS`), in document order.
    """
    registry = registry or load_registry()
    cues = registry.cues
    periods = cues.get("periods", [])
    docs = {}
    if documents is not None and len(documents):
        for _, d in documents.iterrows():
            docs[d["doc_id"]] = d.to_dict()
    table = registry.table.set_index("indicator_id")
    rows = []
    selected = passages if "role" not in passages.columns else passages[passages["role"].isin(kinds)]
    for _, passage in selected.iterrows():
        doc = docs.get(passage["doc_id"], {})
        doc_years = _doc_years(doc)
        doc_kind = doc.get("kind") or "other"
        section = _section_context(passage.get("section_path", ""), cues, periods)
        text = str(passage["text"])
        for offset, sentence in _sentences(text):
            s, index = _normalise(sentence)
            if not re.search(r"\d|百分之|[一二两三四五六七八九十]", s):
                continue
            years, found_periods, masks = _years_and_masks(s, periods)
            aliases = _find_aliases(s, registry, cues.get("per_unit_prefixes", ["单位", "万元"]))
            masks = masks + [(a.start, a.end) for a in aliases]
            value_hits = []
            for pattern, indicator_id in registry._value_patterns:
                for m in pattern.finditer(s):
                    value_hits.append((m.start("value"), m.end("value"), indicator_id, m.group(0)))
            for token in _tokens(s, masks, registry):
                indicator = None
                name_raw = ""
                hit = next((h for h in value_hits if h[0] == token.start), None)
                alias, local = _bind(s, token, aliases, registry)
                if hit is not None:
                    indicator = table.loc[hit[2]].copy()
                    indicator["indicator_id"] = hit[2]
                    name_raw = hit[3]
                    local = s[_clause_start(s, token.start):token.start]
                elif alias is not None:
                    member = _choose_member(alias, local, token, registry, token.after, s)
                    if member is not None:
                        indicator = member
                        name_raw = alias.text
                if token.chinese and indicator is None:
                    continue
                kind, year, pstart, pend = _kind_and_year(s, token, years, found_periods, section, doc_years,
                                                         cues, doc_kind, local, text[:offset])
                comparator = _comparator(local, token, kind, cues)
                value, value_high, unit = token.value, token.value_high, token.unit
                if indicator is not None:
                    unit = indicator["unit"]
                    raw_base, raw_factor = registry.units.get(token.unit, (token.unit, 1.0))
                    reg_base, reg_factor = registry.units.get(unit, (unit, 1.0))
                    if raw_base == reg_base and reg_factor:
                        factor = raw_factor / reg_factor
                        value = round(value * factor, 10)
                        value_high = round(value_high * factor, 10) if value_high is not None else None
                    else:
                        unit = token.unit
                o_start = index[token.start] if token.start < len(index) else 0
                line_offset = text[:offset + o_start].count("\n")
                rows.append({
                    "indicator_id": indicator["indicator_id"] if indicator is not None else "",
                    "name": indicator["name"] if indicator is not None else _written_name(local, cues),
                    "district": passage.get("district", doc.get("district", "")),
                    "doc_id": passage["doc_id"],
                    "value": value,
                    "value_high": value_high,
                    "unit": unit,
                    "comparator": comparator,
                    "kind": kind,
                    "year": year,
                    "period_start": pstart,
                    "period_end": pend,
                    "quote": sentence.strip(),
                    "passage_id": passage["passage_id"],
                    "line": _raw_line(passage, line_offset, line_map),
                    "indicator_name_en": indicator["name_en"] if indicator is not None else "",
                    "unit_raw": token.unit,
                    "category": indicator["category"] if indicator is not None else "",
                    "section_path": passage.get("section_path", ""),
                    "value_raw": token.value,
                    "name_raw": name_raw,
                    "measure": indicator["measure"] if indicator is not None else "",
                })
    out = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    if canonical_only:
        out = out[out["indicator_id"] != ""].reset_index(drop=True)
    return out.astype({"year": "Int64", "period_start": "Int64", "period_end": "Int64", "line": "Int64",
                       "value": "float64", "value_high": "float64"})


# ------------------------------------------------------------------------------------------ comparison
_KIND_ORDER = {"target": 0, "expected": 1, "actual": 2}


def format_indicator(row: pd.Series) -> str:
    """A readable cell: ``≥8% (target, 2021–2025)``, ``6–6.5% (expected, 2019)``, ``80张 (actual, 2023)``."""
    return format_statement(row, lang="en")


def compare_indicators(indicators: pd.DataFrame, indicator_ids, districts=None, kinds=None,
                       layout: str = "wide") -> pd.DataFrame:
    """Compare chosen indicators across districts.

    Parameters
    ----------
    indicators : DataFrame
        ``corpus.indicators`` (or the output of :func:`extract_indicators`).
    indicator_ids : str or list of str
        Canonical indicator ids, in the order wanted.
    districts : list of str, optional
        Districts to show (default: all in ``indicators``, sorted), in any spelling
        :func:`plancompare.districts.resolve_district` accepts (``Huli``, ``huli``, ``湖里区``); an unknown
        one raises :class:`UnknownItemError`. A district with no statement for an indicator reads ``not stated``.
    kinds : list of str, optional
        Restrict to ``target``, ``expected`` and/or ``actual``.
    layout : {"wide", "long"}
        ``wide``: one row per district, one column per indicator, each cell a readable string (several
        statements joined by ``; ``, targets first, then expected values, then actuals, latest year first).
        ``long``: one row per (district, indicator, statement) with the numbers, the readable ``display``
        and the source; missing combinations are rows with ``display == "not stated"``.

    Returns
    -------
    DataFrame
    """
    if isinstance(indicator_ids, str):
        indicator_ids = [indicator_ids]
    data = indicators[indicators["indicator_id"].isin(indicator_ids)].copy()
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        data = data[data["kind"].isin(kinds)]
    if districts is None:
        districts = sorted(indicators["district"].dropna().unique())
    else:
        districts = resolve_districts(districts, indicators["district"].dropna().unique())
    data = data[data["district"].isin(districts)]
    data["display"] = data.apply(format_indicator, axis=1) if len(data) else pd.Series(dtype=str)
    data["_k"] = data["kind"].map(_KIND_ORDER)
    data = data.sort_values(["district", "indicator_id", "_k", "year", "value"], ascending=[True, True, True, False, True])
    names = indicators.drop_duplicates("indicator_id").set_index("indicator_id")
    long_rows = []
    for district in districts:
        for ind in indicator_ids:
            part = data[(data["district"] == district) & (data["indicator_id"] == ind)]
            name = names["name"].get(ind, ind) if "name" in names else ind
            name_en = names["indicator_name_en"].get(ind, "") if "indicator_name_en" in names else ""
            if part.empty:
                long_rows.append({"district": district, "indicator_id": ind, "name": name, "indicator_name_en": name_en,
                                  "kind": "", "year": pd.NA, "period_start": pd.NA, "period_end": pd.NA,
                                  "value": float("nan"), "value_high": float("nan"), "comparator": "", "unit": "",
                                  "display": NOT_STATED, "doc_id": "", "line": pd.NA, "quote": ""})
                continue
            seen = set()
            for _, r in part.iterrows():
                if r["display"] in seen:
                    continue
                seen.add(r["display"])
                long_rows.append({"district": district, "indicator_id": ind, "name": name, "indicator_name_en": name_en,
                                  "kind": r["kind"], "year": r["year"], "period_start": r["period_start"],
                                  "period_end": r["period_end"], "value": r["value"], "value_high": r["value_high"],
                                  "comparator": r["comparator"], "unit": r["unit"], "display": r["display"],
                                  "doc_id": r["doc_id"], "line": r["line"], "quote": r["quote"]})
    long = pd.DataFrame(long_rows)
    if layout == "long":
        return long.reset_index(drop=True)
    if layout != "wide":
        raise ValueError(f"layout must be 'wide' or 'long', not {layout!r}")
    wide = (long.groupby(["district", "indicator_id"], sort=False)["display"].agg("; ".join)
            .unstack("indicator_id"))
    return wide.reindex(index=list(districts), columns=list(indicator_ids)).fillna(NOT_STATED)
