"""The heading grammar of Chinese official documents, written once.

* numbered markers ``第X篇/章/节``, ``一、``, ``（一）``/``(一)``, ``1.``/``1、``, ``（1）``, ``①``
  (:data:`MARKER_TYPES`, in their conventional order of seniority) and named headings
  (``前言``, ``名词解释``…);
* :func:`strip_numbering`: the numbering in front of a heading or a measure
  (``第三章``, ``（一）``, ``1.``, ``——``, ``一是``);
* :func:`run_in_heading`: the one rule for a short opening phrase that titles its
  paragraph (``——综合实力实现跃升。招商引资…``).  Outline cuts passages with it and themes
  reads headings with it, so both agree on what a run-in heading is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = "一二三四五六七八九十百零〇两"
_NUM = f"[{CN_DIGITS}0-9]+"

# (type, regex); the order is the conventional seniority of Chinese official documents.
MARKER_TYPES: tuple[tuple[str, re.Pattern], ...] = (
    ("part", re.compile(rf"^第{_NUM}篇")),
    ("chapter", re.compile(rf"^第{_NUM}章")),
    ("section", re.compile(rf"^第{_NUM}节")),
    ("cn_comma", re.compile(rf"^[{CN_DIGITS}]{{1,3}}、")),
    ("cn_paren", re.compile(rf"^[（(][{CN_DIGITS}]{{1,3}}[）)]")),
    ("arabic_dot", re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))")),
    ("arabic_paren", re.compile(r"^[（(]\d{1,2}[）)]")),
    ("circled", re.compile(r"^[\u2460-\u2473]")),
)
RANK = {name: rank for rank, (name, _) in enumerate(MARKER_TYPES)}
TITLED_TYPES = frozenset({"part", "chapter", "section"})
NAMED_HEADINGS = frozenset({"前言", "序言", "引言", "结束语", "结语", "附件", "附录", "附表", "名词解释", "注释", "说明"})
GLOSSARY_HEADINGS = frozenset({"名词解释", "注释", "名词解释：", "附：名词解释"})
# A titled heading (第X章 …) longer than this, or with a full stop inside, is prose that
# happens to start with 第X章.
TITLED_MAX_CHARS = 60
# A numbered line whose text runs longer than this is a numbered paragraph, not a heading.
HEADING_MAX_CHARS = 60

# Numbering in front of a heading or a measure: 第三章 / 第二节 / 一、/ （一）/ 1. / —— / 一是
_NUMBERING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[章节篇部分]\s*|[一二三四五六七八九十]+[、.．]\s*"
    r"|[（(][一二三四五六七八九十\d]+[）)]\s*|\d+\s*[.．、]\s*|[-—–]+\s*|[一二三四五六七八九十]+是)+"
)
_TITLED_LINE = re.compile(rf"^第{_NUM}[篇章节]\s*\S.{{0,{TITLED_MAX_CHARS}}}$")
_FIRST_SENTENCE = re.compile(r"^(.{2,40}?)[。；：:]")

# A run-in heading: a short opening phrase without inner clause punctuation, closed by 。
# or ：, with more text after it in the same paragraph.  18 characters cover the phrases of
# the bundled plans and the generality reports (longer openings are ordinary sentences).
RUN_IN_MAX_CHARS = 18
# How much text must follow the phrase.  Reading a passage's topic, any following text makes
# the phrase a heading; cutting a document into passages, the phrase opens a passage of its
# own only when a real paragraph (a clause or more) follows it.
RUN_IN_MIN_BODY_CHARS = 2
RUN_IN_MIN_PASSAGE_BODY_CHARS = 15
_RUN_IN = re.compile(rf"^([^，,、。；;：:！!？?]{{2,{RUN_IN_MAX_CHARS}}})[。：:]")


@dataclass(frozen=True)
class Marker:
    """A heading marker found at the start of a line: its type, the marker text and the rest."""

    type: str
    marker: str
    rest: str


def heading_marker(text: str) -> Marker | None:
    """Return the heading marker that starts ``text``, or ``None``.

    Titled markers (``第X章``…) count only on lines short enough to be headings.
    """
    stripped = text.strip()
    compact = stripped.replace(" ", "")
    if compact in NAMED_HEADINGS:
        return Marker("named", compact, "")
    for name, pattern in MARKER_TYPES:
        match = pattern.match(stripped)
        if match:
            if name in TITLED_TYPES and (len(stripped) > TITLED_MAX_CHARS or "。" in stripped[:-1]):
                return None
            return Marker(name, match.group(), stripped[match.end():].strip())
    return None


def is_standalone_heading(marker: Marker) -> bool:
    """Whether a marked line is a heading on its own line (else a numbered paragraph).

    A numbered line is a heading when it is short and not a sentence with a body.
    """
    if marker.type in TITLED_TYPES or marker.type == "named":
        return True
    rest = marker.rest
    if len(rest) > HEADING_MAX_CHARS:
        return False
    inner = rest.rstrip("。")
    return "。" not in inner and "；" not in inner


def is_heading_line(text: str) -> bool:
    """Whether ``text`` is a heading standing on its own line."""
    marker = heading_marker(text)
    return marker is not None and is_standalone_heading(marker)


def is_titled_heading_line(text: str) -> bool:
    """Whether ``text`` is a ``第X篇/章/节`` heading line with a title (spaces in it separate words)."""
    return _TITLED_LINE.match(text) is not None


def heading_title(marker: Marker, text: str) -> str:
    """The title of a marked line: the whole line for a heading, the marker and the first
    sentence for a numbered paragraph (``1. 有效盘活利用存量空间。进一步…`` → ``1. 有效盘活利用存量空间``)."""
    if is_standalone_heading(marker):
        return text.strip()
    first = _FIRST_SENTENCE.match(marker.rest)
    title = first.group(1) if first else marker.rest[:30]
    return f"{marker.marker}{title}".strip()


def strip_numbering(text: str) -> str:
    """``text`` without the numbering in front of it (``第三章``, ``（一）``, ``1.``, ``——``, ``一是``)."""
    return _NUMBERING.sub("", text or "").strip()


def run_in_heading(text: str, min_body_chars: int = RUN_IN_MIN_BODY_CHARS) -> str | None:
    """The run-in heading that opens ``text``, or ``None``.

    Numbering in front is ignored (``——综合实力实现跃升。…``, ``1. 加密骨干路网。…``).  A phrase
    counts only when at least ``min_body_chars`` non-blank characters follow it: a
    one-sentence paragraph is text, not a heading.
    """
    body = strip_numbering(text)
    match = _RUN_IN.match(body)
    if match is None:
        return None
    rest = body[match.end():].strip()
    return match.group(1) if len(rest) >= min_body_chars else None
