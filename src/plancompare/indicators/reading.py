"""Reading one folded sentence: years and periods, indicator names, numbers with units, and which name
each number belongs to.

In: a sentence folded by :func:`plancompare.text.numbers.fold_for_numbers` and the :class:`Registry`.
Out: small records (:class:`Token`, :class:`Alias`) with positions in that sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..text.numbers import CN_DIGITS, chinese_numeral_value, digit_string_value, find_quantities
from .registry import Registry

CLAUSE_BREAK = "，,；;：:、（(）)"
COUNT_UNITS = {"家", "个", "张", "名", "件", "项", "所", "座", "条", "栋", "套", "宗", "场", "人", "户"}
_CHINESE_AMOUNT_UNITS = ("万人", "万元", "亿元")


@dataclass
class Token:
    """A number with its unit in a folded sentence (``after``: the few characters after it)."""

    start: int
    end: int
    num_end: int
    value: float
    value_high: float | None
    unit: str
    after: str
    comparator_after: str | None
    chinese: bool           # written in Chinese numerals without a unit that makes it an amount
    ratio_quote: str = ""   # the whole ratio (``36.8:63.2``) when the token is one of its components
    unit_known: bool = True  # False: a table cell's unit taken as written (the registry does not list it)


@dataclass
class Alias:
    """An indicator name found in a sentence."""

    start: int
    end: int
    family: str
    text: str


def years_and_masks(s: str, periods: list) -> tuple[list, list, list]:
    """Years ``(position, year)``, periods ``(position, start, end)`` and spans that hold no value."""
    years, spans, found_periods = [], [], []
    for m in re.finditer(r"《[^《》]*》|〔\d{4}〕\d*号?|\[\d{4}\]\d*号?", s):
        spans.append((m.start(), m.end()))

    def inside(p: int) -> bool:
        return any(a <= p < b for a, b in spans)

    for m in re.finditer(r"(\d{4})\s?[-~～—–至到]\s?(\d{4})年", s):
        a, b = int(m.group(1)), int(m.group(2))
        if 1900 <= a <= 2100 and 1900 <= b <= 2100 and not inside(m.start()):
            found_periods.append((m.start(), a, b))
            spans.append((m.start(), m.end()))
    for m in re.finditer(r"(?<![\d.])(\d{4})年(?:\d{1,2}月(?:\d{1,2}日)?)?", s):
        year = int(m.group(1))
        if 1900 <= year <= 2100 and not inside(m.start()):
            years.append((m.start(), year))
            spans.append((m.start(), m.end()))
    # 二〇〇四年 / 二00四年 / 一九九八年: a year in Chinese numerals (news style), read digit by digit
    for m in _CHINESE_YEAR.finditer(s):
        year = digit_string_value(m.group(1))
        if not m.group(1).isdigit() and 1900 <= year <= 2100 and not inside(m.start()):
            years.append((m.start(), year))
            spans.append((m.start(), m.end()))
    for m in re.finditer(r"(?<![\d.])\d{1,2}月(?:\d{1,2}日)?|(?<![\d.])\d{1,2}日|(?<![\d.])(\d{4})(?=年)", s):
        spans.append((m.start(), m.end()))
    for name, a, b in periods:
        for m in re.finditer(re.escape(name), s):
            found_periods.append((m.start(), *_first_years(s, m.end(), int(a), int(b))))
            spans.append((m.start(), m.end()))
    # ordinals (第3章), digits glued to Latin letters (5G, PM2.5, 4A, M2), versions (2.0版)
    for m in re.finditer(r"第[\d零〇一二两三四五六七八九十百千]+|[A-Za-z][\d.]*\d|\d[\d.]*(?=[A-Za-z])", s):
        spans.append((m.start(), m.end()))
    return sorted(years), sorted(found_periods), spans


_DIGIT_CLASS = "".join(CN_DIGITS)
_CHINESE_YEAR = re.compile(f"(?<![{_DIGIT_CLASS}十百千\\d])([{_DIGIT_CLASS}0-9]{{4}})年")
_FIRST_YEARS = re.compile(r"(?:期间|时期)?的?(?:前|头)([1-9一二两三四五六七八九])年")


def _first_years(s: str, pos: int, start: int, end: int) -> tuple[int, int]:
    """"十一五"前四年: the period's first years only (2006–2009), not the whole period."""
    m = _FIRST_YEARS.match(s, pos)
    if m is None:
        return start, end
    n = int(m.group(1)) if m.group(1).isdigit() else int(chinese_numeral_value(m.group(1)) or 0)
    return (start, start + n - 1) if 0 < n <= end - start else (start, end)


