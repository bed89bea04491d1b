"""Clean: turn decoded raw lines into clean simplified-Chinese lines, logging every change.

Input is the list of raw lines of one document (:attr:`SourceText.lines`); output is a
:class:`CleanedDocument` whose ``lines`` keep the raw line numbers they came from and
whose ``repairs`` record each change (``line, kind, before, after, confidence``).

Steps, in order, for each raw line:

1. trim surrounding white space (indentation carries no meaning in these texts);
2. drop web-page debris listed in ``data/cruft.toml`` (``cruft_dropped``);
3. remove pinyin annotations and repair GBK byte-shift mojibake (:mod:`plancompare.repair`);
4. convert traditional to simplified characters with OpenCC, for documents whose
   script is traditional (``traditional_to_simplified``);
5. normalise full-width digits/letters and stray spaces inside numbers and between
   Chinese characters (``fullwidth_normalised``, ``whitespace_normalised``).

Then lines broken mid-sentence are joined (``line_joined``).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources

from . import repair
from .text.headings import heading_marker, is_heading_line, is_titled_heading_line
from .text.normalize import LINE_STRIP_CHARS, fold_fullwidth, squeeze_spaces, to_simplified
from .text.normalize import detect_script as _detect_script_of_text
from .text.sentences import ends_line_unit

CONNECTIVES = "和与及的、，,"


@dataclass(frozen=True)
class CleanLine:
    """One cleaned line (a paragraph, usually) and the raw lines it came from (1-based, inclusive)."""

    text: str
    raw_start: int
    raw_end: int


@dataclass
class CleanedDocument:
    """The result of :func:`clean_lines`.

    ``lines`` are the kept, cleaned lines; ``repairs`` are dicts with keys
    ``line, kind, before, after, confidence`` (``line`` is the raw 1-based line);
    ``script`` is ``"traditional"`` or ``"simplified"`` as detected.
    """

    lines: list[CleanLine]
    repairs: list[dict] = field(default_factory=list)
    script: str = "simplified"

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True)
class CruftRules:
    """Which lines count as web-page debris; see ``data/cruft.toml``."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]

    def matches(self, line: str) -> bool:
        return (
            line in self.exact
            or line.startswith(self.prefixes)
            or any(p.search(line) for p in self.patterns)
        )


def load_cruft_rules(path=None) -> CruftRules:
    """Read cruft rules from ``path`` (TOML) or the bundled ``data/cruft.toml``."""
    if path is None:
        raw = resources.files("plancompare").joinpath("data/cruft.toml").read_bytes()
    else:
        raw = open(path, "rb").read()
    spec = tomllib.loads(raw.decode("utf-8"))
    return CruftRules(
        exact=frozenset(spec.get("exact", [])),
        prefixes=tuple(spec.get("prefixes", [])),
        patterns=tuple(re.compile(p) for p in spec.get("patterns", [])),
    )


def detect_script(lines: list[str], threshold: float = 0.01) -> str:
    """``"traditional"`` when more than ``threshold`` of CJK characters change under OpenCC t2s."""
    return _detect_script_of_text("".join(lines), threshold)


def clean_lines(
    raw_lines: list[str],
    *,
    cruft_rules: CruftRules | None = None,
    script: str = "auto",
    join_broken_lines: bool = True,
    soft_breaks=frozenset(),
) -> CleanedDocument:
    """Clean the raw lines of one document.

    Parameters
    ----------
    raw_lines : list of str
        Decoded lines; ``raw_lines[i]`` is raw line ``i + 1``.
    cruft_rules : CruftRules, optional
        Web-debris rules; the bundled ones by default.
    script : {"auto", "traditional", "simplified"}
        Whether to convert traditional characters; ``"auto"`` detects it.
    join_broken_lines : bool
        Join lines broken mid-sentence.
    soft_breaks : set of int
        Raw line numbers the reader knows were wrapped by the page layout (a PDF line
        reaching the margin, an open bracket); each is joined to the next kept line
        unless that one starts a heading or either is a table row.

    Returns
    -------
    CleanedDocument
    """
    rules = cruft_rules or load_cruft_rules()
    repairs: list[dict] = []
    kept: list[CleanLine] = []
    stripped = [raw.strip(LINE_STRIP_CHARS) for raw in raw_lines]
    # The rest of a wrapped line is never debris, even when it starts like some ("来源：…）").
    wrapped_tails = _lines_after(soft_breaks, stripped)
    is_cruft = [bool(line) and number not in wrapped_tails and rules.matches(line)
                for number, line in enumerate(stripped, start=1)]
    repaired = repair.repair_document([line if not cruft else "" for line, cruft in zip(stripped, is_cruft)])
    if script == "auto":
        script = detect_script([line for line, _ in repaired])
    for number, (line, (fixed, fixes)) in enumerate(zip(stripped, repaired), start=1):
        if not line:
            continue
        if is_cruft[number - 1]:
            repairs.append(_record(number, "cruft_dropped", line, "", 1.0))
            continue
        repairs.extend(_record(number, f.kind, f.before, f.after, f.confidence) for f in fixes)
        line = fixed
        if script == "traditional":
            simplified = to_simplified(line)
            repairs.extend(_diff_records(number, "traditional_to_simplified", line, simplified))
            line = simplified
        line = _normalise(line, number, repairs)
        if line:
            kept.append(CleanLine(line, number, number))
    if join_broken_lines:
        kept = _join_broken(kept, repairs, soft_breaks)
    return CleanedDocument(lines=kept, repairs=repairs, script=script)


