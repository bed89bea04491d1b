"""Text reuse: near-verbatim sentences shared between documents, national boilerplate flagged."""

from __future__ import annotations

import re
from collections import defaultdict
from importlib import resources
from typing import Sequence

import pandas as pd

from ..errors import MatchInputError
from ..text.sentences import clause_spans
from ..text.han import HAN

REUSE_COLUMNS = [
    "doc_id_a", "passage_id_a", "line_a", "doc_id_b", "passage_id_b", "line_b", "similarity",
    "text_a", "text_b", "boilerplate",
]

_NON_WORD = re.compile(rf"[^{HAN}A-Za-z0-9]+")


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
    """Split passage texts into clauses; keep those with >= ``min_chars`` word characters.

    The unit is the clause of the shared text layer (:func:`~plancompare.text.sentences.clause_spans`:
    a sentence further cut after ``；``): plans copy one clause of a list sentence -- a slogan, a
    national measure -- while the rest of the sentence is their own, and a whole-sentence
    comparison would dilute the copied part below ``min_similarity``.

    ``line`` is the raw line of the clause: the passage's ``line_start`` plus the number of
    text lines before the clause, clipped to ``line_end`` (exact when a passage's text lines
    map one-to-one onto its raw lines, the passage's first line otherwise).
    """
    recs = []
    for p in passages.itertuples(index=False):
        text = str(p.text or "")
        span = int(p.line_end) - int(p.line_start)
        lines_match = text.count("\n") == span
        for start, end in clause_spans(text):
            piece = text[start:end]
            norm = _NON_WORD.sub("", piece)
            if len(norm) < min_chars:
                continue
            k = text.count("\n", 0, start)
            line = int(p.line_start) + (min(k, span) if lines_match else 0)
            recs.append((p.passage_id, p.doc_id, line, piece.strip(), norm))
    return pd.DataFrame(recs, columns=["passage_id", "doc_id", "line", "text", "norm"])


def _shingles(s: str, size: int) -> frozenset[str]:
    if len(s) <= size:
        return frozenset([s])
    return frozenset(s[i:i + size] for i in range(len(s) - size + 1))


def _similar_pairs(shingles: list[frozenset[str]], docs, min_similarity: float,
                   within_document: bool) -> list[tuple[int, int, float]]:
    """``(i, j, jaccard)`` for every pair of units with Jaccard >= ``min_similarity``.

    Candidates come from an exact inverted index over shingles: Jaccard >= t implies the pair
    shares >= t * max(|A|, |B|) shingles, so only pairs sharing that many are scored.
    """
    postings: dict[str, list[int]] = defaultdict(list)
    for i, sh in enumerate(shingles):
        for g in sh:
            postings[g].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for ids in postings.values():
        if len(ids) > 200:  # a shingle this common is slogan material; it cannot decide a match
            continue
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                i, j = ids[x], ids[y]
                if within_document or docs[i] != docs[j]:
                    shared[(i, j)] += 1
    pairs = []
    for (i, j), inter in shared.items():
        if inter < min_similarity * max(len(shingles[i]), len(shingles[j])):
            continue
        jac = inter / len(shingles[i] | shingles[j])
        if jac >= min_similarity:
            pairs.append((i, j, jac))
    return pairs


def _boilerplate_flags(sents: pd.DataFrame, pairs: list[tuple[int, int, float]], docs,
                       patterns: Sequence[re.Pattern], min_docs: int) -> dict[int, bool]:
    """Whether each unit of a pair is boilerplate: it matches a slogan pattern, or a near-copy
    of it appears in >= ``min_docs`` documents."""
    docs_of: dict[int, set] = defaultdict(set)
    for i, j, _ in pairs:
        docs_of[i].update((docs[i], docs[j]))
        docs_of[j].update((docs[i], docs[j]))
    flags = {}
    for i in docs_of:
        # Patterns see the unit with whitespace removed but punctuation kept, as
        # data/boilerplate.txt says: slogans are lists whose 、 the patterns spell out.
        text = re.sub(r"\s+", "", sents.at[i, "text"])
        flags[i] = len(docs_of[i]) >= min_docs or any(p.search(text) for p in patterns)
    return flags


def _reuse_table(sents: pd.DataFrame, pairs: list[tuple[int, int, float]], flags: dict[int, bool]) -> pd.DataFrame:
    """One :data:`REUSE_COLUMNS` row per pair, the earlier (doc_id, line) as side a, most similar first."""
    recs = []
    for i, j, jac in pairs:
        a, b = sents.iloc[i], sents.iloc[j]
        if (a["doc_id"], a["line"]) > (b["doc_id"], b["line"]):
            a, b = b, a
        recs.append({
            "doc_id_a": a["doc_id"], "passage_id_a": a["passage_id"], "line_a": int(a["line"]),
            "doc_id_b": b["doc_id"], "passage_id_b": b["passage_id"], "line_b": int(b["line"]),
            "similarity": round(float(jac), 4), "text_a": a["text"], "text_b": b["text"],
            "boilerplate": bool(flags[i] or flags[j]),
        })
    out = pd.DataFrame.from_records(recs, columns=REUSE_COLUMNS)
    if out.empty:
        return out
    return out.sort_values(["similarity", "doc_id_a", "line_a", "doc_id_b", "line_b"],
                           ascending=[False, True, True, True, True], ignore_index=True)


def find_text_reuse(
    passages: pd.DataFrame,
    min_chars: int = 20,
    min_similarity: float = 0.8,
    shingle_size: int = 4,
    boilerplate_min_docs: int = 3,
    boilerplate_patterns: Sequence[re.Pattern] | None = None,
    within_document: bool = False,
) -> pd.DataFrame:
    """Near-verbatim clauses shared between documents.

    Clauses (sentences of the shared text layer cut further after ``；``; >= ``min_chars``
    Han/Latin/digit characters) are compared by the Jaccard similarity of their character
    ``shingle_size``-grams after removing punctuation and spaces; pairs from different documents
    (and also the same document if ``within_document``) with similarity >= ``min_similarity``
    are reported.

    ``boilerplate`` is True when either clause matches a slogan pattern
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
    docs = sents["doc_id"].to_numpy()
    pairs = _similar_pairs([_shingles(s, shingle_size) for s in sents["norm"]], docs, min_similarity,
                           within_document)
    flags = _boilerplate_flags(sents, pairs, docs, patterns, boilerplate_min_docs)
    return _reuse_table(sents, pairs, flags)
