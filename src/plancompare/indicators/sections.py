"""Section paths as the indicator reader sees them: the document's headings, plus the headings its structure
missed (a short line of its own such as ``回顾2023`` or ``"十五五"时期主要目标``), and whether a passage is a work
report's goal list under its heading; and the passages of a plan that come before its goals (its review).

In: ``corpus.passages`` (``passage_id, doc_id, role, text, section_path``), the documents' metadata rows by
``doc_id`` and the registry's cues. Out: ``passage_id -> (section path, goal list)``.
"""

from __future__ import annotations

import re

import pandas as pd

from .._cells import as_number
from ..text.numbers import fold_for_numbers

__all__ = ["before_goals_passages", "inline_heading", "section_paths", "INLINE_HEADING_CHARS"]


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

INLINE_HEADING_CHARS = 20  # a heading the structure missed is a short line of its own


def inline_heading(text: str, cues: dict) -> str | None:
    """The first line of a body passage when it reads as a heading the document structure missed (``回顾2023``,
    ``2025年及"十四五"工作回顾``, ``"十五五"时期主要目标``): short, no sentence punctuation, no amount, a section word
    and a year, a period or ``回顾`` — else None."""
    first = fold_for_numbers(text.split("\n", 1)[0].strip())[0]
    if not first or len(first) > INLINE_HEADING_CHARS or re.search(r"[。，,；;：:！!？?]|\d\s*[%万亿元个]", first):
        return None
    words = cues.get("past_section_words", []) + cues.get("future_section_words", [])
    dated = re.search(r"\d{4}|回顾", first) or any(name in first for name, _, _ in cues.get("periods", []))
    return first if dated and any(w in first for w in words) else None


def section_paths(passages: pd.DataFrame, docs: dict, cues: dict) -> dict:
    """``passage_id -> (section path, goal list)``: the passage's headings with any inline heading above it put
    in (it holds under the heading it was written under), and whether the deepest heading introduces a work
    report's goal list for its year (``二、2025年主要目标任务``: ``goal_list_heading_pattern``, no other year, no
    period, not a goal met: ``就业超过预期目标``) — every number of such a passage is one of the expected goals."""
    out, inline, doc_id = {}, None, None
    pattern = cues.get("goal_list_heading_pattern")
    for _, passage in passages.iterrows():
        path = str(passage.get("section_path", "") or "")
        if passage["doc_id"] != doc_id or (inline and not path.startswith(inline[0])):
            inline, doc_id = None, passage["doc_id"]
        if passage.get("role", "body") == "body":
            head = inline_heading(str(passage["text"]), cues)
            inline = (path, head) if head else inline
        if inline:
            path = " > ".join(h for h in (inline[0], inline[1], path[len(inline[0]):].lstrip(" >")) if h)
        doc = docs.get(passage["doc_id"], {})
        deepest = fold_for_numbers(path.split(" > ")[-1])[0]
        years = {int(y) for y in re.findall(r"(\d{4})年", deepest)}
        met = any(re.search(re.escape(w) + r".{0,6}目标", deepest) for w in cues.get("achieved_expected_words", []))
        goal_list = bool(pattern and doc.get("kind") == "work_report" and re.search(pattern, deepest) and not met
                         and years <= {as_number(doc.get("year"), int)}
                         and not any(name in deepest for name, _, _ in cues.get("periods", [])))
        out[passage["passage_id"]] = (path, goal_list)
    return out
