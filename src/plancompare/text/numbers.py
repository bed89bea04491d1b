"""Numbers and units in Chinese policy text.

What goes in is a sentence; what comes out are positions and values:

* :func:`fold_for_numbers` — full-width digits and ``％`` to ASCII, quotes dropped, and whitespace dropped
  unless it separates two digits (so ``建 设5G`` reads ``建设5G`` and ``2 000`` is not read as one number),
  except in a run of single digits written one at a time right after a word (``达到7 4 7 7 2 亿元``: 74772).
  Returns the folded text and, per character, its index in the input (for provenance).
* :func:`chinese_numeral_value` — ``八`` 8, ``十四`` 14, ``两百`` 200, ``六点五`` 6.5.
* :func:`find_quantities` — numbers with their units, ranges (``5%—5.5%``, ``6-6.5%``, ``八至九``) folded into
  one :class:`Quantity`, ``万/亿`` multipliers read as part of the unit (the unit table says their factor).
* :func:`find_ratios` — structure ratios (``36.8:63.2``, ``0.6:55.8:43.6``), one component per item.
* :func:`change_direction` — +1 / −1 when the words before a number say it is an increase or a decrease
  (``增长``, ``下降14.8%``), None when they do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import fold_fullwidth

__all__ = ["Quantity", "Ratio", "fold_for_numbers", "chinese_numeral_value", "digit_string_value", "find_quantities",
           "find_ratios", "change_direction", "CN_DIGITS", "NUMBER", "RANGE_DASHES"]

NUMBER = r"\d+(?:\.\d+)?"
RANGE_DASHES = "-~～—–至"
_DASHES_ONLY = "-~～—–"
# the digits as Chinese numerals write them: 〇 and the circle ○ are zero too (二〇〇四, 二○○四). The one table of
# them: years (:func:`digit_string_value`), amounts and the audit's year check all read it.
CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0}
_CN_DIGITS = CN_DIGITS | {"两": 2}  # 两 is two in an amount (两百), never a digit of a year
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CHINESE_NUMBER = re.compile(r"(百分之)?([零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?)")
# a numeral with 万/亿 sections inside (六百四十三亿七千万元, 三万五千人, 二万五千九百六十八点五五亿元: decimals after
# the last section): read whole, its last 万/亿 left to the unit
_CN_SECTIONED = re.compile(r"[零〇一二两三四五六七八九十百千]+(?:[万亿][零〇一二两三四五六七八九十百千]+)+"
                           r"(?:点[零〇一二三四五六七八九]+)?[万亿]?")
_CN_SECTIONS = {"亿": 10 ** 8, "万": 10 ** 4}
_QUOTES = set("“”‘’\"'「」")
_NUMBER_PUNCTUATION = {"－": "-", "～": "~", "．": ".", "：": ":", "／": "/", "，": ",", "；": ";", "（": "(",
                       "）": ")", "＋": "+", "＜": "<", "＞": ">", "＝": "="}
# a middle dot between digits is a decimal point in some typesettings (``14·1％``); elsewhere it separates names
_DECIMAL_DOTS = "·・•"
_INCREASE = ("增长", "增加", "提高", "提升", "上涨", "上升", "增幅", "增速", "增", "涨")
_DECREASE = ("下降", "降低", "减少", "下跌", "回落", "缩减", "压减", "下滑", "降", "减")


@dataclass
class Quantity:
    """A number read from a folded sentence.

    ``start``/``num_end``/``end``: where the number starts, where the number (or the range's high end)
    ends, and where its unit ends. ``more`` is ``多``/``余`` written after the number (``30多家``).
    ``chinese`` says the number was written in Chinese numerals, ``percent_word`` that it was ``百分之…``.
    """

    start: int
    num_end: int
    end: int
    value: float
    value_high: float | None
    unit: str
    chinese: bool = False
    percent_word: bool = False
    more: str = ""


@dataclass
class Ratio:
    """A structure ratio ``a:b[:c]``: its span and components (in the order written)."""

    start: int
    end: int
    parts: list


def fold_for_numbers(text: str) -> tuple[str, list[int]]:
    """Fold a sentence for number reading; return the folded text and each character's original index.

    Full-width digits and letters are folded by :func:`plancompare.text.normalize.fold_fullwidth` (the one
    full-width rule); number reading also folds the full-width punctuation that writes numbers
    (``－``, ``～``, ``．``, ``：``, ``／``), a middle dot between two digits (``14·1``) and clause breaks.
    """
    text = fold_fullwidth(text)
    out, index = [], []
    n = len(text)
    for i, ch in enumerate(text):
        ch = _NUMBER_PUNCTUATION.get(ch, ch)
        if ch in _DECIMAL_DOTS and out and out[-1].isdigit() and i + 1 < n and text[i + 1].isdigit():
            ch = "."
        if ch in _QUOTES:
            continue
        if ch.isspace():
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            nxt = text[j] if j < n else ""
            if out and out[-1].isdigit() and nxt.isdigit() and out[-1] != " ":
                out.append(" ")
                index.append(i)
            continue
        out.append(ch)
        index.append(i)
    return _join_spaced_digits(text, "".join(out), index)


# one digit at a time, written right after a word: ``达到7 4 7 7 2 亿元``, ``增长1 0 .3 %`` (a typesetting of the
# 1990s); a run set off by a space on its left (a table row ``合计 1 2 3``) is separate numbers
_SPACED_DIGITS = re.compile(r"(?<![\d.])\d(?: \d)+(?![\d])")


def _join_spaced_digits(text: str, folded: str, index: list[int]) -> tuple[str, list[int]]:
    """Drop the spaces of a run of single digits written one at a time after a word (or at the start)."""
    drop = {m.start() + k for m in _SPACED_DIGITS.finditer(folded)
            if index[m.start()] == 0 or not text[index[m.start()] - 1].isspace()
            for k in range(1, m.end() - m.start(), 2)}
    if not drop:
        return folded, index
    keep = [k for k in range(len(folded)) if k not in drop]
    return "".join(folded[k] for k in keep), [index[k] for k in keep]


def digit_string_value(text: str) -> int | None:
    """A number written digit by digit, Chinese digits and ASCII ones mixed (``二〇〇四``, ``二00四``, ``一九九八``:
    2004, 2004, 1998), or None when a character is no digit (``二十``)."""
    if not text or any(c not in CN_DIGITS and not c.isdigit() for c in text):
        return None
    return int("".join(str(CN_DIGITS.get(c, c)) for c in text))


def chinese_numeral_value(text: str) -> float | None:
    """Value of a Chinese numeral (``八``, ``十四``, ``两百``, ``六点五``, ``千``, ``三万五千``,
    ``六百四十三亿七千万``); None if it is not one."""
    if not text:
        return None
    for section, size in _CN_SECTIONS.items():  # 亿 before 万: 三亿二千万 is 3 * 10^8 + 2000 * 10^4
        if section in text:
            high, low = text.rsplit(section, 1)
            high_value = chinese_numeral_value(high)
            low_value = chinese_numeral_value(low) if low else 0.0
            return None if high_value is None or low_value is None else high_value * size + low_value
    if "点" in text:
        whole, frac = text.split("点", 1)
        base = chinese_numeral_value(whole) if whole else 0
        if base is None or not frac or any(c not in _CN_DIGITS for c in frac):
            return None
        return float(f"{int(base)}." + "".join(str(_CN_DIGITS[c]) for c in frac))
    if all(c in _CN_DIGITS for c in text):
        return float("".join(str(_CN_DIGITS[c]) for c in text))
    total, current = 0, None
    for c in text:
        if c in _CN_DIGITS:
            current = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            total += (1 if current is None else current) * _CN_UNITS[c]
            current = None
        else:
            return None
    return float(total + (current or 0))


def _read_unit(s: str, pos: int, units) -> tuple[str, int]:
    """The longest unit of ``units`` written at ``pos``."""
    for length in range(min(8, len(s) - pos), 0, -1):
        if s[pos:pos + length] in units:
            return s[pos:pos + length], pos + length
    return "", pos


def _raw_numbers(s: str, masked) -> list[tuple]:
    """(start, end, value, chinese, percent_word) for every Arabic and Chinese numeral outside masks."""
    raw = [(m.start(), m.end(), float(m.group(0)), False, False)
           for m in re.finditer(NUMBER, s) if not masked(m.start(), m.end())]
    sectioned = []
    for m in _CN_SECTIONED.finditer(s):
        end = m.end() - (m.group()[-1] in _CN_SECTIONS)  # a last 万/亿 starts the unit (万元, 亿元)
        value = chinese_numeral_value(m.group())
        if value is not None and not masked(m.start(), end):
            raw.append((m.start(), end, value / _CN_SECTIONS.get(s[end], 1), True, False))
            sectioned.append((m.start(), end))
    for m in CHINESE_NUMBER.finditer(s):
        if (masked(m.start(), m.end()) or (m.start() > 0 and s[m.start() - 1] == "第")
                or any(a <= m.start() < b for a, b in sectioned)):
            continue
        value = chinese_numeral_value(m.group(2))
        if value is not None:
            raw.append((m.start(), m.end(), value, True, bool(m.group(1))))
    return sorted(raw)


def find_quantities(s: str, units, masks: list | None = None) -> list[Quantity]:
    """Numbers followed by a unit of ``units`` in a folded sentence, ranges folded into one quantity.

    ``units`` is any container of unit strings (``%``, ``亿元``, ``个``…); ``masks`` are (start, end) spans
    that hold no value (years, document numbers, names). A malformed range (reversed, or a dash with no
    number on one side) yields nothing: a wrong value is worse than a missing one.
    """
    masks = masks or []

    def masked(a: int, b: int) -> bool:
        return any(x < b and a < y for x, y in masks)

    raw = _raw_numbers(s, masked)
    found, i, consumed = [], 0, -1
    while i < len(raw):
        start, end, value, chinese, percent_word = raw[i]
        i += 1
        if start < consumed:
            continue
        pos, unit, value_high = end, ("%" if percent_word else ""), None
        if not unit and pos < len(s) and s[pos] in "%‰":
            unit, pos = s[pos], pos + 1
        if pos < len(s) and s[pos] in RANGE_DASHES:
            high = next((r for r in raw[i:i + 1] if r[0] == pos + 1 and r[3] == chinese), None)
            if high is not None:
                if high[2] <= value:
                    consumed = high[1]
                    continue
                value_high, pos = high[2], high[1]
                i += 1
                if pos < len(s) and s[pos] in "%‰":
                    unit, pos = s[pos], pos + 1
            elif s[pos] in _DASHES_ONLY:
                consumed = pos + 1  # a dangling dash: the range is malformed
                continue
        elif start > 1 and s[start - 1] in _DASHES_ONLY and s[start - 2] in "%‰":
            continue  # '%-6%': the range lost its low end
        num_end, more = pos, ""
        if not unit and pos < len(s) and s[pos] in "多余":
            more, pos = s[pos], pos + 1
        if not unit:
            unit, pos = _read_unit(s, pos, units)
        if not unit or (unit == "年" and not chinese and value >= 1900):
            continue
        found.append(Quantity(start, num_end, pos, value, value_high, unit, chinese, percent_word, more))
        consumed = pos
    return found


def find_ratios(s: str) -> list[Ratio]:
    """Structure ratios such as ``36.8:63.2`` or ``0.6:55.8:43.6`` (clock times like ``9:30`` excluded)."""
    out = []
    for m in re.finditer(r"(?<![\d.:])\d+(?:\.\d+)?(?:[:：]\d+(?:\.\d+)?){1,2}(?![\d.:])", s):
        parts = [float(p) for p in re.split(r"[:：]", m.group(0))]
        total = sum(parts)
        # the components of a structure are shares of one whole: they add up to 100
        if abs(total - 100.0) <= 0.5:
            out.append(Ratio(m.start(), m.end(), parts))
    return out


def change_direction(before: str) -> int | None:
    """+1 when ``before`` (the words right before a number) ends in an increase, −1 for a decrease."""
    text = before.rstrip("了约近超过突破达到为")
    if re.search(r"(?:至|到|为)$", before.rstrip("了约近超过突破")):
        return None  # 降至20 / 提高到83.9: a new level, not a change
    best, sign = -1, None
    for words, direction in ((_INCREASE, 1), (_DECREASE, -1)):
        for word in words:
            p = text.rfind(word)
            if p >= 0 and p + len(word) >= len(text) - 4 and p > best:
                best, sign = p, direction
    return sign
