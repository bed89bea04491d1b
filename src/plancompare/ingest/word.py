"""The Word readers: ``.docx`` through python-docx, legacy ``.doc`` through antiword (or catdoc).

``.docx``: python-docx (MIT) reads the body in document order, including content
controls (where Word keeps a table of contents).  Each non-empty paragraph is one
line located as ``para N`` (the N-th non-empty paragraph of the body; a manual line
break inside it starts another line with the same locator).  A table row
becomes one line whose cells are separated by tabs (the cleaner's cell separator),
located as ``table T row R``; a row that is one merged cell (a table used for page
layout, as some offices write whole documents in one) gives one line per paragraph,
``table T row R para K``.  Headers and footers (page numbers, ``PAGE`` fields) are not
read.

``.doc`` (Word 97–2003): antiword (Debian ``antiword``) with its UTF-8 map and no line
wrapping gives one paragraph per line and no mojibake on the real code-page-936 file;
where antiword is missing or fails, catdoc (Debian ``catdoc``, source charset cp936)
is used.  Each line is located as ``para N``.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

from ..errors import InputFileError
from ._source import Extracted

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(path: Path, data: bytes) -> Extracted:
    """Paragraphs and table rows of a ``.docx`` body, in order."""
    if data.startswith(_OLE_MAGIC):
        raise InputFileError(path, "is password-protected (encrypted Word file) or a .doc misnamed .docx; "
                                   "save an unprotected .docx copy first")
    import docx

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise InputFileError(path, f"cannot read .docx (corrupt or not a Word file: {err})") from None
    except Exception as err:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise InputFileError(path, f"cannot read .docx (corrupt or not a Word file: {type(err).__name__})") from None
    walker = _BodyWalker()
    walker.walk(document.element.body)
    if not any(line.strip() for line in walker.lines):
        raise InputFileError(path, "Word file has no text (only images or empty paragraphs)")
    return Extracted(lines=walker.lines, locators=walker.locators, encoding="docx")


class _BodyWalker:
    """Collects lines and locators from a WordprocessingML body (paragraphs, tables, content controls)."""

    def __init__(self):
        self.lines: list[str] = []
        self.locators: list[str] = []
        self.paragraphs = 0
        self.tables = 0

    def walk(self, element, where: str = "") -> None:
        for child in element.iterchildren():
            tag = child.tag.removeprefix(_W)
            if tag == "p":
                text = _paragraph_text(child)
                if text.strip():
                    if where:
                        self._add(text, where)
                    else:
                        self.paragraphs += 1
                        self._add(text, f"para {self.paragraphs}")
            elif tag == "tbl":
                self._table(child)
            elif tag in ("sdt", "sdtContent", "customXml", "smartTag", "ins"):
                self.walk(child, where)

    def _table(self, table) -> None:
        self.tables += 1
        number = self.tables
        rows = [child for child in table.iterchildren() if child.tag == _W + "tr"]
        for r, row in enumerate(rows, start=1):
            cells = [cell for cell in row.iter(_W + "tc") if _parent_row(cell) is row]
            where = f"table {number} row {r}"
            if len(cells) == 1:
                # One cell across the page: a layout table; its paragraphs are prose.
                counter = _Counter()
                for child in cells[0].iterchildren():
                    tag = child.tag.removeprefix(_W)
                    if tag == "p":
                        text = _paragraph_text(child)
                        if text.strip():
                            self._add(text, f"{where} para {counter.next()}")
                    elif tag == "tbl":
                        self._table(child)
                continue
            texts = [_cell_text(cell) for cell in cells]
            if any(texts):
                self._add("\t".join(texts), where)

    def _add(self, text: str, locator: str) -> None:
        for line in text.split("\n"):  # a manual line break starts a new raw line in the same paragraph
            if line.strip():
                self.lines.append(line)
                self.locators.append(locator)


class _Counter:
    def __init__(self):
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def _parent_row(cell):
    parent = cell.getparent()
    while parent is not None and parent.tag != _W + "tr":
        parent = parent.getparent()
    return parent


def _paragraph_text(paragraph) -> str:
    """Text of runs: tabs as tabs, manual line breaks as newlines (field codes are not text)."""
    parts = []
    for node in paragraph.iter(_W + "t", _W + "tab", _W + "br", _W + "cr"):
        tag = node.tag.removeprefix(_W)
        if tag == "t":
            parts.append(node.text or "")
        else:
            parts.append("\t" if tag == "tab" else "\n")
    return "".join(parts)


def _cell_text(cell) -> str:
    paragraphs = [_paragraph_text(p).strip() for p in cell.iter(_W + "p")]
    return " ".join(p.replace("\t", " ").replace("\n", " ") for p in paragraphs if p)


def read_doc(path: Path, data: bytes) -> Extracted:
    """Text of a legacy binary ``.doc``, one paragraph per line."""
    if not data.startswith(_OLE_MAGIC):
        raise InputFileError(path, "not a Word 97–2003 .doc file (no OLE header): corrupt or misnamed")
    tools = [tool for tool in ("antiword", "catdoc") if shutil.which(tool)]
    if not tools:
        raise InputFileError(path, "reading .doc needs antiword or catdoc: install one "
                                   "(apt-get install antiword, or `make system-deps`)")
    problems = []
    for tool in tools:
        command = (["antiword", "-w", "0", "-m", "UTF-8.txt", str(path)] if tool == "antiword"
                   else ["catdoc", "-w", "-s", "cp936", "-d", "utf-8", str(path)])
        result = subprocess.run(command, capture_output=True)
        text = result.stdout.decode("utf-8", "replace")
        if result.returncode == 0 and text.strip():
            return _doc_lines(text, tool)
        problems.append(result.stderr.decode("utf-8", "replace").strip().splitlines()[:1] or [f"{tool} failed"])
    message = "; ".join(p[0] for p in problems)
    if "encrypt" in message.lower() or "password" in message.lower():
        raise InputFileError(path, "is a password-protected .doc; save an unprotected copy first")
    raise InputFileError(path, f"cannot read .doc (corrupt or unsupported Word file: {message})")


def _doc_lines(text: str, tool: str) -> Extracted:
    lines, locators = [], []
    paragraph = 0
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.replace("\x0c", "").rstrip()
        if not line.strip():
            continue
        paragraph += 1
        lines.append(line)
        locators.append(f"para {paragraph}")
    return Extracted(lines=lines, locators=locators, encoding=f"doc ({tool})")
