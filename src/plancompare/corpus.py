"""The corpus: documents, passages, glossary, repairs, indicators and embeddings in one object.

:func:`build_corpus` runs the pipeline (ingest → clean → outline → embed → themes →
indicators) over text files; :func:`load_corpus` returns the bundled plans (building
and caching them under ``data/processed`` on first use) or a corpus saved with
:meth:`Corpus.save`.  Columns of every table are documented in ``docs/tables.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ._version import __version__
from .catalog import doc_id_from_path, infer_metadata, load_catalog
from .clean import clean_lines
from .errors import CatalogError, PlancompareError, UnknownItemError
from .ingest import read_source
from .outline import outline_document
from .parallel import map_documents

DOCUMENT_COLUMNS = [
    "doc_id", "district", "district_zh", "city", "province", "title", "kind", "year", "period_start",
    "period_end", "issued", "issuer", "doc_number", "speaker", "source_file", "source_sha256", "encoding",
    "script", "n_chars",
]
PASSAGE_COLUMNS = [
    "passage_id", "doc_id", "district", "role", "level", "heading", "section_path", "text", "line_start",
    "line_end", "clean_line_start", "clean_line_end", "lead_units", "partner_units", "responsibility", "n_chars",
]
GLOSSARY_COLUMNS = ["doc_id", "term", "definition", "text", "line_start", "line_end", "clean_line_start", "clean_line_end"]
REPAIR_COLUMNS = ["doc_id", "line", "kind", "before", "after", "confidence"]
LINE_COLUMNS = ["doc_id", "clean_line", "line_start", "line_end"]
_TABLES = ("documents", "passages", "glossary", "repairs", "lines", "indicators")


class Corpus:
    """A cleaned, outlined corpus of plans.

    Attributes
    ----------
    documents, passages, glossary, repairs : pandas.DataFrame
        See ``docs/tables.md``.
    lines : pandas.DataFrame
        ``doc_id, clean_line, line_start, line_end``: the raw lines behind each clean line.
    model_id : str or None
        The sentence-transformers model that made :attr:`embeddings`.
    """

    def __init__(self, documents, passages, glossary, repairs, clean_texts, *, lines=None, indicators=None,
                 embeddings=None, model_id=None, model=None):
        self.documents = documents
        self.passages = passages
        self.glossary = glossary
        self.repairs = repairs
        self.lines = lines if lines is not None else pd.DataFrame(columns=LINE_COLUMNS)
        self._clean_texts = dict(clean_texts)
        self._indicators = indicators
        self._embeddings = embeddings
        self.model_id = model_id
        self.model = model
        self._index = None

    def __repr__(self) -> str:
        return (f"<Corpus: {len(self.documents)} documents, {len(self.passages)} passages, "
                f"{len(self.repairs)} repairs, districts={sorted(self.documents['district'].unique())}>")

    # --- text ----------------------------------------------------------------
    def clean_text(self, doc_id: str) -> str:
        """The whole cleaned, simplified text of one document (lines joined by ``\\n``)."""
        if doc_id not in self._clean_texts:
            raise UnknownItemError(f"unknown doc_id {doc_id!r}; known: {', '.join(sorted(self._clean_texts))}")
        return self._clean_texts[doc_id]

    # --- derived tables ------------------------------------------------------
    @property
    def indicators(self) -> pd.DataFrame:
        """Quantitative statements (targets, expected values, actuals) with provenance."""
        if self._indicators is None:
            from .indicators import extract_indicators

            line_map = {doc_id: list(zip(group["line_start"], group["line_end"]))
                        for doc_id, group in self.lines.groupby("doc_id", sort=False)}
            self._indicators = extract_indicators(self.passages, self.documents, line_map=line_map)
        return self._indicators

    @property
    def embeddings(self) -> np.ndarray:
        """One L2-normalised float32 row per row of :attr:`passages` (computed on first use)."""
        if self._embeddings is None:
            self._embeddings, self.model_id = _embed_passages(self.passages, self.model)
        return self._embeddings

    # --- themes and comparison --------------------------------------------------
    def body_mask(self) -> np.ndarray:
        """Rows of :attr:`passages` that are body text (what search, compare and themes use)."""
        return (self.passages["role"] == "body").to_numpy()

    def _passage_index(self):
        if self._index is None:
            from .match import PassageIndex

            mask = self.body_mask()
            self._index = PassageIndex().fit(self.passages[mask], self.embeddings[mask])
        return self._index

    def search(self, query: str, k: int = 5, district=None, theme=None) -> pd.DataFrame:
        """Ranked body passages for a free-text query (Chinese or English).

        Returns ``passage_id, doc_id, district, score, text, section_path, line_start, line_end``
        plus ``dense_score, lexical_score, matched_terms`` (query terms found verbatim).
        """
        from .embed import embed_texts

        index = self._passage_index()
        query_vector = embed_texts([query], model=self.model or self.model_id, prompt="query")[0]
        return index.search(query, query_vector, k=k, district=district, theme=theme)

    def compare(self, passage_id: str, k: int = 3) -> pd.DataFrame:
        """For each other district, its ``k`` passages most comparable to ``passage_id`` (with ``rank``)."""
        return self._passage_index().compare(passage_id, k=k)

    def align(self, theme: str, threshold: float | None = None) -> pd.DataFrame:
        """Groups of passages from different districts that address the same goal within ``theme``.

        Districts with nothing comparable get a row with ``status="nothing comparable"``.
        """
        from .match import align_theme

        mask = self.body_mask()
        return align_theme(self.passages[mask], self.embeddings[mask], theme, threshold=threshold,
                           index=self._passage_index())

    def text_reuse(self, **params) -> pd.DataFrame:
        """Near-verbatim sentences shared between documents, national boilerplate flagged."""
        from .match import find_text_reuse

        return find_text_reuse(self.passages[self.body_mask()], **params)

    def themes_table(self, top_n: int = 3) -> pd.DataFrame:
        """One row per (theme, district): passages, characters, share of text, top passages.

        A theme a district does not cover shows as zero, not as a missing row.
        """
        from .themes import themes_table

        return themes_table(self.passages[self.body_mask()], self.documents, top_n=top_n)

    def assign_themes(self) -> None:
        """(Re)compute the ``theme`` columns of :attr:`passages` from headings, seed terms and embeddings."""
        from .embed import embed_texts
        from .themes import assign_themes

        embeddings = self._embeddings
        embed = None
        if embeddings is not None:
            model = self.model or self.model_id
            embed = lambda texts: embed_texts(list(texts), model=model, prompt="query")  # noqa: E731
        assigned = assign_themes(self.passages, embeddings, embed)
        for column in assigned.columns:
            self.passages[column] = assigned[column].to_numpy()
        self._index = None  # the search index holds a copy of the passages and their themes

    # --- persistence ---------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the corpus as Parquet tables, ``embeddings.npy`` and a JSON manifest (no pickle)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name in _TABLES:
            table = self._indicators if name == "indicators" else getattr(self, name)
            if table is not None:
                table.to_parquet(path / f"{name}.parquet", index=False)
        texts = pd.DataFrame({"doc_id": list(self._clean_texts), "text": list(self._clean_texts.values())})
        texts.to_parquet(path / "clean_text.parquet", index=False)
        if self._embeddings is not None:
            np.save(path / "embeddings.npy", self._embeddings, allow_pickle=False)
        manifest = {
            "plancompare_version": __version__,
            "code_fingerprint": code_fingerprint(),
            "model_id": self.model_id,
            "sources": dict(zip(self.documents["source_file"], self.documents["source_sha256"])),
            "n_passages": int(len(self.passages)),
        }
        (path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Corpus":
        """Read a corpus written by :meth:`save`."""
        path = Path(path)
        manifest_path = path / "manifest.json"
        if not manifest_path.is_file():
            raise PlancompareError(f"{path}: not a saved corpus (no manifest.json); build one with plancompare build")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        tables = {}
        for name in _TABLES:
            file = path / f"{name}.parquet"
            tables[name] = pd.read_parquet(file) if file.is_file() else None
        texts = pd.read_parquet(path / "clean_text.parquet")
        embeddings_file = path / "embeddings.npy"
        embeddings = np.load(embeddings_file, allow_pickle=False) if embeddings_file.is_file() else None
        return cls(
            tables["documents"], tables["passages"], tables["glossary"], tables["repairs"],
            dict(zip(texts["doc_id"], texts["text"])), lines=tables["lines"], indicators=tables["indicators"],
            embeddings=embeddings, model_id=manifest.get("model_id"),
        )

    # --- summaries -----------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Per-district counts: documents, passages, characters and repairs by kind."""
        docs = self.documents.groupby("district").agg(documents=("doc_id", "count"), characters=("n_chars", "sum"))
        passages = self.passages.groupby("district").size().rename("passages")
        district_of = dict(zip(self.documents["doc_id"], self.documents["district"]))
        repairs = self.repairs.assign(district=self.repairs["doc_id"].map(district_of))
        by_kind = repairs.pivot_table(index="district", columns="kind", values="line", aggfunc="count", fill_value=0)
        by_kind.columns = [f"repairs_{c}" for c in by_kind.columns]
        table = docs.join(passages).join(by_kind).fillna(0)
        return table.astype(int).reset_index()


