"""Section paths as the indicator reader sees them, line by line: the document's headings plus the unnumbered
heading lines its outline missed, whether a line stands under a work report's goal list, and the passages of a
plan that come before its goals (its review).

The outline (:mod:`plancompare.outline`) knows numbered headings (``一、``, ``（一）``, ``第X章``) and a few named
ones (``前言``); a bare line that titles a section without numbering (``2025年工作回顾``, ``回顾2023``,
``"十四五"时期重大成就``, ``主要预期目标``) — common in news digests of work reports and in short reports — stays
body text, so its numbers would get no section direction: the review of 2025 in a 2026 report digest would read
as the 2026 goals. For the indicators only (the passages are left as they are), :func:`unnumbered_heading` is
the one rule for such a line, whether it opens a passage or stands inside one; what the heading announces (past,
future, a goal list) is :func:`.rules.heading_kind`, the rule for every heading. Its words are
``past_section_words``, ``future_section_words`` and ``goal_list_heading_pattern`` of ``data/indicators.toml``.

An unnumbered heading holds for the lines after it, in its passage and in the following passages of the same
document while they stay under the same numbered section (the same ``section_path`` or a deeper one); the next
unnumbered heading replaces it, and a new numbered section ends it.

In: ``corpus.passages`` (``passage_id, doc_id, role, text, section_path``), the documents' metadata rows by
``doc_id`` (``kind``, ``year``, ``title``) and the registry's cues. Out: per passage, per line of its text, the
section path to read its numbers under, whether the line is an item of a goal list, and the year a forward
section's goals are set for when its headings name none.
"""

from __future__ import annotations

import re

import pandas as pd

from .._cells import as_number
from ..text.headings import heading_marker
from ..text.numbers import fold_for_numbers
from .rules import heading_kind, section_context

__all__ = ["UNNUMBERED_HEADING_MAX_CHARS", "before_goals_passages", "goal_list", "line_context", "line_sections",
           "passage_sections", "unnumbered_heading"]

# 过去五年及2022年工作回顾 / "十四五"时期重大成就 (quotes and spaces not counted); a longer line is a sentence
UNNUMBERED_HEADING_MAX_CHARS = 24
_BULLETS = "■□●○◆◇▲△★☆▶►•·・-－—*＊ \t\u3000"
_SENTENCE_PUNCT = re.compile(r"[，,。；;：:！!？?%％]")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")  # 2025年, 回顾2023, 2021-2025年: the only digits a heading holds


def before_goals_passages(passages: pd.DataFrame, docs: dict, cues: dict) -> set:
    """Passages of a plan before its guiding ideas and goals: the review every plan opens with.

    The plan proper starts at the first heading naming its guiding ideas or goals, or at its second chapter
    (part), whichever comes first: a plan's first chapter is its base and environment."""
    words = cues.get("goal_heading_words", [])
    second_chapter = re.compile(r"(?:^| > )第(?:二|2)[章篇部]")
    out = set()
    for doc_id, group in passages.groupby("doc_id", sort=False):
        if (docs.get(doc_id, {}).get("kind") or "") != "five_year_plan":
            continue
        paths = group["section_path"].fillna("").astype(str)
        hits = [i for i, path in enumerate(paths) if any(w in path for w in words) or second_chapter.search(path)]
        if not hits:
            continue
        roles = group["role"] if "role" in group else pd.Series(["body"] * len(group), index=group.index)
        for i, (pid, role) in enumerate(zip(group["passage_id"], roles)):
            if i < hits[0] and role != "front_matter":
                out.add(pid)
    return out

def unnumbered_heading(line: str, cues: dict, title: str = "") -> str | None:
    """``line`` (stripped of bullets, as written) when it is an unnumbered heading, else None.

    A heading is short (:data:`UNNUMBERED_HEADING_MAX_CHARS` characters, quotes and spaces not counted), carries
    no sentence punctuation and no number but a year, is no numbered heading (the outline's), no table header row
    (``指标⇥2020年⇥2025年目标``: read by tables.py) and not the document's ``title`` line (a page's title line,
    ``…政府工作报告提出今年发展主要目标``, heads the whole page; :func:`_is_title`), and names a section direction
    (:func:`.rules.heading_kind`): a line without one (``■综合实力再上台阶``) says nothing about time."""
    text = line.strip().strip(_BULLETS)
    if "\t" in text or "|" in text or heading_marker(text) is not None:
        return None
    folded = fold_for_numbers(text)[0]
    if not 2 <= len(folded) <= UNNUMBERED_HEADING_MAX_CHARS or _SENTENCE_PUNCT.search(folded):
        return None
    if re.search(r"\d", _YEAR.sub("", folded)) or _is_title(line, title):
        return None
    return text if heading_kind(folded, cues) is not None else None


def _is_title(line: str, title: str) -> bool:
    """The line is the document's title line: the title as metadata read it, which drops a page's tag or site name
    before it (``【聚焦2026济源两会】计划报告解读`` has the title ``计划报告解读``: the session's year and ``计划``
    title the whole page, no section of it)."""
    compact = re.sub(r"\s", "", title or "")
    return bool(compact) and (re.sub(r"\s", "", line) == compact
                              or (len(compact) >= 4 and re.sub(r"\s", "", line).endswith(compact)))


