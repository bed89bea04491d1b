"""Indexes that scale to hundreds of thousands of passages: dense (exact or approximate) and lexical.

:class:`VectorIndex` answers "the ``k`` rows most similar to each query vector" (inner product of
L2-normalised vectors, i.e. cosine):

* ``method="exact"`` scans every row, in chunks, so the vectors can be a memory-mapped ``.npy``
  (``np.load(path, mmap_mode="r")``) larger than the memory one wants to spend;
* ``method="ivf"`` uses a faiss inverted-file index with 8-bit scalar-quantised vectors (a quarter
  of the float32 memory) to find ``rerank * k`` candidates, then re-scores them exactly against the
  float32 rows (memory-mapped) so the returned scores are exact cosines. The number of cells probed
  per query is chosen at build time by a recall target: midpoints of pairs of rows serve as
  calibration queries, a doubling schedule of ``nprobe`` brackets the target and a bisection narrows
  it, and the smallest ``nprobe`` tried whose recall@10 against the exact scan reaches
  ``target_recall`` is kept (``n_probe_``);
* ``method="auto"`` (default) is exact up to ``approximate_above`` rows and ``ivf`` above.

Why faiss (``faiss-cpu``, MIT) IVF: its index trains with a seeded k-means, so the same vectors
give the same index and the same answers; the 8-bit codes plus exact re-ranking return exact
cosines while the float32 rows stay on disk. On 200,000 synthetic passages the calibrated IVF
reaches recall@10 ≥ 0.99 within the latency target (``benchmarks/bench_index_probe.py`` compares
it with HNSW, ``benchmarks/results/index.md``); HNSW graphs in faiss build non-deterministically in
parallel and keep full vectors in memory.

:class:`LexicalIndex` is the lexical side: TF-IDF over character n-grams, fitted chunk by chunk,
stored column-major so a query touches only the posting lists of its own n-grams; it saves to
plain ``.npy`` files that load memory-mapped.

Both follow scikit-learn habits: parameters in ``__init__``, learned state in ``*_`` attributes,
``fit`` returns ``self``, ``search(queries, k)`` returns ``(ids, scores)`` arrays of shape
``(n_queries, k)`` with ids ``-1`` (score ``-inf``) where fewer than ``k`` rows exist.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
from sklearn.base import BaseEstimator

from .errors import PlancompareError
from .text.han import CharNgramAnalyzer

DEFAULT_APPROXIMATE_ABOVE = 50_000
METHODS = ("auto", "exact", "ivf")
UNIT_ROWS_CHUNK = 16_384
# An IVF index whose calibrated probes visit more than this share of the rows does not prune: a caller
# scoring every row (PassageIndex) scans them exactly instead (see VectorIndex.prunes).
MAX_SCAN_SHARE = 0.5


def unit_rows(x: np.ndarray, out: np.ndarray | None = None, chunk_rows: int | None = None) -> np.ndarray:
    """Rows of the 2-D array ``x`` divided by their L2 norms (a zero row stays zero), written into
    ``out`` (``x`` itself normalises in place; default a new array of ``x``'s shape and dtype).

    The result is bitwise that of ``x / np.linalg.norm(x, axis=1, keepdims=True)`` (each row's norm
    is its own reduction, whatever the rows around it), but taken ``chunk_rows`` rows at a time: the
    one-shot form holds two temporaries the size of ``x`` (the squares and the quotient), 115 MB
    each for the 78,561 body passages of 1,000 documents. ``chunk_rows`` defaults to :data:`UNIT_ROWS_CHUNK`."""
    out = np.empty(x.shape, dtype=x.dtype) if out is None else out
    chunk_rows = chunk_rows or UNIT_ROWS_CHUNK
    for start in range(0, len(x), chunk_rows):
        block = x[start:start + chunk_rows]
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        np.divide(block, norms, out=out[start:start + chunk_rows])
    return out


class VectorIndex(BaseEstimator):
    """Nearest rows by inner product, exact or approximate (see the module docstring).

    Parameters
    ----------
    method : {"auto", "exact", "ivf"}
    approximate_above : int
        With ``method="auto"``, the number of rows above which the IVF index is used.
    n_lists : int, optional
        IVF cells; default ``8 * sqrt(n)`` rounded, at most ``n / 40`` (about 3,600 at 200,000 rows): more, smaller
        cells reach a given recall with less scanning (``benchmarks/results/index_probe.json``).
    n_probe : int, optional
        Cells visited per query; default: calibrated at build time for ``target_recall``.
    target_recall : float
        Recall@10 against the exact scan that the calibrated ``n_probe`` must reach on the
        calibration queries.
    calibration_queries : int
        Rows used as calibration queries (a seeded sample).
    rerank : int
        Candidates re-scored exactly per result wanted (``rerank * k``).
    chunk_rows : int
        Rows per block in exact scans and while adding rows to the IVF index.
    random_state : int
        Seed of the k-means training sample, of faiss' k-means and of the calibration sample.

    Attributes
    ----------
    vectors_ : ndarray or memmap (n, d) float32, the rows (not copied when already float32).
    method_ : "exact" or "ivf", what ``fit`` built.
    faiss_index_ : the faiss index (``method_ == "ivf"`` only).
    n_probe_ : int, cells probed per query (IVF only).
    scan_share_ : float, mean share of the rows in the cells a calibration query visits (IVF only;
        see :meth:`prunes`).
    calibration_ : list of ``(n_probe, recall@10)`` tried while calibrating (IVF only, empty
        when ``n_probe`` was given).
    """

    def __init__(self, method: str = "auto", approximate_above: int = DEFAULT_APPROXIMATE_ABOVE,
                 n_lists: int | None = None, n_probe: int | None = None, target_recall: float = 0.995,
                 calibration_queries: int = 200, rerank: int = 4, chunk_rows: int = 65_536,
                 random_state: int = 0):
        self.method = method
        self.approximate_above = approximate_above
        self.n_lists = n_lists
        self.n_probe = n_probe
        self.target_recall = target_recall
        self.calibration_queries = calibration_queries
        self.rerank = rerank
        self.chunk_rows = chunk_rows
        self.random_state = random_state

    def fit(self, vectors: np.ndarray) -> "VectorIndex":
        """Index ``vectors`` ``(n, d)``: unit-length rows, float32 (a memmap is used in place)."""
        if self.method not in METHODS:
            raise PlancompareError(f"unknown index method {self.method!r}; use one of {', '.join(METHODS)}")
        if vectors.ndim != 2 or len(vectors) == 0:
            raise PlancompareError(f"vectors must be a non-empty 2-D array, got shape {vectors.shape}")
        self.vectors_ = vectors if vectors.dtype == np.float32 else np.asarray(vectors, dtype=np.float32)
        n, dim = self.vectors_.shape
        use_ivf = self.method == "ivf" or (self.method == "auto" and n > self.approximate_above)
        self.method_ = "ivf" if use_ivf else "exact"
        if use_ivf:
            self.faiss_index_ = self._build_ivf(n, dim)
            self.calibration_ = [] if self.n_probe else self._calibrate()
            self.n_probe_ = int(self.n_probe or _chosen_probe(self.calibration_, self.target_recall))
            self.faiss_index_.nprobe = min(self.n_probe_, self.faiss_index_.nlist)
            self.scan_share_ = self._scan_share(self._calibration_queries(), self.n_probe_)
        return self

    def _build_ivf(self, n: int, dim: int):
        import faiss

        n_lists = self.n_lists or max(1, min(int(round(8 * math.sqrt(n))), n // 40))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, n_lists, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = int(self.random_state)
        # k-means needs ~40 points per cell; a sorted sample keeps memmap reads sequential.
        rng = np.random.default_rng(self.random_state)
        sample_size = min(n, 64 * n_lists)
        # every row up to 262,144 rows (default n_lists): train on the rows themselves, not a copy of them
        train = self.vectors_ if sample_size >= n else self.vectors_[np.sort(rng.choice(n, size=sample_size,
                                                                                        replace=False))]
        index.train(np.ascontiguousarray(train))
        for start in range(0, n, self.chunk_rows):
            index.add(np.ascontiguousarray(self.vectors_[start:start + self.chunk_rows]))
        return index

    def _calibrate(self, k: int = 10) -> list[tuple[int, float]]:
        """Try ``nprobe`` = nlist/64, /32, ... until recall@``k`` reaches ``target_recall``, then bisect
        between the last probe count that missed it and the first that met it (to within an eighth of
        the latter): the doubling alone overshoots by up to 2x, and every cell probed is scanned on
        every query. Returns every ``(nprobe, recall)`` tried, in the order tried.

        Calibration queries are midpoints of two random rows, re-normalised: like a user's query they
        lie between passages rather than on one, so their neighbours spread over several cells (a
        row used as its own query would be found in its own cell and overstate recall).
        """
        n_lists = self.faiss_index_.nlist
        queries = self._calibration_queries()
        truth, _ = self._exact(queries, k)
        tried = []

        def recall_at(probe: int) -> float:
            found, _ = self.search(queries, k, n_probe=probe)
            recall = float(np.mean([len(set(a) & set(b)) / k for a, b in zip(found, truth)]))
            tried.append((int(probe), round(recall, 4)))
            return recall

        low, probe = 0, max(1, n_lists // 64)
        while recall_at(min(probe, n_lists)) < self.target_recall and probe < n_lists:
            low, probe = probe, probe * 2
        high = min(probe, n_lists)
        if tried[-1][1] < self.target_recall:  # every cell probed and still short: nothing to bisect
            return tried
        while low and high - low > max(1, high // 8):  # bisect (low missed the target, high met it)
            middle = (low + high) // 2
            if recall_at(middle) >= self.target_recall:
                high = middle
            else:
                low = middle
        return tried

    def _calibration_queries(self) -> np.ndarray:
        """Midpoints of ``calibration_queries`` seeded pairs of rows, re-normalised (see :meth:`_calibrate`)."""
        n = len(self.vectors_)
        rng = np.random.default_rng(self.random_state + 1)
        pairs = np.sort(rng.choice(n, size=(min(n, self.calibration_queries), 2)), axis=0)
        queries = np.asarray(self.vectors_[pairs[:, 0]]) + np.asarray(self.vectors_[pairs[:, 1]])
        queries /= np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
        return queries.astype(np.float32, copy=False)

    def _scan_share(self, queries: np.ndarray, n_probe: int) -> float:
        """Mean share of the rows that lie in the ``n_probe`` cells a query visits (over ``queries``)."""
        invlists = self.faiss_index_.invlists
        sizes = np.array([invlists.list_size(i) for i in range(self.faiss_index_.nlist)], dtype=np.int64)
        _, cells = self.faiss_index_.quantizer.search(np.ascontiguousarray(queries), int(min(n_probe, len(sizes))))
        visited = np.where(cells >= 0, sizes[np.maximum(cells, 0)], 0).sum(axis=1)  # -1: fewer cells than asked
        return round(float(visited.mean()) / len(self.vectors_), 4)

    def prunes(self) -> bool:
        """True for an IVF index whose calibrated probes visit at most :data:`MAX_SCAN_SHARE` of the rows
        (``scan_share_``; an index saved before it existed counts as pruning); False for an exact index.

        On vectors without neighbourhood structure k-means cells cannot separate the rows (on the
        benchmark's stand-in vectors 2,600 of 2,620 cells held one row each and the other cells the
        rest), so the calibrated probes visit nearly every row: 8-bit codes plus the exact re-scoring
        then cost more than one exact pass, and callers that need every row's score should take it."""
        return self.method_ == "ivf" and getattr(self, "scan_share_", 0.0) <= MAX_SCAN_SHARE

    def search(self, queries: np.ndarray, k: int = 10, n_probe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best rows per query: ``(ids, scores)``, each ``(n_queries, k)``, best first.
        ``n_probe``: cells visited by this call (IVF only; default ``n_probe_``)."""
        self._check_fitted()
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        if queries.shape[1] != self.vectors_.shape[1]:
            raise PlancompareError(f"query vectors have dimension {queries.shape[1]}, the index {self.vectors_.shape[1]}")
        k = int(k)
        if self.method_ == "exact":
            return self._exact(queries, k)
        params = None
        if n_probe is not None:
            import faiss

            params = faiss.SearchParametersIVF(nprobe=int(min(max(1, n_probe), self.faiss_index_.nlist)))
        _, candidates = self.faiss_index_.search(np.ascontiguousarray(queries), max(k, self.rerank * k), params=params)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        for q, row in enumerate(candidates):
            row = np.sort(row[row >= 0])  # sorted ids: sequential reads (an IVF row lies in one cell: no repeats)
            exact = self.vectors_[row] @ queries[q]
            best = _top(exact, k)
            ids[q, :len(best)] = row[best]
            scores[q, :len(best)] = exact[best]
        return ids, scores

    def _exact(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        n_queries = len(queries)
        best_ids = np.zeros((n_queries, 0), dtype=np.int64)
        best_scores = np.zeros((n_queries, 0), dtype=np.float32)
        for start in range(0, len(self.vectors_), self.chunk_rows):
            block = np.asarray(self.vectors_[start:start + self.chunk_rows]) @ queries.T  # (rows, q)
            ids = np.concatenate([best_ids, np.broadcast_to(np.arange(start, start + len(block)), (n_queries, len(block)))], 1)
            scores = np.concatenate([best_scores, block.T], 1)
            keep = np.stack([_top(s, k) for s in scores]) if scores.shape[1] > k else np.argsort(-scores, 1, kind="stable")
            best_ids = np.take_along_axis(ids, keep, 1)
            best_scores = np.take_along_axis(scores, keep, 1)
        return _pad(best_ids, best_scores, k)

    def __getstate__(self):
        # A faiss index is a C++ object: pickle (process pools, copies of a fitted search index) gets its bytes.
        state = super().__getstate__()
        if "faiss_index_" in state:
            import faiss

            state = dict(state, faiss_index_=faiss.serialize_index(state["faiss_index_"]))
        return state

    def __setstate__(self, state):
        if isinstance(state.get("faiss_index_"), np.ndarray):
            import faiss

            state = dict(state, faiss_index_=faiss.deserialize_index(state["faiss_index_"]))
            state["faiss_index_"].nprobe = state["n_probe_"]
        super().__setstate__(state)

    def _check_fitted(self) -> None:
        if not hasattr(self, "vectors_"):
            raise PlancompareError("VectorIndex is not fitted; call fit(vectors) first")

    # --- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write ``vectors.npy``, ``index.json`` and (IVF) ``ivf.faiss`` into the folder ``path``."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "vectors.npy", np.asarray(self.vectors_), allow_pickle=False)
        if self.method_ == "ivf":
            import faiss

            faiss.write_index(self.faiss_index_, str(path / "ivf.faiss"))
        meta = {"params": self.get_params(), "method_": self.method_}
        if self.method_ == "ivf":
            meta.update(n_probe_=self.n_probe_, calibration_=self.calibration_, scan_share_=self.scan_share_)
        (path / "index.json").write_text(json.dumps(meta))
        return path

    @classmethod
    def load(cls, path: str | Path, mmap: bool = True) -> "VectorIndex":
        """Read an index written by :meth:`save`; the float32 rows stay on disk when ``mmap``."""
        path = Path(path)
        meta_file = path / "index.json"
        if not meta_file.is_file():
            raise PlancompareError(f"{path}: not a saved vector index (no index.json)")
        meta = json.loads(meta_file.read_text())
        index = cls(**meta["params"])
        index.vectors_ = np.load(path / "vectors.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
        index.method_ = meta["method_"]
        if index.method_ == "ivf":
            import faiss

            index.faiss_index_ = faiss.read_index(str(path / "ivf.faiss"))
            index.n_probe_ = int(meta["n_probe_"])
            index.calibration_ = [tuple(pair) for pair in meta["calibration_"]]
            index.scan_share_ = float(meta.get("scan_share_", 0.0))
            index.faiss_index_.nprobe = index.n_probe_
        return index


class LexicalIndex(BaseEstimator):
    """TF-IDF over character n-grams, fitted in chunks, searched through posting lists.

    The same scores as scikit-learn's ``TfidfVectorizer(analyzer=..., sublinear_tf=True)`` cosine
    (smooth idf, L2-normalised rows), but the vocabulary grows chunk by chunk, so texts stream
    through ``fit`` without a second pass, and the matrix is kept column-major: a query reads
    only the posting lists of its own n-grams instead of multiplying every row.

    Parameters
    ----------
    analyzer : callable, optional
        ``text -> list of terms``; default :class:`plancompare.text.han.CharNgramAnalyzer` (Han
        character 2-3-grams and whole Latin words), the analyzer of the passage search.
    sublinear_tf : bool
        Use ``1 + log(tf)``.
    chunk_size : int
        Texts turned into matrix rows at a time during ``fit`` (bounds the temporary memory).

    Attributes
    ----------
    vocabulary_ : dict term -> column. idf_ : float32 (n_terms,).
    matrix_ : scipy CSC (n_texts, n_terms), rows L2-normalised TF-IDF.
    """

    def __init__(self, analyzer: Callable[[str], list[str]] | None = None, sublinear_tf: bool = True,
                 chunk_size: int = 20_000):
        self.analyzer = analyzer
        self.sublinear_tf = sublinear_tf
        self.chunk_size = chunk_size

    def _analyzer(self):
        if self.analyzer is not None:
            return self.analyzer
        return CharNgramAnalyzer()

    def _rows(self, texts: Sequence[str], vocabulary: dict, grow: bool):
        """Term-frequency rows of ``texts`` as CSR; new terms get new columns when ``grow``."""
        import scipy.sparse as sp
        from collections import Counter

        analyzer = self._analyzer()
        indices: list[int] = []
        values: list[float] = []
        indptr = [0]
        for text in texts:
            for term, count in Counter(analyzer(text)).items():
                column = vocabulary.setdefault(term, len(vocabulary)) if grow else vocabulary.get(term)
                if column is not None:
                    indices.append(column)
                    values.append(count)
            indptr.append(len(indices))
        data = np.asarray(values, dtype=np.float32)
        if self.sublinear_tf:
            data = 1.0 + np.log(data)
        return sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                             shape=(len(texts), max(len(vocabulary), 1)))

    def fit(self, texts: Iterable[str]) -> "LexicalIndex":
        """Index ``texts`` (any iterable of strings; consumed chunk by chunk)."""
        import scipy.sparse as sp

        vocabulary: dict[str, int] = {}
        chunks = [self._rows(chunk, vocabulary, grow=True) for chunk in _chunked(texts, self.chunk_size)]
        if not chunks:
            raise PlancompareError("no texts to index")
        n_terms = max(len(vocabulary), 1)
        matrix = sp.vstack([sp.csr_matrix((c.data, c.indices, c.indptr), shape=(c.shape[0], n_terms))
                            for c in chunks], format="csr")
        n = matrix.shape[0]
        df = np.bincount(matrix.indices, minlength=n_terms)
        self.idf_ = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        matrix.data *= self.idf_[matrix.indices]
        norms = np.sqrt(np.bincount(np.repeat(np.arange(n), np.diff(matrix.indptr)), weights=matrix.data ** 2,
                                    minlength=n))
        matrix.data /= np.repeat(np.maximum(norms, 1e-12), np.diff(matrix.indptr)).astype(np.float32)
        self.vocabulary_ = vocabulary
        self.matrix_ = matrix.tocsc()
        return self

    def query_vector(self, query: str):
        """The query's TF-IDF row (L2-normalised) as ``(columns, weights)``; unknown terms dropped."""
        row = self._rows([query], self.vocabulary_, grow=False)
        weights = row.data * self.idf_[row.indices]
        norm = float(np.linalg.norm(weights))
        return row.indices, (weights / norm if norm else weights).astype(np.float32)

    def scores(self, query: str) -> np.ndarray:
        """Cosine of every indexed text with ``query`` (float32, length ``n_texts``)."""
        self._check_fitted()
        columns, weights = self.query_vector(query)
        if len(columns) == 0:
            return np.zeros(self.matrix_.shape[0], dtype=np.float32)
        return np.asarray(self.matrix_[:, columns] @ weights).ravel().astype(np.float32)

    def search(self, queries: Sequence[str], k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best texts per query string: ``(ids, scores)``, each ``(n_queries, k)``."""
        self._check_fitted()
        if isinstance(queries, str):
            queries = [queries]
        out_ids, out_scores = [], []
        for query in queries:
            scores = self.scores(query)
            best = _top(scores, k)
            out_ids.append(best)
            out_scores.append(scores[best])
        return _pad(_ragged(out_ids, np.int64), _ragged(out_scores, np.float32), k)

    def _check_fitted(self) -> None:
        if not hasattr(self, "matrix_"):
            raise PlancompareError("LexicalIndex is not fitted; call fit(texts) first")

    def save(self, path: str | Path) -> Path:
        """Write the CSC arrays and ``idf`` as ``.npy`` files into the folder ``path``."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name in ("data", "indices", "indptr"):
            np.save(path / f"lexical_{name}.npy", getattr(self.matrix_, name), allow_pickle=False)
        np.save(path / "lexical_idf.npy", self.idf_, allow_pickle=False)
        terms = sorted(self.vocabulary_, key=self.vocabulary_.get)
        (path / "lexical_terms.txt").write_text("\n".join(terms), encoding="utf-8")
        params = {k: v for k, v in self.get_params().items() if k != "analyzer"}
        (path / "lexical.json").write_text(json.dumps({"params": params, "shape": list(self.matrix_.shape)}))
        return path

    @classmethod
    def load(cls, path: str | Path, analyzer=None, mmap: bool = True) -> "LexicalIndex":
        """Read a lexical index written by :meth:`save` (its arrays memory-mapped when ``mmap``)."""
        import scipy.sparse as sp

        path = Path(path)
        meta_file = path / "lexical.json"
        if not meta_file.is_file():
            raise PlancompareError(f"{path}: not a saved lexical index (no lexical.json)")
        meta = json.loads(meta_file.read_text())
        index = cls(analyzer=analyzer, **meta["params"])
        mode = "r" if mmap else None
        arrays = [np.load(path / f"lexical_{name}.npy", mmap_mode=mode) for name in ("data", "indices", "indptr")]
        index.matrix_ = sp.csc_matrix(tuple(arrays), shape=tuple(meta["shape"]), copy=False)
        index.idf_ = np.load(path / "lexical_idf.npy")
        terms = (path / "lexical_terms.txt").read_text(encoding="utf-8").split("\n")
        index.vocabulary_ = {term: i for i, term in enumerate(terms)}
        return index


def _chosen_probe(tried: list[tuple[int, float]], target: float) -> int:
    """The fewest cells among ``tried`` ``(nprobe, recall)`` that reached ``target`` (else the most tried)."""
    met = [probe for probe, recall in tried if recall >= target]
    return min(met) if met else max(probe for probe, _ in tried)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest ``scores``, best first (ties by position: deterministic)."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if len(scores) > k:
        part = np.argpartition(-scores, k - 1)[:k]
        threshold = scores[part].min()
        part = np.flatnonzero(scores >= threshold)  # all tied at the threshold, then cut stably
    else:
        part = np.arange(len(scores))
    order = np.lexsort((part, -scores[part]))
    return part[order][:k]


def _pad(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if ids.shape[1] >= k:
        return ids[:, :k], scores[:, :k]
    missing = k - ids.shape[1]
    return (np.pad(ids, ((0, 0), (0, missing)), constant_values=-1),
            np.pad(scores, ((0, 0), (0, missing)), constant_values=-np.inf))


def _ragged(rows: list[np.ndarray], dtype) -> np.ndarray:
    width = max((len(r) for r in rows), default=0)
    fill = -1 if dtype == np.int64 else -np.inf
    out = np.full((len(rows), width), fill, dtype=dtype)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def _chunked(items: Iterable[str], size: int):
    chunk: list[str] = []
    for item in items:
        chunk.append("" if item is None else str(item))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
