"""Measure the GBK byte-shift repair; write benchmarks/results/repair.json and repair.md.

Usage:  .venv/bin/python benchmarks/bench_repair.py [--spots N] [--seed S]

Two measurements:

* **Chikan gold** -- the 33 hand-checked damaged spots of the Chikan plan
  (``tests/gold/chikan_mojibake.tsv``): restored exactly, marked ``□``, or wrong.
* **Synthetic damage** -- clean plans damaged by :func:`plancompare.repair.simulate_byte_shift`
  at ``N`` random characters (one per line, seeded), then repaired as whole documents. The
  sources were not used to write the repair model, so this is the out-of-sample figure:
  the Cangshan plan converted to traditional characters (as the Chikan plan is written),
  the Huli work report and a national work report (simplified). A line counts as restored
  when it equals the undamaged line; lines without damage must come back unchanged.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import time
from pathlib import Path

import opencc

from plancompare.repair import PLACEHOLDER, repair_document, simulate_byte_shift

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
GOLD = ROOT / "tests" / "gold" / "chikan_mojibake.tsv"
RESULTS = ROOT / "benchmarks" / "results"
SHARED = Path(os.environ.get("PLANCOMPARE_SHARED", ROOT.parent / "shared"))
FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}

SOURCES = {
    "cangshan_14th_fyp (traditional)": (RAW / "cangshan_14th_five_year_plan.txt", "s2t"),
    "huli_work_report_2023": (RAW / "huli_government_work_report_2023.txt", None),
    "gwr_national_2022": (SHARED / "generality" / "gwr_national_2022.txt", None),
}


def classify(repaired: str, original: str) -> str:
    if repaired == original:
        return "exact"
    return "marked" if PLACEHOLDER in repaired else "wrong"


def chikan_gold() -> dict:
    lines = (RAW / "chikan_14th_five_year_plan.txt").read_text(encoding="utf-8").split("\n")
    with open(GOLD, encoding="utf-8") as fh:
        gold = list(csv.DictReader(fh, delimiter="\t"))
    started = time.perf_counter()
    document = repair_document(lines)
    seconds = time.perf_counter() - started
    counts = {"exact": 0, "marked": 0, "wrong": 0}
    for spot in gold:
        _, fixes = document[int(spot["line"]) - 1]
        fix = next((f for f in fixes if f.kind != "pinyin_removed" and f.start == int(spot["col"])), None)
        after = fix.after if fix else spot["damaged"]
        counts[classify(after, spot["original"])] += 1
    return {"spots": len(gold), **counts, "exact_rate": round(counts["exact"] / len(gold), 3),
            "seconds": round(seconds, 2)}


def synthetic(path: Path, convert: str | None, spots: int, rng: random.Random) -> dict:
    text = path.read_text(encoding="utf-8")
    if convert:
        text = opencc.OpenCC(convert).convert(text)
    lines = [line.translate(FOLD) for line in text.split("\n")]
    eligible = [n for n, line in enumerate(lines) if len(line) >= 20 and "?" not in line]
    chosen = sorted(rng.sample(eligible, min(spots, len(eligible))))
    damaged = list(lines)
    for n in chosen:
        line = lines[n]
        positions = [i for i, ch in enumerate(line) if len(ch.encode("gbk", errors="ignore")) == 2]
        damaged[n] = simulate_byte_shift(line, rng.choice(positions))
    started = time.perf_counter()
    repaired = repair_document(damaged)
    seconds = time.perf_counter() - started
    counts = {"exact": 0, "marked": 0, "wrong": 0}
    for n in chosen:
        counts[classify(repaired[n][0], lines[n])] += 1
    chosen_set = set(chosen)
    false_repairs = sum(1 for n, (out, _) in enumerate(repaired) if n not in chosen_set and out != lines[n])
    return {"spots": len(chosen), **counts, "exact_rate": round(counts["exact"] / max(1, len(chosen)), 3),
            "false_repairs_on_clean_lines": false_repairs, "seconds": round(seconds, 2)}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spots", type=int, default=60, help="damaged lines per synthetic source")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    result = {"chikan_gold": chikan_gold(), "synthetic": {}, "spots_per_source": args.spots, "seed": args.seed}
    for name, (path, convert) in SOURCES.items():
        if path.exists():
            result["synthetic"][name] = synthetic(path, convert, args.spots, random.Random(f"{args.seed}:{name}"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "repair.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    rows = [("Chikan gold (33 hand-checked spots)", result["chikan_gold"])]
    rows += [(f"synthetic: {name}", r) for name, r in result["synthetic"].items()]
    md = ["| set | spots | exact | marked □ | wrong | false repairs | seconds |", "|---|---|---|---|---|---|---|"]
    md += [f"| {name} | {r['spots']} | {r['exact']} ({r['exact_rate']:.0%}) | {r['marked']} | {r['wrong']} | "
           f"{r.get('false_repairs_on_clean_lines', '–')} | {r['seconds']} |" for name, r in rows]
    (RESULTS / "repair.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))
    return result


if __name__ == "__main__":
    main()