def find_aliases(s: str, registry: Registry) -> list[Alias]:
    """Indicator names in ``s``, longest first, not overlapping; per-unit-of-GDP names are not GDP."""
    per_unit_prefixes = registry.cues.get("per_unit_prefixes", ["单位", "万元"])
    upper = s.upper()
    found = []
    for alias, family in registry.aliases:
        start = upper.find(alias)
        while start >= 0:
            found.append(Alias(start, start + len(alias), family, s[start:start + len(alias)]))
            start = upper.find(alias, start + 1)
    for pattern, family in registry.patterns:
        found += [Alias(m.start(), m.end(), family, m.group(0)) for m in pattern.finditer(s)]
    found.sort(key=lambda a: (a.start, -(a.end - a.start)))
    chosen, last_end = [], -1
    for alias in found:
        if alias.start < last_end:
            continue
        last_end = alias.end
        # 单位地区生产总值… / 万元GDP… are per-unit-of-GDP measures, not GDP itself
        if any(s[max(0, alias.start - len(p)):alias.start] == p for p in per_unit_prefixes) and not any(
                alias.text.startswith(p) for p in per_unit_prefixes):
            continue
        chosen.append(alias)
    return _shared_prefix_aliases(s, chosen, registry)


_LIST_JOINER = re.compile(r"[\u4e00-\u9fff]{0,3}?(?:以及|、|和|及|与)")


def _shared_prefix_aliases(s: str, chosen: list[Alias], registry: Registry) -> list[Alias]:
    """Names listed after a name that opens with a shared prefix carry that prefix: in
    ``单位国内生产总值用水量、能耗、二氧化碳排放量分别下降…`` 能耗 is 单位国内生产总值能耗. Each listed item is
    read as prefix + item against the registry's aliases (longest first); the list ends at the first item that
    names no indicator that way."""
    prefixes = sorted(registry.cues.get("shared_name_prefixes", []), key=len, reverse=True)
    names = sorted(registry.aliases, key=lambda a: len(a[0]), reverse=True)
    for opener in list(chosen):
        upper = opener.text.upper()
        prefix = next((p.upper() for p in prefixes if upper.startswith(p.upper()) and len(upper) > len(p)), None)
        pos = opener.end
        while prefix is not None and (joint := _LIST_JOINER.match(s, pos)) is not None:
            item = s[joint.end():joint.end() + 24].upper()
            hit = next(((a, fam) for a, fam in names if len(a) > len(prefix) and a.startswith(prefix)
                        and item.startswith(a[len(prefix):])), None)
            if hit is None:
                break
            listed = Alias(joint.end(), joint.end() + len(hit[0]) - len(prefix), hit[1],
                           s[joint.end():joint.end() + len(hit[0]) - len(prefix)])
            chosen = [a for a in chosen if a.end <= listed.start or a.start >= listed.end] + [listed]
            pos = listed.end
    return sorted(chosen, key=lambda a: a.start)


def tokens(s: str, masks: list, registry: Registry) -> list[Token]:
    """Numbers with units in a folded sentence, with the comparator written right after them."""
    after_cmp = registry.cues.get("after_comparators", [])
    out = []
    for q in find_quantities(s, registry.units, masks):
        if q.chinese and s[q.start - 1:q.start] == "个":
            continue  # 跨越3个千亿元台阶: a count of steps of that size, not an amount
        # Chinese numerals count only as 百分之… or an amount (两个维护, 三大… are slogans)
        slogan = q.chinese and not q.percent_word and not re.match(r"[万亿]", q.unit) and \
            q.unit not in _CHINESE_AMOUNT_UNITS
        pos = q.end
        comparator = ">" if q.more else None
        for word, cmp in after_cmp:
            if s.startswith(word, pos):
                comparator = comparator or cmp
                pos += len(word)
                break
        out.append(Token(q.start, pos, q.num_end, q.value, q.value_high, q.unit, s[pos:pos + 12], comparator,
                         slogan))
    return out


