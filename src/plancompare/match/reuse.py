"""Text reuse: near-verbatim sentences shared between documents, national boilerplate flagged."""

from __future__ import annotations

import re
from collections import defaultdict
from importlib import resources
from typing import Sequence

import pandas as pd

from ..errors import MatchInputError
from .lexical import HAN

REUSE_COLUMNS = [
    "doc_id_a", "passage_id_a", "line_a", "doc_id_b", "passage_id_b", "line_b", "similarity",
    "text_a", "text_b", "boilerplate",
]

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n+")
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
