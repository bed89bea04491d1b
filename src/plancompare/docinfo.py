"""Document metadata with its provenance: where each value came from and how far to trust it.

:func:`metadata_sources` records, while a corpus is built, whether each metadata value
came from the user's catalog, the file format (a web page's title), the document's own
front matter, the file name, or is a placeholder.  :func:`metadata_table` turns that into
confidences (``data/metadata_confidence.toml``) for ``plancompare info``, and
:func:`write_metadata_csv` writes a catalog CSV a user can edit and pass back as
``--catalog`` (any value given there has confidence 1).
"""

from __future__ import annotations

import json
import os
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

METADATA_FIELDS = ("district", "city", "province", "kind", "issued", "issuer", "doc_number", "title")
CATALOG_COLUMNS = ("doc_id", "source_file", "district", "district_zh", "city", "province", "title", "kind",
                   "issued", "period_start", "period_end", "issuer", "doc_number")


@lru_cache(maxsize=1)
def load_confidence() -> dict:
    """The bundled ``data/metadata_confidence.toml``."""
    raw = resources.files("plancompare").joinpath("data/metadata_confidence.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


def metadata_sources(meta: dict, catalog_row: dict, from_file_name: dict, front_text: str,
                     page_title: str = "") -> dict:
    """Where each of :data:`METADATA_FIELDS` in ``meta`` came from.

    ``from_file_name`` is what inference finds in the file name alone; ``front_text`` the
    front matter the text inference read.  Returns ``{field: source}`` with source one of
    ``catalog, page, text, file_name, default, missing``.
    """
    sources = {}
    for field in METADATA_FIELDS:
        key = field
        value = meta.get(key)
        if catalog_row.get(key) not in ("", None):
            sources[field] = "catalog"
        elif value in ("", None):
            sources[field] = "missing"
        elif field == "title" and page_title and value == page_title.replace(" ", ""):
            sources[field] = "page"
        elif field == "kind" and value == "other":
            sources[field] = "default"
        elif from_file_name.get(key) == value and str(value)[:4] not in front_text:
            sources[field] = "file_name"
        else:
            sources[field] = "text"
    # what in the text named the issuer and the region (data/metadata_confidence.toml [issuer_evidence])
    for field, key in (("issuer", "issuer_evidence"), ("district", "region_evidence")):
        if sources.get(field) == "text" and meta.get(key):
            sources[key] = meta[key]
    return sources


def metadata_table(documents: pd.DataFrame) -> pd.DataFrame:
    """One row per (document, field): ``doc_id, field, value, source, confidence``.

    ``documents`` is :attr:`Corpus.documents`; its ``metadata_source`` column (JSON) says
    where each value came from (documents built without it count as ``text``).
    """
    config = load_confidence()
    rows = []
    for doc in documents.to_dict("records"):
        sources = _parse_sources(doc.get("metadata_source"))
        for field in METADATA_FIELDS:
            value = doc.get(field)
            value = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            source = sources.get(field, "text" if value else "missing")
            if field == "district" and value == doc["doc_id"] and source != "catalog":
                source = "default"  # no region found: the doc_id stands in
            confidence = config["source"][source]
            if source == "text":
                confidence = config["text_field"].get(field, confidence)
                evidence = sources.get({"issuer": "issuer_evidence", "district": "region_evidence"}.get(field, ""))
                section = "issuer_evidence" if field == "issuer" else "region_evidence"
                confidence = config.get(section, {}).get(evidence, confidence) if evidence else confidence
                confidence = min(confidence, config["source"].get("text_max", 1.0))
            rows.append({"doc_id": doc["doc_id"], "field": field, "value": value, "source": source,
                         "confidence": float(confidence)})
    return pd.DataFrame(rows, columns=["doc_id", "field", "value", "source", "confidence"])


def write_metadata_csv(documents: pd.DataFrame, path: str | Path) -> Path:
    """Write the documents' metadata as a catalog CSV (``source_file`` relative to the CSV's folder).

    Columns: :data:`CATALOG_COLUMNS`, then ``confidence_<field>`` for reading (ignored
    when the file is passed back as ``--catalog``).  UTF-8 with BOM, so spreadsheet
    programs show the Chinese correctly.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = documents.reindex(columns=list(CATALOG_COLUMNS)).copy()
    table["issued"] = table["issued"].fillna("")
    table["source_file"] = [_relative(Path(f), path.parent) for f in table["source_file"]]
    confidence = metadata_table(documents).pivot(index="doc_id", columns="field", values="confidence")
    for field in METADATA_FIELDS:
        table[f"confidence_{field}"] = table["doc_id"].map(confidence[field]).round(2)
    table.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _relative(file: Path, folder: Path) -> str:
    try:
        return os.path.relpath(file.resolve(), folder.resolve())
    except ValueError:  # another drive on Windows
        return str(file.resolve())


def _parse_sources(raw) -> dict:
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return {}
