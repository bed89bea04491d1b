"""The pipeline's stages, each a function from tables to tables with its own cache key.

Order: :func:`clean` → metadata (:func:`describe`) → :func:`outline` → :func:`embed` →
:func:`assign_themes` → :func:`extract_indicators` → :func:`build_index`.  The first three
work one document at a time and are cached per document (:class:`~.cache.StageCache`, keyed by
the document's bytes, the fingerprint of the modules the stage runs and its parameters);
:func:`process_document` runs them for one file and is what a process pool maps over.
``embed`` is cached per text by :mod:`plancompare.embed`; themes, indicators and the search
index look at the whole corpus (theme weights depend on it) and take well under a second.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..catalog import doc_id_from_path, infer_metadata
from ..clean import CruftRules, clean_lines, load_cruft_rules, quick_clean_lines
from ..districts import display_name
from ..docinfo import metadata_sources
from ..ingest import SourceText, read_source
from ..outline import outline_document
from .cache import StageCache, cache_key
from .fingerprint import code_fingerprint
from .schema import table

# Entry modules of each cached stage; their imports are found by walking the package.
CLEAN_MODULES = ("plancompare.ingest", "plancompare.clean")
OUTLINE_MODULES = ("plancompare.outline",)
INDICATOR_MODULES = ("plancompare.indicators",)
# Written by assign_themes; the indicator extractor does not read them.
THEME_COLUMNS = ["theme", "theme_score", "theme_source", "secondary_themes"]


@dataclass(frozen=True)
class DocumentParams:
    """Parameters of the per-document stages (picklable, so a process pool can receive them).

    max_section_chars : a section with a longer body is split into one passage per paragraph.
    cache_dir : stage-cache root (default: :func:`~.cache.cache_root`). The builds resolve it in the parent: a
        pool's workers fork from a server started earlier, whose ``$PLANCOMPARE_CACHE_DIR`` may be stale.
    use_cache : read and write the stage cache.
    """

    max_section_chars: int = 600
    cache_dir: str | None = None
    use_cache: bool = True


@dataclass
class DocumentTables:
    """One document's tables: ``documents`` (one row), ``lines``, ``repairs``, ``passages``,
    ``glossary`` (columns in ``docs/tables.md``) and ``status``: ``processed`` when a stage ran,
    ``cached`` when every stage came from the cache."""

    documents: pd.DataFrame
    lines: pd.DataFrame
    repairs: pd.DataFrame
    passages: pd.DataFrame
    glossary: pd.DataFrame
    status: str = "processed"
    timings: dict = field(default_factory=dict)

    def clean_text(self) -> str:
        return "\n".join(self.lines["text"])


def process_document(path, catalog_row: dict | None = None, params: DocumentParams | None = None) -> DocumentTables:
    """Clean, describe and outline one file.

    Parameters
    ----------
    path : str or Path
    catalog_row : dict, optional
        Catalog values for this file (``doc_id``, ``district``, ``title``…); missing ones are
        inferred from the text.  ``doc_id`` defaults to one made from the file name.
    params : DocumentParams, optional

    Returns
    -------
    DocumentTables

    Raises
    ------
    PlancompareError
        The file cannot be read (one line naming the file and the problem).
    """
    params = params or DocumentParams()
    cache = StageCache(params.cache_dir, enabled=params.use_cache)
    row = {k: v for k, v in (catalog_row or {}).items() if v not in ("", None)}
    started = time.perf_counter()
    source, (lines, repairs, info, clean_hit, key) = _read_and_clean(path, cache)
    cleaned_at = time.perf_counter()
    meta = _metadata(source, list(zip(lines["text"], lines["line_start"], lines["line_end"])), row)
    doc_id = str(meta.get("doc_id") or doc_id_from_path(source.path))
    district = display_name(meta.get("district") or meta.get("district_zh")) or doc_id  # 湖里区 → Huli
    passages, glossary, outline_hit = _outline_one(lines, key, doc_id, district, params, cache)
    passages = _with_passage_locators(passages, lines)
    documents = table("documents", [_document_row(doc_id, district, meta, source, info)])
    return DocumentTables(
        documents=documents,
        lines=lines.assign(doc_id=doc_id)[["doc_id", *lines.columns]],
        repairs=repairs.assign(doc_id=doc_id)[["doc_id", *repairs.columns]],
        passages=passages,
        glossary=glossary,
        status="cached" if clean_hit and outline_hit else "processed",
        timings={"clean": cleaned_at - started, "outline": time.perf_counter() - cleaned_at},
    )


def _read_and_clean(path, cache: StageCache) -> tuple[SourceText, tuple]:
    """The source read from ``path`` and :func:`_clean_one`'s answer for it; layout analysis
    (debris, wraps) is skipped when the cleaned lines are in the cache."""
    path = Path(path)
    cached = None
    if path.is_file():  # else read_source names the problem
        cached = cache.get("clean", _clean_key(hashlib.sha256(path.read_bytes()).hexdigest()))
    source = read_source(path, layout=cached is None)
    return source, _clean_one(source, cache, cached)


def _clean_key(sha256: str) -> str:
    return cache_key("clean", sha256, code_fingerprint(CLEAN_MODULES))


def _clean_one(source: SourceText, cache: StageCache, hit=None):
    """``(lines, repairs, info, from_cache, key)`` of one source; ``hit`` is its cache entry if
    the caller already looked it up."""
    key = _clean_key(source.sha256)
    hit = hit if hit is not None else cache.get("clean", key)
    if hit is not None:
        tables, info = hit
        return tables["lines"], tables["repairs"], info, True, key
    cleaned = clean_lines(source.lines_for_cleaning(), soft_breaks=source.soft_breaks)
    lines = pd.DataFrame(
        [(i, line.text, line.raw_start, line.raw_end, source.locator_span(line.raw_start, line.raw_end))
         for i, line in enumerate(cleaned.lines)],
        columns=["clean_line", "text", "line_start", "line_end", "locator"],
    ).astype({"clean_line": "int64", "line_start": "int64", "line_end": "int64"})
    # Format debris (page numbers, tables of contents…) found by the reader is logged with cleaning's repairs.
    records = sorted([*source.debris, *cleaned.repairs], key=lambda record: record["line"])
    repairs = pd.DataFrame(records, columns=["line", "kind", "before", "after", "confidence"])
    repairs = repairs.astype({"line": "int64", "confidence": "float64"})
    info = {"script": cleaned.script, "n_chars": len(cleaned.text)}
    cache.put("clean", key, {"lines": lines, "repairs": repairs}, info)
    return lines, repairs, info, False, key


def _outline_one(lines: pd.DataFrame, clean_key: str, doc_id: str, district: str, params: DocumentParams,
                 cache: StageCache):
    key = cache_key("outline", clean_key, code_fingerprint(OUTLINE_MODULES), doc_id, district,
                    params.max_section_chars)
    hit = cache.get("outline", key)
    if hit is not None:
        tables, _ = hit
        return table("passages", [tables["passages"]]), table("glossary", [tables["glossary"]]), True
    from ..clean import CleanLine

    clean = [CleanLine(t, a, b) for t, a, b in zip(lines["text"], lines["line_start"], lines["line_end"])]
    passage_rows, glossary_rows = outline_document(clean, doc_id, district, params.max_section_chars)
    passages, glossary = table("passages", passage_rows), table("glossary", glossary_rows)
    cache.put("outline", key, {"passages": passages, "glossary": glossary})
    return passages, glossary, False


def front_matter_lines(source: SourceText, cleaned: list[tuple], raw_lines: int = 80) -> list[str]:
    """The lines metadata is read from: the first ``raw_lines`` raw lines cleaned as the document is (debris
    dropped, traditional converted, widths folded) but not joined, and with a page's stamp fields kept.

    ``cleaned`` is the document's cleaning as ``(text, line_start, line_end)`` rows (the lines table): a raw
    line the cleaning kept on its own is taken from it (repaired); the others are cleaned here without the
    costly damage repair. Joining broken lines glues a page's stamp lines (``发布时间：…``, ``文号 …``) and a
    title split over two lines into one paragraph, where no issuer line, date line or title can be
    recognised. A source with no usable front lines falls back to the cleaned texts."""
    front = quick_clean_lines(source.lines_for_cleaning()[:raw_lines], _front_matter_rules())
    repaired = {int(start): text for text, start, end in cleaned if int(start) == int(end)}
    return [repaired.get(line.raw_start, line.text) for line in front] or [text for text, _, _ in cleaned]


# stamp fields a page prints above a document: debris in its text, evidence of its metadata (a 政府信息公开
# stamp line opens with 索引号 and runs on to 发文日期, 文号, 成文日期)
_STAMP_FIELDS = ("来源", "责任编辑", "发布时间", "发布日期", "发布机构", "发文日期", "生成日期", "时间", "索引号")


@lru_cache(maxsize=1)
def _front_matter_rules() -> CruftRules:
    """The bundled cruft rules without those that drop a page's stamp fields (来源：…, 发布日期：…)."""
    rules = load_cruft_rules()
    return CruftRules(exact=rules.exact, prefixes=tuple(p for p in rules.prefixes if not p.startswith(_STAMP_FIELDS)),
                      patterns=tuple(p for p in rules.patterns if not any(f in p.pattern for f in _STAMP_FIELDS)))


