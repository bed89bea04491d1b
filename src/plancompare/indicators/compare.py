"""Comparison: the tidy indicator table turned into a district × indicator view.

In: ``corpus.indicators``. Out: a wide table of readable cells (``≥8% (target, 2021–2025)``) or a long table
with one row per (district, indicator, statement); a missing combination reads ``not stated``.
"""

from __future__ import annotations

import pandas as pd

from ..districts import resolve_districts
from ..formatting import format_statement

__all__ = ["compare_indicators", "format_indicator", "NOT_STATED"]

NOT_STATED = "not stated"
_KIND_ORDER = {"target": 0, "expected": 1, "actual": 2}


def format_indicator(row: pd.Series) -> str:
    """A readable cell: ``≥8% (target, 2021–2025)``, ``6–6.5% (expected, 2019)``, ``80张 (actual, 2023)``."""
    return format_statement(row, lang="en")


def compare_indicators(indicators: pd.DataFrame, indicator_ids, districts=None, kinds=None,
                       layout: str = "wide", sub_areas: bool = False) -> pd.DataFrame:
    """Compare chosen indicators across districts.

    Parameters
    ----------
    indicators : DataFrame
        ``corpus.indicators`` (or the output of :func:`extract_indicators`).
    indicator_ids : str or list of str
        Canonical indicator ids, in the order wanted.
    districts : list of str, optional
        Districts to show (default: all in ``indicators``, sorted), in any spelling
        :func:`plancompare.districts.resolve_district` accepts (``Huli``, ``huli``, ``湖里区``); an unknown
        one raises :class:`UnknownItemError`. A district with no statement for an indicator reads ``not stated``.
    kinds : list of str, optional
        Restrict to ``target``, ``expected`` and/or ``actual``.
    layout : {"wide", "long"}
        ``wide``: one row per district, one column per indicator, each cell a readable string (several
        statements joined by ``; ``, targets first, then expected values, then actuals, latest year first).
        ``long``: one row per (district, indicator, statement) with the numbers, the readable ``display``
        and the source; missing combinations are rows with ``display == "not stated"``.
    sub_areas : bool
        Also show figures a document states for a part of its region (rows with a ``scope``: 平原新城, 市级).
        Default False: a district's cell holds only its own headline figures.

    Returns
    -------
    DataFrame
    """
    if isinstance(indicator_ids, str):
        indicator_ids = [indicator_ids]
    data = indicators[indicators["indicator_id"].isin(indicator_ids)].copy()
    if not sub_areas and "scope" in data.columns:
        data = data[data["scope"].fillna("") == ""]
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        data = data[data["kind"].isin(kinds)]
    if districts is None:
        districts = sorted(indicators["district"].dropna().unique())
    else:
        districts = resolve_districts(districts, indicators["district"].dropna().unique())
    data = data[data["district"].isin(districts)]
    data["display"] = data.apply(format_indicator, axis=1) if len(data) else pd.Series(dtype=str)
    data["_k"] = data["kind"].map(_KIND_ORDER)
    data = data.sort_values(["district", "indicator_id", "_k", "year", "value"], ascending=[True, True, True, False, True])
    names = indicators.drop_duplicates("indicator_id").set_index("indicator_id")
    long_rows = []
    for district in districts:
        for ind in indicator_ids:
            part = data[(data["district"] == district) & (data["indicator_id"] == ind)]
            name = names["name"].get(ind, ind) if "name" in names else ind
            name_en = names["indicator_name_en"].get(ind, "") if "indicator_name_en" in names else ""
            if part.empty:
                long_rows.append({"district": district, "indicator_id": ind, "name": name, "indicator_name_en": name_en,
                                  "kind": "", "year": pd.NA, "period_start": pd.NA, "period_end": pd.NA,
                                  "value": float("nan"), "value_high": float("nan"), "comparator": "", "unit": "",
                                  "display": NOT_STATED, "doc_id": "", "line": pd.NA, "quote": ""})
                continue
            seen = set()
            for _, r in part.iterrows():
                if r["display"] in seen:
                    continue
                seen.add(r["display"])
                long_rows.append({"district": district, "indicator_id": ind, "name": name, "indicator_name_en": name_en,
                                  "kind": r["kind"], "year": r["year"], "period_start": r["period_start"],
                                  "period_end": r["period_end"], "value": r["value"], "value_high": r["value_high"],
                                  "comparator": r["comparator"], "unit": r["unit"], "display": r["display"],
                                  "doc_id": r["doc_id"], "line": r["line"], "quote": r["quote"]})
    long = pd.DataFrame(long_rows)
    if layout == "long":
        return long.reset_index(drop=True)
    if layout != "wide":
        raise ValueError(f"layout must be 'wide' or 'long', not {layout!r}")
    wide = (long.groupby(["district", "indicator_id"], sort=False)["display"].agg("; ".join)
            .unstack("indicator_id"))
    return wide.reindex(index=list(districts), columns=list(indicator_ids)).fillna(NOT_STATED)
