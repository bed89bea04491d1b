"""Document catalog and front-matter metadata.

The catalog (``data/catalog.csv``) describes the bundled documents: one row per file
with ``doc_id, source_file`` and any of ``district, district_zh, city, province, title,
kind, issued, period_start, period_end, issuer, doc_number``.  Files without a catalog
row get metadata read from their own front matter (title, region, kind, date, document
number, speaker) or, failing that, from the file name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .errors import CatalogError

KINDS = ("five_year_plan", "work_report", "implementation_plan", "other")
REQUIRED_COLUMNS = ("doc_id", "source_file")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")
_SPEAKER = re.compile(r"(区长|市长|县长|省长|主席|总理|主任)\s*([\u4e00-\u9fff]{2,4})$")
_SPEAKER_BEFORE = re.compile(r"^(?:.*?)(国务院总理|市长|区长|县长|省长)([\u4e00-\u9fff]{2,4})$")
_REGION = re.compile(r"(?:^|(?<=[在于日年月的）)\s、，,市省]))([\u4e00-\u9fff]{2,6}?(?:自治区|特别行政区|新区|省|市|区|县|旗))")
_TITLE_WORDS = ("规划", "纲要", "方案", "政府工作报告", "工作报告", "计划", "意见", "报告")
_REVIEW_YEAR = re.compile(r"(\d{4})年(?:政府)?工作回顾")
_FIVE_YEAR = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030), "十六五": (2031, 2035)}


def load_catalog(path: str | Path) -> pd.DataFrame:
    """Read and validate a catalog CSV.

    Returns a DataFrame with at least ``doc_id, source_file``; ``source_file`` is
    resolved relative to the catalog's folder.  Raises :class:`CatalogError` on a
    missing column, a duplicate ``doc_id`` or a row whose file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError(f"{path}: catalog file not found")
    try:
        catalog = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise CatalogError(f"{path}: cannot read catalog as CSV ({err})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in catalog.columns]
    if missing:
        raise CatalogError(f"{path}: catalog lacks column(s) {', '.join(missing)}")
    duplicated = catalog["doc_id"][catalog["doc_id"].duplicated()].unique().tolist()
    if duplicated:
        raise CatalogError(f"{path}: duplicate doc_id(s) {', '.join(duplicated)}")
    catalog["source_file"] = [str((path.parent / f).resolve()) for f in catalog["source_file"]]
    absent = [f for f in catalog["source_file"] if not Path(f).is_file()]
    if absent:
        raise CatalogError(f"{path}: catalog row(s) point at missing file(s): {', '.join(absent)}")
    bad_kinds = sorted(set(catalog.get("kind", pd.Series(dtype=str))) - set(KINDS) - {""})
    if bad_kinds:
        raise CatalogError(f"{path}: unknown kind(s) {', '.join(bad_kinds)}; use one of {', '.join(KINDS)}")
    return catalog


def doc_id_from_path(path: str | Path) -> str:
    """A stable id from a file name: lower-case, non-word runs replaced by ``_``."""
    stem = Path(path).stem.lower()
    return re.sub(r"[^\w]+", "_", stem).strip("_") or "document"


def infer_metadata(lines: list[str], path: str | Path, front_lines: int = 25) -> dict:
    """Read title, region, kind, issue date, period, document number and speaker from front matter.

    ``lines`` are the cleaned lines of the document; only the first ``front_lines``
    are consulted.  Keys with nothing found are omitted.
    """
    front = lines[:front_lines]
    meta: dict = {}
    title = _find_title(front)
    if title:
        meta["title"] = title
    for line in front:
        number = _DOC_NUMBER.search(line)
        if number and len(line) <= 40:
            meta["doc_number"] = number.group()
            break
    for line in front:
        date = _DATE.search(line)
        if date and len(line) <= 60:
            year, month, day = date.groups()
            meta["issued"] = f"{int(year):04d}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
            break
    for line in front:
        speaker = _SPEAKER.search(line) or _SPEAKER_BEFORE.search(line)
        if speaker and len(line) <= 40:
            meta["speaker"] = speaker.group(2)
            break
    basis = title or Path(path).stem
    meta["kind"] = infer_kind(basis + "".join(front[:5]))
    review = next((m for line in lines[:60] if len(line) <= 30 and (m := _REVIEW_YEAR.search(line))), None)
    if meta["kind"] == "work_report" and review:
        # "一、2018年工作回顾": the report reviews that year and plans the next one.
        meta["period_start"], meta["period_end"] = int(review.group(1)), int(review.group(1)) + 1
        meta.setdefault("issued", str(int(review.group(1)) + 1))
    elif "issued" not in meta and (year := re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", Path(path).stem)):
        meta["issued"] = year.group(1)
    # Only short front-matter lines (title, speaker, venue) name the issuing region; body
    # sentences mention other places ("国际市场…").
    short_front = [line for line in front[:8] if len(line) <= 40]
    region = infer_region(basis) or next((r for line in short_front if (r := infer_region(line))), "")
    if not region and any("国务院" in line for line in front[:5]):
        region = "全国"  # a State Council report covers the whole country
    if region:
        meta["district_zh"] = meta["district"] = region
    if "period_start" not in meta:
        start, end = infer_period(basis, meta.get("issued"), meta["kind"])
        if start:
            meta["period_start"], meta["period_end"] = start, end
    return meta


def infer_region(title: str) -> str:
    """The most local region named in a title: a district or county before a city, a city before a province."""
    title = re.sub(r"\d+年|[（(][^）)]*[）)]", " ", title)
    # "在湖里区…": a preposition before the name is not part of it
    found = [re.sub(r"^[在于]", "", m.group(1)) for m in _REGION.finditer(title)]
    for suffixes in (("区", "县", "旗", "新区"), ("市",), ("省", "自治区", "特别行政区")):
        for name in reversed(found):
            if name.endswith(suffixes):
                return name
    return ""


def infer_kind(text: str) -> str:
    """Document kind from words in its title."""
    if "五年规划" in text or "纲要" in text or re.search(r"十[一二三四五六]五", text):
        return "five_year_plan"
    compact = text.replace(" ", "")
    if "工作报告" in compact or "报告政府工作" in compact or "报告工作" in compact:
        return "work_report"
    if "方案" in text or "计划" in text or "意见" in text:
        return "implementation_plan"
    return "other"


def infer_period(title: str, issued: str | None, kind: str) -> tuple[int | None, int | None]:
    """Years a document covers: a Five-Year Plan's span, a work report's review and plan years."""
    for name, span in _FIVE_YEAR.items():
        if name in title or name.replace("十", "第十") in title:
            return span
    fyp = re.search(r"第十([一二三四五六])个五年", title)
    if fyp:
        n = "一二三四五六".index(fyp.group(1)) + 11
        start = 1953 + 5 * (n - 1)
        return start, start + 4
    years = [int(y) for y in re.findall(r"(20\d{2})年", title)]
    if years:
        return min(years), max(years)
    if issued:
        year = int(issued[:4])
        if kind == "work_report":
            # Reports are given at the turn of the year: a December report reviews
            # that year and plans the next; a spring one reviews the last year.
            month = int(issued[5:7]) if len(issued) >= 7 else 3
            return (year, year + 1) if month >= 10 else (year - 1, year)
        return year, year
    return None, None


def _find_title(front: list[str]) -> str:
    compact = [line.replace(" ", "") for line in front]
    for line in compact:
        if any(word in line for word in _TITLE_WORDS) and len(line) <= 80 and "关于印发" not in line and not line.endswith("。"):
            return line.strip("《》")
    return ""
