"""Features of a (probe, candidate passage) pair for the learned verdict.

A *probe* is what the user compares from: a free-text query (``search``) or an indexed passage
(``compare``, ``align``). :class:`PairFeaturizer` is fitted on the indexed passages and turns a probe
and a set of candidate rows into a feature matrix with the columns :data:`FEATURE_NAMES`:

``dense_cos``        cosine of the e5 embeddings (raw);
``dense_centered``   cosine after removing the corpus-mean direction, which every e5 vector shares and
                     which compresses raw cosines into a narrow band (0.81-0.86 for a query);
``dense_z``          the centred cosine as a z-score over all indexed passages (how much the candidate
                     stands out from the corpus for this probe);
``char_tfidf``       cosine of character 2-3-gram TF-IDF vectors;
``bm25``             Okapi BM25 over jieba words, divided by the probe's total word IDF (0..~2.2);
``rare_shared``      log(1 + number of shared rare words) (document frequency <= 2 % of passages);
``rare_coverage``    IDF-weighted share of the probe's rare words present in the candidate;
``numbers_shared``   shared number-with-unit tokens (``80%``, ``1000张``), capped at 3;
``heading_sim``      character TF-IDF cosine of the probe's heading (a query: itself) and the
                     candidate's section path;
``theme_same``       1 when probe and candidate have the same primary theme (0 for a query);
``section_sim``      centred cosine of the probe with the mean embedding of the candidate's section;
``length_ratio``     log(shorter / longer) text length (0 for a query);
``term_coverage``    share of the query's segments found verbatim in the candidate, a segment counting
                     when any of its variant terms occurs (0 for a passage probe);
``term_share``       IDF-weighted share of the query's character bigrams found in the candidate, each query
                     segment scored by its best variant spelling (0 for a passage probe): unlike
                     ``term_coverage`` it gives partial credit (停车场 for a query 停车场建设) and unlike
                     ``char_tfidf`` it is not diluted by a long candidate that mentions the goal in one clause;
``sentence_term_share`` the same share within the candidate's best single sentence: the query's terms stated
                     together in one sentence, rather than scattered over a multi-topic paragraph;
``*_margin``         ``dense_centered``, ``char_tfidf``, ``bm25`` and ``sentence_char`` minus their median over
                     the candidate list scored together (one district's candidates): a true match stands out
                     from its district, the best candidate of a district with nothing comparable does not.
``sentence_char``    (this and the rest: passage probes only, 0 for a query) the best character TF-IDF cosine between one sentence of the probe (a query: itself)
                     and one sentence of the candidate: a shared goal is stated in one sentence, while a
                     long multi-topic paragraph shares theme words with many passages;
``sentence_words``   the best IDF-weighted share of one probe sentence's words found in the candidate;
``reverse_dense``    (passage probes) 1 / rank of the probe among the passages of its own district ordered
                     by centred cosine with the candidate: a real precedent points back at the probe, the
                     best candidate of a district with nothing comparable usually points elsewhere;
``reverse_char``     the same with character TF-IDF;
``dense_csls``       centred cosine corrected for hubness (cross-domain similarity local scaling):
                     ``2 cos - r(probe) - r(candidate)``, ``r`` the mean centred cosine with the
                     :data:`CSLS_NEIGHBOURS` nearest indexed passages; a generic passage close to
                     everything is marked down.
``focus_*``          (focus probes only, 0 otherwise) the focus phrase the reader typed (``compare(...,
                     focus="异地就医直接结算")``) scored as a search query against the candidate:
                     ``focus_coverage`` (its ``term_coverage``, variants counting), ``focus_dense_centered``,
                     ``focus_dense_z``, ``focus_char`` (``char_tfidf``), ``focus_bm25``, ``focus_term_share`` and
                     ``focus_sentence_share``. The focus sentence
                     still carries the neighbouring goals of its paragraph; the phrase names only the one meant.

Features with no source (no embeddings, an English query without glossary terms) are 0; the verdict
model has a lexical-only variant for an index without embeddings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer

from ..text.sentences import split_sentences
from ..text.han import HAN, CharNgramAnalyzer
from ..vector_index import unit_rows

HAN_RE = re.compile(rf"[{HAN}]")

FEATURE_NAMES = (
    "dense_cos", "dense_centered", "dense_z", "char_tfidf", "bm25", "rare_shared", "rare_coverage",
    "numbers_shared", "heading_sim", "theme_same", "section_sim", "length_ratio", "term_coverage",
    "dense_margin", "char_margin", "bm25_margin",
    "sentence_char", "sentence_words", "reverse_dense", "reverse_char", "dense_csls", "sentence_margin",
    "focus_coverage", "focus_dense_centered", "focus_dense_z", "focus_char", "focus_bm25",
    "term_share", "sentence_term_share", "focus_term_share", "focus_sentence_share",
)
# focus feature -> the query-probe feature of the focus phrase it copies
FOCUS_OF = {"focus_coverage": "term_coverage", "focus_dense_centered": "dense_centered", "focus_dense_z": "dense_z",
            "focus_char": "char_tfidf", "focus_bm25": "bm25", "focus_term_share": "term_share",
            "focus_sentence_share": "sentence_term_share"}
# Features of a free-text query only (0 for a passage probe; a focus probe gets them as focus_*).
QUERY_ONLY = ("term_coverage", "term_share", "sentence_term_share")
MARGIN_OF = {"dense_margin": "dense_centered", "char_margin": "char_tfidf", "bm25_margin": "bm25",
             "sentence_margin": "sentence_char"}
DENSE_FEATURES = ("dense_cos", "dense_centered", "dense_z", "section_sim", "dense_margin", "reverse_dense",
                  "dense_csls", "focus_dense_centered", "focus_dense_z")
# Neighbours averaged for the hubness correction of ``dense_csls`` (cross-domain similarity local scaling).
CSLS_NEIGHBOURS = 10

# A number followed by a unit or a percent sign: the quantities two comparable goals may share.
# Matching only needs equality of the written token, not its value (the indicators stage parses values).
_NUMBER_TOKEN = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|万|亿|千|百)?[\u4e00-\u9fff%]?")
_WORD = re.compile(rf"[{HAN}]{{2,}}|[A-Za-z][A-Za-z0-9]+|\d+[A-Za-z]+")


def word_tokens(text: str) -> list[str]:
    """jieba words of ``text`` with >= 2 Han characters (or a Latin word): the BM25 vocabulary."""
    import jieba

    return [w for w in jieba.lcut(text or "") if _WORD.fullmatch(w)]


def number_tokens(text: str) -> frozenset[str]:
    """Number-with-unit tokens of ``text`` (``80%``, ``1000张``), without spaces; bare years skipped."""
    found = set()
    for m in _NUMBER_TOKEN.finditer(text or ""):
        tok = m.group(0).replace(" ", "").replace("％", "%")
        if re.fullmatch(r"(19|20)\d\d年?", tok) or re.fullmatch(r"\d", tok):
            continue  # years and single digits say nothing about a shared goal
        found.add(tok)
    return frozenset(found)


@dataclass
class Probe:
    """What a candidate is compared with; built by :meth:`PairFeaturizer.query_probe` or
    :meth:`PairFeaturizer.passage_probe`."""

    is_query: bool
    dense: np.ndarray | None            # unit vector (raw), or None
    centered: np.ndarray | None         # unit vector with the corpus mean removed, or None
    char: sp.csr_matrix                 # 1 x char vocabulary, L2-normalised TF-IDF
    heading_char: sp.csr_matrix         # 1 x char vocabulary
    words: sp.csr_matrix                # 1 x word vocabulary, binary
    numbers: frozenset[str]
    theme: str | None
    length: int
    segments: list[list[str]] = field(default_factory=list)
    row: int | None = None              # the indexed row of a passage probe
    sentence_char: sp.csr_matrix | None = None   # sentences x char vocabulary
    sentence_words: sp.csr_matrix | None = None  # sentences x word vocabulary, binary
    phrase: "Probe | None" = None                # a focus probe's focus phrase, as a query probe
    grams: "QueryGrams | None" = None            # a query probe's segment bigrams (term_share)
    # Per-probe values that every candidate list of one probe shares (compare scores ~1,000 districts with
    # one probe): computed once when the probe is made, not once per district.
    every: np.ndarray | None = None     # centred cosine with every indexed passage
    every_mean: float = 0.0
    every_std: float = 1.0
    radius: float = 0.0                 # CSLS neighbourhood radius r(probe) (passage probes)
    home: np.ndarray | None = None      # rows of the probe's own district (passage probes)
    home_char: sp.csr_matrix | None = None     # their character TF-IDF rows
    home_centered: np.ndarray | None = None    # their centred unit embeddings


@dataclass
class QueryGrams:
    """The Han character bigrams of a query's segments, for ``term_share``: ``columns`` the character
    TF-IDF columns of the distinct bigrams in the fitted vocabulary; ``segments`` one list per segment of
    one IDF weight vector (over ``columns``) per alternative spelling; ``missing`` per segment and
    alternative the IDF mass of bigrams no indexed passage has (they count against the share)."""

    columns: np.ndarray
    segments: list[list[np.ndarray]]
    missing: list[list[float]]

    def share(self, matrix: sp.csr_matrix) -> np.ndarray:
        """IDF-weighted share of the query's bigrams present in each row of ``matrix`` (character TF-IDF
        rows): per segment the best alternative's share, segments weighted by their IDF mass."""
        if not self.segments or not len(self.columns):
            return np.zeros(matrix.shape[0], dtype=np.float32)
        present = (matrix[:, self.columns] > 0).astype(np.float32).toarray()
        total, mass = np.zeros(matrix.shape[0], dtype=np.float64), 0.0
        for alternatives, missing in zip(self.segments, self.missing):
            weight = float(alternatives[0].sum() + missing[0])
            best = np.max([present @ w / max(float(w.sum() + m), 1e-9)
                           for w, m in zip(alternatives, missing)], axis=0)
            total += weight * best
            mass += weight
        return (total / max(mass, 1e-9)).astype(np.float32)


