"""Free-text search with a verdict per result."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import MatchInputError
from .glossary import mapped_terms, matched_variants
from .ranking import top_rows
from ..text.han import HAS_HAN, TOKEN_RUN
from .lexical import matched_query_terms
from .verdict import VERDICTS

# The verdict variant for a query with no lexical form (an English query with no glossary term): it
# weighs dense evidence only, so that the missing Chinese term overlap does not read as "none".
DENSE_ONLY = "query_dense"


def search_index(index, query: str, query_embedding: np.ndarray | None = None, k: int = 5,
                 district: str | Sequence[str] | None = None, theme: str | Sequence[str] | None = None,
                 min_verdict: str = "related") -> pd.DataFrame:
    """Passages of a fitted :class:`~plancompare.match.PassageIndex` for ``query``, best first.

    Inputs: the query text (Chinese or English); its embedding (e5 ``query: `` prompt,
    ``embed_texts([query], prompt="query")[0]``) or None for a lexical-only ranking; ``k``; optional
    filters ``district`` (name, case-insensitive, or a list) and ``theme`` (id or list);
    ``min_verdict``: the weakest verdict returned (``"comparable"``, ``"related"`` (default) or
    ``"none"``, which returns ``k`` rows whatever their verdict, as before verdicts existed).

    Method: the fused dense + lexical score picks ``index.n_candidates`` candidates; the learned
    verdict model scores each (``p_comparable``) and, with ``rank_by="p_comparable"``, orders them. A
    query with no lexical form (English, no glossary term) is scored by the dense-only variant.

    Output: :data:`~plancompare.match.RESULT_COLUMNS`; ``verdict`` and ``p_comparable`` per row;
    ``matched_terms`` lists the query terms found verbatim (an English query: the glossary mappings,
    ``elderly care→养老``) and ``matched_variants`` the variant spellings that matched instead of the
    query's (``长者食堂→长者饭堂``). Fewer than ``k`` rows when fewer passages reach ``min_verdict``;
    ``DataFrame.attrs["note"]`` then says so. Unknown district/theme raise ``UnknownItemError``.
    """
    index._check_fitted()
    if not isinstance(query, str) or not query.strip():
        raise MatchInputError("query must be a non-empty string")
    if int(k) < 1:
        raise MatchInputError(f"k must be >= 1, got {k!r}")
    if min_verdict not in VERDICTS:
        raise MatchInputError(f"min_verdict must be one of {', '.join(VERDICTS)}, got {min_verdict!r}")
    mask = index._mask(district, theme)
    dense = index.dense_scores(query_embedding)
    lexical = index.lexical_scores(query)
    fused = index._fuse(dense, lexical)
    candidates = top_rows(fused, mask, max(int(k), int(index.n_candidates)), index.min_score)
    text, segments, _ = index.query_terms(query)
    probe = index.featurizer_.query_probe(text, None if dense is None else query_embedding, segments)
    dense_only = not text and dense is not None and f"{DENSE_ONLY}/hybrid" in index.verdict_model_.variants
    kind = DENSE_ONLY if dense_only else "query"
    rows, p = index.rank_candidates(probe, candidates, fused, kind)
    verdicts = index.verdict_model_.verdicts(p, kind)
    texts = index._texts()
    verdicts = _at_least_related_when_verbatim(query, [texts[r] for r in rows], verdicts)
    keep = [i for i, v in enumerate(verdicts) if VERDICTS.index(v) <= VERDICTS.index(min_verdict)][: int(k)]
    rows, p, verdicts = rows[keep], p[keep], [verdicts[i] for i in keep]
    expansions = index.expand_query(query)
    plain_segments = [seg[0] for seg in segments] if segments else [query]
    terms = [matched_query_terms(query, texts[r]) + mapped_terms(expansions, texts[r]) for r in rows]
    variants = [matched_variants(plain_segments, texts[r], index.variants_) for r in rows]
    out = index._rows_to_frame(rows, fused, dense, lexical, terms, variants, p, verdicts)
    if len(out) < int(k):
        where = "" if district is None else f" in {district if isinstance(district, str) else ', '.join(district)}"
        out.attrs["note"] = (f"{len(out)} of {int(k)} requested passages{where} are at least {min_verdict} "
                             f"to {query!r}; the rest would be filler")
    return out



def _at_least_related_when_verbatim(query: str, texts: Sequence[str], verdicts: list[str]) -> list[str]:
    """A passage that contains every Chinese phrase of the query word for word is at least ``related``.

    The learned verdict scores unfamiliar vocabulary low (a plan about 国家物流枢纽 in a corpus trained on
    district plans); a verbatim phrase of four or more characters is evidence that needs no model.
    """
    phrases = [run for run in TOKEN_RUN.findall(query or "") if HAS_HAN.match(run)]
    if not phrases or sum(map(len, phrases)) < 4:
        return verdicts
    return [VERDICTS[1] if v == VERDICTS[2] and all(ph in text for ph in phrases) else v
            for v, text in zip(verdicts, texts)]
