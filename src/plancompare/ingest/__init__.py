"""Ingest: read a source file in any supported format into located raw lines.

One entry point, :func:`read_source`, picks the reader by the file's suffix:

========================  =====================================  ============================
suffix                    reader                                 locator of a line
========================  =====================================  ============================
``.txt`` ``.text``        :mod:`.text` (UTF-8, GB18030, Big5)    ``l.12``
``.docx``                 :mod:`.word` (python-docx)             ``para 45``, ``table 2 row 3``
``.doc``                  :mod:`.word` (antiword / catdoc)       ``para 45``
``.pdf``                  :mod:`.pdf` (pdftotext / pdfplumber)   ``p.3 l.12``
``.html`` ``.htm``        :mod:`.html` (trafilatura)             ``l.12 /html/body/…/p[5]``
========================  =====================================  ============================

Then format debris (page numbers, running headers, tables of contents, field codes) is
found (:mod:`.debris`) and layout wraps are marked (:mod:`.layout`); the cleaner drops
the first and joins the second, logging both.  Any file that cannot be read raises a
one-line :class:`~plancompare.errors.InputFileError` naming it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import InputFileError
from ._source import Extracted, SourceText
from .debris import DEBRIS_KIND, find_debris
from .html import read_html
from .layout import layout_breaks
from .pdf import read_pdf
from .text import decode_bytes, read_text
from .word import read_doc, read_docx

READERS = {
    ".txt": ("txt", read_text),
    ".text": ("txt", read_text),
    ".docx": ("docx", read_docx),
    ".doc": ("doc", read_doc),
    ".pdf": ("pdf", read_pdf),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
}
SUPPORTED_SUFFIXES = tuple(READERS)

__all__ = ["DEBRIS_KIND", "Extracted", "SUPPORTED_SUFFIXES", "SourceText", "decode_bytes", "read_source"]


def read_source(path: str | Path, *, layout: bool = True) -> SourceText:
    """Read one source file in any supported format.

    Parameters
    ----------
    path : str or Path
        A ``.txt`` file in UTF-8, GB18030/GBK or Big5 (a file without suffix is read
        as text), a ``.docx`` or ``.doc`` Word file, a ``.pdf`` with a text layer, or a
        saved ``.html``/``.htm`` page.
    layout : bool
        Find format debris and layout wraps (what cleaning needs). ``False`` leaves
        ``debris`` and ``soft_breaks`` empty: for a caller whose cleaned lines come from the
        stage cache (finding wraps is most of the cost of reading a text file).

    Returns
    -------
    SourceText
        Raw lines with a locator each, debris records and layout wraps.

    Raises
    ------
    InputFileError
        If the file is missing, of an unsupported type, empty, corrupt, encrypted,
        a scan without text, a page without a body, or in no supported encoding.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    suffix = path.suffix.lower()
    if suffix and suffix not in READERS:
        raise InputFileError(path, f"unsupported file type {suffix!r}; supported: {' '.join(SUPPORTED_SUFFIXES)}")
    kind, reader = READERS.get(suffix, READERS[".txt"])
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError(path, "file is empty (no text to read)")
    extracted = reader(path, data)
    debris = find_debris(extracted) if layout else []
    breaks = layout_breaks(extracted, {record["line"] for record in debris}) if layout else ()
    return SourceText(
        path=path,
        text="\n".join(extracted.lines),
        lines=extracted.lines,
        locators=extracted.locators,
        encoding=extracted.encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        format=kind,
        debris=tuple(debris),
        soft_breaks=frozenset(breaks),
        metadata=extracted.metadata,
    )
