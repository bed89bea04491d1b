"""Peer-district comparison of one passage, with a verdict per district."""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ..districts import resolve_districts
from ..errors import MatchInputError, UnknownItemError
from ..text.sentences import split_sentences
from .ranking import RESULT_COLUMNS, top_rows
from .verdict import VERDICTS


def focus_sentence(text: str, focus: str, vectorizer, min_chars: int = 20) -> str:
    """The sentence window of ``text`` that states the goal ``focus`` names.

    The sentence is the first one containing ``focus`` word for word, else the one covering most of
    the focus's character n-grams (IDF-weighted, ``vectorizer`` fitted on the index; unnormalised, so
    a short generic sentence does not win by its length). The window adds the following sentences
    until it holds ``min_chars`` characters: a lead sentence such as ``深化商事制度改革。`` names a goal
    that the next sentence spells out.
    """
    sentences = [s for s in split_sentences(text) if s.strip()] or [text]
    hits = [i for i, sentence in enumerate(sentences) if focus.strip() and focus.strip() in sentence]
    if hits:
        start = hits[0]
    else:
        present = (vectorizer.transform(sentences) > 0).astype(np.float32)
        start = int(np.argmax((present @ vectorizer.transform([focus]).T).toarray().ravel()))
    end = start + 1
    while end < len(sentences) and len("".join(sentences[start:end])) < min_chars:
        end += 1
    return "".join(sentences[start:end])


def compare_passage(index, passage_id: str, k: int = 3, districts: Iterable[str] | None = None,
                    min_verdict: str = "related", focus: str | None = None,
                    embed: Callable[[Sequence[str]], np.ndarray] | None = None) -> pd.DataFrame:
    """For each OTHER district, its passages most comparable to ``passage_id``.

    The source passage is the probe on every signal: its embedding (passage prompt), its character
    TF-IDF vector, its words, numbers, heading and theme. Per district, the fused score (each signal
    scaled over that district's passages) picks ``index.n_candidates`` candidates, the learned verdict
    model scores them (``p_comparable``, the pair variant) and orders them (``rank_by``).

    ``focus`` (a phrase or sentence) compares one goal of a long paragraph instead of the whole: the
    probe is the passage's sentence that states it (:func:`focus_sentence`, in
    ``attrs["focus_sentence"]``), embedded by ``embed`` (texts -> unit rows, e5 query prompt; None
    for its text signals only), scored by the ``focus`` variant of the verdict model, which also
    weighs the focus phrase itself as a search query (the ``focus_*`` features).

    Output: :data:`RESULT_COLUMNS` + ``source_passage_id``, grouped by district (alphabetical), ``rank``
    1.. within a district. Each district gets up to ``k`` rows whose verdict reaches ``min_verdict``
    (default ``related``); a district with none gets exactly one row, its best near-miss, with
    ``verdict == "none"``. ``matched_terms``: the substrings both passages share, most informative
    first; ``matched_variants``: variant terms of one group written differently (``长者食堂~长者饭堂``).
    Unknown ids or districts raise :class:`UnknownItemError`.
    """
    index._check_fitted()
    if passage_id not in index.row_of_id_:
        raise UnknownItemError(f"unknown passage id {passage_id!r}")
    if int(k) < 1:
        raise MatchInputError(f"k must be >= 1, got {k!r}")
    if min_verdict not in VERDICTS:
        raise MatchInputError(f"min_verdict must be one of {', '.join(VERDICTS)}, got {min_verdict!r}")
    src = index.row_of_id_[passage_id]
    src_district = index.passages_.at[src, "district"]
    wanted = index.districts_ if districts is None else resolve_districts(districts, index.districts_)
    targets = [d for d in wanted if d != src_district]

    dense, lexical, probe, kind, sentence = _probe(index, src, focus, embed)
    # Every district's candidate list first, then one feature pass over all of them (a pass per
    # district cost more in fixed overheads than in features at 1,000 districts). Districts are
    # disjoint, so one ``fused`` array holds each district's own scaling.
    rows_of = index.passages_.groupby("district", sort=False).indices  # ascending rows per district
    fused = np.zeros(len(index.passages_), dtype=np.float32)
    lists = []
    for d in targets:
        rows_d = rows_of.get(d)
        if rows_d is None or rows_d.size == 0:
            continue
        fused[rows_d] = index._fuse(None if dense is None else dense[rows_d], lexical[rows_d])
        best = top_rows(fused[rows_d], np.ones(rows_d.size, dtype=bool), max(int(k), int(index.n_candidates)),
                        index.min_score)
        lists.append(rows_d[best])
    chosen = []
    for rows, p in index.rank_candidate_lists(probe, lists, fused, kind):
        verdicts = index.verdict_model_.verdicts(p, kind)
        keep = [i for i, v in enumerate(verdicts) if VERDICTS.index(v) <= VERDICTS.index(min_verdict)][: int(k)]
        keep = keep or [0]  # nothing reaches min_verdict: the best near-miss, for the reader to check
        chosen.append((rows[keep], p[keep], [verdicts[i] for i in keep]))
    if chosen:
        rows = np.concatenate([c[0] for c in chosen])
        source_text = index.passages_.at[src, "text"]
        terms = [index.shared_terms(src, r) for r in rows]
        variants = [shared_variants(source_text, index.passages_.at[r, "text"], index.variants_) for r in rows]
        out = index._rows_to_frame(rows, fused, dense, lexical, terms, variants,
                                   np.concatenate([c[1] for c in chosen]), [v for c in chosen for v in c[2]])
        out["rank"] = np.concatenate([np.arange(1, len(c[0]) + 1) for c in chosen])
    else:
        out = pd.DataFrame(columns=RESULT_COLUMNS)
    out.insert(0, "source_passage_id", passage_id)
    if sentence is not None:
        out.attrs["focus_sentence"] = sentence
    return out


def _probe(index, src: int, focus: str | None, embed):
    """(dense scores, lexical scores, probe, verdict kind, focus sentence or None) for source row ``src``."""
    emb = index.embeddings_
    if focus is None or not str(focus).strip():
        dense = emb @ emb[src] if emb is not None else None
        lexical = np.asarray((index.lexical_matrix_ @ index.lexical_matrix_[src].T).todense()).ravel()
        return dense, lexical, index.featurizer_.passage_probe(src, None if emb is None else emb[src]), "pair", None
    sentence = focus_sentence(index.passages_.at[src, "text"], str(focus), index.vectorizer_)
    vectors = (np.asarray(embed([sentence, str(focus)]), dtype=np.float32)
               if embed is not None and emb is not None else [None, None])
    dense = index.dense_scores(vectors[0])
    lexical = index._lexical(sentence, [], 0.0)
    if lexical is None:
        lexical = np.zeros(len(index.passages_), dtype=np.float32)
    text, segments, _ = index.query_terms(str(focus))
    phrase = index.featurizer_.query_probe(text, None if dense is None else vectors[1], segments)
    probe = index.featurizer_.focus_probe(src, sentence, None if dense is None else vectors[0], phrase)
    return dense, lexical, probe, "focus", sentence


def shared_variants(text_a: str, text_b: str, variants) -> list[str]:
    """``"长者食堂~长者饭堂"`` for each variant group written one way in ``text_a`` and another in ``text_b``."""
    out = []
    for term, group in variants.items():
        if term in text_a and term not in text_b:
            out += [f"{term}~{alt}" for alt in group[1:] if alt in text_b and alt not in text_a]
    return list(dict.fromkeys(out))
