"""Which files a build reads, and what happened to each: recursive folders, per-file status,
duplicates.

A folder is searched recursively for files with a supported suffix
(:data:`plancompare.ingest.SUPPORTED_SUFFIXES`); hidden files and office lock files (``~$…``)
are skipped.  A file named explicitly that cannot be read raises its one-line error; a file
found in a folder that cannot be read is reported (a warning, and ``failed`` in the build
log) so the other files' work is kept.  A file whose bytes equal a document already in the
corpus, or whose cleaned text is nearly identical to one (the same plan saved in two
formats), is reported as ``duplicate`` and not added twice.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CatalogError, PlancompareError
from ..ingest import SUPPORTED_SUFFIXES
from .schema import table
from .stages import DocumentParams, DocumentTables, process_document

# Cleaned texts sharing at least this share of their character 8-grams are one document.
NEAR_DUPLICATE_JACCARD = 0.9
_SHINGLE = 8
_SIGNATURE_SIZE = 64
_SIGNATURE_AGREEMENT = 0.5
_HASH_MUL = np.random.default_rng(20261201).integers(1, 2**63, _SIGNATURE_SIZE, dtype=np.uint64) * 2 + 1  # odd
_HASH_ADD = np.random.default_rng(20261202).integers(0, 2**63, _SIGNATURE_SIZE, dtype=np.uint64)


@dataclass(frozen=True)
class SourceFile:
    """A file to build: its path, the doc_id it gets without a catalog entry, and whether the
    user named it (else it was found in a folder)."""

    path: Path
    doc_id: str
    explicit: bool


def resolve_sources(paths, suffixes: Iterable[str] = SUPPORTED_SUFFIXES) -> list[SourceFile]:
    """Files of ``paths`` (files, or folders searched recursively for ``suffixes``).

    Files found in a folder get a doc_id from their path inside it (``2023/report.txt`` →
    ``2023_report``), so equal names in different subfolders stay apart.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    suffixes = tuple(s.lower() for s in suffixes)
    files: list[SourceFile] = []
    for item in paths:
        item = Path(item)
        if item.is_dir():
            found = sorted(
                f for f in item.rglob("*")
                if f.is_file() and f.suffix.lower() in suffixes
                and not any(part.startswith((".", "~$")) for part in f.relative_to(item).parts)
            )
            if not found:
                raise PlancompareError(f"{item}: folder holds no supported files ({', '.join(suffixes)})")
            files.extend(SourceFile(f, _doc_id_of(f.relative_to(item)), False) for f in found)
        else:
            files.append(SourceFile(item, _doc_id_of(Path(item.name)), True))
    if not files:
        raise PlancompareError("no input files given")
    return files


