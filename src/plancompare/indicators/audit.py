"""Consistency checks on the indicator table that need no gold: statements no correct row can make.

Each check follows from what a row's columns mean (docs/tables.md, ``corpus.indicators``):

* ``actual_after_document`` — an *actual* is a value that happened; a document cannot report a year (or a
  period ending) after the year it was issued.
* ``target_before_document`` — a *target* is set for a year still to come; one dated before the document's
  year is a past goal (*expected*, ``past_goal``) or an outcome compared with a plan (``完成年度计划的102%``).
* ``expected_other_year`` — a work report's *expected* values are its goals for the year it plans (or, quoted
  in its review, the goals of the year it reviews): another year only when the sentence names that year.
* ``implausible_value`` — a single-year value outside the range the registry gives the indicator as data
  (``plausible = [lo, hi]`` in ``data/indicators.toml``: a share above 100 %, annual GDP growth of 98 %). A
  growth over a period (``period_start`` set) is not checked.
* ``rate_unit_mismatch`` — a ``%`` value on an indicator whose unit is not a rate, or a rate indicator
  with a value in another unit (``个百分点`` is a change of a rate and allowed).
* ``conflicting_values`` — one document states the same canonical indicator, kind, year and period (own
  region) with two different values. Not row-local and not free of false alarms (a report may give a nominal
  and a real growth rate), so it is counted but not written to the ``warning`` column.

In: the indicator table and ``corpus.documents``. Out: :func:`audit_indicators` — one row per violation;
:func:`row_warnings` — the ``;``-joined row-local check names per row (the ``warning`` column).
"""

from __future__ import annotations

import re

import pandas as pd

from ..text.numbers import CN_DIGITS, fold_for_numbers
from .registry import Registry, load_registry

__all__ = ["ROW_CHECKS", "CHECKS", "audit_indicators", "row_warnings"]

ROW_CHECKS = ["actual_after_document", "target_before_document", "expected_other_year", "implausible_value",
              "rate_unit_mismatch"]
CHECKS = ROW_CHECKS + ["conflicting_values"]

_RATE_UNITS = ("%", "个百分点")
# each digit's Chinese forms (0: 零〇○), from the one digit table of the text layer
_DIGIT_FORMS = {d: "".join(c for c, v in CN_DIGITS.items() if v == d) for d in range(10)}


def _names_year(quote: str, year: int) -> bool:
    """The sentence writes ``year`` (``2024年``, ``一九九七年``, ``24年`` is not enough)."""
    text = fold_for_numbers(str(quote))[0]
    if str(year) in text:
        return True
    chinese = "".join(f"[{_DIGIT_FORMS[int(d)]}]" for d in str(year))
    return re.search(chinese, str(quote)) is not None


def _doc_info(documents: pd.DataFrame | None) -> dict:
    if documents is None or len(documents) == 0:
        return {}
    cols = [c for c in ("doc_id", "kind", "year", "period_start", "period_end") if c in documents.columns]
    return {d["doc_id"]: d for d in documents[cols].to_dict("records")}


def _int(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _row_checks(row: dict, doc: dict, reg: dict) -> list[str]:
    """The row-local checks ``row`` fails (``reg``: indicator_id -> (unit, units, plausible))."""
    out = []
    kind, year, end = row["kind"], _int(row["year"]), _int(row["period_end"])
    issued = _int(doc.get("year"))
    if issued is not None:
        if kind == "actual" and ((year is not None and year > issued) or (end is not None and end > issued)):
            out.append("actual_after_document")
        if kind == "target" and year is not None and year < issued:
            out.append("target_before_document")
        allowed = {issued, _int(doc.get("period_start")), _int(doc.get("period_end"))}
        if (kind == "expected" and doc.get("kind") == "work_report" and year is not None and year not in allowed
                and not _names_year(row["quote"], year)):
            out.append("expected_other_year")
    if row["indicator_id"] in reg:
        unit, units, plausible = reg[row["indicator_id"]]
        value, period = row["value"], _int(row["period_start"])
        if (plausible and period is None and row["unit"] == unit and pd.notna(value)
                and not plausible[0] <= value <= plausible[1]):
            out.append("implausible_value")
        rate_row, rate_indicator = row["unit"] in _RATE_UNITS, unit == "%"
        if rate_row != rate_indicator and row["unit"] not in units:
            out.append("rate_unit_mismatch")
    return out


def _registry_facts(registry: Registry) -> dict:
    table = registry.table
    plausible = table["plausible"] if "plausible" in table.columns else [None] * len(table)
    return {i: (u, tuple(us), p) for i, u, us, p in zip(table["indicator_id"], table["unit"], table["units"],
                                                         plausible)}


def row_warnings(indicators: pd.DataFrame, documents: pd.DataFrame | None,
                 registry: Registry | None = None) -> list[str]:
    """For each row of ``indicators``, the row-local checks it fails, joined by ``;`` (empty when none)."""
    docs, reg = _doc_info(documents), _registry_facts(registry or load_registry())
    return [";".join(_row_checks(row, docs.get(row["doc_id"], {}), reg))
            for row in indicators.to_dict("records")]


def _conflicts(indicators: pd.DataFrame) -> pd.DataFrame:
    rows = indicators[(indicators["indicator_id"] != "") & (indicators["scope"] == "")].copy()
    if rows.empty:
        return rows.assign(check=[])
    key = ["doc_id", "indicator_id", "kind", "year", "period_start", "period_end"]
    filled = rows[key].astype(object).where(rows[key].notna(), -1)
    rows["_key"] = filled.astype(str).agg("|".join, axis=1)
    values = rows.groupby("_key")["value"].transform(lambda v: v.round(6).nunique())
    return rows[values > 1].drop(columns="_key").assign(check="conflicting_values")


def audit_indicators(indicators: pd.DataFrame, documents: pd.DataFrame | None,
                     registry: Registry | None = None) -> pd.DataFrame:
    """Every violation of :data:`CHECKS`: the indicator row's columns plus ``check`` (one row per row and
    check it fails; a conflict lists every row of the conflicting group)."""
    warnings = row_warnings(indicators, documents, registry)
    parts = []
    for check in ROW_CHECKS:
        hit = [check in w.split(";") for w in warnings]
        parts.append(indicators[hit].assign(check=check))
    parts.append(_conflicts(indicators))
    return pd.concat(parts, ignore_index=True)
