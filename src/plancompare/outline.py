"""Outline: read the heading hierarchy of a cleaned document and cut it into passages.

Input: the :class:`~plancompare.clean.CleanLine` list of one document.  Output: a list
of passage dicts (columns documented in ``docs/tables.md``) and a list of glossary
dicts.  Every clean line ends up in exactly one passage or one glossary row.

The grammar is generic, not tuned to any file:

* numbered headings ``第X篇/章/节``, ``一、``, ``（一）``/``(一)``, ``1.``/``1、``, ``（1）``, ``①``;
  a chapter heading may lack the space after ``章``; levels may be skipped and
  numbering restarts under each parent (levels come from a stack of marker types,
  not from fixed depths);
* named top-level headings such as ``前言`` and ``名词解释``;
* numbered paragraphs (``1. 有效盘活利用存量空间。进一步…``): the first sentence titles
  a section whose body is the paragraph itself;
* run-in headings: a short first sentence that titles its paragraph
  (``——综合实力实现跃升。…``, ``服务融入“国之大者”。…``);
* lead-department lines (``（牵头单位：…；责任单位：…）``) close the measure above them and
  become its ``lead_units`` / ``partner_units``;
* a glossary (``名词解释``) becomes glossary rows, not passages.
"""

from __future__ import annotations

import re

from .text.headings import (
    GLOSSARY_HEADINGS,
    RANK,
    RUN_IN_MIN_PASSAGE_BODY_CHARS,
    TITLED_TYPES,
    Marker,
    heading_marker,
    heading_title,
    is_standalone_heading,
    run_in_heading,
)

RESPONSIBILITY = re.compile(
    r"[（(]\s*(?:牵头单位|牵头部门|责任单位|责任部门|主责单位)\s*[:：][^（）()]*(?:[（(][^（）()]*[）)][^（）()]*)*[）)]$"
)
_UNIT_FIELD = re.compile(r"(牵头单位|牵头部门|主责单位|责任单位|责任部门|配合单位)\s*[:：]\s*([^；;）)]*)")
_BULLET = re.compile(r"^[.．·•・\-－]\s*")
# a digest's list item (`●地区生产总值增长5%以上`): a bullet glyph, then a figure further on
_LIST_ITEM = re.compile(r"^[●•◆▲]\s*\D*\d")


def parse_responsibility(text: str) -> tuple[str, str]:
    """Split a lead-department note into ``(lead_units, partner_units)``."""
    lead, partners = [], []
    for field_name, value in _UNIT_FIELD.findall(text):
        value = value.strip(" ，,")
        if not value:
            continue
        (lead if field_name in ("牵头单位", "牵头部门", "主责单位") else partners).append(value)
    return "；".join(lead), "；".join(partners)


def outline_document(lines, doc_id: str, district: str = "", max_section_chars: int = 600):
    """Cut the clean lines of one document into passages and glossary rows.

    Parameters
    ----------
    lines : list of CleanLine
    doc_id, district : str
        Copied into every row.
    max_section_chars : int
        A section whose body is at most this long is one passage; a longer one is
        split into one passage per paragraph.

    Returns
    -------
    (passages, glossary) : (list of dict, list of dict)
    """
    builder = _OutlineBuilder(lines, doc_id, district, max_section_chars)
    return builder.run()