def quick_clean_lines(raw_lines: list[str], cruft_rules: CruftRules | None = None) -> list[CleanLine]:
    """A light cleaning of a few lines (debris dropped, script converted, widths and spaces normalised), with no
    damage repair, no joining and no repair log: the front matter metadata is read from, which the full
    cleaning would glue into paragraphs. Far cheaper than :func:`clean_lines`."""
    rules = cruft_rules or load_cruft_rules()
    stripped = [(number, raw.strip(LINE_STRIP_CHARS)) for number, raw in enumerate(raw_lines, start=1)]
    kept = [(number, line) for number, line in stripped if line and not rules.matches(line)]
    traditional = detect_script([line for _, line in kept]) == "traditional"
    out = []
    for number, line in kept:
        line = to_simplified(line) if traditional else line
        widened = fold_fullwidth(line)
        line = squeeze_spaces(widened, keep_word_spaces=is_titled_heading_line(widened))
        if line:
            out.append(CleanLine(line, number, number))
    return out


def _normalise(line: str, number: int, repairs: list[dict]) -> str:
    widened = fold_fullwidth(line)
    repairs.extend(_diff_records(number, "fullwidth_normalised", line, widened))
    squeezed = squeeze_spaces(widened, keep_word_spaces=is_titled_heading_line(widened))
    repairs.extend(_diff_records(number, "whitespace_normalised", widened, squeezed))
    return squeezed


def _join_broken(lines: list[CleanLine], repairs: list[dict], soft_breaks=frozenset()) -> list[CleanLine]:
    """Join a line to the next when it visibly stops mid-sentence.

    A line is broken when it ends with a connective (``和``, ``、``…), or is a long
    body line without closing punctuation; a chapter heading is continued by a
    short unpunctuated subtitle on the next line.  Headings never absorb body text.
    """
    out: list[CleanLine] = []
    for line in lines:
        wrapped = bool(out) and out[-1].raw_end in soft_breaks and _wraps_into(out[-1].text, line.text)
        if out and (wrapped or _continues(out[-1].text, line.text)):
            prev = out[-1]
            glue = " " if _is_heading(prev.text) and not wrapped else ""
            if wrapped and prev.text[-1].isascii() and prev.text[-1].isalnum() and line.text[0].isascii() \
                    and line.text[0].isalnum():
                glue = " "  # two Latin words or numbers either side of the wrap stay apart
            joined = CleanLine(prev.text + glue + line.text, prev.raw_start, line.raw_end)
            repairs.append(_record(line.raw_start, "line_joined", prev.text[-20:] + "⏎" + line.text[:20],
                                   prev.text[-20:] + glue + line.text[:20], 0.9))
            out[-1] = joined
        else:
            out.append(line)
    return out


def _lines_after(breaks, lines: list[str]) -> set[int]:
    """1-based numbers of the first non-blank line after each of ``breaks``."""
    tails = set()
    for number in breaks:
        following = next((n for n in range(number + 1, len(lines) + 1) if lines[n - 1]), None)
        if following is not None:
            tails.add(following)
    return tails


def _wraps_into(prev: str, nxt: str) -> bool:
    """A layout wrap joins unless a heading ends or starts there or either line is a table row."""
    return not (heading_marker(nxt) or _is_heading(prev) or "\t" in prev or "\t" in nxt)


def _continues(prev: str, nxt: str) -> bool:
    if heading_marker(nxt) or nxt.startswith(("（", "(")) or "\t" in prev or "\t" in nxt:
        return False
    marker = heading_marker(prev)
    if _is_heading(prev):
        is_chapter = marker.type in ("part", "chapter")
        return is_chapter and len(nxt) <= 25 and not _ends_sentence(nxt) and not _ends_sentence(prev)
    if _ends_sentence(prev):
        return False
    if prev.endswith(tuple(CONNECTIVES)):
        return True
    # A long unpunctuated line continues only into real prose, not a signature or date line.
    return len(prev) >= 40 and not prev.startswith("——") and (len(nxt) >= 20 or _ends_sentence(nxt))


def _is_heading(text: str) -> bool:
    return is_heading_line(text)


def _ends_sentence(text: str) -> bool:
    return ends_line_unit(text)


def _record(line: int, kind: str, before: str, after: str, confidence: float) -> dict:
    return {"line": line, "kind": kind, "before": before, "after": after, "confidence": float(confidence)}


def _diff_records(line: int, kind: str, before: str, after: str, context: int = 2) -> list[dict]:
    """One record per changed span, with a little context so a user can find it."""
    if before == after:
        return []
    records = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        lo_a, lo_b = max(i1 - context, 0), max(j1 - context, 0)
        records.append(_record(line, kind, before[lo_a : i2 + context], after[lo_b : j2 + context], 1.0))
    return records
