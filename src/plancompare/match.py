"""Precedents across districts: hybrid passage search, peer comparison, theme alignment, text reuse.

Policy writers ask "who else set a target for X, and how?". This module answers it over the
``corpus.passages`` table (body rows) and the aligned ``corpus.embeddings`` matrix:

* :class:`PassageIndex` ranks passages for a query (Chinese or English) by fusing a dense signal
  (cosine of L2-normalised e5 embeddings) with a lexical signal suited to Chinese (TF-IDF over
  character 2-3-grams), and shows which query terms each hit contains (``matched_terms``).
  An English query gets its lexical signal from a bilingual glossary of policy terms
  (``data/policy_terms_en_zh.toml``, :func:`load_policy_glossary`): the English terms it contains
  are replaced by their Chinese renderings (:func:`expand_english_query`).
  :meth:`PassageIndex.compare` lists, for one passage, the most comparable passages of every
  other district.
* :func:`align_theme` groups passages of one theme that address the same goal in different
  districts (mutual nearest neighbours above a calibrated threshold) and shows the districts that
  have nothing comparable.
* :func:`find_text_reuse` finds near-verbatim sentences shared between documents and flags
  national boilerplate, so a user sees where one plan copies a measure from another.

Everything is deterministic; no state lives outside the objects a caller creates.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer

from .districts import resolve_districts
from .errors import MatchInputError, UnknownItemError

__all__ = [
    "PassageIndex",
    "align_theme",
    "find_text_reuse",
    "load_boilerplate_patterns",
    "load_policy_glossary",
    "default_policy_glossary",
    "expand_english_query",
    "UnknownItemError",
    "MatchInputError",
    "RESULT_COLUMNS",
    "DEFAULT_ALIGN_THRESHOLD",
    "DEFAULT_ALIGN_THRESHOLD_LEXICAL",
]


RESULT_COLUMNS = [
    "passage_id", "doc_id", "district", "score", "text", "section_path", "line_start", "line_end",
    "rank", "dense_score", "lexical_score", "matched_terms",
]
"""Columns of :meth:`PassageIndex.search` and :meth:`PassageIndex.compare` results (compare adds
``source_passage_id``)."""

REQUIRED_COLUMNS = ("passage_id", "doc_id", "district", "text", "section_path", "line_start", "line_end")

# Han characters (CJK unified ideographs + extension A + compatibility) and Latin/digit runs.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RUN = re.compile(rf"[{_HAN}]+|[A-Za-z0-9]+")
_HAS_HAN = re.compile(rf"[{_HAN}]")

# Link thresholds for align_theme on the absolute fused pair similarity, calibrated on
# tests/gold/topics.csv by benchmarks/bench_match.py --calibrate (see align_theme).
DEFAULT_ALIGN_THRESHOLD = 0.50
DEFAULT_ALIGN_THRESHOLD_LEXICAL = 0.08


# ----------------------------------------------------------------------------------------------
# Lexical analysis
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CharNgramAnalyzer:
    """Split text into Han runs and Latin/digit words; emit Han character n-grams and Latin words.

    N-grams never cross punctuation or whitespace, so "服务，提升" yields no "务，" or "务提" noise;
    Latin words (``VOCs``, ``5G``) are kept whole and lower-cased. A picklable dataclass rather
    than a lambda so that a fitted index can be copied.
    """

    ngram_min: int = 2
    ngram_max: int = 3

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        for run in _TOKEN_RUN.findall(text or ""):
            if not _HAS_HAN.match(run):
                out.append(run.lower())
                continue
            if len(run) < self.ngram_min:
                # A lone character carries too little meaning to count as a term.
                continue
            for n in range(self.ngram_min, self.ngram_max + 1):
                out.extend(run[i:i + n] for i in range(len(run) - n + 1))
        return out


def matched_query_terms(query: str, text: str, min_len: int = 2) -> list[str]:
    """Maximal substrings of the query's Han runs (>= ``min_len`` chars) that occur in ``text``.

    Greedy longest match from left to right, so "长者食堂 社区助餐点" against a passage with
    "长者食堂、社区助餐点" gives ``["长者食堂", "社区助餐点"]`` rather than a list of bigrams.
    Latin words of the query match case-insensitively as whole words.
    """
    found: list[str] = []
    lower_text = (text or "").lower()
    for run in _TOKEN_RUN.findall(query or ""):
        if not _HAS_HAN.match(run):
            if len(run) >= 2 and re.search(rf"(?<![a-z0-9]){re.escape(run.lower())}(?![a-z0-9])", lower_text):
                found.append(run)
            continue
        i = 0
        while i <= len(run) - min_len:
            # Grow the match from i while it still occurs: every prefix of a substring of
            # ``text`` is one too, so this finds the longest match in O(match length) look-ups.
            j = i + min_len
            if run[i:j] not in text:
                i += 1
                continue
            while j < len(run) and run[i:j + 1] in text:
                j += 1
            found.append(run[i:j])
            i = j
    return list(dict.fromkeys(found))


# ----------------------------------------------------------------------------------------------
# English -> Chinese policy-term glossary
# ----------------------------------------------------------------------------------------------

_LATIN_WORD = re.compile(r"[a-z0-9]+")


def _fold_words(text: str) -> tuple[str, ...]:
    """Lower-cased Latin words with plurals folded: policies -> policy, taxes -> tax, parks -> park
    (not -ss/-us/-is words: business, campus, basis). Glossary keys and queries are folded alike."""
    words = []
    for w in _LATIN_WORD.findall((text or "").lower()):
        if len(w) > 4 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
            w = w[:-2]
        elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
        words.append(w)
    return tuple(words)


def load_policy_glossary(path: str | os.PathLike) -> dict[str, tuple[str, ...]]:
    """English policy term (lower case) -> Chinese terms, from the ``[terms]`` table of a TOML file
    laid out like the bundled ``plancompare/data/policy_terms_en_zh.toml``.

    A value is a string or an array of strings. Raises :class:`MatchInputError` when the file is
    not valid TOML, has no ``[terms]``, a value lacks Han characters, or two keys coincide once
    lower-cased and plural-folded (``"Park"`` / ``"parks"``), since matching could not tell them apart.
    """
    read = path.read_text if hasattr(path, "read_text") else Path(path).read_text  # also a Traversable
    try:
        terms = tomllib.loads(read(encoding="utf-8")).get("terms")
    except tomllib.TOMLDecodeError as exc:
        raise MatchInputError(f"glossary {path}: {exc}") from exc
    if not isinstance(terms, dict) or not terms:
        raise MatchInputError(f"glossary {path}: no [terms] table")
    glossary: dict[str, tuple[str, ...]] = {}
    key_of: dict[tuple[str, ...], str] = {}
    for key, value in terms.items():
        zh = (value,) if isinstance(value, str) else tuple(value)
        if not zh or not all(isinstance(t, str) and _has_han(t) for t in zh):
            raise MatchInputError(f"glossary {path}: {key!r} must map to Chinese terms, got {value!r}")
        folded = _fold_words(key)
        if not folded or folded in key_of:
            raise MatchInputError(f"glossary {path}: key {key!r} is empty or repeats {key_of.get(folded)!r}")
        key_of[folded] = key
        glossary[key.lower()] = zh
    return glossary


@lru_cache(maxsize=1)
def default_policy_glossary() -> Mapping[str, tuple[str, ...]]:
    """The bundled glossary ``plancompare/data/policy_terms_en_zh.toml`` (read once, read-only)."""
    path = resources.files("plancompare").joinpath("data/policy_terms_en_zh.toml")
    return MappingProxyType(load_policy_glossary(path))


def expand_english_query(query: str, glossary: Mapping[str, Sequence[str]]) -> list[tuple[str, tuple[str, ...]]]:
    """The glossary terms an English query contains, as ``(English term, Chinese terms)`` in query order.

    Words compare lower-cased with plurals folded ("Elderly care services" contains
    ``elderly care service``); the longest term wins where terms overlap ("elderly care service" over
    "elderly care" over "elderly"), each query word belongs to one term at most, and a term is listed once.
    """
    key_of = {_fold_words(k): k for k in glossary}
    words = _fold_words(query)
    free = [True] * len(words)
    found: list[tuple[int, str]] = []
    for n in range(min(len(words), max(map(len, key_of), default=0)), 0, -1):
        for i in range(len(words) - n + 1):
            key = key_of.get(words[i:i + n])
            if key is not None and all(free[i:i + n]):
                free[i:i + n] = [False] * n
                found.append((i, key))
    keys = dict.fromkeys(key for _, key in sorted(found))  # first occurrence of each term
    return [(key, tuple(glossary[key])) for key in keys]


def _mapped_terms(expansions: list[tuple[str, tuple[str, ...]]], text: str) -> list[str]:
    """``"elderly care→养老"`` for each expansion found in ``text`` (skipping 一窗 when 一窗受理 is shown)."""
    out = []
    for en, zh_terms in expansions:
        present = [t for t in zh_terms if t in text]
        out += [f"{en}→{t}" for t in present if not any(t != u and t in u for u in present)]
    return out


def _has_han(text: str) -> bool:
    return bool(_HAS_HAN.search(text or ""))


def _minmax(x: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector maps to zeros (it carries no ranking information)."""
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-12:
        return np.zeros_like(x)
    return (x - lo) / (hi - lo)