class _OutlineBuilder:
    def __init__(self, lines, doc_id, district, max_section_chars):
        self.lines = lines
        self.doc_id = doc_id
        self.district = district
        self.max_section_chars = max_section_chars
        self.passages: list[dict] = []
        self.glossary: list[dict] = []
        self.stack: list[tuple[str, str]] = []  # (marker type, title)
        self.pending: list[int] = []  # clean-line indices of the open section's body
        self.pending_heading = ""
        self.top_type = self._top_marker_type()
        self.first_heading = self._first_heading_index()

    def _top_marker_type(self) -> str | None:
        types = {m.type for line in self.lines if (m := heading_marker(line.text)) and m.type != "named"}
        return min(types, key=RANK.__getitem__) if types else None

    def _first_heading_index(self) -> int:
        for index, line in enumerate(self.lines):
            if heading_marker(line.text):
                return index
        return len(self.lines)

    # --- main loop -------------------------------------------------------
    def run(self):
        in_glossary = False
        for index, line in enumerate(self.lines):
            text = line.text
            marker = heading_marker(text)
            if in_glossary and (marker is None or marker.type not in TITLED_TYPES | {"named"}):
                self._glossary_row(index)
                continue
            in_glossary = False
            if index < self.first_heading and marker is None:
                self._front_or_body(index)
            elif marker is not None:
                self._flush()
                self._push(marker, text)
                if marker.type == "named" and marker.marker in GLOSSARY_HEADINGS:
                    self._heading_row(index)
                    in_glossary = True
                elif is_standalone_heading(marker):
                    self._heading_row(index)
                else:
                    self.pending.append(index)
            elif RESPONSIBILITY.fullmatch(text) and (self.pending or self._last_body_is_open()):
                self._close_with_responsibility(index)
            elif not text.startswith(("（", "(")) and (title := run_in_heading(text, RUN_IN_MIN_PASSAGE_BODY_CHARS)):
                self._flush()
                self._emit([index], heading=title, extra_path=title)
            else:
                self.pending.append(index)
        self._flush()
        return self.passages, self.glossary

    # --- structure ---------------------------------------------------------
    def _push(self, marker: Marker, text: str):
        title = heading_title(marker, text)
        kind = marker.type
        if kind == "named" or kind == self.top_type:
            self.stack = [(kind, title)]
            return
        types = [entry[0] for entry in self.stack]
        if kind in types:
            del self.stack[types.index(kind):]
        else:
            while self.stack and self.stack[-1][0] != "named" and RANK[self.stack[-1][0]] > RANK[kind]:
                self.stack.pop()
        self.stack.append((kind, title))

    @property
    def section_path(self) -> str:
        return " > ".join(title for _, title in self.stack)

    # --- rows --------------------------------------------------------------
    def _row(self, indices: list[int], role: str, heading: str, path: str, level: int, text: str) -> dict:
        first, last = self.lines[indices[0]], self.lines[indices[-1]]
        return {
            "passage_id": f"{self.doc_id}:{len(self.passages):04d}",
            "doc_id": self.doc_id,
            "district": self.district,
            "role": role,
            "level": level,
            "heading": heading,
            "section_path": path,
            "text": text,
            "line_start": first.raw_start,
            "line_end": last.raw_end,
            "clean_line_start": indices[0],
            "clean_line_end": indices[-1] + 1,
            "lead_units": "",
            "partner_units": "",
            "responsibility": "",
            "n_chars": len(text),
        }

    def _heading_row(self, index: int):
        title = self.stack[-1][1] if self.stack else self.lines[index].text
        self.passages.append(
            self._row([index], "heading", title, self.section_path, len(self.stack), self.lines[index].text)
        )

    def _front_or_body(self, index: int):
        text = self.lines[index].text
        has_headings = self.first_heading < len(self.lines)
        # a bulleted line with a figure is a list item of the body (a digest's goals), never front matter; nor is
        # the line that introduces such a list (`建议全年经济社会发展预期目标`): it heads it
        listed = any(_LIST_ITEM.match(line.text) for line in self.lines[index:index + 2])
        if has_headings and len(text) < 60 and not text.endswith("。") and not listed:
            self._flush()
            self.passages.append(self._row([index], "front_matter", "", "", 0, text))
        else:
            self.pending.append(index)

    def _emit(self, indices: list[int], heading: str = "", extra_path: str = ""):
        path = self.section_path
        level = len(self.stack)
        if extra_path:
            path = f"{path} > {extra_path}" if path else extra_path
            level += 1
        heading = heading or (self.stack[-1][1] if self.stack else "")
        text = "\n".join(self.lines[i].text for i in indices)
        row = self._row(indices, "body", heading, path, level, text)
        inline_note = RESPONSIBILITY.search(text)
        if inline_note:
            row["lead_units"], row["partner_units"] = parse_responsibility(inline_note.group())
        self.passages.append(row)

    def _flush(self):
        if not self.pending:
            return
        indices, self.pending = self.pending, []
        total = sum(len(self.lines[i].text) for i in indices)
        if total <= self.max_section_chars:
            self._emit(indices)
        else:
            for index in indices:
                self._emit([index])

    def _last_body_is_open(self) -> bool:
        return bool(self.passages) and self.passages[-1]["role"] == "body" and not self.passages[-1]["responsibility"]

    def _close_with_responsibility(self, index: int):
        self._flush()
        row = self.passages[-1]
        note = self.lines[index].text
        row["line_end"] = self.lines[index].raw_end
        row["clean_line_end"] = index + 1
        row["responsibility"] = note
        row["lead_units"], row["partner_units"] = parse_responsibility(note)

    def _glossary_row(self, index: int):
        line = self.lines[index]
        entry = _BULLET.sub("", line.text)
        term, _, definition = _split_entry(entry)
        self.glossary.append(
            {
                "doc_id": self.doc_id,
                "term": term,
                "definition": definition,
                "text": line.text,
                "line_start": line.raw_start,
                "line_end": line.raw_end,
                "clean_line_start": index,
                "clean_line_end": index + 1,
            }
        )


def _split_entry(entry: str) -> tuple[str, str, str]:
    match = re.match(r"^(.{1,40}?)[:：](.*)$", entry)
    if match:
        return match.group(1).strip(), ":", match.group(2).strip()
    return "", "", entry.strip()