def clause_start(s: str, pos: int) -> int:
    """Start of the clause (between commas, semicolons…) holding position ``pos``."""
    i = pos - 1
    while i >= 0 and s[i] not in CLAUSE_BREAK:
        i -= 1
    return i + 1


def _residual(text: str, cues: dict) -> str:
    """What is left of a clause prefix after removing cue words, years and filler."""
    text = re.sub(r"\d{4}年", "", text)
    words = ([name for name, _, _ in cues.get("periods", [])] + cues.get("growth_words", [])
             + cues.get("level_change_words", []) + cues.get("reduction_words", [])
             + [w for w, _ in cues.get("before_comparators", [])] + cues.get("period_value_words", [])
             + cues.get("filler_words", []))
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, "")
    return re.sub(r"[\s\W\d]", "", text)


_GOAL_AFTER_NAME = re.compile(r"(增长|增速|涨幅|下降|降低)?(?:的)?(?:预期)?(?:调控)?目标")


def bind(s: str, token: Token, aliases: list[Alias], registry: Registry) -> tuple[Alias | None, str]:
    """The alias naming ``token`` (or None) and the local text between that name and the number."""
    own_clause = s[clause_start(s, token.start):token.start]
    counted = token.unit in COUNT_UNITS or token.unit.lstrip("万") in COUNT_UNITS
    if counted:
        # postfix: 60家左右专精特新企业 — the name right after the number counts
        for alias in aliases:
            if alias.start == token.end:
                return alias, own_clause
        if token.end < len(s) and re.match(r"[\u4e00-\u9fff]", s[token.end]) and s[token.end] not in "的、和及与或":
            return None, own_clause  # "20家左右制造业单项冠军企业": the number counts the noun after it
    for alias in aliases:
        # 提出8%左右的国内生产总值增长目标: a goal written number first names its indicator after 的
        if alias.start == token.end + 1 and s[token.end] == "的" and re.match(_GOAL_AFTER_NAME, s[alias.end:]):
            return alias, own_clause + re.match(_GOAL_AFTER_NAME, s[alias.end:]).group(1)
    preceding = [a for a in aliases if a.end <= token.start]
    if not preceding:
        return None, own_clause
    respective = _split_named(s, token, preceding, registry) or _respective(s, token, preceding)
    alias = respective or preceding[-1]
    between = s[alias.end:token.start]
    # a name taken by rank (A和B…分别…) is as far from the number as the last name listed
    gap = s[preceding[-1].end:token.start] if respective is not None else between
    if _span(gap, registry.cues) > 40 or re.search(r"[；;]", between) or _quantifies_next_noun(s, token):
        # a semicolon starts another item; 62%的公园: the number counts the noun after it
        return None, own_clause
    start = clause_start(s, token.start)
    if start > alias.end and s[start - 1:start] == "(" and not _residual(own_clause, registry.cues):
        return None, own_clause  # 同比增长9.1%(同口径增长10.5%): the same figure on another basis, in brackets
    if start > alias.end and respective is None and re.match(r"(?:左右|以上)?的(?:增长|增速|速度)", s[token.end:]):
        # …目标确定为9.5%左右，…实现9.5%左右的增长: a rate restated with no name of its own (not 低于8%的预定目标)
        return None, own_clause
    if start > alias.end:
        if respective is None and _component_between(s[alias.end:start], registry.cues):
            return None, own_clause  # 固定资产投资320亿元，其中工业投资139亿元、年均增长20%: the part's growth
        # 分别增长7%和8%: the numbers after 分别 belong to the names listed before it
        if respective is None and "分别" in own_clause and len(
                _residual(own_clause[:own_clause.find("分别")], registry.cues)) > 1:
            return None, own_clause  # 营业收入和利润总额分别完成…: the clause lists its own subjects before 分别
        if "分别" in s[alias.end:start] or "分别" in own_clause or respective is not None:
            return alias, own_clause
        if len(_residual(own_clause, registry.cues)) > 1 or re.search(r"\d", re.sub(r"\d{4}年", "", own_clause)):
            return None, own_clause  # the clause has its own subject (or its own numbers)
        return alias, own_clause
    return alias, between


