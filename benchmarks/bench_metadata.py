"""Front-matter metadata (region, issuer, kind, year, document number) against a hand-labelled gold.

The texts are openings of public government documents that nobody working on the project had seen
(third-party pages, kept outside the repository); the gold CSV was labelled by reading them before
any run.  Each text is read and cleaned as `plancompare build` would, then `infer_metadata` runs on
it under a neutral file name (so the name cannot leak a year or a place).

Gold CSV columns: ``doc, url, split, region, issuer, kind, year, doc_number`` and optionally ``province,
city`` (the levels above the region a chain of places states: 云南省昆明市官渡区); ``doc`` names
``DIR/<doc>.txt``.  An empty gold cell is not scored; ``-`` means "the text states none": any value
is then wrong.  Per field: accuracy, and how many wrong values came without a warning naming the field
(a confident wrong answer is the worst case).  A place's full and short forms are one value
(恩施土家族苗族自治州 = 恩施州, 麻阳苗族自治县 = 麻阳县: ``places.same_place``).

Run: .venv/bin/python benchmarks/bench_metadata.py --texts DIR --gold CSV [--split dev|heldout|all]
     [--out benchmarks/results/metadata_blind.json] [--show]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

from plancompare.catalog import infer_metadata
from plancompare.clean import clean_lines
from plancompare.ingest import read_source
from plancompare.places import same_place
from plancompare.text.normalize import to_simplified

try:
    from plancompare.pipeline.stages import front_matter_lines
except ImportError:  # the code before front matter was read unjoined
    front_matter_lines = None

FIELDS = ("region", "issuer", "kind", "year", "doc_number", "province", "city")
# which warning words vouch for a field being weak
WARNED_BY = {"region": ("region", "Chinese"), "issuer": ("issuer", "Chinese"), "kind": ("kind", "Chinese"),
             "year": ("date", "year", "Chinese"), "doc_number": ("Chinese",), "province": ("region", "Chinese"),
             "city": ("region", "Chinese")}


def predict(path: Path) -> dict:
    source = read_source(path)
    cleaned = clean_lines(source.lines_for_cleaning(), soft_breaks=source.soft_breaks).lines
    texts = [line.text for line in cleaned]
    # the lines `plancompare build` reads metadata from (older code read the joined clean lines)
    rows = [(line.text, line.raw_start, line.raw_end) for line in cleaned]
    front = front_matter_lines(source, rows) if front_matter_lines else texts
    meta = infer_metadata(front, "document.txt", warn=False)
    return {"region": meta.get("district", ""), "issuer": meta.get("issuer", ""), "kind": meta.get("kind", ""),
            "year": str(meta.get("issued", ""))[:4], "doc_number": meta.get("doc_number", ""),
            "province": meta.get("province", ""), "city": meta.get("city", ""),
            "warnings": meta.get("meta_warnings", ""), "confidence": meta.get("meta_confidence")}


def _norm(value: str) -> str:
    value = re.sub(r"\s+", "", value or "")
    return re.sub(r"(?:特别行政区|自治区|省|市|区|县)$", "", value) if len(value) > 2 else value


def correct(field: str, gold: str, pred: str, forms: bool = True) -> bool:
    """Whether ``pred`` is the ``gold`` value; ``forms=False`` is the comparison before a place's full and short
    forms were equated (kept to report both figures in one run)."""
    gold = to_simplified(gold)  # cleaning converts traditional text to simplified, by design
    if gold == "-":
        return not pred
    if field == "issuer":  # 昆明市官渡区人民政府 states 官渡区人民政府 with its city
        return bool(pred) and (pred == gold or pred.endswith(gold) or gold.endswith(pred) and len(pred) >= 5)
    if field in ("region", "province", "city"):  # 恩施州 is 恩施土家族苗族自治州, 麻阳县 is 麻阳苗族自治县
        return _norm(pred) == _norm(gold) or forms and same_place(to_simplified(pred or ""), gold)
    return re.sub(r"\s+", "", pred or "") == gold


def score(rows: list[dict], texts: Path) -> tuple[dict, list[dict]]:
    totals = {f: {"n": 0, "right": 0, "right_same_form_only": 0, "wrong_unwarned": 0} for f in FIELDS}
    failures = []
    for row in rows:
        pred = predict(texts / f"{row['doc']}.txt")
        for field in FIELDS:
            if row.get(field, "") == "":
                continue
            totals[field]["n"] += 1
            if correct(field, row[field], pred[field]):
                totals[field]["right"] += 1
                totals[field]["right_same_form_only"] += correct(field, row[field], pred[field], forms=False)
                continue
            warned = any(word in pred["warnings"] for word in WARNED_BY[field])
            totals[field]["wrong_unwarned"] += not warned
            failures.append({"doc": row["doc"], "field": field, "gold": row[field], "pred": pred[field],
                             "warned": warned})
    for t in totals.values():
        t["accuracy"] = round(t["right"] / t["n"], 3) if t["n"] else None
    return totals, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, required=True)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--split", default="dev", choices=("dev", "heldout", "all"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--show", action="store_true", help="print each failure (do not use on held-out)")
    args = parser.parse_args()
    with open(args.gold, encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if args.split == "all" or r["split"] == args.split]
    totals, failures = score(rows, args.texts)
    print(f"{args.split}: {len(rows)} documents")
    for field, t in totals.items():
        forms = f"   ({t['right_same_form_only']} with the same form of a place)" if t["right_same_form_only"] != t["right"] else ""
        print(f"  {field:<11} {t['right']:>2}/{t['n']:<2} = {t['accuracy']}   wrong without warning: {t['wrong_unwarned']}{forms}")
    if args.show:
        for fail in failures:
            print("  FAIL", fail)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"split": args.split, "documents": len(rows), "fields": totals},
                                       ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
