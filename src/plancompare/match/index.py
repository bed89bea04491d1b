"""The passage index: hybrid dense + lexical search and peer-district comparison."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import TfidfVectorizer

from ..districts import resolve_districts
from ..errors import MatchInputError, UnknownItemError
from ..text.han import HAN, CharNgramAnalyzer, has_han
from ..text.normalize import to_simplified
from ..vector_index import VectorIndex, unit_rows
from .features import PairFeaturizer
from .glossary import (default_policy_glossary, default_variant_terms, expand_english_query, load_policy_glossary,
                       load_variant_terms, segment_variants)
from .lexical import matched_query_terms, minmax
from .ranking import REQUIRED_COLUMNS
from .verdict import VerdictModel, default_verdict_model

class PassageIndex(BaseEstimator):
    """Hybrid dense + lexical index over passages (a scikit-learn estimator: parameters in
    ``__init__``, ``get_params``/``set_params``, learned state in ``*_`` attributes after ``fit``).

    Parameters
    ----------
    dense_weight:
        Weight of the dense signal in the fused score, in [0, 1]; the lexical signal gets
        ``1 - dense_weight``. When either signal is unavailable (no embeddings, or a query with no
        Chinese characters, whose character n-grams cannot match Chinese text) the other one is
        used alone. An English query gets a lexical signal through the glossary (``expand_english``);
        one with no glossary term degrades gracefully to pure dense ranking.
    ngram_range:
        Han character n-gram lengths for the TF-IDF vectoriser.
    min_score:
        Drop results whose fused score is below this value (fused scores lie in [0, 1]).
    sublinear_tf:
        Use 1 + log(tf); long passages repeat common n-grams and would otherwise dominate.
    exact_bonus:
        Added to the lexical score (before normalisation) when a whole query segment (a
        whitespace-separated part with >= 2 Han characters) occurs verbatim in the passage, so
        that exact policy terms (长者食堂, 一窗受理) rank first.
    expand_english:
        For a query with no Han characters, replace the glossary's English terms it contains by their
        Chinese renderings and score those lexically (:func:`expand_english_query`); ``matched_terms``
        then shows the mappings found in each passage (``elderly care→养老``). Chinese queries are
        unaffected.
    expansion_bonus:
        The exact-term bonus for an expanded English term (any of its Chinese renderings occurs in the
        passage); smaller than ``exact_bonus`` because a glossary rendering is a guess at the
        plan's wording, not the user's own words.
    glossary_path:
        A glossary TOML file (see :func:`load_policy_glossary`); None for the bundled one.
    dense_index:
        An unfitted :class:`~plancompare.vector_index.VectorIndex` (cloned at ``fit``); None for
        ``VectorIndex()``: exact up to 50,000 passages, an approximate IVF index above.
    dense_pool:
        With an approximate dense index that prunes (:meth:`~plancompare.vector_index.VectorIndex.prunes`;
        one whose probes visit most passages is bypassed by the exact scan), the number of nearest
        passages whose cosine is computed;
        the others get the corpus minimum (found by searching with the negated query), i.e. they
        compete on the lexical signal alone. The exact path scores every passage.

    Attributes (after :meth:`fit`)
    ------------------------------
    passages_ : DataFrame, the indexed rows (index reset to 0..n-1).
    embeddings_ : float32 array (n, d) or None.
    vectorizer_ : fitted ``TfidfVectorizer``.
    lexical_matrix_ : sparse (n, vocabulary) L2-normalised TF-IDF rows.
    lexical_postings_ : the same matrix column-major (CSC): the posting list of each n-gram, what a
        query reads.
    texts_ : object array of the passage texts (the featurizer's strings, not copied).
    row_of_id_ : dict passage_id -> row.
    districts_ : sorted list of districts.
    glossary_ : mapping English term -> Chinese terms.
    variants_ : mapping variant term -> its group (itself first).
    featurizer_ : fitted :class:`~plancompare.match.features.PairFeaturizer`.
    verdict_model_ : :class:`~plancompare.match.verdict.VerdictModel`.

    Fused score: each signal is min-max scaled over all indexed passages for this query, then
    ``dense_weight * dense + (1 - dense_weight) * lexical``. Scaling before filtering by district
    or theme keeps scores comparable across filtered and unfiltered searches.
    """

    def __init__(
        self,
        dense_weight: float = 0.5,
        ngram_range: tuple[int, int] = (2, 3),
        min_score: float = 0.0,
        sublinear_tf: bool = True,
        exact_bonus: float = 0.5,
        expand_english: bool = True,
        expansion_bonus: float = 0.25,
        glossary_path: str | None = None,
        variants_path: str | None = None,
        verdict_model_path: str | None = None,
        n_candidates: int = 30,
        rank_by: str = "p_comparable",
        dense_index: VectorIndex | None = None,
        dense_pool: int = 1_000,
    ):
        self.dense_weight = dense_weight
        self.ngram_range = ngram_range
        self.min_score = min_score
        self.sublinear_tf = sublinear_tf
        self.exact_bonus = exact_bonus
        self.expand_english = expand_english
        self.expansion_bonus = expansion_bonus
        self.glossary_path = glossary_path
        self.variants_path = variants_path
        self.verdict_model_path = verdict_model_path
        self.n_candidates = n_candidates
        self.rank_by = rank_by
        self.dense_index = dense_index
        self.dense_pool = dense_pool

    # -- fitting -----------------------------------------------------------------------------

    def fit(self, passages: pd.DataFrame, embeddings: np.ndarray | None = None, *,
            copy: bool = True) -> "PassageIndex":
        """Index ``passages`` (one row per passage, columns as in ``corpus.passages``).

        ``embeddings``: array (n_passages, d), row i embedding row i of ``passages`` (the order of
        ``corpus.embeddings``), or None for a lexical-only index. Rows are re-normalised to unit
        length. ``copy=False`` hands a float32 array over: it is normalised in place and kept as
        :attr:`embeddings_` (no second copy of the matrix; for an array the caller just made, like
        the body rows :func:`plancompare.pipeline.stages.build_index` takes). Callers pass body rows
        only; this method indexes whatever it is given. Returns ``self``.
        """
        if not 0.0 <= float(self.dense_weight) <= 1.0:
            raise MatchInputError(f"dense_weight must be within [0, 1], got {self.dense_weight!r}")
        missing = [c for c in REQUIRED_COLUMNS if c not in passages.columns]
        if missing:
            raise MatchInputError(f"passages table lacks column(s): {', '.join(missing)}")
        if len(passages) == 0:
            raise MatchInputError("no passages to index")
        if passages["passage_id"].duplicated().any():
            dup = passages.loc[passages["passage_id"].duplicated(), "passage_id"].iloc[0]
            raise MatchInputError(f"duplicate passage_id {dup!r}")
        self.passages_ = passages.reset_index(drop=True).copy()
        self.passages_["text"] = self.passages_["text"].fillna("").astype(str)
        self.embeddings_ = _check_embeddings(embeddings, len(self.passages_), copy=copy)
        self.dense_index_ = (None if self.embeddings_ is None
                             else clone(self.dense_index or VectorIndex()).fit(self.embeddings_))

        self.vectorizer_ = TfidfVectorizer(
            analyzer=CharNgramAnalyzer(*self.ngram_range), sublinear_tf=self.sublinear_tf,
            dtype=np.float32,
        )
        self.lexical_matrix_ = self.vectorizer_.fit_transform(self.passages_["text"]).tocsr()
        self.lexical_postings_ = self.lexical_matrix_.tocsc()
        self.row_of_id_ = {pid: i for i, pid in enumerate(self.passages_["passage_id"])}
        self.districts_ = sorted(self.passages_["district"].dropna().unique().tolist())
        self.glossary_ = (dict(default_policy_glossary()) if self.glossary_path is None  # a dict pickles
                          else load_policy_glossary(self.glossary_path))
        self.variants_ = (dict(default_variant_terms()) if self.variants_path is None
                          else load_variant_terms(self.variants_path))
        self.verdict_model_ = (default_verdict_model() if self.verdict_model_path is None
                               else VerdictModel.from_json(Path(self.verdict_model_path).read_text(encoding="utf-8"),
                                                           str(self.verdict_model_path)))
        self.featurizer_ = PairFeaturizer().fit(self.passages_, self.embeddings_, self.vectorizer_,
                                                self.lexical_matrix_)
        # Python strings once: a column of Arrow strings converts every row on each to_numpy()
        self.texts_ = np.array(self.featurizer_.texts_, dtype=object)
        return self

    # -- scoring -----------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "passages_"):
            raise MatchInputError("PassageIndex is not fitted; call fit(passages, embeddings) first")

    def dense_scores(self, query_embedding: np.ndarray | None) -> np.ndarray | None:
        """Cosine of every indexed passage with ``query_embedding`` (None if either is missing)."""
        self._check_fitted()
        if query_embedding is None or self.embeddings_ is None:
            return None
        q = np.asarray(query_embedding, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.embeddings_.shape[1]:
            raise MatchInputError(
                f"query embedding has dimension {q.shape[0]}, passages have {self.embeddings_.shape[1]}")
        norm = float(np.linalg.norm(q))
        if norm == 0.0:
            return None
        approximate = getattr(self, "dense_index_", None)  # None: an index pickled before it existed
        if approximate is None or not approximate.prunes():  # exact, or an IVF index that visits most rows
            return self.embeddings_ @ (q / norm)
        return self._approximate_dense(q / norm)

    def _approximate_dense(self, q: np.ndarray) -> np.ndarray:
        """Exact cosines of the ``dense_pool`` nearest rows (approximate index), the corpus minimum elsewhere."""
        ids, sims = self.dense_index_.search(q[None], min(int(self.dense_pool), len(self.passages_)))
        _, farthest = self.dense_index_.search(-q[None], 1)
        dense = np.full(len(self.passages_), -float(farthest[0, 0]), dtype=np.float32)
        found = ids[0] >= 0
        dense[ids[0][found]] = sims[0][found]
        return dense

    def expand_query(self, query: str) -> list[tuple[str, tuple[str, ...]]]:
        """Glossary terms of an English query (``[]`` for a query with Han characters, or when
        ``expand_english`` is off); see :func:`expand_english_query`."""
        self._check_fitted()
        if not self.expand_english or has_han(query):
            return []
        return expand_english_query(query, self.glossary_)

    def query_terms(self, query: str) -> tuple[str, list[list[str]], float]:
        """The lexical form of ``query``: (Chinese text to vectorise, verbatim segments each as a list
        of alternatives, exact-segment bonus).

        A Chinese query (traditional characters converted to simplified, the plans' spelling) has as
        segments its whitespace/punctuation-separated parts with >= 2 Han characters; an English query's are the Chinese renderings of its glossary terms (empty when it
        has none). Every segment also accepts its variant spellings (``data/variant_terms.csv``:
        长者食堂 also matches 长者饭堂), and those spellings join the vectorised text.
        """
        self._check_fitted()
        if has_han(query):
            # the plans are simplified: a traditional query (長者飯堂) must match their spelling
            query = to_simplified(query)
            parts = [[s] for s in re.split(r"[\s,，、;；。]+", query) if len(re.sub(rf"[^{HAN}]", "", s)) >= 2]
            base, bonus = query, self.exact_bonus
        else:
            parts = [list(zh_terms) for _, zh_terms in self.expand_query(query)]
            base, bonus = " ".join(t for alternatives in parts for t in alternatives), self.expansion_bonus
        segments = [list(dict.fromkeys(v for a in alternatives for v in segment_variants(a, self.variants_)))
                    for alternatives in parts]
        extra = [v for seg, alternatives in zip(segments, parts) for v in seg if v not in alternatives]
        return " ".join([base, *extra]).strip(), segments, bonus

    def lexical_scores(self, query: str) -> np.ndarray | None:
        """TF-IDF cosine of every passage with ``query`` plus the exact-segment bonus (see
        :meth:`query_terms`).

        None for an English query with no glossary term: Latin n-grams of an English query cannot
        match Chinese text, and the few Latin tokens in the plans (VOCs, 5G) would add noise.
        """
        text, segments, bonus = self.query_terms(query)
        if not text:
            return None
        return self._lexical(text, segments, bonus)

    def _lexical(self, text: str, segments: list[list[str]], bonus: float) -> np.ndarray | None:
        """TF-IDF cosine with ``text`` + ``bonus`` x the share of ``segments`` (lists of
        alternatives) of which some alternative occurs verbatim in the passage."""
        qv = self.vectorizer_.transform([text])
        if qv.nnz == 0:
            return None
        # Posting lists: only the columns of the query's n-grams are read (a product with the whole
        # matrix reads every passage); the sums run over the same terms in the same order.
        order = np.argsort(qv.indices, kind="stable")
        postings = self._postings()[:, qv.indices[order]]
        scores = np.asarray(postings @ qv.data[order]).ravel().astype(np.float32)
        if bonus and segments:
            hits = np.zeros(len(scores), dtype=np.float32)
            for alternatives in segments:
                hits[self._rows_containing(alternatives)] += 1.0
            scores = scores + bonus * hits / len(segments)
        return scores

    def _texts(self) -> np.ndarray:
        """The passage texts as an object array (``texts_``; made here for an index pickled before it existed)."""
        if getattr(self, "texts_", None) is None:
            self.texts_ = self.passages_["text"].to_numpy(dtype=object)
        return self.texts_

    def _postings(self):
        """The TF-IDF matrix column by column (CSC): one posting list per n-gram."""
        if getattr(self, "lexical_postings_", None) is None:  # an index pickled before it existed
            self.lexical_postings_ = self.lexical_matrix_.tocsc()
        return self.lexical_postings_

    def _rows_containing(self, alternatives: Sequence[str]) -> np.ndarray:
        """Sorted rows whose text contains at least one of ``alternatives`` verbatim.

        A text containing an alternative contains each of its Han n-grams, so only the rows on the
        posting list of the alternative's rarest n-gram are read (none when an n-gram is not in the
        vocabulary); an alternative without a Han n-gram is looked for in every text.
        """
        postings, vocabulary = self._postings(), self.vectorizer_.vocabulary_
        texts = self._texts()
        found: set[int] = set()
        for alternative in alternatives:
            grams = [g for g in self.vectorizer_.analyzer(alternative) if has_han(g)]
            columns = [vocabulary.get(g) for g in grams]
            if any(c is None for c in columns):
                continue  # an n-gram no passage has: no passage contains the alternative
            if columns:
                # rows on every n-gram's posting list (rarest first): the texts left to read verbatim
                columns = sorted(set(columns), key=lambda c: postings.indptr[c + 1] - postings.indptr[c])
                rows = postings.indices[postings.indptr[columns[0]]:postings.indptr[columns[0] + 1]]
                for c in columns[1:]:
                    if len(rows) <= 8:  # a handful of texts: reading them is cheaper than another list
                        break
                    rows = np.intersect1d(rows, postings.indices[postings.indptr[c]:postings.indptr[c + 1]],
                                          assume_unique=True)
            else:
                rows = range(len(texts))
            found.update(int(r) for r in rows if alternative in texts[r])
        return np.array(sorted(found), dtype=np.int64)

    def _fuse(self, dense: np.ndarray | None, lexical: np.ndarray | None) -> np.ndarray:
        n = len(self.passages_)
        if dense is None and lexical is None:
            return np.zeros(n, dtype=np.float32)
        if dense is None:
            return minmax(lexical)
        if lexical is None or float(lexical.max()) <= 0.0:
            return minmax(dense)
        w = float(self.dense_weight)
        return w * minmax(dense) + (1.0 - w) * minmax(lexical)

    def _mask(self, district: str | Sequence[str] | None, theme: str | Sequence[str] | None) -> np.ndarray:
        mask = np.ones(len(self.passages_), dtype=bool)
        if district is not None:
            canon = resolve_districts(district, self.districts_)
            mask &= self.passages_["district"].isin(canon).to_numpy()
        if theme is not None:
            if "theme" not in self.passages_.columns:
                raise MatchInputError("passages have no 'theme' column; cannot filter by theme")
            wanted = [theme] if isinstance(theme, str) else list(theme)
            known_themes = set(self.passages_["theme"].dropna().astype(str))
            unknown = [t for t in wanted if t not in known_themes]
            if unknown:
                raise UnknownItemError(
                    f"unknown theme {unknown[0]!r}; themes present: {', '.join(sorted(known_themes))}")
            mask &= self.passages_["theme"].isin(wanted).to_numpy()
        return mask

    def _rows_to_frame(self, rows: np.ndarray, fused: np.ndarray, dense: np.ndarray | None,
                       lexical: np.ndarray | None, terms: list[list[str]], variants: list[list[str]],
                       p_comparable: np.ndarray, verdicts: list[str]) -> pd.DataFrame:
        base = self.passages_.iloc[rows]
        score = p_comparable if self.rank_by == "p_comparable" else fused[rows]
        return pd.DataFrame({
            "passage_id": base["passage_id"].to_numpy(),
            "doc_id": base["doc_id"].to_numpy(),
            "district": base["district"].to_numpy(),
            "score": np.asarray(score, dtype=float),
            "text": base["text"].to_numpy(),
            "section_path": base["section_path"].to_numpy(),
            "line_start": base["line_start"].to_numpy(),
            "line_end": base["line_end"].to_numpy(),
            "rank": np.arange(1, len(rows) + 1),
            "verdict": pd.Series(verdicts, dtype=object).to_numpy(),
            "p_comparable": np.asarray(p_comparable, dtype=float),
            "fused_score": fused[rows].astype(float),
            "dense_score": dense[rows].astype(float) if dense is not None else np.nan,
            "lexical_score": lexical[rows].astype(float) if lexical is not None else np.nan,
            "matched_terms": terms,
            "matched_variants": variants,
        })

    def rank_candidates(self, probe, candidates: np.ndarray, fused: np.ndarray,
                        probe_kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Order ``candidates`` (rows) for ``probe`` by ``rank_by``; returns (rows, p_comparable)."""
        return self.rank_candidate_lists(probe, [candidates], fused, probe_kind)[0]

    def rank_candidate_lists(self, probe, lists: Sequence[np.ndarray], fused: np.ndarray,
                             probe_kind: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """:meth:`rank_candidates` for several candidate lists (one district each) in one feature pass:
        the per-call costs of the features (sparse conversions, the probe's vectors) are paid once, not
        once per district. Each list keeps its own margins and order; returns one (rows, p) per list."""
        sizes = [len(c) for c in lists]
        rows = np.concatenate([np.asarray(c, dtype=int) for c in lists]) if lists else np.zeros(0, dtype=int)
        groups = np.repeat(np.arange(len(lists)), sizes)
        feats = self.featurizer_.transform(probe, rows, self.embeddings_, groups=groups)
        p_all = self.verdict_model_.p_comparable(feats, probe_kind, self.embeddings_ is not None)
        out, start = [], 0
        for size in sizes:
            candidates, p = rows[start:start + size], p_all[start:start + size]
            start += size
            key = p if self.rank_by == "p_comparable" else fused[candidates]
            order = np.lexsort((candidates, -fused[candidates], -key))
            out.append((candidates[order], p[order]))
        return out

    # -- public queries ----------------------------------------------------------------------

    def search(self, query: str, query_embedding: np.ndarray | None = None, k: int = 5,
               district: str | Sequence[str] | None = None, theme: str | Sequence[str] | None = None,
               min_verdict: str = "related") -> pd.DataFrame:
        """Rank passages for ``query``; see :func:`plancompare.match.search.search_index`."""
        from .search import search_index

        return search_index(self, query, query_embedding, k=k, district=district, theme=theme,
                            min_verdict=min_verdict)

    def compare(self, passage_id: str, k: int = 3, districts: Iterable[str] | None = None,
                min_verdict: str = "related", focus: str | None = None, embed=None) -> pd.DataFrame:
        """Each other district's passages comparable to ``passage_id`` (or to its goal ``focus``); see
        :func:`plancompare.match.compare.compare_passage`."""
        from .compare import compare_passage

        return compare_passage(self, passage_id, k=k, districts=districts, min_verdict=min_verdict,
                               focus=focus, embed=embed)

    def shared_terms(self, row_a: int, row_b: int, n: int = 5) -> list[str]:
        """Up to ``n`` maximal substrings (>= 2 Han characters) that two indexed passages share,
        most informative first (sum of the IDF of their character n-grams), skipping a term
        contained in one already listed; reads ``["知识产权服务机构", "托管"]`` rather than
        overlapping trigrams."""
        text_a = self.passages_.at[row_a, "text"]
        text_b = self.passages_.at[row_b, "text"]
        candidates = matched_query_terms(text_a, text_b)
        if not candidates:
            return []
        vocab = self.vectorizer_.vocabulary_
        idf = self.vectorizer_.idf_
        analyzer = self.vectorizer_.build_analyzer()

        def weight(term: str) -> float:
            return float(sum(idf[vocab[g]] for g in set(analyzer(term)) if g in vocab))

        # A term is worth showing when its rarest n-gram occurs in <= 10% of the passages;
        # 开展, 服务, 支持 are shared by almost any two plan passages and explain nothing.
        n_docs = self.lexical_matrix_.shape[0]
        min_idf = np.log((1 + n_docs) / (1 + 0.1 * n_docs)) + 1

        def informative(term: str) -> bool:
            return any(idf[vocab[g]] >= min_idf for g in analyzer(term) if g in vocab)

        chosen: list[str] = []
        for term in sorted(candidates, key=lambda t: (-weight(t), t)):
            if informative(term) and not any(term in c for c in chosen):  # skip 知识产权 after 企业知识产权
                chosen.append(term)
            if len(chosen) >= n:
                break
        return chosen

    def pair_similarity(self, rows_a: np.ndarray, rows_b: np.ndarray | None = None) -> np.ndarray:
        """Absolute (unscaled) fused similarity between indexed rows: ``dense_weight * cosine +
        (1 - dense_weight) * tfidf_cosine`` (tfidf alone without embeddings). Used by
        :func:`align_theme`, where a threshold needs a scale that does not depend on the query."""
        self._check_fitted()
        rows_a = np.asarray(rows_a)
        rows_b = rows_a if rows_b is None else np.asarray(rows_b)
        lex = (self.lexical_matrix_[rows_a] @ self.lexical_matrix_[rows_b].T).toarray()
        if self.embeddings_ is None:
            return lex
        dense = self.embeddings_[rows_a] @ self.embeddings_[rows_b].T
        w = float(self.dense_weight)
        return w * dense + (1.0 - w) * lex


def _check_embeddings(embeddings: np.ndarray | None, n: int, copy: bool = True) -> np.ndarray | None:
    """``embeddings`` as float32 unit rows; ``copy=False`` normalises a writeable float32 array in place."""
    if embeddings is None:
        return None
    emb = np.asarray(embeddings, dtype=np.float32)
    if emb.ndim != 2 or emb.shape[0] != n:
        raise MatchInputError(
            f"embeddings must have one row per passage: got shape {emb.shape}, expected ({n}, d)")
    in_place = not copy and emb.flags.writeable
    return unit_rows(emb, out=emb if in_place else None)  # chunked: no temporaries the size of the matrix