def build_corpus(paths, catalog=None, *, model=None, embed: bool = False, progress: bool | None = None,
                 max_section_chars: int = 600, workers: int | None = None, engine: str = "local",
                 client=None) -> Corpus:
    """Build a corpus from text files.

    Parameters
    ----------
    paths : str, Path or iterable of them
        A directory (its ``*.txt`` files, sorted by name) or a list of text files in any
        supported encoding, simplified or traditional.
    catalog : str, Path or DataFrame, optional
        Catalog rows (``doc_id, source_file`` and metadata columns) for some or all files.
        Files without a row get metadata inferred from their text; none is refused.
    model : str, optional
        Sentence-transformers model for embeddings (default: the bundled offline e5 model).
    embed : bool
        Embed the passages now (otherwise on first access of ``corpus.embeddings``).
    progress : bool, optional
        Show a progress bar on stderr (default: when stderr is a terminal).
    max_section_chars : int
        Sections with a longer body are split into one passage per paragraph.
    workers : int, optional
        Processes for the per-document stages (ingest, clean, outline): ``None`` runs small
        inputs serially and large ones on every core (see :mod:`plancompare.parallel`); the
        tables are identical whatever the number.
    engine : {"local", "dask"}
        ``"dask"`` runs the per-document stages as Dask tasks and the embedding on Dask actors,
        on ``client`` (a ``dask.distributed.Client``) or on a local cluster.

    Returns
    -------
    Corpus
    """
    if engine == "dask" and client is None:  # one cluster for the documents and the embedding
        from .engine_dask import dask_client

        with dask_client() as client:
            return build_corpus(paths, catalog, model=model, embed=embed, progress=progress,
                                max_section_chars=max_section_chars, workers=workers, engine=engine, client=client)
    files = _resolve_paths(paths)
    catalog_rows = _catalog_rows(catalog)
    items = [(file, catalog_rows.get(str(file.resolve()), {}), max_section_chars) for file in files]
    if progress is None:
        progress = sys.stderr.isatty()
    results = map_documents(process_document, items, workers=workers, sizes=[_file_size(f) for f in files],
                            progress=progress, engine=engine, client=client)
    documents, passages, glossary, repairs, lines, texts = [], [], [], [], [], {}
    seen: dict[str, Path] = {}
    for file, result in zip(files, results):
        doc_id = result["document"]["doc_id"]
        if doc_id in seen:
            raise CatalogError(f"duplicate doc_id {doc_id!r}: {seen[doc_id]} and {file}")
        seen[doc_id] = file
        documents.append(result["document"])
        passages.extend(result["passages"])
        glossary.extend(result["glossary"])
        repairs.extend(result["repairs"])
        lines.extend(result["lines"])
        texts[doc_id] = result["text"]
    corpus = Corpus(
        pd.DataFrame(documents, columns=DOCUMENT_COLUMNS).astype({"year": "Int64", "period_start": "Int64", "period_end": "Int64"}),
        pd.DataFrame(passages, columns=PASSAGE_COLUMNS),
        pd.DataFrame(glossary, columns=GLOSSARY_COLUMNS),
        pd.DataFrame(repairs, columns=REPAIR_COLUMNS),
        texts,
        lines=pd.DataFrame(lines, columns=LINE_COLUMNS),
        model=model,
    )
    if embed and engine == "dask":
        from .engine_dask import dask_embed_passages

        result = dask_embed_passages(corpus.passages["text"].tolist(), model, client=client, progress=progress)
        corpus._embeddings, corpus.model_id = result.vectors, result.model_id
    elif embed:
        corpus.embeddings  # noqa: B018 - computing on purpose
    corpus.assign_themes()
    return corpus