def _under(path: str, carried: tuple | None) -> str | None:
    """The heading carried in ``carried`` (heading, path it stood under) if ``path`` is still under it."""
    if carried is None:
        return None
    heading, base = carried
    if path == base:
        return f"{base} > {heading}" if base else heading
    if base and path.startswith(base + " > "):
        return f"{base} > {heading} > {path[len(base) + 3:]}"
    return None


def line_sections(text: str, section_path: str, cues: dict, carried: tuple | None,
                  title: str = "") -> tuple[list, tuple | None]:
    """Per line of a passage's ``text``, the section path with the unnumbered heading in force put in after the
    numbered headings it stands under (None where none holds: ``section_path`` holds), and the heading carried on.

    ``carried``: ``(heading, section_path it stood under)`` from the previous passage of the same document, or
    None; ``title``: the document's title. A heading the path already holds is not put in again."""
    path = str(section_path or "")
    if _under(path, carried) is None:
        carried = None
    held = fold_for_numbers(path)[0]
    out = []
    for line in text.split("\n"):
        heading = unnumbered_heading(line, cues, title)
        if heading is not None and fold_for_numbers(heading)[0] not in held:
            carried = (heading, path)
        out.append(_under(path, carried))
    return out, carried


def goal_list(path: str, doc: dict, cues: dict) -> bool:
    """Whether the deepest heading of ``path`` introduces the goal list of the work report ``doc`` for its year
    (``二、2025年主要目标任务``, ``主要预期目标``: :func:`.rules.heading_kind` says ``goal_list``; no other year, no
    period, not a goal met: ``就业超过预期目标``) — every number under it is one of the expected goals."""
    if doc.get("kind") != "work_report":
        return False
    deepest = fold_for_numbers(path.split(" > ")[-1])[0]
    years = {int(y) for y in re.findall(r"(\d{4})年", deepest)}
    return (heading_kind(deepest, cues) == "goal_list" and years <= {as_number(doc.get("year"), int)}
            and not any(name in deepest for name, _, _ in cues.get("periods", [])))


def passage_sections(passages: pd.DataFrame, docs: dict, cues: dict) -> dict:
    """``passage_id -> [(section path, goal list, horizon), …]``, one triple per line of the passage's text, in
    document order: :func:`line_sections` carried from passage to passage within a document (body passages only
    are read for unnumbered headings; a heading passage is the outline's own), :func:`goal_list` of each line's
    path, and the year a forward section's paragraph opened with (:func:`_horizons`), or None."""
    out, carried, horizon, doc_id = {}, None, None, None
    for passage in passages.to_dict("records"):
        if passage["doc_id"] != doc_id:
            carried, horizon, doc_id = None, None, passage["doc_id"]
        doc, path, text = docs.get(doc_id, {}), str(passage.get("section_path", "") or ""), str(passage["text"])
        body = passage.get("role", "body") == "body"
        lines, carried = line_sections(text if body else "", path, cues, carried, str(doc.get("title") or ""))
        lines = lines if body else lines * (text.count("\n") + 1)
        paths = [line or path for line in lines]
        goals = [goal_list(p, doc, cues) for p in paths]
        years, horizon = _horizons(text.split("\n") if body else [""] * len(paths), paths, goals, cues, horizon)
        out[passage["passage_id"]] = list(zip(paths, goals, years))
    return out


_HORIZON = re.compile(r"\s*[—－-]*\s*到((?:19|20)\d{2})年")


def _horizons(lines: list, paths: list, goals: list, cues: dict, horizon: tuple | None) -> tuple[list, tuple | None]:
    """Per line, the year that dates a forward section's undated goals: a plan's goal section opens a paragraph
    with its horizon and lists the goals after it (``一、主要目标`` / ``到2020年，全面建成…。`` /
    ``——每千名老年人拥有养老床位数35张以上``), so the lines after ``到YYYY年`` under the same heading take that year
    (the section's year when its headings name none). Not in a goal list (one year's expected goals).

    ``horizon``: ``(section path, year)`` carried from the previous passage, or None; returns the years (None
    where no horizon holds) and the horizon carried on."""
    out = []
    for line, path, goal in zip(lines, paths, goals):
        if horizon is not None and horizon[0] != path:
            horizon = None
        m = _HORIZON.match(line)
        if m and not goal and section_context(path, cues, [])[0] == "future":
            horizon = (path, int(m.group(1)))
        out.append(horizon[1] if horizon is not None else None)
    return out, horizon


def line_context(ctx: dict, path: str, horizon: int | None = None) -> dict:
    """``ctx`` (the extractor's per-passage context, ``section_path`` and ``horizon`` the passage's opening
    line's) with ``section_path`` and the section read from ``path`` and ``horizon``, what
    :func:`passage_sections` gave a line: the horizon is the section's year when its headings name none."""
    if path == ctx.get("section_path") and horizon == ctx.get("horizon"):
        return ctx
    direction, year, periods = section_context(path, ctx["cues"], ctx["cues"].get("periods", []))
    return {**ctx, "section_path": path, "horizon": horizon,
            "section": (direction, year if year is not None else horizon, periods)}
