"""The corpus: documents, passages, glossary, repairs, indicators and embeddings in one object.

:class:`Corpus` is passive: it holds the tables and the search index, and none of its
attributes computes anything when read.  :func:`build_corpus` runs the stages of
:mod:`plancompare.pipeline` in order (clean → metadata → outline per document, cached per
document; then embed → themes → indicators → search index) and shows progress for each;
:meth:`Corpus.add` runs them for new or changed documents only.  :func:`load_corpus` returns
the bundled plans (shipped as package data; the processed tables are cached in the user
cache folder) or a corpus saved with :meth:`Corpus.save`.  Columns: ``docs/tables.md``.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ._version import __version__
from .catalog import load_catalog
from .districts import resolve_districts
from .errors import OptionError, PlancompareError, UnknownItemError
from .pipeline import stages
from .pipeline.cache import cache_root
from .pipeline.fingerprint import code_fingerprint as _code_fingerprint
from .pipeline.schema import (  # noqa: F401 - re-exported column lists
    BUILD_LOG_COLUMNS,
    DOCUMENT_COLUMNS,
    GLOSSARY_COLUMNS,
    LINE_COLUMNS,
    PASSAGE_COLUMNS,
    REPAIR_COLUMNS,
    table,
)
from .parallel import available_cores, prefetch_documents, start_fork_server, stop_fork_server
from .pipeline.sources import DocumentRun, resolve_sources

_TABLES = ("documents", "passages", "glossary", "repairs", "lines", "indicators", "build_log")


def _write_clean_texts(file: Path, texts: dict[str, str], chunk_chars: int = 1_000_000) -> None:
    """Write ``clean_text.parquet`` (``doc_id, text``, one row per document, in ``texts``' order): the
    schema and pandas metadata ``DataFrame.to_parquet`` writes, so :meth:`Corpus.load` and earlier
    saves read alike, but a row group per ``chunk_chars`` characters of text.

    Why not ``to_parquet``: pyarrow reads a Python string through ``PyUnicode_AsUTF8AndSize``, which
    caches a UTF-8 copy *inside* the string object for as long as it lives (3 bytes a Chinese
    character: 64 MB kept by the corpus's clean texts at 1,000 documents), and it builds the whole
    column as one Arrow buffer besides (about twice its size while growing). Here each text is
    encoded to a temporary ``bytes`` (no cache) and only one chunk's Arrow buffer exists at a time.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    empty = pd.DataFrame({"doc_id": pd.Series([], dtype="str"), "text": pd.Series([], dtype="str")})
    schema = pa.Schema.from_pandas(empty, preserve_index=False)

    def as_arrow(values: list[str], field: str):
        encoded = pa.array([v.encode("utf-8") for v in values], type=pa.large_binary())
        return encoded.view(schema.field(field).type)  # UTF-8 bytes: the string type's own layout

    with pq.ParquetWriter(file, schema) as writer:
        ids: list[str] = []
        size = 0
        for position, (doc_id, text) in enumerate(texts.items()):
            ids.append(doc_id)
            size += len(text)
            if size >= chunk_chars or position == len(texts) - 1:
                chunk = [texts[i] for i in ids]
                writer.write_table(pa.Table.from_arrays([as_arrow(ids, "doc_id"), as_arrow(chunk, "text")],
                                                        schema=schema))
                ids, size = [], 0


def _release_arrow_memory() -> None:
    """Hand the Arrow allocator's freed pages back to the system: mimalloc (and jemalloc) keep them for
    reuse, and pandas' string columns are Arrow buffers, so every Parquet read or write and every
    table concatenation leaves pages resident that the NumPy, SciPy and Python allocations of the next
    stage cannot use (a loaded 1,000-document corpus: 807 MB resident, 515 MB after this call)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


class Corpus:
    """A cleaned, outlined, embedded corpus of plans.

    Attributes
    ----------
    documents, passages, glossary, repairs, indicators : pandas.DataFrame
        See ``docs/tables.md``.
    lines : pandas.DataFrame
        ``doc_id, clean_line, text, line_start, line_end``: each clean line and the raw lines behind it.
    embeddings : numpy.ndarray or None
        One L2-normalised float32 row per row of :attr:`passages` (``None`` for a corpus built
        with ``embed=False``: search is then lexical only; :meth:`embed` adds them).
    model_id : str or None
        The sentence-transformers model that made :attr:`embeddings`.
    index : PassageIndex or None
        The search index over the body passages (built with the corpus, or on the first search
        of a loaded corpus).
    build_log : pandas.DataFrame
        ``file, doc_id, status, message``: what happened to each file of the last build or add.
    """

    # Plain data attributes (set per instance; declared here so that they are part of the class's interface).
    indicators: pd.DataFrame | None = None
    embeddings: np.ndarray | None = None
    model_id: str | None = None
    index = None

    def __init__(self, documents, passages, glossary, repairs, clean_texts, *, lines=None, indicators=None,
                 embeddings=None, model_id=None, model=None, index=None, build_log=None):
        self.documents = documents
        self.passages = passages
        self.glossary = glossary
        self.repairs = repairs
        self.lines = lines if lines is not None else pd.DataFrame(columns=LINE_COLUMNS)
        self._clean_texts = dict(clean_texts)
        self.indicators = indicators
        self.embeddings = embeddings
        self.model_id = model_id
        self.model = model
        self.index = index
        self.build_log = build_log if build_log is not None else pd.DataFrame(columns=BUILD_LOG_COLUMNS)

    def __repr__(self) -> str:
        return (f"<Corpus: {len(self.documents)} documents, {len(self.passages)} passages, "
                f"{len(self.repairs)} repairs, districts={sorted(self.documents['district'].unique())}>")

    # --- text ----------------------------------------------------------------
    def clean_text(self, doc_id: str) -> str:
        """The whole cleaned, simplified text of one document (lines joined by ``\\n``)."""
        if doc_id not in self._clean_texts:
            raise UnknownItemError(f"unknown doc_id {doc_id!r}; known: {', '.join(sorted(self._clean_texts))}")
        return self._clean_texts[doc_id]

    # --- explicit computations -------------------------------------------------
    def embed(self, model=None, progress: bool | None = None) -> "Corpus":
        """Embed the passages (if not yet), re-assign themes with the embeddings, rebuild the index."""
        reporter = stages.StageReporter(progress)
        started = time.perf_counter()
        self.embeddings, self.model_id = stages.embed(self.passages, model or self.model, progress=reporter.enabled)
        reporter.done("embed", started, f"{len(self.passages)} passages")
        started = time.perf_counter()
        self.assign_themes()
        reporter.done("themes", started, "headings, embeddings and seed terms")
        return self

    def assign_themes(self) -> None:
        """(Re)compute the theme columns of :attr:`passages` from headings, seed terms and embeddings."""
        self.passages = stages.assign_themes(self.passages, self.embeddings, self.model or self.model_id)
        self.index = None  # the search index holds a copy of the passages and their themes

    def build_index(self) -> "Corpus":
        """Fit the search index over the body passages (explicit; search calls it when missing)."""
        _release_arrow_memory()  # the fit sets a build's peak: pages the Arrow allocator keeps count in it
        self.index = stages.build_index(self.passages, self.embeddings)
        return self

    # --- themes and comparison --------------------------------------------------
    def body_mask(self) -> np.ndarray:
        """Rows of :attr:`passages` that are body text (what search, compare and themes use)."""
        return stages.body_mask(self.passages)

    def _passage_index(self):
        if self.index is None:
            self.build_index()
        return self.index

    def search(self, query: str, k: int = 5, district=None, theme=None, min_verdict: str = "related") -> pd.DataFrame:
        """Ranked body passages for a free-text query (Chinese or English).

        Returns ``passage_id, doc_id, district, score, text, section_path, line_start, line_end``
        plus ``verdict`` (comparable/related), ``p_comparable``, ``matched_terms`` and ``matched_variants``;
        fewer than ``k`` rows when fewer passages are at least ``min_verdict`` (``attrs["note"]`` says so).
        """
        from .embed import embed_texts

        if not isinstance(query, str) or not query.strip():
            raise OptionError("the query is empty; give some words to search for")
        if district is not None:
            district = resolve_districts(district, self.documents)
        index = self._passage_index()
        query_vector = None
        if self.embeddings is not None:
            query_vector = embed_texts([query], model=self.model or self.model_id, prompt="query")[0]
        return index.search(query, query_vector, k=k, district=district, theme=theme, min_verdict=min_verdict)

    def compare(self, passage_id: str, k: int = 3, min_verdict: str = "related", focus: str | None = None) -> pd.DataFrame:
        """For each other district, up to ``k`` passages comparable to ``passage_id`` (with ``rank``,
        ``verdict``, ``p_comparable``), or one ``verdict == "none"`` row holding the best near-miss.

        ``focus`` (a phrase or sentence of the passage, e.g. ``"异地就医直接结算"``) compares that one goal
        of a long paragraph rather than the whole; ``attrs["focus_sentence"]`` names the sentence used.
        """
        from .embed import embed_texts

        def embed(texts):
            return embed_texts(list(texts), model=self.model or self.model_id, prompt="query")

        return self._passage_index().compare(passage_id, k=k, min_verdict=min_verdict, focus=focus,
                                             embed=embed if self.embeddings is not None else None)

    def align(self, theme: str, threshold: float | None = None) -> pd.DataFrame:
        """Groups of passages from different districts that address the same goal within ``theme``.

        Districts with nothing comparable get a row with ``status="nothing comparable"``.
        """
        from .match import align_theme

        mask = self.body_mask()
        embeddings = None if self.embeddings is None else self.embeddings[mask]
        return align_theme(self.passages[mask], embeddings, theme, threshold=threshold,
                           index=self._passage_index())

    def text_reuse(self, **params) -> pd.DataFrame:
        """Near-verbatim sentences shared between documents, national boilerplate flagged."""
        from .match import find_text_reuse

        return find_text_reuse(self.passages[self.body_mask()], **params)

    def themes_table(self, k: int = 3, *, top_n: int | None = None) -> pd.DataFrame:
        """One row per (theme, district): passages, characters, share of text, the ``k`` top passages.

        A theme a district does not cover shows as zero, not as a missing row.
        """
        from .themes import themes_table

        return themes_table(self.passages[self.body_mask()], self.documents, k=k, top_n=top_n)

    # --- persistence ---------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the corpus as Parquet tables, ``embeddings.npy`` and a JSON manifest (no pickle)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name in _TABLES:
            frame = getattr(self, name)
            if frame is not None:
                frame.to_parquet(path / f"{name}.parquet", index=False)
        _write_clean_texts(path / "clean_text.parquet", self._clean_texts)
        embeddings_file = path / "embeddings.npy"
        if self.embeddings is not None:
            np.save(embeddings_file, self.embeddings, allow_pickle=False)
        elif embeddings_file.is_file():
            embeddings_file.unlink()  # stale vectors of an earlier save would misalign
        manifest = {
            "plancompare_version": __version__,
            "code_fingerprint": code_fingerprint(),
            "model_id": self.model_id,
            "sources": dict(zip(self.documents["source_file"], self.documents["source_sha256"])),
            "n_passages": int(len(self.passages)),
        }
        (path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _release_arrow_memory()
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
        _release_arrow_memory()  # reading the tables left ≈ 0.29 GB of freed Arrow pages resident (1,000 documents)
        embeddings_file = path / "embeddings.npy"
        embeddings = np.load(embeddings_file, allow_pickle=False) if embeddings_file.is_file() else None
        if embeddings is not None and len(embeddings) != len(tables["passages"]):
            raise PlancompareError(f"{path}: embeddings.npy has {len(embeddings)} rows for "
                                   f"{len(tables['passages'])} passages; rebuild the corpus")
        return cls(
            tables["documents"], tables["passages"], tables["glossary"], tables["repairs"],
            dict(zip(texts["doc_id"], texts["text"])), lines=tables["lines"], indicators=tables["indicators"],
            embeddings=embeddings, model_id=manifest.get("model_id"), build_log=tables["build_log"],
        )

    # --- extending -------------------------------------------------------------
    def add(self, paths, catalog=None, *, progress: bool | None = None,
            max_section_chars: int = 600) -> "Corpus":
        """Add files or folders to the corpus; only new or changed documents are processed.

        A file already in the corpus with the same bytes is ``unchanged``; one whose bytes changed
        replaces its document; a file with the bytes (or nearly the cleaned text) of a document
        already in the corpus is a ``duplicate`` and is not added.  New passages are embedded
        (when the corpus has embeddings), themes are re-assigned over the whole corpus (their
        term weights depend on it), indicators are extracted for the new documents and the search
        index is rebuilt.  :attr:`build_log` tells what happened to each file.  Returns ``self``.
        """
        reporter = stages.StageReporter(progress)
        params = stages.DocumentParams(max_section_chars=max_section_chars, cache_dir=str(cache_root()))
        run = DocumentRun(_catalog_rows(catalog), params, known=self.documents, known_texts=self._clean_texts)
        run.run(resolve_sources(paths), reporter)
        self.build_log = run.build_log()
        if not run.results:
            _report_log(self.build_log, reporter)
            return self
        gone = set(run.replaced)
        keep = ~self.passages["doc_id"].isin(gone).to_numpy()
        new = _combine(run.results)
        # Theme columns are dropped here (only the documented columns are kept) and re-assigned below.
        for name in ("documents", "passages", "glossary", "repairs", "lines"):
            old = getattr(self, name)
            setattr(self, name, table(name, [old[~old["doc_id"].isin(gone)], new[name]]))
        for doc_id in gone:
            self._clean_texts.pop(doc_id, None)
        self._clean_texts.update(new["texts"])
        if self.embeddings is not None:
            started = time.perf_counter()
            vectors, self.model_id = stages.embed(new["passages"], self.model or self.model_id, progress=reporter.enabled)
            self.embeddings = np.concatenate([self.embeddings[keep], vectors]).astype(np.float32, copy=False)
            reporter.done("embed", started, f"{len(new['passages'])} new passages")
        started = time.perf_counter()
        self.assign_themes()
        reporter.done("themes", started)
        started = time.perf_counter()
        fresh = stages.extract_indicators(new["passages"], new["documents"], new["lines"], params)
        old = self.indicators if self.indicators is not None else fresh.iloc[:0]
        self.indicators = pd.concat([old[~old["doc_id"].isin(gone)], fresh], ignore_index=True)
        reporter.done("indicators", started)
        self.build_index()
        _report_log(self.build_log, reporter)
        return self

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


def build_corpus(paths, catalog=None, *, model=None, embed: bool = True, progress: bool | None = None,
                 max_section_chars: int = 600, use_cache: bool = True, index: bool = True,
                 workers: int | None = None, engine: str = "local", client=None) -> Corpus:
    """Build a corpus from files and folders.

    Parameters
    ----------
    paths : str, Path or iterable of them
        Files, or folders searched recursively for supported files
        (:data:`plancompare.ingest.SUPPORTED_SUFFIXES`), in any supported encoding, simplified
        or traditional.  A named file that cannot be read raises its one-line error; a file
        found in a folder that cannot be read is skipped with a warning and listed in
        :attr:`Corpus.build_log`.
    catalog : str, Path or DataFrame, optional
        Catalog rows (``doc_id, source_file`` and metadata columns) for some or all files.
        Files without a row get metadata inferred from their text; none is refused.
    model : str, optional
        Sentence-transformers model for embeddings (default: the bundled offline e5 model).
    embed : bool
        Embed the passages (default).  ``False`` builds without embeddings: themes then come
        from headings and seed terms and search is lexical only, until :meth:`Corpus.embed`.
    progress : bool, optional
        Progress on stderr for each stage, embedding included (default: when stderr is a terminal).
    max_section_chars : int
        Sections with a longer body are split into one passage per paragraph.
    use_cache : bool
        Reuse and store per-document stage outputs in the user cache folder
        (``$PLANCOMPARE_CACHE_DIR`` overrides it).
    index : bool
        Fit the search index now (else on the first search: a corpus built only to be saved
        does not need it).
    workers : int, optional
        Processes for the per-document stages: ``None`` runs small inputs serially and large
        ones on every core (:mod:`plancompare.parallel`); the tables are the same either way.
    engine : {"local", "dask"}
        ``"dask"``: per-document stages as Dask tasks and embedding on Dask actors, on ``client``
        (a ``dask.distributed.Client``), ``$PLANCOMPARE_DASK_SCHEDULER`` or a local cluster
        (:mod:`plancompare.engine_dask`).

    Returns
    -------
    Corpus
    """
    if engine == "dask" and client is None:  # one cluster for the documents and the embedding
        from .engine_dask import dask_client

        with dask_client() as client:
            return build_corpus(paths, catalog, model=model, embed=embed, progress=progress,
                                max_section_chars=max_section_chars, use_cache=use_cache, index=index,
                                workers=workers, engine=engine, client=client)
    reporter = stages.StageReporter(progress)
    params = stages.DocumentParams(max_section_chars=max_section_chars, use_cache=use_cache, cache_dir=str(cache_root()))
    if catalog is not None and not isinstance(catalog, pd.DataFrame):
        catalog = load_catalog(catalog)
    sources, rows = resolve_sources(paths), _catalog_rows(catalog)
    preload, early = _first_build_embedding(model, embed, engine, reporter,
                                            pooled=len(sources) > 1 and workers != 1)
    process = prefetch_documents(sources, rows, params, workers=workers, engine=engine, client=client,
                                 progress=reporter.enabled,
                                 on_tables=None if early is None else _early_embedding(early, len(sources)))
    run = DocumentRun(rows, params, process=process).run(sources, reporter)
    stop_fork_server()  # its ≈ 0.3 GB stayed resident through every later stage of the build
    if early is not None:
        _wait_for_model(preload, reporter)
        started = time.perf_counter()
        reporter.done("embed (while cleaning)", started, f"{early.finish()} passages; the time is the wait for the last chunk")
    corpus = _corpus_of_run(run, model)
    # The per-document tables and the near-duplicate shingles are not needed by the corpus-level
    # stages below: let them go now (at 1,000 documents the peak of a whole build fell by 0.13 GB).
    del run
    _embed_and_assign_themes(corpus, model, embed, engine, client, reporter, preload)
    started = time.perf_counter()
    corpus.indicators = stages.extract_indicators(corpus.passages, corpus.documents, corpus.lines, params)
    reporter.done("indicators", started, f"{len(corpus.indicators)} statements")
    if index:
        started = time.perf_counter()
        corpus.build_index()
        reporter.done("search index", started)
    _report_log(corpus.build_log, reporter)
    return corpus


def _corpus_of_run(run: DocumentRun, model) -> Corpus:
    """The corpus of a finished :class:`DocumentRun`: its documents' tables combined (no
    embeddings, themes or indicators yet). Raises ``PlancompareError`` when no document was read."""
    if not run.results:
        raise PlancompareError("no document could be read: " + "; ".join(
            f"{r.file}: {r.message}" for r in run.build_log().itertuples()))
    tables = _combine(run.results)
    return Corpus(tables["documents"], tables["passages"], tables["glossary"], tables["repairs"],
                  tables["texts"], lines=tables["lines"], model=model, build_log=run.build_log())


def _first_build_embedding(model, embed: bool, engine: str, reporter, pooled: bool = False) -> tuple:
    """``(preload, early)``: on a first local build (empty embedding cache) the model loads in a
    background thread (:func:`~plancompare.early_embed.preload_model`) and the passages of documents
    already cleaned are embedded meanwhile (:class:`~plancompare.early_embed.BackgroundEmbedder`);
    ``(None, None)`` otherwise. ``pooled``: the documents will be cleaned in a process pool."""
    if not embed or engine != "local":
        return None, None
    from .early_embed import BackgroundEmbedder, preload_model

    preload = preload_model(model, start=False)
    if preload is None:
        return None, None
    # The document pool's server starts first and warms up in its own process while this one
    # imports torch and loads the model (≈ 17 s of CPU), so neither waits for the other.
    if pooled:
        start_fork_server()
    preload.start()
    reporter.note("first build: the embedding model loads while the documents are cleaned")
    return preload, BackgroundEmbedder(model, preload=preload, progress=reporter.enabled)


def _wait_for_model(preload, reporter) -> None:
    """Join the model-loading thread of a first build, saying so when it is still loading (the
    documents are done: without a line here the wait would be silent)."""
    if preload is None or not preload.is_alive():
        return
    reporter.note("model load: still loading the embedding model (first run only)...")
    started = time.perf_counter()
    preload.join()
    reporter.done("model load (after cleaning)", started, "the wait for it")


def _early_embedding(early, n_documents: int):
    """The ``on_tables`` of a first build: queue each cleaned document's passages on ``early``,
    and give it the cores the pool no longer uses (one thread at least).

    Not every core while a document is still being cleaned: torch's threads wait for each other at
    every operation, so one of them sharing a core with a pool worker held the others back (a first
    build's last, largest document and a two-thread early embedding on two cores)."""
    finished, cores = 0, available_cores()

    def submit(tables) -> None:
        nonlocal finished
        finished += 1
        early.submit(tables.passages["text"])
        early.use_threads(max(1, cores - min(n_documents - finished, cores)))

    return submit


def _embed_and_assign_themes(corpus: Corpus, model, embed: bool, engine: str, client, reporter,
                             preload=None) -> None:
    """Embed ``corpus``'s passages (locally or on Dask actors) and assign themes, in place;
    without ``embed``, themes come from headings and seed terms only. ``preload`` is the thread
    loading the model in the background (:func:`plancompare.early_embed.preload_model`), joined first."""
    _release_arrow_memory()  # the per-document tables' Arrow buffers, freed but kept by the allocator
    if embed and engine == "dask":
        from .engine_dask import dask_embed_passages

        started = time.perf_counter()
        result = dask_embed_passages(corpus.passages["text"].tolist(), model, client=client, progress=reporter.enabled)
        corpus.embeddings, corpus.model_id = result.vectors, result.model_id
        reporter.done("embed (dask)", started, f"{len(corpus.passages)} passages")
        corpus.assign_themes()
    elif embed:
        if preload is not None:
            preload.join()
        corpus.embed(model, progress=reporter.enabled)
    else:
        started = time.perf_counter()
        corpus.assign_themes()
        reporter.done("themes", started, "headings and seed terms")


def load_corpus(path: str | Path | None = None, *, model=None, rebuild: bool = False,
                progress: bool | None = None, workers: int | None = None, engine: str = "local") -> Corpus:
    """Load a corpus.

    ``load_corpus()`` returns the bundled plans (package data), building them on first use and
    whenever the sources or the library changed, and caching the result in the user cache
    folder (:func:`processed_dir`); ``load_corpus(path)`` reads a corpus saved with
    :meth:`Corpus.save`. ``workers`` and ``engine`` go to :func:`build_corpus` when it builds.
    """
    if path is not None:
        return Corpus.load(path)
    data = bundled_data_dir()
    processed = processed_dir()
    catalog = load_catalog(data / "catalog.csv")
    catalog_sha = hashlib.sha256((data / "catalog.csv").read_bytes()).hexdigest()
    if not rebuild and _is_fresh(processed, catalog, catalog_sha):
        return Corpus.load(processed)
    corpus = build_corpus(list(catalog["source_file"]), catalog=catalog, model=model, embed=True, progress=progress,
                          index=False, workers=workers, engine=engine)
    corpus.save(processed)
    manifest_path = processed / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["catalog_sha256"] = catalog_sha
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return corpus


def bundled_data_dir() -> Path:
    """The bundled plans and their catalog (package data: ``plancompare/data/plans``)."""
    folder = Path(__file__).resolve().parent / "data" / "plans"
    if not (folder / "catalog.csv").is_file():
        raise PlancompareError(f"bundled plans not found in {folder}: the installation is incomplete")
    return folder


def processed_dir() -> Path:
    """Where the processed bundled corpus is cached: ``<cache root>/corpus/bundled``
    (``$PLANCOMPARE_CACHE_DIR`` overrides the cache root)."""
    return cache_root() / "corpus" / "bundled"


def code_fingerprint() -> str:
    """SHA-256 over the package's source and configuration data: a saved corpus made by other code is rebuilt."""
    return _code_fingerprint()


def _is_fresh(processed: Path, catalog: pd.DataFrame, catalog_sha: str) -> bool:
    manifest_path = processed / "manifest.json"
    if not manifest_path.is_file():
        return False
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("code_fingerprint") != code_fingerprint() or manifest.get("catalog_sha256") != catalog_sha:
        return False
    current = {f: hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in catalog["source_file"]}
    return manifest.get("sources") == current and (processed / "embeddings.npy").is_file()


def _catalog_rows(catalog) -> dict[str, dict]:
    if catalog is None:
        return {}
    if not isinstance(catalog, pd.DataFrame):
        catalog = load_catalog(catalog)
    return {str(Path(row["source_file"]).resolve()): row for row in catalog.to_dict("records")}


def _combine(results) -> dict:
    out = {name: table(name, [getattr(r, name) for r in results])
           for name in ("documents", "passages", "glossary", "repairs", "lines")}
    out["texts"] = {r.documents["doc_id"].iloc[0]: r.clean_text() for r in results}
    return out


def _report_log(log: pd.DataFrame, reporter) -> None:
    """Print the per-file status table when something was not simply processed."""
    unusual = log[~log["status"].isin(("processed", "cached"))]
    if reporter.enabled and len(unusual):
        import sys

        print(unusual.to_string(index=False), file=sys.stderr, flush=True)