def process_document(item) -> dict:
    """The per-document stages for one ``(file, catalog_row, max_section_chars)`` item.

    Reads, cleans and outlines the file; returns a dict of plain rows: ``document`` (one row of
    :attr:`Corpus.documents`), ``passages``, ``glossary``, ``repairs``, ``lines`` (row lists of
    the tables of the same names) and ``text`` (the clean text). Module-level so that process
    pools and cluster engines can run it.
    """
    file, row, max_section_chars = item
    source = read_source(file)
    cleaned = clean_lines(source.lines)
    clean_texts = [line.text for line in cleaned.lines]
    meta = {**infer_metadata(clean_texts, file), **{k: v for k, v in row.items() if v not in ("", None)}}
    doc_id = meta.get("doc_id") or doc_id_from_path(file)
    district = meta.get("district") or meta.get("district_zh") or doc_id
    doc_passages, doc_glossary = outline_document(cleaned.lines, doc_id, district, max_section_chars)
    return {
        "document": _document_row(doc_id, district, meta, source, cleaned),
        "passages": doc_passages,
        "glossary": doc_glossary,
        "repairs": [{"doc_id": doc_id, **r} for r in cleaned.repairs],
        "lines": [(doc_id, i, line.raw_start, line.raw_end) for i, line in enumerate(cleaned.lines)],
        "text": cleaned.text,
    }


