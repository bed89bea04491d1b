"""Adding a plan from the page: check the upload, store it, build it into the corpus.

An upload is checked like any other input before anything is read: a size limit, a supported
suffix (``plancompare.ingest.SUPPORTED_SUFFIXES``), a
plain file name. It is stored under ``<corpus folder>/uploads/`` (nothing is written elsewhere)
and added with ``Corpus.add`` (a corrected catalog row re-builds the one file with
:func:`plancompare.build_corpus`). Every problem is one line naming the
file, never a traceback.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

import plancompare as pc
from plancompare import ingest

from ..errors import InputFileError, PlancompareError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: Metadata a user may correct after an upload (columns of ``corpus.documents``).
EDITABLE_FIELDS = ("district", "city", "province", "title", "kind", "year")
KINDS = ("five_year_plan", "work_report", "implementation_plan", "other")


def supported_suffixes() -> tuple[str, ...]:
    """The file suffixes the library reads (``plancompare.ingest.SUPPORTED_SUFFIXES``)."""
    return tuple(ingest.SUPPORTED_SUFFIXES)


def safe_name(filename: str) -> str:
    """A plain file name for ``filename``: no folders, no control or shell-special characters."""
    name = Path(str(filename).replace("\\", "/")).name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    stem = re.sub(r"[^\w\-.\u4e00-\u9fff]+", "_", stem).strip("._") or "upload"
    return stem[:80] + suffix


def check_upload(filename: str, data: bytes | None, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Refuse an upload that is empty, too large or of an unsupported type; return its safe name.

    Raises :class:`~plancompare.errors.InputFileError` naming the file and the problem.
    """
    if not filename:
        raise InputFileError("upload", "no file chosen")
    name = safe_name(filename)
    suffixes = supported_suffixes()
    if Path(name).suffix.lower() not in suffixes:
        raise InputFileError(filename, f"unsupported file type {Path(name).suffix or '(none)'!r}; "
                                       f"supported: {', '.join(suffixes)}")
    if not data:
        raise InputFileError(filename, "file is empty")
    if len(data) > max_bytes:
        raise InputFileError(filename, f"file is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB")
    return name


def store_upload(name: str, data: bytes, upload_dir: Path) -> Path:
    """Write ``data`` to ``upload_dir/name``; a different file of the same name gets a content-hash suffix."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    path = upload_dir / name
    if path.exists() and path.read_bytes() != data:
        path = path.with_name(f"{path.stem}_{hashlib.sha256(data).hexdigest()[:8]}{path.suffix}")
    path.write_bytes(data)
    return path


def add_document(corpus, path: Path, catalog: pd.DataFrame | None = None):
    """A copy of ``corpus`` with the plan at ``path`` added (and embedded); returns ``(corpus, doc_id)``.

    A new file goes through ``Corpus.add`` (on a copy, so sessions searching the old corpus are
    undisturbed); a duplicate or unreadable file raises :class:`PlancompareError` with the build
    log's message. With ``catalog`` (corrected metadata for a file already in the corpus) the one
    file is built again with :func:`plancompare.build_corpus` and replaces its document.
    """
    if catalog is not None:
        new = pc.build_corpus([path], catalog=catalog, model=corpus.model or corpus.model_id,
                              embed=corpus.embeddings is not None)
        doc_id = new.documents["doc_id"].iloc[0]
        return join_corpora(drop_document(corpus, doc_id), new), doc_id
    updated = copy_corpus(corpus).add([path])
    log = updated.build_log
    entry = log[log["file"] == str(path)].tail(1)
    status = entry["status"].iloc[0] if len(entry) else "failed"
    if status in ("processed", "cached"):
        return updated, entry["doc_id"].iloc[0]
    message = entry["message"].iloc[0] if len(entry) else "nothing was added"
    if status in ("unchanged", "duplicate"):
        raise PlancompareError(f"{path.name}: {message or 'already in the corpus'}")
    raise PlancompareError(f"{path.name}: {message}")


def copy_corpus(corpus):
    """A new :class:`~plancompare.Corpus` sharing ``corpus``'s tables (``add`` replaces, never edits, them)."""
    texts = {d: corpus.clean_text(d) for d in corpus.documents["doc_id"]}
    return pc.Corpus(corpus.documents, corpus.passages, corpus.glossary, corpus.repairs, texts,
                     lines=corpus.lines, indicators=corpus.indicators, embeddings=corpus.embeddings,
                     model_id=corpus.model_id, model=corpus.model, index=corpus.index,
                     build_log=corpus.build_log)


def drop_document(corpus, doc_id: str):
    """A new corpus without ``doc_id`` (a copy when it is absent)."""
    keep = (corpus.passages["doc_id"] != doc_id).to_numpy()

    def without(frame):
        return None if frame is None else frame[frame["doc_id"] != doc_id].reset_index(drop=True)

    texts = {d: corpus.clean_text(d) for d in corpus.documents["doc_id"] if d != doc_id}
    embeddings = None if corpus.embeddings is None else corpus.embeddings[keep]
    return pc.Corpus(without(corpus.documents), without(corpus.passages), without(corpus.glossary),
                     without(corpus.repairs), texts, lines=without(corpus.lines),
                     indicators=without(corpus.indicators), embeddings=embeddings,
                     model_id=corpus.model_id, model=corpus.model)


def join_corpora(base, new):
    """One corpus holding the documents of ``base`` and ``new`` (both embedded by the same model)."""
    if base.model_id and new.model_id and base.model_id != new.model_id:
        raise PlancompareError(f"cannot join corpora embedded by {base.model_id} and {new.model_id}")

    def cat(a, b):
        return pd.concat([a, b], ignore_index=True)

    texts = {d: base.clean_text(d) for d in base.documents["doc_id"]}
    texts.update({d: new.clean_text(d) for d in new.documents["doc_id"]})
    embeddings = None
    if base.embeddings is not None and new.embeddings is not None:
        embeddings = np.vstack([base.embeddings, new.embeddings]).astype(np.float32)
    joined = pc.Corpus(cat(base.documents, new.documents), cat(base.passages, new.passages),
                       cat(base.glossary, new.glossary), cat(base.repairs, new.repairs), texts,
                       lines=cat(base.lines, new.lines), indicators=cat(base.indicators, new.indicators),
                       embeddings=embeddings, model_id=base.model_id or new.model_id, model=base.model)
    return joined.build_index()


def catalog_row(document: pd.Series, edits: dict) -> pd.DataFrame:
    """A one-row catalog for re-building a document with corrected metadata."""
    row = {"doc_id": document["doc_id"], "source_file": document["source_file"]}
    for field in EDITABLE_FIELDS:
        value = edits.get(field, document.get(field))
        if field == "year":
            field, value = "issued", str(value or "")
        row[field] = "" if value is None or (isinstance(value, float) and np.isnan(value)) else value
    return pd.DataFrame([row])


def outline_text(passages: pd.DataFrame, max_items: int = 60) -> list[tuple[int, str, object]]:
    """The document's headings as ``(level, heading, raw line)``, in order."""
    heads = passages.drop_duplicates("section_path")
    heads = heads[heads["heading"].astype(str) != ""]
    return [(int(r.level or 1), str(r.heading), r.line_start) for r in heads.head(max_items).itertuples()]
