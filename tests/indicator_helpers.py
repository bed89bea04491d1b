"""Helpers for the indicator tests and benchmark: gold loading, matching and scoring."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "indicators.csv"
LINE_TOLERANCE = 3

def load_gold(path: Path = GOLD) -> pd.DataFrame:
    gold = pd.read_csv(path, dtype={"doc_id": str, "indicator_id": str, "comparator": str, "kind": str})
    return gold


def _same(a, b) -> bool:
    if (a is None or (isinstance(a, float) and math.isnan(a))) and (b is None or (isinstance(b, float) and math.isnan(b))):
        return True
    try:
        return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(a)))
    except (TypeError, ValueError):
        return False


def _line_distance(row: pd.Series, gold_line: int) -> int:
    """Raw lines between a gold line and the extracted row's line (999 without one). A row read from a clean
    line joined from several printed lines (``line_last``, when the caller adds it: the clean line's last raw
    line) cites the whole span: a gold line typed at the printed line holding the statement is inside it."""
    if pd.isna(row["line"]):
        return 999
    first = int(row["line"])
    last = row.get("line_last")
    last = first if last is None or pd.isna(last) else max(int(last), first)
    return 0 if first <= gold_line <= last else min(abs(first - gold_line), abs(last - gold_line))


def match(extracted: pd.DataFrame, gold: pd.DataFrame, tolerance: int = LINE_TOLERANCE) -> pd.DataFrame:
    """Pair gold rows with extracted canonical rows (same document, indicator and value, line within
    ``tolerance``; closest line first). Returns the gold table with the matched row's fields and flags."""
    canon = extracted[extracted["indicator_id"] != ""].reset_index(drop=True)
    used: set[int] = set()
    out = []
    for _, g in gold.iterrows():
        cands = canon[(canon["doc_id"] == g["doc_id"]) & (canon["indicator_id"] == g["indicator_id"])]
        best, best_d = None, None
        for i, c in cands.iterrows():
            if i in used or not _same(c["value"], g["value"]) or not _same(c["value_high"], g["value_high"]):
                continue
            d = _line_distance(c, int(g["line"]))
            if d <= tolerance and (best_d is None or d < best_d):
                best, best_d = i, d
        row = g.to_dict()
        if best is None:
            row.update(found=False, all_right=False, got_kind="", got_comparator="", got_year=pd.NA, got_line=pd.NA)
        else:
            used.add(best)
            c = canon.loc[best]
            right = (c["kind"] == g["kind"] and c["comparator"] == g["comparator"]
                     and pd.notna(c["year"]) and int(c["year"]) == int(g["year"]))
            row.update(found=True, all_right=bool(right), got_kind=c["kind"], got_comparator=c["comparator"],
                       got_year=c["year"], got_line=c["line"], line_exact=bool(int(c["line"]) == int(g["line"])))
        out.append(row)
    result = pd.DataFrame(out)
    result.attrs["unmatched_extracted"] = canon.drop(index=list(used))
    return result


def score(extracted: pd.DataFrame, gold: pd.DataFrame, docs=None) -> dict:
    """Precision (extracted canonical rows that are in the gold with all four fields right — value, kind,
    comparator, year — over all extracted canonical rows) and recall (gold rows found that way)."""
    if docs is not None:
        extracted = extracted[extracted["doc_id"].isin(docs)]
        gold = gold[gold["doc_id"].isin(docs)]
    m = match(extracted, gold)
    canon = extracted[extracted["indicator_id"] != ""]
    correct = int(m["all_right"].sum())
    found = int(m["found"].sum())
    return {
        "gold_rows": int(len(gold)),
        "extracted_canonical_rows": int(len(canon)),
        "found_value": found,
        "found_all_right": correct,
        "recall": correct / len(gold) if len(gold) else 1.0,
        "recall_value_only": found / len(gold) if len(gold) else 1.0,
        "precision": correct / len(canon) if len(canon) else 1.0,
        "precision_value_only": found / len(canon) if len(canon) else 1.0,
        "line_exact": int(m.get("line_exact", pd.Series(dtype=bool)).fillna(False).sum()) if found else 0,
        "_match": m,
    }


def report_rows(rows: pd.DataFrame, year: int, line: int, indicator_id: str) -> pd.DataFrame:
    """Rows of national work report ``year`` on ``line`` for ``indicator_id`` (the blind-gold tests)."""
    return rows[(rows["doc_id"] == f"national_work_report_{year}") & (rows["line"] == line)
                & (rows["indicator_id"] == indicator_id)]


def column_tuples(rows: pd.DataFrame, *columns) -> list:
    """``rows[columns]`` as a list of tuples, in row order."""
    return list(zip(*(rows[c].tolist() for c in columns)))


TARGET_PRECISION, TARGET_RECALL = 0.97, 0.95  # issue 12, on core indicators


def load_blind_reports(shared: Path, number: int, tmp_path_factory):
    """``(corpus, indicator rows)`` of the reports of blind gold ``number`` (the blind-gold tests'
    fixture); fails the test, naming the file, when the reference reports are missing."""
    import pytest
    from bench_indicators import REFERENCE, blind_reports

    if not (shared / REFERENCE).is_file():
        pytest.fail(f"reference reports not found: {shared / REFERENCE} (set PLANCOMPARE_SHARED)")
    return blind_reports(shared, number, tmp_path_factory.mktemp(f"blind{number}"))


def assert_split_reaches_target(rows: pd.DataFrame, number: int, split: str) -> None:
    """Precision and recall of blind gold ``number``'s ``split`` half reach the issue's target."""
    from bench_indicators import split_core

    result = score(*split_core(rows, number, split))
    misses = result["_match"].query("not all_right")[["doc_id", "line", "indicator_id", "value"]]
    assert result["precision"] >= TARGET_PRECISION and result["recall"] >= TARGET_RECALL, (
        result["precision"], result["recall"], misses.to_dict("records"))
