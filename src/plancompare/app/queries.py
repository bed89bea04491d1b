"""What the precedent finder asks of a corpus: grouped search, passage context, peers.

Thin functions over the public API (``corpus.search``, ``corpus.compare``, ``corpus.passages``,
``corpus.clean_text``, ``corpus.lines``) that return DataFrames or plain lists; the views only
render what these return.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .._cells import as_number
from ..text.han import has_han

#: How many candidates to rank before grouping and filtering (the bundled corpus has ~1,000
#: body passages; ranking them all costs the same as ranking a few).
CANDIDATES = 200
ALL = "(all)"


def search_grouped(corpus, query: str, *, districts: Sequence[str] = (), theme: str | None = None,
                   kind: str | None = None, per_district: int = 3) -> pd.DataFrame:
    """Search and keep the best ``per_district`` passages of each district, best district first.

    ``districts`` (empty: all), ``theme`` (a theme id) and ``kind`` (a document kind of
    ``corpus.documents``) filter the results. Returns the ``search`` columns (with ``verdict`` and
    ``p_comparable`` when the corpus provides them) plus ``kind`` and ``district_rank``.
    """
    hits = corpus.search(query, k=CANDIDATES, district=list(districts) or None, theme=theme or None)
    kinds = corpus.documents.set_index("doc_id")["kind"]
    hits = hits.assign(kind=hits["doc_id"].map(kinds).fillna("other"))
    if kind:
        hits = hits[hits["kind"] == kind]
    hits = hits.groupby("district", sort=False).head(per_district)
    best = hits.groupby("district", sort=False)["score"].transform("max")
    hits = hits.assign(_best=best).sort_values(["_best", "score"], ascending=[False, False], kind="stable")
    hits["district_rank"] = hits.groupby("district", sort=False).cumcount() + 1
    return hits.drop(columns="_best").reset_index(drop=True)


def district_verdict(rows: pd.DataFrame) -> str | None:
    """The best verdict among a district's hits (``comparable`` > ``related`` > ``none``), if any."""
    if "verdict" not in rows or rows["verdict"].isna().all():
        return None
    order = {"comparable": 0, "related": 1, "none": 2}
    return min(rows["verdict"].dropna().astype(str), key=lambda v: order.get(v, 3))


def passage_row(corpus, passage_id: str) -> pd.Series:
    """The ``corpus.passages`` row of ``passage_id``."""
    from ..errors import UnknownItemError

    rows = corpus.passages[corpus.passages["passage_id"] == passage_id]
    if rows.empty:
        raise UnknownItemError(f"unknown passage id {passage_id!r}")
    return rows.iloc[0]


def context_lines(corpus, passage_id: str, around: int = 3, cache: dict | None = None
                  ) -> list[tuple[int | None, str, bool]]:
    """The cleaned lines of a passage and ``around`` lines either side.

    Returns ``(raw line number, text, inside the passage)`` tuples, so a reader sees where the
    passage sits in its document and can open the original at that line. ``cache`` (a dict kept
    by the caller for one corpus) saves splitting a document again for its next passage.
    """
    row = passage_row(corpus, passage_id)
    cache = {} if cache is None else cache
    if row["doc_id"] not in cache:
        raw_of = corpus.lines[corpus.lines["doc_id"] == row["doc_id"]].set_index("clean_line")["line_start"]
        cache[row["doc_id"]] = (corpus.clean_text(row["doc_id"]).split("\n"), raw_of.to_dict())
    lines, raw = cache[row["doc_id"]]
    start = as_number(row.get("clean_line_start"), int)
    end = as_number(row.get("clean_line_end"), int)
    if start is None or end is None:  # older saved corpora: find the passage's first line
        first = str(row["text"]).split("\n")[0][:30]
        start = next((i for i, line in enumerate(lines) if first and first in line), 0)
        end = start + 1
    lo, hi = max(0, start - around), min(len(lines), end + around)
    return [(as_number(raw.get(i), int), lines[i], start <= i < end) for i in range(lo, hi)]


def peers(corpus, passage_id: str, k: int = 2, focus: str | None = None) -> pd.DataFrame:
    """``corpus.compare(passage_id, k, focus)``: each other district's most comparable passages.

    ``focus`` (the user's search query) compares only the goal it names; it is used when it is Chinese,
    the wording the focused verdict model was trained and measured on, and ignored otherwise.
    """
    return corpus.compare(passage_id, k=k, focus=focus if focus and has_han(focus) else None)


def filter_options(corpus) -> dict[str, list[str]]:
    """Choices for the filters: districts, theme ids present in the corpus, document kinds."""
    passages = corpus.passages
    themes = sorted(passages["theme"].dropna().astype(str).unique()) if "theme" in passages else []
    return {
        "districts": sorted(corpus.documents["district"].dropna().astype(str).unique()),
        "themes": [t for t in themes if t],
        "kinds": sorted(corpus.documents["kind"].dropna().astype(str).unique()),
    }