def _metadata(source: SourceText, clean_rows: list[tuple], row: dict) -> dict:
    """Inferred metadata overlaid with the catalog ``row``, plus ``metadata_source`` (JSON: where each value came from)."""
    page_title = source.metadata.get("title", "")
    front = ([page_title] if page_title else []) + front_matter_lines(source, clean_rows)
    inferred = infer_metadata(front, source.path, warn=not row)
    if page_title and "title" not in inferred:
        inferred["title"] = page_title.replace(" ", "")  # the page states its own title
    meta = {**inferred, **row}
    if row:  # a catalog row is the user's own statement of the metadata
        meta["meta_confidence"], meta["meta_warnings"] = 1.0, ""
    sources = metadata_sources(meta, row, infer_metadata([], source.path, warn=False), "".join(front[:25]), page_title)
    meta["metadata_source"] = json.dumps(sources, ensure_ascii=False)
    return meta


def _with_passage_locators(passages: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """``passages`` with ``locator`` (where the passage sits in the original file, from the
    ``locator`` of ``lines``) and ``page`` (the PDF page it starts on, else empty)."""
    first, last = {}, {}
    for row in lines.itertuples(index=False):
        start, _, end = str(row.locator).partition("–")
        for raw in range(int(row.line_start), int(row.line_end) + 1):
            first.setdefault(raw, start)
            last[raw] = end or start
    locators = []
    for a, b in zip(passages["line_start"], passages["line_end"]):
        start, end = first.get(int(a), ""), last.get(int(b), "")
        locators.append(start if start == end or not end else f"{start}–{end}")
    return passages.assign(locator=locators, page=pd.array([page_of(loc) for loc in locators], dtype="Int64"))


def page_of(locator: str):
    """The PDF page a locator starts on (``p.3 l.12`` → 3), else None."""
    match = re.match(r"p\.(\d+)", locator or "")
    return int(match.group(1)) if match else None


def with_locators(table_: pd.DataFrame, lines: pd.DataFrame, line_column: str = "line") -> pd.DataFrame:
    """``table_`` with ``locator`` and ``page`` columns: where its raw ``line_column`` sits in the original file.

    ``lines`` is the lines table; the locator is that of the clean line holding the raw line.
    """
    if "locator" not in lines.columns or table_.empty or line_column not in table_.columns:
        return table_.assign(locator="", page=pd.array([None] * len(table_), dtype="Int64"))
    found = {}
    for row in lines.itertuples(index=False):
        for raw in range(int(row.line_start), int(row.line_end) + 1):
            found.setdefault((row.doc_id, raw), row.locator)
    keys = zip(table_["doc_id"], pd.to_numeric(table_[line_column], errors="coerce").fillna(-1).astype(int))
    locators = [found.get(key, "") for key in keys]
    return table_.assign(locator=locators, page=pd.array([page_of(loc) for loc in locators], dtype="Int64"))


def _document_row(doc_id: str, district: str, meta: dict, source: SourceText, info: dict) -> dict:
    issued = str(meta.get("issued", "") or "")
    return {
        "doc_id": doc_id,
        "district": district,
        "district_zh": meta.get("district_zh", ""),
        "city": meta.get("city", ""),
        "province": meta.get("province", ""),
        "title": meta.get("title", "") or source.path.stem,
        "kind": meta.get("kind", "other"),
        "year": int(issued[:4]) if issued[:4].isdigit() else None,
        "period_start": _int_or_none(meta.get("period_start")),
        "period_end": _int_or_none(meta.get("period_end")),
        "issued": issued,
        "issuer": meta.get("issuer", ""),
        "doc_number": meta.get("doc_number", ""),
        "speaker": meta.get("speaker", ""),
        "source_file": str(source.path),
        "source_sha256": source.sha256,
        "encoding": source.encoding,
        "script": info["script"],
        "n_chars": int(info["n_chars"]),
        "format": source.format,
        "metadata_source": meta.get("metadata_source", ""),
        "meta_confidence": float(meta.get("meta_confidence", 1.0)),
        "meta_warnings": str(meta.get("meta_warnings", "")),
    }


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- table-level stages ---------------------------------------------------------------------------------------

def clean(sources: pd.DataFrame, params: DocumentParams | None = None) -> dict[str, pd.DataFrame]:
    """Clean every file of ``sources`` (``doc_id, source_file``).

    Returns ``{"lines": ..., "repairs": ...}`` (columns in ``docs/tables.md``), cached per document.
    """
    params = params or DocumentParams()
    cache = StageCache(params.cache_dir, enabled=params.use_cache)
    lines, repairs = [], []
    for doc_id, file in zip(sources["doc_id"], sources["source_file"]):
        _, (doc_lines, doc_repairs, *_) = _read_and_clean(file, cache)
        lines.append(doc_lines.assign(doc_id=doc_id))
        repairs.append(doc_repairs.assign(doc_id=doc_id))
    return {"lines": table("lines", lines), "repairs": table("repairs", repairs)}


def outline(documents: pd.DataFrame, lines: pd.DataFrame, params: DocumentParams | None = None) -> dict[str, pd.DataFrame]:
    """Cut each document's clean ``lines`` into passages and glossary rows.

    ``documents`` gives ``doc_id, district, source_sha256``; returns ``{"passages", "glossary"}``,
    cached per document.
    """
    params = params or DocumentParams()
    cache = StageCache(params.cache_dir, enabled=params.use_cache)
    passages, glossary = [], []
    by_doc = dict(tuple(lines.groupby("doc_id", sort=False)))
    for doc in documents.itertuples():
        clean_key = _clean_key(doc.source_sha256)
        doc_lines = by_doc.get(doc.doc_id, lines.iloc[:0]).drop(columns="doc_id").reset_index(drop=True)
        doc_passages, doc_glossary, _ = _outline_one(doc_lines, clean_key, doc.doc_id, doc.district, params, cache)
        doc_passages = _with_passage_locators(doc_passages, doc_lines)
        passages.append(doc_passages)
        glossary.append(doc_glossary)
    return {"passages": table("passages", passages), "glossary": table("glossary", glossary)}


def embed(passages: pd.DataFrame, model=None, *, progress: bool = False) -> tuple[np.ndarray, str]:
    """One L2-normalised float32 row per passage, and the model id (cached per text by
    :mod:`plancompare.embed`; a bar on stderr while the model runs when ``progress``)."""
    from ..embed import embed as embed_passages

    result = embed_passages(passages["text"].tolist(), model, prompt="passage", progress=bool(progress))
    return result.vectors, result.model_id


def assign_themes(passages: pd.DataFrame, embeddings: np.ndarray | None = None, model=None) -> pd.DataFrame:
    """``passages`` with the theme columns (``theme, theme_score, theme_source, secondary_themes``)
    set; with ``embeddings``, theme descriptions are embedded with ``model`` for the embedding signal."""
    from ..embed import embed_texts
    from ..themes import assign_themes as assign

    embed_fn = None
    if embeddings is not None:
        embed_fn = lambda texts: embed_texts(list(texts), model=model, prompt="query")  # noqa: E731
    assigned = assign(passages, embeddings, embed_fn)
    out = passages.copy()
    for column in assigned.columns:
        out[column] = assigned[column].to_numpy()
    return out


def extract_indicators(passages: pd.DataFrame, documents: pd.DataFrame, lines: pd.DataFrame,
                       params: DocumentParams | None = None) -> pd.DataFrame:
    """Quantitative statements of ``passages`` (columns in ``docs/tables.md``), with raw lines
    from ``lines``; in passage order.

    The extractor reads one document at a time (its passages, lines and ``documents`` row), so
    its output is cached per document (``params.use_cache``), keyed by the content of those
    rows and the fingerprint of the indicator code and registry: a warm build does not extract
    again. Theme columns are not part of the key: the extractor does not read them (``add``
    extracts before themes are assigned and must find the same entry).
    """
    params = params or DocumentParams()
    cache = StageCache(params.cache_dir, enabled=params.use_cache)
    fingerprint = code_fingerprint(INDICATOR_MODULES)
    doc_rows = {row["doc_id"]: row for row in documents.to_dict("records")}
    lines_of = dict(tuple(lines.groupby("doc_id", sort=False)))
    found = []
    for doc_id, doc_passages in passages.groupby("doc_id", sort=False):
        doc_lines = lines_of.get(doc_id, lines.iloc[:0])
        doc_row = doc_rows.get(doc_id)
        key = cache_key("indicators", fingerprint, table_digest(doc_passages.drop(columns=THEME_COLUMNS, errors="ignore")),
                        table_digest(doc_lines), doc_row)
        hit = cache.get("indicators", key)
        if hit is not None:
            found.append(hit[0]["indicators"])
            continue
        extracted = _extract_one(doc_passages, documents[documents["doc_id"] == doc_id], doc_lines)
        cache.put("indicators", key, {"indicators": extracted})
        found.append(extracted)
    if not found:
        return _extract_one(passages, documents, lines)  # the empty table, with its columns and types
    return pd.concat(found, ignore_index=True)


def _extract_one(passages: pd.DataFrame, documents: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    from ..indicators import extract_indicators as extract

    line_map = {doc_id: list(zip(group["line_start"], group["line_end"]))
                for doc_id, group in lines.groupby("doc_id", sort=False)}
    return with_locators(extract(passages, documents, line_map=line_map), lines)


def table_digest(frame: pd.DataFrame) -> str:
    """A SHA-256 hex digest of ``frame``'s column names, dtypes and values (not its index)."""
    digest = hashlib.sha256(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def body_mask(passages: pd.DataFrame) -> np.ndarray:
    """Rows of ``passages`` that are body text (what search, compare and themes use)."""
    return (passages["role"] == "body").to_numpy()


def build_index(passages: pd.DataFrame, embeddings: np.ndarray | None = None):
    """A fitted :class:`~plancompare.match.PassageIndex` over the body passages (lexical only
    without ``embeddings``)."""
    from ..match import PassageIndex

    mask = body_mask(passages)
    # embeddings[mask] is a new array: the index normalises and keeps it rather than copying it again
    return PassageIndex().fit(passages[mask], None if embeddings is None else embeddings[mask], copy=False)


class StageReporter:
    """Progress on stderr: a bar over documents, one line per corpus-level stage."""

    def __init__(self, enabled: bool | None):
        self.enabled = sys.stderr.isatty() if enabled is None else bool(enabled)

    def documents(self, items, description: str = "clean + outline"):
        items = list(items)
        if not self.enabled or not items:
            return items
        from tqdm.auto import tqdm

        return tqdm(items, desc=description, unit="doc", file=sys.stderr)

    def note(self, message: str) -> None:
        """One line on stderr (when enabled): what a step that prints nothing else is doing."""
        if self.enabled:
            print(message, file=sys.stderr, flush=True)

    def done(self, stage: str, started: float, detail: str = "") -> None:
        if self.enabled:
            extra = f" ({detail})" if detail else ""
            print(f"{stage}: {time.perf_counter() - started:.1f} s{extra}", file=sys.stderr, flush=True)