def _component_between(text: str, cues: dict) -> bool:
    """``text`` (between a name and the clause of a number) turns to a part of the named total: ``其中`` and a
    subject that is no indicator name (``…320亿元、年均增长13.3%，其中工业投资139亿元、年均增长20%``, ``其中税收收入``):
    the numbers after it are the part's (statistical writing lists a total, then 其中 its components)."""
    k = text.rfind("其中")
    if k < 0:
        return False
    subject = re.match(r"其中[：:，,]?([^\d，,。；;、]*)", text[k:]).group(1)
    return len(_residual(subject, cues)) > 1


def _span(gap: str, cues: dict) -> int:
    """How far a name is from its number: the characters between them, less the clauses in between that say
    nothing of their own (``…10.2万亿元，按可比价格计算，平均每年增长7.7%``: the price-basis clause is no
    distance)."""
    pieces = re.split(f"[{re.escape(CLAUSE_BREAK)}]", gap)
    empty = sum(len(p) + 1 for p in pieces[1:-1] if not _residual(p, cues) and not re.search(r"\d", p))
    return len(gap) - empty


def _quantifies_next_noun(s: str, token: Token) -> bool:
    """``62%的公园实现…``: a number followed by 的 and a noun is a quantity of that noun (but ``增长6%的目标``
    still states the indicator)."""
    if not re.match(r"的[\u4e00-\u9fff]", s[token.end:]):
        return False
    noun = s[token.end + 1:token.end + 7]
    return not any(w in noun for w in ("目标", "预期", "水平", "增长", "增速", "速度", "涨幅", "幅度", "比例", "要求",
                                       "基础", "基数", "左右"))


def _split_named(s: str, token: Token, preceding: list[Alias], registry: Registry) -> Alias | None:
    """城乡居民收入…分别增长8.8%和10%: a name that splits into its parts (``split_families``) is the subject of the
    numbers after the 分别 that follows it (the parts are told apart later, by rank)."""
    cut = s.rfind("分别", 0, token.start)
    before = [a for a in preceding if a.end <= cut]
    if cut < 0 or not before or any(a.start > cut for a in preceding) or re.search(r"[。；;]", s[cut:token.start]):
        return None
    alias = before[-1]
    for prefix, family, *_ in registry.cues.get("split_families", []):
        if alias.family == family and prefix in s[max(0, alias.start - len(prefix)):alias.end]:
            return alias
    return None


def _respective(s: str, token: Token, preceding: list[Alias]) -> Alias | None:
    """A和B分别降低13.5%、18%: the k-th number after 分别 belongs to the k-th name listed before it."""
    cut = s.rfind("分别", 0, token.start)
    if cut < 0 or re.search(r"[，,；;。]", s[cut:token.start]):
        return _joined_group(s, token, preceding)
    listed = []
    for alias in reversed([a for a in preceding if a.end <= cut]):
        gap = s[alias.end:(listed[0].start if listed else cut)]
        if listed and gap not in ("和", "、", "及", "与", "以及"):
            break
        if not listed and len(gap) > 8:
            break
        listed.insert(0, alias)
    if len(listed) < 2:
        # A收入9422元，B收入2936元，扣除价格因素，分别实际增长7.7%和6.8%: one name per clause before 分别
        return _joined_group(s, token, preceding) if not listed or listed[0].end < clause_start(s, cut) else None
    # A、B分别比2015年增长37.8%、43.5%: a year between 分别 and the numbers is no number of the list
    rank = len(re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.年])", s[cut:token.start]))
    return listed[rank] if rank < len(listed) else None


_JOINED_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?%?(?:和|、|及|与)$")