class PairFeaturizer(BaseEstimator):
    """Fitted on the indexed passages; computes :data:`FEATURE_NAMES` for probe x candidates.

    Parameters: ``bm25_k1``, ``bm25_b`` (Okapi BM25), ``rare_df`` (a word is rare when it occurs in at
    most this share of passages).
    Attributes after :meth:`fit`: ``mean_`` (corpus mean embedding), ``centered_`` (centred unit
    embeddings), ``section_centered_`` (centred unit mean embedding of each passage's section),
    ``words_`` (binary passage x word matrix), ``bm25_`` (BM25 weights), ``word_idf_``, ``rare_``
    (boolean mask of rare words), ``numbers_``, ``lengths_``, ``heading_char_`` (char TF-IDF of the
    section paths), ``themes_``, ``radii_`` (CSLS radius per row, NaN until first needed: a cache
    filled by :meth:`radii`).
    """

    def __init__(self, bm25_k1: float = 1.2, bm25_b: float = 0.75, rare_df: float = 0.02):
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b
        self.rare_df = rare_df

    def fit(self, passages: pd.DataFrame, embeddings: np.ndarray | None, char_vectorizer,
            char_matrix: sp.csr_matrix) -> "PairFeaturizer":
        """``passages``/``embeddings`` as indexed by :class:`~plancompare.match.PassageIndex` (unit rows
        or None); ``char_vectorizer``/``char_matrix`` its fitted character TF-IDF. Returns ``self``."""
        texts = passages["text"].fillna("").astype(str).tolist()
        self.char_vectorizer_ = char_vectorizer
        self.char_matrix_ = char_matrix
        self.word_vectorizer_ = CountVectorizer(analyzer=word_tokens, dtype=np.float32)
        counts = self.word_vectorizer_.fit_transform(texts).tocsr()
        n = counts.shape[0]
        df = np.asarray((counts > 0).sum(axis=0)).ravel()
        self.word_idf_ = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.rare_ = df <= max(1.0, self.rare_df * n)
        self.words_ = (counts > 0).astype(np.float32).tocsr()
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        norm = self.bm25_k1 * (1 - self.bm25_b + self.bm25_b * lengths / max(lengths.mean(), 1.0))
        coo = counts.tocoo()
        tf = coo.data
        weights = self.word_idf_[coo.col] * tf * (self.bm25_k1 + 1) / (tf + norm[coo.row])
        self.bm25_ = sp.csr_matrix((weights.astype(np.float32), (coo.row, coo.col)), shape=counts.shape)
        self.numbers_ = [number_tokens(t) for t in texts]
        self.lengths_ = np.array([max(len(t), 1) for t in texts], dtype=np.float32)
        self.heading_char_ = char_vectorizer.transform(passages["section_path"].fillna("").astype(str)).tocsr()
        self.themes_ = (passages["theme"].astype(str).to_numpy() if "theme" in passages.columns
                        else np.array([""] * n, dtype=object))
        self.texts_ = texts
        self.districts_ = passages["district"].astype(str).to_numpy()
        self._fit_sentences(texts, char_vectorizer)
        self._fit_dense(passages, embeddings)
        self.radii_ = None if embeddings is None else np.full(n, np.nan, dtype=np.float32)
        return self

    def _fit_sentences(self, texts: list[str], char_vectorizer) -> None:
        """Character TF-IDF rows of every passage's sentences; passage i owns rows
        ``sentence_start_[i]:sentence_start_[i + 1]`` (a passage without a sentence end is one sentence)."""
        sentences, starts = [], [0]
        for text in texts:
            parts = [x for x in split_sentences(text) if x.strip()] or [text]
            sentences += parts
            starts.append(len(sentences))
        self.sentence_start_ = np.asarray(starts, dtype=np.int64)
        self.sentence_char_ = char_vectorizer.transform(sentences).tocsr()
        self.sentence_texts_ = sentences

    def _fit_dense(self, passages: pd.DataFrame, embeddings: np.ndarray | None) -> None:
        if embeddings is None:
            self.mean_ = self.centered_ = self.section_centered_ = None
            return
        self.mean_ = embeddings.mean(axis=0)
        # centred and normalised in place (unit_rows: chunked, bitwise the one-shot result): one matrix
        # allocated per attribute instead of four
        centered = embeddings - self.mean_
        self.centered_ = unit_rows(centered, out=centered).astype(np.float32, copy=False)
        parent = passages["section_path"].fillna("").astype(str).str.rsplit(" > ", n=1).str[0]
        groups = pd.Series(np.arange(len(passages))).groupby([passages["doc_id"].astype(str).to_numpy(),
                                                              parent.to_numpy()]).indices
        section = np.zeros_like(embeddings)
        for rows in groups.values():
            section[rows] = embeddings[rows].mean(axis=0)
        section -= self.mean_
        self.section_centered_ = unit_rows(section, out=section).astype(np.float32, copy=False)

    # -- probes ------------------------------------------------------------------------------

    def query_probe(self, query_text: str, embedding: np.ndarray | None,
                    segments: Sequence[Sequence[str]]) -> Probe:
        """A free-text query: ``query_text`` is its Chinese form (an English query's glossary
        renderings), ``segments`` its verbatim segments, each a list of alternatives (variants)."""
        char = self.char_vectorizer_.transform([query_text]).tocsr()
        words = (self.word_vectorizer_.transform([query_text]) > 0).astype(np.float32).tocsr()
        dense, centered = self._dense_probe(embedding)
        probe = Probe(True, dense, centered, char, char, words, number_tokens(query_text), None,
                      len(query_text), [list(s) for s in segments])
        probe.grams = self.query_grams(probe.segments or [[query_text]])
        return self._with_context(probe)

    def query_grams(self, segments: Sequence[Sequence[str]]) -> QueryGrams:
        """:class:`QueryGrams` of ``segments`` (each a list of alternative spellings) over the fitted
        character vocabulary; a bigram outside it weighs the largest IDF (rarer than any indexed one)."""
        vocab, idf = self.char_vectorizer_.vocabulary_, self.char_vectorizer_.idf_
        top = float(idf.max()) if len(idf) else 1.0
        bigrams = CharNgramAnalyzer(2, 2)
        grams = [[sorted({g for g in bigrams(a) if HAN_RE.match(g)}) for a in alternatives]
                 for alternatives in segments]
        columns = sorted({vocab[g] for alternatives in grams for a in alternatives for g in a if g in vocab})
        at = {c: i for i, c in enumerate(columns)}
        out, missing = [], []
        for alternatives in grams:
            vectors, lost = [], []
            for a in alternatives:
                w = np.zeros(len(columns))
                for g in a:
                    if g in vocab:
                        w[at[vocab[g]]] = idf[vocab[g]]
                vectors.append(w)
                lost.append(top * sum(g not in vocab for g in a))
            if vectors and any(v.sum() + m > 0 for v, m in zip(vectors, lost)):
                out.append(vectors)
                missing.append(lost)
        return QueryGrams(np.asarray(columns, dtype=np.int64), out, missing)

    def passage_probe(self, row: int, embedding: np.ndarray | None) -> Probe:
        """Indexed passage ``row`` (with its own embedding, or None)."""
        dense, centered = self._dense_probe(embedding)
        a, b = self.sentence_start_[row], self.sentence_start_[row + 1]
        words = (self.word_vectorizer_.transform(self.sentence_texts_[a:b]) > 0).astype(np.float32).tocsr()
        return self._with_context(Probe(False, dense, centered, self.char_matrix_[row], self.heading_char_[row],
                                        self.words_[row], self.numbers_[row], str(self.themes_[row]),
                                        int(self.lengths_[row]), [], row, self.sentence_char_[a:b], words))

    def focus_probe(self, row: int, sentence: str, embedding: np.ndarray | None,
                    phrase: Probe | None = None) -> Probe:
        """One goal of indexed passage ``row``: its ``sentence`` (text signals, numbers, length) with
        the passage's heading, theme and district, and the sentence's own ``embedding`` (or None);
        ``phrase``: the focus phrase as a :meth:`query_probe` (the ``focus_*`` features), or None.
        A long paragraph states several goals; comparing the one the reader means keeps the theme
        words of the others from making every district look comparable."""
        char = self.char_vectorizer_.transform([sentence]).tocsr()
        words = (self.word_vectorizer_.transform([sentence]) > 0).astype(np.float32).tocsr()
        dense, centered = self._dense_probe(embedding)
        return self._with_context(Probe(False, dense, centered, char, self.heading_char_[row], words,
                                        number_tokens(sentence), str(self.themes_[row]), len(sentence), [], row,
                                        char, words, phrase))

    def _dense_probe(self, embedding: np.ndarray | None):
        if embedding is None or self.mean_ is None:
            return None, None
        v = np.asarray(embedding, dtype=np.float32).reshape(-1)
        if not np.linalg.norm(v):
            return None, None
        v = v / np.linalg.norm(v)
        c = v - self.mean_
        return v, c / max(float(np.linalg.norm(c)), 1e-12)

    def centered_spread(self, centered: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation (at least 1e-6) of the centred cosines of unit vector ``centered``
        with every indexed passage, from the first and second moments of the centred rows (computed
        once, float64, on first use): a 384 x 384 product instead of a pass over every passage."""
        if getattr(self, "centered_moments_", None) is None:
            first = np.zeros(self.centered_.shape[1])
            second = np.zeros((self.centered_.shape[1],) * 2)
            for start in range(0, len(self.centered_), 16_384):  # float64 without a float64 copy of all rows
                block = self.centered_[start:start + 16_384].astype(np.float64)
                first += block.sum(axis=0)
                second += block.T @ block
            self.centered_moments_ = (first / len(self.centered_), second / len(self.centered_))
        first, second = self.centered_moments_
        c = np.asarray(centered, dtype=np.float64)
        mean = float(first @ c)
        return mean, max(float(np.sqrt(max(c @ second @ c - mean * mean, 0.0))), 1e-6)

    def _with_context(self, probe: Probe) -> Probe:
        """``probe`` with its per-probe values filled in: the centred cosine with every indexed passage
        (its mean and spread, for ``dense_z``), its CSLS radius (passage probes) and its home district's rows."""
        if probe.row is not None:
            probe.home = np.flatnonzero(self.districts_ == self.districts_[probe.row])
            probe.home_char = self.char_matrix_[probe.home]
            if self.centered_ is not None:
                probe.home_centered = self.centered_[probe.home]
        if probe.centered is None:
            return probe
        if probe.is_query:  # search: the spread from the moments, cosines only for the candidates
            probe.every_mean, probe.every_std = self.centered_spread(probe.centered)
            return probe
        every = self.centered_ @ probe.centered
        probe.every, probe.every_mean, probe.every_std = every, every.mean(), max(float(every.std()), 1e-6)
        k, own = CSLS_NEIGHBOURS, (1 if probe.row is not None else 0)
        if not probe.is_query:  # the radius is for dense_csls, a passage-probe feature
            probe.radius = np.sort(every)[-(k + own):len(every) - own].mean() if len(every) > k + own else 0.0
        return probe

    # -- features ----------------------------------------------------------------------------

    def transform(self, probe: Probe, rows: np.ndarray, embeddings: np.ndarray | None,
                  groups: np.ndarray | None = None) -> np.ndarray:
        """Feature matrix (len(rows), len(FEATURE_NAMES)) for ``probe`` against indexed ``rows``, the
        margins taken over ``rows`` (pass one district's whole candidate list) or, with ``groups`` (one
        label per row), within each group: several districts' candidate lists in one call, as ``compare``
        does (every feature but the margins is computed row by row). ``embeddings`` are the index's unit
        rows (or None)."""
        rows = np.asarray(rows, dtype=int)
        out = np.zeros((len(rows), len(FEATURE_NAMES)), dtype=np.float32)
        col = {name: i for i, name in enumerate(FEATURE_NAMES)}
        if probe.centered is not None and embeddings is not None:
            out[:, col["dense_cos"]] = embeddings[rows] @ probe.dense
            picked = probe.every[rows] if probe.every is not None else self.centered_[rows] @ probe.centered
            out[:, col["dense_centered"]] = picked
            out[:, col["dense_z"]] = (picked - probe.every_mean) / probe.every_std
            out[:, col["section_sim"]] = self.section_centered_[rows] @ probe.centered
            if not probe.is_query:  # passage-probe features: search keeps its latency
                out[:, col["dense_csls"]] = 2 * picked - probe.radius - self.radii(rows)
        out[:, col["char_tfidf"]] = _sparse_dot(self.char_matrix_[rows], probe.char)
        out[:, col["heading_sim"]] = _sparse_dot(self.heading_char_[rows], probe.heading_char)
        self._word_features(probe, rows, out, col)
        out[:, col["numbers_shared"]] = [min(len(probe.numbers & self.numbers_[r]), 3) for r in rows]
        if not probe.is_query:
            out[:, col["theme_same"]] = (self.themes_[rows] == probe.theme).astype(np.float32)
            out[:, col["length_ratio"]] = np.log(np.minimum(self.lengths_[rows], probe.length)
                                                 / np.maximum(self.lengths_[rows], probe.length))
        else:
            self._query_features(probe, rows, out, col)
        if not probe.is_query:
            self._sentence_features(probe, rows, out, col)
            self._reverse_features(probe, rows, out, col)
        if groups is None:
            members = [np.arange(len(rows))]
        else:
            groups = np.asarray(groups)
            order = np.argsort(groups, kind="stable")
            members = np.split(order, np.flatnonzero(groups[order][1:] != groups[order][:-1]) + 1)
        for margin, base in MARGIN_OF.items():
            for idx in members:
                values = out[idx, col[base]]
                out[idx, col[margin]] = values - (np.median(values) if len(values) else 0.0)
        if probe.phrase is not None:
            phrase = self.transform(probe.phrase, rows, embeddings, groups)
            for name, base in FOCUS_OF.items():
                out[:, col[name]] = phrase[:, col[base]]
        return out

    def _query_features(self, probe: Probe, rows: np.ndarray, out: np.ndarray, col: dict) -> None:
        """``term_coverage`` (verbatim segments), ``term_share`` and ``sentence_term_share`` (bigrams)."""
        if probe.segments:
            texts = self.texts_
            out[:, col["term_coverage"]] = [
                sum(any(a in texts[r] for a in seg) for seg in probe.segments) / len(probe.segments)
                for r in rows]
        if probe.grams is None or not len(rows):
            return
        out[:, col["term_share"]] = probe.grams.share(self.char_matrix_[rows])
        owned = [np.arange(self.sentence_start_[r], self.sentence_start_[r + 1]) for r in rows]
        lengths = np.array([len(o) for o in owned])
        per_sentence = probe.grams.share(self.sentence_char_[np.concatenate(owned)])
        out[:, col["sentence_term_share"]] = np.maximum.reduceat(per_sentence, np.r_[0, np.cumsum(lengths)[:-1]])

    def _word_features(self, probe: Probe, rows: np.ndarray, out: np.ndarray, col: dict) -> None:
        q = probe.words
        if q.nnz == 0:
            return
        idf = self.word_idf_
        q_idf = float(idf[q.indices].sum())
        out[:, col["bm25"]] = _sparse_dot(self.bm25_[rows], q) / max(q_idf, 1e-6)
        rare_q = q.multiply(self.rare_.astype(np.float32)).tocsr()
        if rare_q.nnz:
            shared = self.words_[rows].multiply(rare_q)
            out[:, col["rare_shared"]] = np.log1p(np.asarray(shared.sum(axis=1)).ravel())
            weighted = shared.multiply(idf.reshape(1, -1))
            out[:, col["rare_coverage"]] = (np.asarray(weighted.sum(axis=1)).ravel()
                                            / float(idf[rare_q.indices].sum()))


    def _sentence_features(self, probe: Probe, rows: np.ndarray, out: np.ndarray, col: dict) -> None:
        if probe.sentence_char is None or not len(rows):
            return
        owned = [np.arange(self.sentence_start_[r], self.sentence_start_[r + 1]) for r in rows]
        lengths = np.array([len(o) for o in owned])
        cand = self.sentence_char_[np.concatenate(owned)]
        sims = (probe.sentence_char @ cand.T).toarray().max(axis=0)
        out[:, col["sentence_char"]] = np.maximum.reduceat(sims, np.r_[0, np.cumsum(lengths)[:-1]])
        words = probe.sentence_words
        weighted = words.multiply(self.word_idf_.reshape(1, -1)).tocsr()
        totals = np.asarray(weighted.sum(axis=1)).ravel()
        if words.nnz and totals.max() > 0:
            covered = (self.words_[rows] @ weighted.T).toarray() / np.maximum(totals, 1e-6)
            out[:, col["sentence_words"]] = covered[:, totals > 0].max(axis=1)

    def _reverse_features(self, probe: Probe, rows: np.ndarray, out: np.ndarray, col: dict) -> None:
        at = int(np.searchsorted(probe.home, probe.row))
        char = (self.char_matrix_[rows] @ probe.home_char.T).toarray()
        out[:, col["reverse_char"]] = 1.0 / (1 + (char > char[:, [at]]).sum(axis=1))
        if probe.home_centered is not None and probe.centered is not None:
            dense = self.centered_[rows] @ probe.home_centered.T
            out[:, col["reverse_dense"]] = 1.0 / (1 + (dense > dense[:, [at]]).sum(axis=1))

    def radii(self, rows: np.ndarray) -> np.ndarray:
        """CSLS neighbourhood radius of each indexed row: the mean centred cosine of its ``CSLS_NEIGHBOURS``
        nearest other passages (float32, one per entry of ``rows``).

        A radius depends on its row alone, so each is computed once, on first use (the missing rows of a
        call in one batch, by an exact scan of every passage), and kept in ``radii_``. Computing them per
        candidate list cost a scan of the corpus per candidate of every district: 82 s for one compare at
        1,000 generated documents (78,561 indexed passages). An approximate neighbourhood through an IVF
        index of the centred vectors was tried and not kept: see ``benchmarks/results/search_scale.md``.
        """
        rows = np.asarray(rows, dtype=int)
        if getattr(self, "radii_", None) is None:  # a featurizer fitted before the cache existed
            self.radii_ = np.full(len(self.centered_), np.nan, dtype=np.float32)
        missing = np.unique(rows[np.isnan(self.radii_[rows])])
        if missing.size:
            # rows with the same vector (a paragraph repeated across plans) have the same radius: one
            # scan per distinct vector, its radius given to every row that has that vector
            twin = self._twins()
            first = np.unique(twin[missing])
            radius = np.full(len(self.centered_), np.nan, dtype=np.float32)
            radius[first] = self._exact_radii(first)
            filled = np.flatnonzero(np.isin(twin, first))
            self.radii_[filled] = radius[twin[filled]]
        return self.radii_[rows]

    def _twins(self) -> np.ndarray:
        """For each indexed row, the first row with the bitwise same centred vector (itself if none); cached."""
        if getattr(self, "twin_", None) is None or len(self.twin_) != len(self.centered_):
            rows = np.ascontiguousarray(self.centered_).view(np.dtype((np.void, self.centered_.shape[1] * 4)))
            _, first, inverse = np.unique(rows.ravel(), return_index=True, return_inverse=True)
            self.twin_ = first[inverse.ravel()]
        return self.twin_

    def _exact_radii(self, rows: np.ndarray) -> np.ndarray:
        """Radii of ``rows`` by scanning every passage, a block of rows at a time (<= 32 MB of cosines).
        (faiss' brute-force k-nearest search is 1.6x faster, but its products round differently: within
        3.3e-7, enough to move held-out match figures whose thresholds sit on a candidate's probability.)"""
        k, n = CSLS_NEIGHBOURS, len(self.centered_)
        out = np.empty(len(rows), dtype=np.float32)
        block = max(1, (1 << 23) // n)
        for start in range(0, len(rows), block):
            sims = self.centered_[rows[start:start + block]] @ self.centered_.T
            top = np.partition(sims, max(n - k - 1, 0), axis=1)[:, -(k + 1):]
            # the largest is the row's own similarity (1), left out
            out[start:start + block] = (top.sum(axis=1) - top.max(axis=1)) / k
        return out


def _sparse_dot(matrix: sp.csr_matrix, vector: sp.csr_matrix) -> np.ndarray:
    return np.asarray((matrix @ vector.T).todense()).ravel().astype(np.float32)

