"""The web-page reader: the main text of a saved government page, through trafilatura.

trafilatura (Apache-2.0) finds the article body and leaves out navigation,
breadcrumbs, scripts, footers and link lists; it joins the ``<span>`` fragments that
Word-pasted HTML splits numbers into, and renders tables as ``| cell | cell |`` rows,
which become tab-separated lines here.  Each line is located as ``l.N`` of the
extracted main text followed by the XPath of the page element it came from (the
smallest block holding the line's first characters), e.g. ``l.12 /html/body/div[3]/p[5]``.  The page's own title and date (from ``<meta>`` and
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
_BLOCKS = ("p", "div", "td", "th", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "tr")
# How many characters of a line's start identify the element it came from.
KEY_CHARS = 12


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
    paths = _element_paths(text, lines)
    locators = [f"l.{i} {path}".rstrip() for i, path in enumerate(paths, start=1)]
    return Extracted(lines=lines, locators=locators, encoding=encoding, metadata=metadata)


def _element_paths(html: str, lines: list[str]) -> list[str]:
    """For each extracted line, the XPath of the smallest block element of the page holding its start."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.document_fromstring(html)
    except (ValueError, TypeError):
        return [""] * len(lines)
    tree = root.getroottree()
    blocks = [(re.sub(r"\s", "", element.text_content()), element) for element in root.iter(*_BLOCKS)]
    paths = []
    for line in lines:
        key = re.sub(r"\s", "", line.split("\t")[0])[:KEY_CHARS]
        holders = [(len(text), element) for text, element in blocks if key and key in text]
        paths.append(tree.getpath(min(holders, key=lambda item: item[0])[1]) if holders else "")
    return paths


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