def _joined_group(s: str, token: Token, preceding: list[Alias]) -> Alias | None:
    """A收入42038元，B收入20366元，同比增长5.3%和6.4%: a run of numbers joined by 和/、 in a clause with no name
    of its own belongs, in order, to the names of the clauses before it (one name per clause)."""
    first, rank = token.start, 0
    while (m := _JOINED_NUMBER.search(s[:first])) is not None:
        first, rank = m.start(), rank + 1
    size, end = rank + 1, token.end
    while (m := re.match(r"(?:和|、|及|与)(\d+(?:\.\d+)?%?)", s[end:])) is not None:
        end, size = end + m.end(), size + 1
    if size < 2:
        return None
    listed = _listed_run(s, preceding)
    if len(listed) == size:
        return listed[rank]  # A和B实际增长8.4%和11.4%: the k-th number belongs to the k-th name listed
    if any(a.end > clause_start(s, first) for a in preceding):
        return None
    named, last_clause = [], None
    for alias in reversed(preceding):
        clause = clause_start(s, alias.start)
        if clause != last_clause:
            named.insert(0, alias)
            last_clause = clause
    if len(named) < size:
        return None
    return named[len(named) - size + rank]


def _listed_run(s: str, preceding: list[Alias]) -> list[Alias]:
    """The names listed together last before a number (``A和B``, ``A、B及C``), in the order written."""
    run = preceding[-1:]
    for alias in reversed(preceding[:-1]):
        if s[alias.end:run[0].start] not in ("和", "、", "及", "与", "以及"):
            break
        run.insert(0, alias)
    return run


def choose_member(alias: Alias, local: str, token: Token, registry: Registry, s: str = "") -> pd.Series | None:
    """The family member for the wording around the number; None when the number is not that indicator."""
    cues = registry.cues
    members = registry.member_rows(alias.family)
    share_words = cues.get("share_words", [])
    if any(w in local for w in share_words) and not any(w in alias.text for w in share_words):
        return None
    if any(w in local for w in cues.get("relative_words", [])):
        return None
    # "经费占国内生产总值比例4%": a share OF the named quantity
    if s[max(0, alias.start - 1):alias.start] == "占" or re.match(r"(比例|比重|的比)", local):
        return None
    # "人均预期寿命再提高1岁": a change of a level, not the level (提高到/至 … is the level)
    change = re.search(r"(提高|提升|增加|减少|下降|降低)$", local.rstrip("了约近"))
    level_change = any(local.rstrip("约近超过突破了").endswith(w) or w in local[-4:]
                       for w in cues.get("level_change_words", []))
    tail = token.after
    growth = (not level_change) and (
        any(w in local for w in cues.get("growth_words", []))
        or any(tail.startswith(p) for p in ("的增长", "的中高速增长", "的高速增长", "增长"))
        or bool(re.match(r"^[^，,。；;]{0,8}增长", tail)))
    reduction = any(w in local for w in cues.get("reduction_words", []))
    wanted = "reduction" if reduction else ("growth" if growth else "level")
    unit_base = registry.units.get(token.unit, (token.unit, 1.0))[0]
    candidates, seen = [], set()
    for measure in [wanted, "flow", "level", "growth", "reduction"]:
        for member in members:
            if member["measure"] == measure and member["indicator_id"] not in seen:
                seen.add(member["indicator_id"])
                candidates.append(member)
    for member in candidates:
        if change and member["measure"] == "level" and token.unit != "%" and wanted == "level":
            return None
        base = registry.units.get(member["unit"], (member["unit"], 1.0))[0]
        accepted = {base} | {registry.units.get(u, (u, 1.0))[0] for u in member["units"]}
        if unit_base not in accepted:
            continue
        if member["measure"] in ("growth", "reduction") and wanted == "level" and token.unit != "%":
            continue
        if member["measure"] == "level" and wanted in ("growth", "reduction") and unit_base == "%" and len(members) > 1:
            continue
        if member["measure"] == "level" and wanted == "reduction" and unit_base == "%":
            return None  # "PM2.5平均浓度下降9.1%": a fall of the level, not the level
        if not member["allow_increment"]:
            window = s[max(0, alias.start - 3):alias.start] + local
            if any(w in window for w in cues.get("increment_words", [])):
                return None
        return member
    return None
