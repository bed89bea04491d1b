"""The records a reader hands back: extracted lines with locators, and the finished source."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Extracted:
    """What one format reader produces before format debris is found.

    ``lines[i]`` is raw line ``i + 1`` of the extracted text and ``locators[i]`` says
    where a user finds it in the original (``p.3 l.12``, ``para 45``, ``table 2 row 3``,
    ``l.7``).  ``pages`` (PDF only) lists each page's ``(first, last)`` 0-based line
    index; ``metadata`` carries what the format itself states (a web page's title).
    """

    lines: list[str]
    locators: list[str]
    encoding: str
    pages: list[tuple[int, int]] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SourceText:
    """One source file, read and located.

    Attributes
    ----------
    path : Path
        The file that was read.
    text : str
        The raw extracted text (lines joined by ``\\n``), kept unchanged.
    lines : list of str
        The raw lines; index ``i`` is raw line ``i + 1``.
    locators : list of str
        Where each raw line sits in the original file: ``l.12`` (text), ``p.3 l.12``
        (PDF page and line on the page), ``para 45`` or ``table 2 row 3`` (Word),
        ``l.12 /html/body/div[3]/p[5]`` (web pages: line of the extracted main
        text and the page element it came from).
    encoding : str
        The codec that decoded a text file, or what the format used (``docx``, ``pdf``…).
    sha256 : str
        SHA-256 of the raw bytes, so a saved corpus can tell when a source changed.
    format : str
        ``txt``, ``docx``, ``doc``, ``pdf`` or ``html``.
    debris : tuple of dict
        Lines found to be format debris (page numbers, running headers, table-of-contents
        lines, field codes): repair records ``line, kind, before, after, confidence``.
    soft_breaks : frozenset of int
        Raw line numbers whose line continues on the next kept line (a layout wrap).
    metadata : dict
        Metadata the format states itself (e.g. a web page's ``title``, ``date``).
    """

    path: Path
    text: str
    lines: list[str]
    locators: list[str]
    encoding: str
    sha256: str
    format: str = "txt"
    debris: tuple = ()
    soft_breaks: frozenset = frozenset()
    metadata: dict = field(default_factory=dict)

    def lines_for_cleaning(self) -> list[str]:
        """The raw lines with format-debris lines blanked (numbering unchanged)."""
        dropped = {record["line"] for record in self.debris}
        return ["" if number in dropped else line for number, line in enumerate(self.lines, start=1)]

    def locator_span(self, line_start: int, line_end: int) -> str:
        """The locator of raw lines ``line_start..line_end`` (1-based, inclusive), e.g. ``p.3 l.4–p.3 l.9``."""
        if not self.locators or line_start < 1:
            return ""
        first = self.locators[min(line_start, len(self.locators)) - 1]
        last = self.locators[min(max(line_end, line_start), len(self.locators)) - 1]
        return first if first == last else f"{first}–{last}"