# ----------------------------------------------------------------------------------------------
# The index
# ----------------------------------------------------------------------------------------------

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

    Attributes (after :meth:`fit`)
    ------------------------------
    passages_ : DataFrame, the indexed rows (index reset to 0..n-1).
    embeddings_ : float32 array (n, d) or None.
    vectorizer_ : fitted ``TfidfVectorizer``.
    lexical_matrix_ : sparse (n, vocabulary) L2-normalised TF-IDF rows.
    row_of_id_ : dict passage_id -> row.
    districts_ : sorted list of districts.
    glossary_ : mapping English term -> Chinese terms.

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
    ):
        self.dense_weight = dense_weight
        self.ngram_range = ngram_range
        self.min_score = min_score
        self.sublinear_tf = sublinear_tf
        self.exact_bonus = exact_bonus
        self.expand_english = expand_english
        self.expansion_bonus = expansion_bonus
        self.glossary_path = glossary_path

    # -- fitting -----------------------------------------------------------------------------

    def fit(self, passages: pd.DataFrame, embeddings: np.ndarray | None = None) -> "PassageIndex":
        """Index ``passages`` (one row per passage, columns as in ``corpus.passages``).

        ``embeddings``: array (n_passages, d), row i embedding row i of ``passages`` (the order of
        ``corpus.embeddings``), or None for a lexical-only index. Rows are re-normalised to unit
        length. Callers pass body rows only; this method indexes whatever it is given.
        Returns ``self``.
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
        self.embeddings_ = _check_embeddings(embeddings, len(self.passages_))

        self.vectorizer_ = TfidfVectorizer(
            analyzer=CharNgramAnalyzer(*self.ngram_range), sublinear_tf=self.sublinear_tf,
            dtype=np.float32,
        )
        self.lexical_matrix_ = self.vectorizer_.fit_transform(self.passages_["text"]).tocsr()
        self.row_of_id_ = {pid: i for i, pid in enumerate(self.passages_["passage_id"])}
        self.districts_ = sorted(self.passages_["district"].dropna().unique().tolist())
        self.glossary_ = (dict(default_policy_glossary()) if self.glossary_path is None  # a dict pickles
                          else load_policy_glossary(self.glossary_path))
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
        return self.embeddings_ @ (q / norm)

    def expand_query(self, query: str) -> list[tuple[str, tuple[str, ...]]]:
        """Glossary terms of an English query (``[]`` for a query with Han characters, or when
        ``expand_english`` is off); see :func:`expand_english_query`."""
        self._check_fitted()
        if not self.expand_english or _has_han(query):
            return []
        return expand_english_query(query, self.glossary_)

    def lexical_scores(self, query: str) -> np.ndarray | None:
        """TF-IDF cosine of every passage with ``query`` plus the exact-segment bonus.

        A query with no Han characters is scored through its glossary expansion (the Chinese
        renderings of its English terms, each term one segment, bonus ``expansion_bonus``); None
        when it has none: Latin n-grams of an English query cannot match Chinese text, and the few
        Latin tokens in the plans (VOCs, 5G) would add noise.
        """
        self._check_fitted()
        if _has_han(query):
            segments = [[s] for s in re.split(r"[\s,，、;；。]+", query) if len(re.sub(rf"[^{_HAN}]", "", s)) >= 2]
            return self._lexical(query, segments, self.exact_bonus)
        expansions = self.expand_query(query)
        if not expansions:
            return None
        zh_query = " ".join(t for _, zh_terms in expansions for t in zh_terms)
        return self._lexical(zh_query, [list(zh_terms) for _, zh_terms in expansions], self.expansion_bonus)

    def _lexical(self, text: str, segments: list[list[str]], bonus: float) -> np.ndarray | None:
        """TF-IDF cosine with ``text`` + ``bonus`` x the share of ``segments`` (lists of
        alternatives) of which some alternative occurs verbatim in the passage."""
        qv = self.vectorizer_.transform([text])
        if qv.nnz == 0:
            return None
        scores = np.asarray((self.lexical_matrix_ @ qv.T).todense()).ravel().astype(np.float32)
        if bonus and segments:
            texts = self.passages_["text"].tolist()
            hits = np.zeros(len(texts), dtype=np.float32)
            for alternatives in segments:
                hits += np.fromiter((any(a in t for a in alternatives) for t in texts),
                                    dtype=np.float32, count=len(texts))
            scores = scores + bonus * hits / len(segments)
        return scores

    def _fuse(self, dense: np.ndarray | None, lexical: np.ndarray | None) -> np.ndarray:
        n = len(self.passages_)
        if dense is None and lexical is None:
            return np.zeros(n, dtype=np.float32)
        if dense is None:
            return _minmax(lexical)
        if lexical is None or float(lexical.max()) <= 0.0:
            return _minmax(dense)
        w = float(self.dense_weight)
        return w * _minmax(dense) + (1.0 - w) * _minmax(lexical)

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
                       lexical: np.ndarray | None, terms: list[str]) -> pd.DataFrame:
        base = self.passages_.iloc[rows]
        out = pd.DataFrame({
            "passage_id": base["passage_id"].to_numpy(),
            "doc_id": base["doc_id"].to_numpy(),
            "district": base["district"].to_numpy(),
            "score": fused[rows].astype(float),
            "text": base["text"].to_numpy(),
            "section_path": base["section_path"].to_numpy(),
            "line_start": base["line_start"].to_numpy(),
            "line_end": base["line_end"].to_numpy(),
            "rank": np.arange(1, len(rows) + 1),
            "dense_score": dense[rows].astype(float) if dense is not None else np.nan,
            "lexical_score": lexical[rows].astype(float) if lexical is not None else np.nan,
            "matched_terms": terms,
        })
        return out

    # -- public queries ----------------------------------------------------------------------

    def search(
        self,
        query: str,
        query_embedding: np.ndarray | None = None,
        k: int = 5,
        district: str | Sequence[str] | None = None,
        theme: str | Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Rank passages for ``query``.

        Inputs: the query text (Chinese or English); its embedding (e5 ``query: `` prompt,
        ``embed_texts([query], prompt="query")[0]``) or None for lexical-only ranking; ``k`` results;
        optional filters ``district`` (name, case-insensitive, or a list) and ``theme`` (id or list).
        Output: DataFrame with :data:`RESULT_COLUMNS`, best first; ``matched_terms`` lists the
        query terms found verbatim in each passage, for an English query also the glossary mappings
        whose Chinese term it contains (``elderly care→养老``). Unknown district/theme raise
        :class:`UnknownItemError`.
        """
        self._check_fitted()
        if not isinstance(query, str) or not query.strip():
            raise MatchInputError("query must be a non-empty string")
        if int(k) < 1:
            raise MatchInputError(f"k must be >= 1, got {k!r}")
        mask = self._mask(district, theme)
        dense = self.dense_scores(query_embedding)
        lexical = self.lexical_scores(query)
        fused = self._fuse(dense, lexical)
        rows = _top_rows(fused, mask, int(k), self.min_score)
        expansions = self.expand_query(query)
        terms = [matched_query_terms(query, self.passages_.at[r, "text"])
                 + _mapped_terms(expansions, self.passages_.at[r, "text"]) for r in rows]
        return self._rows_to_frame(rows, fused, dense, lexical, terms)

    def compare(self, passage_id: str, k: int = 3, districts: Iterable[str] | None = None) -> pd.DataFrame:
        """For each OTHER district, its ``k`` passages most comparable to ``passage_id``.

        The source passage is the query on both signals: its embedding (passage prompt) for the
        dense side, its TF-IDF vector for the lexical side (no exact bonus). Scaling happens over
        each target district's passages, so every district gets its own best matches.
        Output: :data:`RESULT_COLUMNS` + ``source_passage_id``, grouped by district (alphabetical),
        ``rank`` 1..k within a district; ``matched_terms`` = the n-grams contributing most to the
        lexical similarity. Unknown ids raise :class:`UnknownItemError`.
        """
        self._check_fitted()
        if passage_id not in self.row_of_id_:
            raise UnknownItemError(f"unknown passage id {passage_id!r}")
        if int(k) < 1:
            raise MatchInputError(f"k must be >= 1, got {k!r}")
        src = self.row_of_id_[passage_id]
        src_district = self.passages_.at[src, "district"]
        wanted = self.districts_ if districts is None else resolve_districts(districts, self.districts_)
        targets = [d for d in wanted if d != src_district]

        dense = self.embeddings_ @ self.embeddings_[src] if self.embeddings_ is not None else None
        lexical = np.asarray((self.lexical_matrix_ @ self.lexical_matrix_[src].T).todense()).ravel()
        frames = []
        district_col = self.passages_["district"].to_numpy()
        for d in targets:
            rows_d = np.flatnonzero(district_col == d)
            if rows_d.size == 0:
                continue
            fused_d = np.zeros(len(self.passages_), dtype=np.float32)
            fused_d[rows_d] = self._fuse(
                None if dense is None else dense[rows_d], lexical[rows_d])
            mask = np.zeros(len(self.passages_), dtype=bool)
            mask[rows_d] = True
            rows = _top_rows(fused_d, mask, int(k), self.min_score)
            terms = [self.shared_terms(src, r) for r in rows]
            frames.append(self._rows_to_frame(rows, fused_d, dense, lexical, terms))
        if not frames:
            out = pd.DataFrame(columns=RESULT_COLUMNS)
        else:
            out = pd.concat(frames, ignore_index=True)
        out.insert(0, "source_passage_id", passage_id)
        return out

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