def _file_size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:
        return 0  # read_source names the problem when the document is processed


def load_corpus(path: str | Path | None = None, *, model=None, rebuild: bool = False,
                progress: bool | None = None, workers: int | None = None, engine: str = "local") -> Corpus:
    """Load a corpus.

    ``load_corpus()`` returns the bundled plans (``data/raw`` + ``data/catalog.csv``),
    building and caching them under ``data/processed`` on first use and whenever the
    sources or the library changed; ``load_corpus(path)`` reads a saved corpus.
    ``workers`` and ``engine`` are passed to :func:`build_corpus` when a build is needed.
    """
    if path is not None:
        return Corpus.load(path)
    data = bundled_data_dir()
    processed = data / "processed"
    catalog = load_catalog(data / "catalog.csv")
    if not rebuild and _is_fresh(processed, catalog):
        return Corpus.load(processed)
    corpus = build_corpus(list(catalog["source_file"]), catalog=catalog, model=model, embed=True, progress=progress,
                          workers=workers, engine=engine)
    corpus.indicators  # noqa: B018 - cache with the rest
    corpus.save(processed)
    return corpus


def bundled_data_dir() -> Path:
    """The project's ``data/`` folder (``$PLANCOMPARE_DATA`` overrides)."""
    env = os.environ.get("PLANCOMPARE_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "data")
    candidates.append(Path.cwd() / "data")
    for candidate in candidates:
        if (candidate / "catalog.csv").is_file():
            return candidate
    raise PlancompareError("bundled data not found: set PLANCOMPARE_DATA to a folder with catalog.csv and raw/")


PIPELINE_MODULES = ("ingest", "clean", "repair", "outline", "catalog", "corpus", "model", "embed", "themes", "indicators")


def code_fingerprint() -> str:
    """SHA-256 over the pipeline's source and data files: a saved corpus made by other code is rebuilt."""
    digest = hashlib.sha256()
    root = Path(str(resources.files("plancompare")))
    files = [root / f"{name}.py" for name in PIPELINE_MODULES] + sorted((root / "data").glob("*"))
    for file in files:
        if file.is_file():
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _is_fresh(processed: Path, catalog: pd.DataFrame) -> bool:
    manifest_path = processed / "manifest.json"
    if not manifest_path.is_file():
        return False
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("code_fingerprint") != code_fingerprint():
        return False
    current = {f: hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in catalog["source_file"]}
    return manifest.get("sources") == current and (processed / "embeddings.npy").is_file()


def _resolve_paths(paths) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for item in paths:
        item = Path(item)
        if item.is_dir():
            found = sorted(item.glob("*.txt"))
            if not found:
                raise PlancompareError(f"{item}: folder holds no .txt files")
            files.extend(found)
        else:
            files.append(item)
    if not files:
        raise PlancompareError("no input files given")
    return files


def _catalog_rows(catalog) -> dict[str, dict]:
    if catalog is None:
        return {}
    if not isinstance(catalog, pd.DataFrame):
        catalog = load_catalog(catalog)
    return {str(Path(row["source_file"]).resolve()): row for row in catalog.to_dict("records")}


def _document_row(doc_id, district, meta, source, cleaned) -> dict:
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
        "script": cleaned.script,
        "n_chars": len(cleaned.text),
    }


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _embed_passages(passages: pd.DataFrame, model) -> tuple[np.ndarray, str]:
    from .embed import embed

    result = embed(passages["text"].tolist(), model, prompt="passage")
    return result.vectors, result.model_id
