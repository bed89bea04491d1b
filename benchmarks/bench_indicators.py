"""Measure indicator extraction against the hand-built gold table; write benchmarks/results/indicators.json.

Usage:  .venv/bin/python benchmarks/bench_indicators.py [SAVED_CORPUS_DIR]

Without an argument the bundled plans are cleaned and outlined afresh (no embeddings needed).
A gold row counts as found only when value, kind, comparator and year are all right (raw line within 3).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import plancompare as pc  # noqa: E402
from plancompare.catalog import load_catalog  # noqa: E402
from plancompare.indicators import extract_indicators, load_registry  # noqa: E402

from indicator_helpers import load_gold, score  # noqa: E402


def main(argv: list[str]) -> dict:
    if argv:
        corpus = pc.load_corpus(argv[0])
    else:
        catalog = load_catalog(ROOT / "data" / "catalog.csv")
        corpus = pc.build_corpus(list(catalog["source_file"]), catalog=catalog)
    started = time.perf_counter()
    extracted = extract_indicators(corpus.passages, corpus.documents, load_registry())
    seconds = time.perf_counter() - started
    gold = load_gold()
    result = score(extracted, gold)
    match = result.pop("_match")
    per_doc = {}
    for doc_id in sorted(gold["doc_id"].unique()):
        r = score(extracted, gold, docs=[doc_id])
        r.pop("_match")
        per_doc[doc_id] = {k: r[k] for k in ("gold_rows", "extracted_canonical_rows", "precision", "recall")}
    key = match[match["indicator_id"].isin(["gdp_growth_rate", "elderly_care_beds_per_1000_elderly"])]
    out = {
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.items()},
        "gdp_growth_and_elderly_beds": {"gold_rows": int(len(key)), "all_right": int(key["all_right"].sum())},
        "per_document": per_doc,
        "rows_total": int(len(extracted)),
        "rows_without_canonical_indicator": int((extracted["indicator_id"] == "").sum()),
        "extraction_seconds": round(seconds, 2),
        "misses": match[~match["all_right"]][["doc_id", "line", "indicator_id", "value"]].to_dict("records"),
        "false_positives": match.attrs["unmatched_extracted"][["doc_id", "line", "indicator_id", "value"]]
        .astype({"line": "float"}).to_dict("records"),
        "definition": "precision = extracted canonical rows matching a gold row with value, kind, comparator and year "
                      "right / all extracted canonical rows; recall = such gold rows / all gold rows",
    }
    path = ROOT / "benchmarks" / "results" / "indicators.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    result = main(sys.argv[1:])
    print(json.dumps({k: result[k] for k in ("precision", "recall", "gold_rows", "extracted_canonical_rows",
                                             "gdp_growth_and_elderly_beds")}, ensure_ascii=False))
