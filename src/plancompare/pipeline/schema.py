"""Column lists of the tables passed between stages (documented in ``docs/tables.md``)."""

from __future__ import annotations

import pandas as pd

DOCUMENT_COLUMNS = [
    "doc_id", "district", "district_zh", "city", "province", "title", "kind", "year", "period_start",
    "period_end", "issued", "issuer", "doc_number", "speaker", "source_file", "source_sha256", "encoding",
    "script", "n_chars", "format", "metadata_source",
]
PASSAGE_COLUMNS = [
    "passage_id", "doc_id", "district", "role", "level", "heading", "section_path", "text", "line_start",
    "line_end", "clean_line_start", "clean_line_end", "lead_units", "partner_units", "responsibility", "n_chars",
    "locator", "page",
]
GLOSSARY_COLUMNS = ["doc_id", "term", "definition", "text", "line_start", "line_end", "clean_line_start", "clean_line_end"]
REPAIR_COLUMNS = ["doc_id", "line", "kind", "before", "after", "confidence"]
LINE_COLUMNS = ["doc_id", "clean_line", "text", "line_start", "line_end", "locator"]
BUILD_LOG_COLUMNS = ["file", "doc_id", "status", "message"]
BUILD_STATUSES = ("processed", "cached", "unchanged", "duplicate", "failed")

_INTS = {
    "passages": ("level", "line_start", "line_end", "clean_line_start", "clean_line_end", "n_chars"),
    "glossary": ("line_start", "line_end", "clean_line_start", "clean_line_end"),
    "repairs": ("line",),
    "lines": ("clean_line", "line_start", "line_end"),
}
COLUMNS = {
    "documents": DOCUMENT_COLUMNS, "passages": PASSAGE_COLUMNS, "glossary": GLOSSARY_COLUMNS,
    "repairs": REPAIR_COLUMNS, "lines": LINE_COLUMNS, "build_log": BUILD_LOG_COLUMNS,
}


def table(name: str, rows) -> pd.DataFrame:
    """A stage table from records (dicts) or DataFrames, with its documented columns and dtypes.

    Fresh and cached outputs go through here, so both have identical dtypes.
    """
    rows = list(rows)
    if rows and isinstance(rows[0], pd.DataFrame):
        frames = [f for f in rows if len(f)]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS[name])
        frame = frame.reindex(columns=COLUMNS[name])
    else:
        frame = pd.DataFrame(rows, columns=COLUMNS[name])
    for column in _INTS.get(name, ()):
        frame[column] = frame[column].astype("int64")
    if name == "repairs":
        frame["confidence"] = frame["confidence"].astype("float64")
    if name == "passages":
        frame["page"] = frame["page"].astype("Int64")
    if name == "documents":
        frame = frame.astype({"year": "Int64", "period_start": "Int64", "period_end": "Int64", "n_chars": "int64"})
    return frame
