"""The web-page reader: the main text of a saved government page, through trafilatura.

trafilatura (Apache-2.0) finds the article body and leaves out navigation,
breadcrumbs, scripts, footers and link lists; it joins the ``<span>`` fragments that
Word-pasted HTML splits numbers into, and renders tables as ``| cell | cell |`` rows,
which become tab-separated lines here.  Each line is located as ``l.N`` of the
extracted main text.  The page's own title and date (from ``<meta>`` and
``<title>``) are kept as metadata.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputFileError
from ._source import Extracted
from .text import decode_bytes

# Less main text than this (characters) means the page has no body worth reading.
MIN_BODY_CHARS = 50
_TABLE_ROW = re.compile(r"^\|(.*)\|\s*$")


def read_html(path: Path, data: bytes) -> Extracted:
    """Main text of an HTML page; raises :class:`InputFileError` when the page has no body."""
    import trafilatura

    if not data.strip():
        raise InputFileError(path, "file is empty (no text to read)")
    text, encoding = decode_bytes(data, path)
    extracted = trafilatura.extract(text, include_tables=True, include_comments=False, favor_recall=True,
                                    include_links=False, include_images=False, deduplicate=False)
    if not extracted or len(re.sub(r"\s", "", extracted)) < MIN_BODY_CHARS:
        raise InputFileError(path, "web page has no main text (only navigation or an empty body)")
    lines = [_table_row(line) for line in extracted.split("\n")]
    metadata = _page_metadata(trafilatura, text)
    return Extracted(lines=lines, locators=[f"l.{i}" for i in range(1, len(lines) + 1)], encoding=encoding,
                     metadata=metadata)


def _table_row(line: str) -> str:
    match = _TABLE_ROW.match(line.strip())
    if not match:
        return line
    return "\t".join(cell.strip() for cell in match.group(1).split("|"))


def _page_metadata(trafilatura, text: str) -> dict:
    meta = trafilatura.extract_metadata(text)
    if meta is None:
        return {}
    found = {"title": meta.title, "date": meta.date, "site": meta.sitename}
    return {key: value for key, value in found.items() if value}