def _doc_id_of(relative: Path) -> str:
    stem = str(relative.with_suffix("")).lower()
    return re.sub(r"[^\w]+", "_", stem).strip("_") or "document"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class DocumentRun:
    """Process source files one by one into :class:`DocumentTables`, keeping a build log.

    Parameters
    ----------
    catalog_rows : dict
        Resolved source path → catalog row.
    params : DocumentParams
    known : DataFrame, optional
        ``documents`` of an existing corpus (for :meth:`Corpus.add`): files whose path and bytes
        match are ``unchanged``; a known path with new bytes replaces its document.
    known_texts : dict, optional
        ``doc_id → cleaned text`` of the known documents (for near-duplicate checks).
    process : callable
        ``process(path, catalog_row, params) -> DocumentTables``; :func:`process_document`
        by default (a process pool may map it instead).
    """

    def __init__(self, catalog_rows: dict, params: DocumentParams, known: pd.DataFrame | None = None,
                 known_texts: dict | None = None,
                 process: Callable[..., DocumentTables] = process_document):
        self.catalog_rows = catalog_rows
        self.params = params
        self.process = process
        self.log: list[dict] = []
        self.results: list[DocumentTables] = []
        self.replaced: list[str] = []
        known = known if known is not None else pd.DataFrame(columns=["doc_id", "source_file", "source_sha256"])
        self._path_doc = {str(Path(f).resolve()): (d, s) for d, f, s in
                          zip(known["doc_id"], known["source_file"], known["source_sha256"])}
        self._sha_doc = {s: d for d, s in zip(known["doc_id"], known["source_sha256"])}
        self._ids = set(known["doc_id"])
        self._shingles: dict[str, np.ndarray] = {}
        self._signatures: list[np.ndarray] = []  # MinHash signature of each _shingles entry, same order
        for doc_id, text in (known_texts or {}).items():
            self._remember(doc_id, _shingles(text))

    def run(self, files: list[SourceFile], reporter=None) -> "DocumentRun":
        items = reporter.documents(files) if reporter is not None else files
        for source in items:
            try:
                self._one(source)
            except PlancompareError as err:
                if source.explicit:
                    raise
                warnings.warn(f"skipped {source.path}: {err}", stacklevel=2)
                self._log(source.path, "", "failed", str(err))
        return self

    def _one(self, source: SourceFile) -> None:
        resolved = str(source.path.resolve()) if source.path.exists() else str(source.path)
        sha = file_sha256(source.path) if source.path.is_file() else None
        previous = self._path_doc.get(resolved)
        if previous is not None and previous[1] == sha:
            self._log(source.path, previous[0], "unchanged", "already in the corpus with the same bytes")
            return
        row = dict(self.catalog_rows.get(resolved, {}))
        if previous is not None:
            row.setdefault("doc_id", previous[0])  # a changed file keeps its doc_id
        elif not row.get("doc_id"):
            row["doc_id"] = self._free_id(source)
        if sha is not None and sha in self._sha_doc and (previous is None or self._sha_doc[sha] != previous[0]):
            self._duplicate(source, self._sha_doc[sha], "same bytes as")
            return
        tables = self.process(source.path, row, self.params)
        doc_id = tables.documents["doc_id"].iloc[0]
        shingles = _shingles(tables.clean_text())
        signature = _signature(shingles)
        twin = self._near_twin(shingles, exclude=(previous or ("",))[0], signature=signature)
        if twin is not None:
            self._duplicate(source, twin, f"cleaned text {_jaccard(shingles, self._shingles[twin]):.0%} identical to")
            return
        if previous is not None:
            self.replaced.append(previous[0])
            message = "changed since the corpus was built: processed again"
        else:
            message = ""
        self._ids.add(doc_id)
        self._sha_doc[sha] = doc_id
        self._path_doc[resolved] = (doc_id, sha)
        self._remember(doc_id, shingles, signature)
        self.results.append(tables)
        self._log(source.path, doc_id, tables.status, message)

    def _remember(self, doc_id: str, shingles: np.ndarray, signature: np.ndarray | None = None) -> None:
        self._shingles[doc_id] = shingles
        self._signatures.append(_signature(shingles) if signature is None else signature)

    def _near_twin(self, shingles: np.ndarray, exclude: str, signature: np.ndarray | None = None) -> str | None:
        """The first document (in the order they were added) whose cleaned text is a near
        duplicate of ``shingles``: Jaccard ≥ :data:`NEAR_DUPLICATE_JACCARD`.

        The exact Jaccard (≈ 1 ms a pair) is computed only for documents whose MinHash signatures
        agree on at least :data:`_SIGNATURE_AGREEMENT` of their :data:`_SIGNATURE_SIZE` positions:
        each position agrees with probability equal to the Jaccard, so a pair at 0.9 falls below
        half agreement with a probability under 1e-15, and the answer is that of comparing with
        every document. Plans share boilerplate paragraphs, which defeated the earlier prefix
        filtering (most documents shared a prefix shingle with most others): the 1,000-document
        scale benchmark still spent minutes here."""
        if not self._signatures:
            return None
        signature = _signature(shingles) if signature is None else signature
        agreement = (np.vstack(self._signatures) == signature).mean(axis=1)
        ids = list(self._shingles)
        for i in np.flatnonzero(agreement >= _SIGNATURE_AGREEMENT):
            if ids[i] != exclude and _jaccard(shingles, self._shingles[ids[i]]) >= NEAR_DUPLICATE_JACCARD:
                return ids[i]
        return None

    def _free_id(self, source: SourceFile) -> str:
        doc_id = source.doc_id
        if doc_id not in self._ids:
            return doc_id
        if source.explicit:
            owner = next((f for f, (d, _) in self._path_doc.items() if d == doc_id), "another file")
            raise CatalogError(f"duplicate doc_id {doc_id!r}: {owner} and {source.path}")
        suffix = source.path.suffix.lower().lstrip(".")
        candidate, n = f"{doc_id}_{suffix}", 2
        while candidate in self._ids:
            candidate, n = f"{doc_id}_{suffix}{n}", n + 1
        return candidate

    def _duplicate(self, source: SourceFile, twin: str, how: str) -> None:
        message = f"{how} {twin}: not added twice"
        warnings.warn(f"{source.path}: {message}", stacklevel=3)
        self._log(source.path, twin, "duplicate", message)

    def _log(self, path: Path, doc_id: str, status: str, message: str) -> None:
        self.log.append({"file": str(path), "doc_id": doc_id, "status": status, "message": message})

    def build_log(self) -> pd.DataFrame:
        return table("build_log", self.log)


def _shingles(text: str) -> np.ndarray:
    """The hashed ``_SHINGLE``-character shingles of ``text`` (whitespace removed): a sorted array
    of distinct int64. An array, not a set of Python ints: one is kept per document for the whole
    build, and as a set each shingle cost about 90 bytes (2 GB for the 1,000-document scale
    benchmark) where the array costs 8."""
    compact = re.sub(r"\s+", "", text)
    if len(compact) <= _SHINGLE:
        return np.array([hash(compact)], dtype=np.int64)
    hashes = np.fromiter((hash(compact[i:i + _SHINGLE]) for i in range(len(compact) - _SHINGLE + 1)),
                         dtype=np.int64, count=len(compact) - _SHINGLE + 1)
    return np.unique(hashes)


def _signature(shingles: np.ndarray) -> np.ndarray:
    """The MinHash signature of ``shingles``: the minimum of :data:`_SIGNATURE_SIZE` fixed
    multiply-add hashes (arithmetic modulo 2**64) over the set."""
    values = shingles.view(np.uint64)
    with np.errstate(over="ignore"):
        return (values[:, None] * _HASH_MUL[None, :] + _HASH_ADD[None, :]).min(axis=0)


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two shingle arrays (sorted, distinct: :func:`_shingles`)."""
    if not len(a) or not len(b):
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if len(small) < NEAR_DUPLICATE_JACCARD * len(large):
        return 0.0  # too different in length to be near-identical
    shared = len(np.intersect1d(small, large, assume_unique=True))
    return shared / (len(small) + len(large) - shared)