def _check_embeddings(embeddings: np.ndarray | None, n: int) -> np.ndarray | None:
    if embeddings is None:
        return None
    emb = np.asarray(embeddings, dtype=np.float32)
    if emb.ndim != 2 or emb.shape[0] != n:
        raise MatchInputError(
            f"embeddings must have one row per passage: got shape {emb.shape}, expected ({n}, d)")
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return emb / norms


def _top_rows(scores: np.ndarray, mask: np.ndarray, k: int, min_score: float) -> np.ndarray:
    """Indices of the ``k`` best masked scores, ties broken by row order (deterministic)."""
    cand = np.flatnonzero(mask & (scores >= min_score))
    if cand.size == 0:
        return cand
    order = np.lexsort((cand, -scores[cand]))
    return cand[order[:k]]


# ----------------------------------------------------------------------------------------------
# Theme alignment
# ----------------------------------------------------------------------------------------------

ALIGN_COLUMNS = [
    "group_id", "theme", "district", "status", "passage_id", "doc_id", "score", "heading",
    "section_path", "text", "line_start", "line_end", "group_label",
]


def align_theme(
    passages: pd.DataFrame,
    embeddings: np.ndarray | None,
    theme: str,
    threshold: float | None = None,
    dense_weight: float = 0.5,
    include_unmatched: bool = True,
    index: PassageIndex | None = None,
) -> pd.DataFrame:
    """Group passages of ``theme`` from different districts that address the same goal.

    Method: within the theme, every passage's best match in each other district is found with
    the absolute fused similarity of :meth:`PassageIndex.pair_similarity`; a pair is linked when
    the two passages are each other's best match in the other's district (mutual nearest
    neighbours) and the similarity is >= ``threshold``. Connected components of the links are the
    groups.

    ``threshold`` None picks the calibrated default: :data:`DEFAULT_ALIGN_THRESHOLD` with
    embeddings, :data:`DEFAULT_ALIGN_THRESHOLD_LEXICAL` without. Calibration
    (``benchmarks/bench_match.py --calibrate``, gold set ``tests/gold/topics.csv``): within each
    theme, every cross-district mutual-nearest-neighbour pair is a candidate link; it is a positive
    when both passages are gold targets of one topic, a negative when one is a gold target of topic
    T and the other lies in a district where the gold names a different passage for T. The default
    is the threshold that maximises F1 over these labelled candidates (bundled plans, e5-small,
    ``dense_weight=0.5``: 0.50, F1 0.83 on 58 positive / 34 negative pairs; lexical-only: 0.08,
    F1 0.79 on 54 / 36).
    The mutual-nearest-neighbour rule does most of the work; the threshold drops weak pairs.

    Inputs: ``passages`` (body rows of ``corpus.passages`` with a ``theme`` column),
    ``embeddings`` aligned with those rows (or None), the theme id. ``index`` may be a
    PassageIndex already fitted on the same rows (saves refitting; its ``dense_weight`` then
    applies instead of the argument).
    Output: one row per group x district: members get ``status="aligned"`` (group spans >= 2
    districts) or ``"unmatched"`` (only this district has it, if ``include_unmatched``); each
    district of the corpus without a member gets a row with empty ``passage_id`` and
    ``status="nothing comparable"``. ``score`` is a member's best link similarity within the group.
    """
    if "theme" not in passages.columns:
        raise MatchInputError("passages have no 'theme' column; run the themes stage first")
    all_districts = sorted(passages["district"].dropna().unique().tolist())
    if theme not in set(passages["theme"].dropna().astype(str)):
        raise UnknownItemError(f"no passage has theme {theme!r}")
    if index is None:
        index = PassageIndex(dense_weight=dense_weight).fit(passages, embeddings)
    elif len(index.passages_) != len(passages) or not np.array_equal(
            index.passages_["passage_id"].to_numpy(), passages["passage_id"].to_numpy()):
        raise MatchInputError("index was fitted on a different passages table")
    if threshold is None:
        threshold = DEFAULT_ALIGN_THRESHOLD if index.embeddings_ is not None else DEFAULT_ALIGN_THRESHOLD_LEXICAL

    # The theme comes from ``passages``: an index fitted before themes were assigned lacks it.
    rows = np.flatnonzero(passages["theme"].astype(str).to_numpy() == theme)
    dist = index.passages_["district"].to_numpy()[rows]
    sim = index.pair_similarity(rows)

    # Best partner of each passage in each other district.
    best: dict[tuple[int, str], int] = {}
    for d in np.unique(dist):
        cols = np.flatnonzero(dist == d)
        for i in range(len(rows)):
            if dist[i] == d:
                continue
            j = cols[np.lexsort((cols, -sim[i, cols]))[0]]
            best[(i, d)] = j
    parent = list(range(len(rows)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    link_score = np.zeros(len(rows))
    for (i, d), j in best.items():
        if i < j and best.get((j, dist[i])) == i and sim[i, j] >= threshold:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
            link_score[i] = max(link_score[i], sim[i, j])
            link_score[j] = max(link_score[j], sim[i, j])

    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(rows)):
        members[find(i)].append(i)

    records = []
    group_no = 0
    for root in sorted(members, key=lambda r: min(members[r])):
        group = members[root]
        districts_in = sorted({dist[i] for i in group})
        if len(districts_in) < 2 and not include_unmatched:
            continue
        group_no += 1
        gid = f"{theme}:{group_no:03d}"
        anchor = max(group, key=lambda i: (link_score[i], -i))
        label = str(index.passages_.at[rows[anchor], "heading"]) if "heading" in index.passages_ else ""
        status = "aligned" if len(districts_in) >= 2 else "unmatched"
        for d in all_districts:
            in_d = [i for i in group if dist[i] == d]
            if not in_d:
                records.append({"group_id": gid, "theme": theme, "district": d, "status": "nothing comparable",
                                "passage_id": "", "doc_id": "", "score": np.nan, "heading": "",
                                "section_path": "", "text": "", "line_start": pd.NA, "line_end": pd.NA,
                                "group_label": label})
                continue
            for i in in_d:
                p = index.passages_.iloc[rows[i]]
                records.append({"group_id": gid, "theme": theme, "district": d, "status": status,
                                "passage_id": p["passage_id"], "doc_id": p["doc_id"],
                                "score": float(link_score[i]) if status == "aligned" else np.nan,
                                "heading": p.get("heading", ""), "section_path": p["section_path"],
                                "text": p["text"], "line_start": p["line_start"], "line_end": p["line_end"],
                                "group_label": label})
    out = pd.DataFrame.from_records(records, columns=ALIGN_COLUMNS)
    return out


# ----------------------------------------------------------------------------------------------
# Text reuse
# ----------------------------------------------------------------------------------------------

REUSE_COLUMNS = [
    "doc_id_a", "passage_id_a", "line_a", "doc_id_b", "passage_id_b", "line_b", "similarity",
    "text_a", "text_b", "boilerplate",
]

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n+")
_NON_WORD = re.compile(rf"[^{_HAN}A-Za-z0-9]+")


def load_boilerplate_patterns(path: str | None = None) -> list[re.Pattern]:
    """Slogan patterns, one regular expression a line (``#`` comments), from ``path`` or the
    bundled ``plancompare/data/boilerplate.txt``."""
    if path is None:
        text = resources.files("plancompare").joinpath("data/boilerplate.txt").read_text(encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(re.compile(line))
    return patterns


def _sentences(passages: pd.DataFrame, min_chars: int) -> pd.DataFrame:
    """Split passage texts into sentences; keep those with >= ``min_chars`` word characters.

    ``line`` is the raw line of the sentence: the passage's ``line_start`` plus the number of
    text lines before the sentence, clipped to ``line_end`` (exact when a passage's text lines
    map one-to-one onto its raw lines, the passage's first line otherwise).
    """
    recs = []
    for p in passages.itertuples(index=False):
        text = str(p.text or "")
        span = int(p.line_end) - int(p.line_start)
        pos = 0
        for piece in _SENTENCE_END.split(text):
            start = text.find(piece, pos) if piece else pos
            pos = start + len(piece)
            norm = _NON_WORD.sub("", piece)
            if len(norm) < min_chars:
                continue
            k = text.count("\n", 0, max(start, 0))
            line = int(p.line_start) + (min(k, span) if text.count("\n") == span else 0)
            recs.append((p.passage_id, p.doc_id, line, piece.strip(), norm))
    return pd.DataFrame(recs, columns=["passage_id", "doc_id", "line", "text", "norm"])


def _shingles(s: str, size: int) -> frozenset[str]:
    if len(s) <= size:
        return frozenset([s])
    return frozenset(s[i:i + size] for i in range(len(s) - size + 1))


def find_text_reuse(
    passages: pd.DataFrame,
    min_chars: int = 20,
    min_similarity: float = 0.8,
    shingle_size: int = 4,
    boilerplate_min_docs: int = 3,
    boilerplate_patterns: Sequence[re.Pattern] | None = None,
    within_document: bool = False,
) -> pd.DataFrame:
    """Near-verbatim sentences shared between documents.

    Sentences (split at 。！？； and line breaks, >= ``min_chars`` Han/Latin/digit characters) are
    compared by the Jaccard similarity of their character ``shingle_size``-grams after removing
    punctuation and spaces; pairs from different documents (and also the same document if
    ``within_document``) with similarity >= ``min_similarity`` are reported. The corpus is
    small, so candidate pairs come from an exact inverted index over shingles.

    ``boilerplate`` is True when either sentence matches a slogan pattern
    (``boilerplate_patterns``, default :func:`load_boilerplate_patterns`) or a near-copy of it
    appears in >= ``boilerplate_min_docs`` documents (national language every plan repeats).

    Output: :data:`REUSE_COLUMNS`, most similar first; ``line_a``/``line_b`` are raw lines.
    """
    missing = [c for c in ("passage_id", "doc_id", "text", "line_start", "line_end") if c not in passages.columns]
    if missing:
        raise MatchInputError(f"passages table lacks column(s): {', '.join(missing)}")
    if not 0.0 < min_similarity <= 1.0:
        raise MatchInputError(f"min_similarity must be within (0, 1], got {min_similarity!r}")
    patterns = load_boilerplate_patterns() if boilerplate_patterns is None else list(boilerplate_patterns)

    sents = _sentences(passages, min_chars)
    if sents.empty:
        return pd.DataFrame(columns=REUSE_COLUMNS)
    shingles = [_shingles(s, shingle_size) for s in sents["norm"]]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, sh in enumerate(shingles):
        for g in sh:
            postings[g].append(i)
    docs = sents["doc_id"].to_numpy()

    # Jaccard >= t implies the pair shares >= t * max(|A|, |B|) shingles; count shared ones.
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for ids in postings.values():
        if len(ids) > 200:  # a shingle this common is slogan material; it cannot decide a match
            continue
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                i, j = ids[x], ids[y]
                if not within_document and docs[i] == docs[j]:
                    continue
                shared[(i, j)] += 1
    pairs = []
    for (i, j), inter in shared.items():
        if inter < min_similarity * max(len(shingles[i]), len(shingles[j])):
            continue
        jac = inter / len(shingles[i] | shingles[j])
        if jac >= min_similarity:
            pairs.append((i, j, jac))

    # Documents holding a near-copy of each sentence, for the ">= N documents" boilerplate rule.
    docs_of: dict[int, set] = defaultdict(set)
    for i, j, _ in pairs:
        docs_of[i].update((docs[i], docs[j]))
        docs_of[j].update((docs[i], docs[j]))

    def is_boilerplate(i: int) -> bool:
        # Patterns see the sentence with whitespace removed but punctuation kept, as
        # data/boilerplate.txt says: slogans are lists whose 、 the patterns spell out.
        text = re.sub(r"\s+", "", sents.at[i, "text"])
        return len(docs_of[i]) >= boilerplate_min_docs or any(p.search(text) for p in patterns)

    recs = []
    for i, j, jac in pairs:
        a, b = sents.iloc[i], sents.iloc[j]
        if (a["doc_id"], a["line"]) > (b["doc_id"], b["line"]):
            a, b = b, a
        recs.append({
            "doc_id_a": a["doc_id"], "passage_id_a": a["passage_id"], "line_a": int(a["line"]),
            "doc_id_b": b["doc_id"], "passage_id_b": b["passage_id"], "line_b": int(b["line"]),
            "similarity": round(float(jac), 4), "text_a": a["text"], "text_b": b["text"],
            "boilerplate": bool(is_boilerplate(i) or is_boilerplate(j)),
        })
    out = pd.DataFrame.from_records(recs, columns=REUSE_COLUMNS)
    if out.empty:
        return out
    return out.sort_values(["similarity", "doc_id_a", "line_a", "doc_id_b", "line_b"],
                           ascending=[False, True, True, True, True], ignore_index=True)
