"""Measure the GBK byte-shift repair; write benchmarks/results/repair.json and repair.md.

Usage:  .venv/bin/python benchmarks/bench_repair.py [--spots N] [--seed S] [--sets all|train|held-out]
                                                     [--baseline] [--jobs N] [--out NAME]

Two measurements, each with the shipped genre model of government work reports
(``scripts/build_genre_model.py``) and, with ``--baseline``, without it in the same run:

* **Chikan gold** -- the 33 hand-checked damaged spots of the Chikan plan
  (``tests/gold/chikan_mojibake.tsv``): restored exactly, marked ``□``, or wrong.
* **Synthetic damage** -- clean plans damaged by :func:`plancompare.repair.simulate_byte_shift`
  at ``N`` random characters (one per line, seeded), then repaired as whole documents. The
  sources are split: the **train** sets (the 2019 national work report in traditional
  characters, the 2026 Beijing report and the Huli business-environment plan) are the only
  ones the genre model's weights were tuned on; the **held-out** sets (the Cangshan plan
  converted to traditional characters, as the Chikan plan is written, the Huli work report
  and the 2022 national work report) and the Chikan gold were not looked at while tuning.
  A line counts as restored when it equals the undamaged line; lines without damage must
  come back unchanged.

Each table is followed by a **confidence sweep** (:func:`confidence_sweep`): what the same
repairs would have scored had every repair less confident than a higher threshold been
marked ``□`` (the shipped threshold is 0.5), computed from the measured confidences.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

from plancompare.repair import PLACEHOLDER, Lexicon, default_lexicon, repair_document, simulate_byte_shift
from plancompare.text.normalize import FULLWIDTH_FORMS_TO_ASCII, opencc_converter

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
GOLD = ROOT / "tests" / "gold" / "chikan_mojibake.tsv"
RESULTS = ROOT / "benchmarks" / "results"
SHARED = Path(os.environ.get("PLANCOMPARE_SHARED", ROOT.parent / "shared"))

GENERALITY = SHARED / "generality"
SOURCES = {  # name: (text, OpenCC conversion, role)
    "gwr_national_2019 (traditional)": (GENERALITY / "gwr_national_2019.txt", "s2t", "train"),
    "gwr_provincial_beijing_2026": (GENERALITY / "gwr_provincial_beijing_2026.txt", None, "train"),
    "huli_business_environment_plan_2021": (RAW / "huli_business_environment_plan_2021.txt", None, "train"),
    "cangshan_14th_fyp (traditional)": (RAW / "cangshan_14th_five_year_plan.txt", "s2t", "held-out"),
    "huli_work_report_2023": (RAW / "huli_government_work_report_2023.txt", None, "held-out"),
    "gwr_national_2022": (GENERALITY / "gwr_national_2022.txt", None, "held-out"),
}


def classify(repaired: str, original: str) -> str:
    if repaired == original:
        return "exact"
    return "marked" if PLACEHOLDER in repaired else "wrong"


def chikan_gold(lexicon: Lexicon) -> dict:
    lines = (RAW / "chikan_14th_five_year_plan.txt").read_text(encoding="utf-8").split("\n")
    with open(GOLD, encoding="utf-8") as fh:
        gold = list(csv.DictReader(fh, delimiter="\t"))
    started = time.perf_counter()
    document = repair_document(lines, lexicon=lexicon)
    seconds = time.perf_counter() - started
    counts = {"exact": 0, "marked": 0, "wrong": 0}
    outcomes = []
    spots: list = []  # (outcome, confidence of the fix) per spot, for confidence_sweep
    for spot in gold:
        _, fixes = document[int(spot["line"]) - 1]
        fix = next((f for f in fixes if f.kind != "pinyin_removed" and f.start == int(spot["col"])), None)
        after = fix.after if fix else spot["damaged"]
        outcome = classify(after, spot["original"])
        counts[outcome] += 1
        spots.append((outcome, fix.confidence if fix and fix.kind.startswith("mojibake") else None))
        if outcome != "exact":
            outcomes.append({"line": int(spot["line"]), "original": spot["original"], "repaired": after})
    return {"spots": len(gold), **counts, "exact_rate": round(counts["exact"] / len(gold), 3),
            "seconds": round(seconds, 2), "not_exact": outcomes, "confidences": spots}


def damage(path: Path, convert: str | None, spots: int, rng: random.Random) -> tuple[list, list, list]:
    """(clean lines, damaged line numbers, damaged lines): ``spots`` lines of ``path`` (converted by OpenCC
    ``convert`` first) given one simulated GBK byte shift each, drawn from ``rng``."""
    text = path.read_text(encoding="utf-8")
    if convert:
        text = opencc_converter(convert).convert(text)
    lines = [line.translate(FULLWIDTH_FORMS_TO_ASCII) for line in text.split("\n")]
    eligible = [n for n, line in enumerate(lines) if len(line) >= 20 and "?" not in line]
    chosen = sorted(rng.sample(eligible, min(spots, len(eligible))))
    damaged = list(lines)
    for n in chosen:
        line = lines[n]
        positions = [i for i, ch in enumerate(line) if len(ch.encode("gbk", errors="ignore")) == 2]
        damaged[n] = simulate_byte_shift(line, rng.choice(positions))
    return lines, chosen, damaged


def synthetic(path: Path, convert: str | None, spots: int, rng: random.Random, lexicon: Lexicon) -> dict:
    lines, chosen, damaged = damage(path, convert, spots, rng)
    started = time.perf_counter()
    repaired = repair_document(damaged, lexicon=lexicon)
    seconds = time.perf_counter() - started
    counts = {"exact": 0, "marked": 0, "wrong": 0}
    spots = []
    for n in chosen:
        outcome = classify(repaired[n][0], lines[n])
        counts[outcome] += 1
        confs = [f.confidence for f in repaired[n][1] if f.kind.startswith("mojibake")]
        spots.append((outcome, min(confs) if confs else None))
    chosen_set = set(chosen)
    false_repairs = sum(1 for n, (out, _) in enumerate(repaired) if n not in chosen_set and out != lines[n])
    return {"spots": len(chosen), **counts, "exact_rate": round(counts["exact"] / max(1, len(chosen)), 3),
            "false_repairs_on_clean_lines": false_repairs, "seconds": round(seconds, 2), "confidences": spots}


_LEXICONS: dict[int, Lexicon] = {}  # inherited by forked workers instead of pickled


def _measure(task: tuple) -> tuple[str, dict]:
    """One measurement: the Chikan gold or one synthetic set (a separate process with ``--jobs``)."""
    name, key, spots, seed = task
    lexicon = _LEXICONS[key]
    if name == "chikan_gold":
        measured = chikan_gold(lexicon)
    else:
        path, convert, role = SOURCES[name]
        measured = {"role": role, **synthetic(path, convert, spots, random.Random(f"{seed}:{name}"), lexicon)}
    print(f"{name}: {measured['exact']}/{measured['spots']} exact, {measured['marked']} marked, "
          f"{measured['wrong']} wrong", file=sys.stderr, flush=True)
    return name, measured


def run(lexicon: Lexicon, sets: str, spots: int, seed: int, jobs: int = 1) -> dict:
    """Every measurement of the chosen ``sets`` with one lexicon; ``jobs`` processes
    measure sets side by side (each repair is still single-threaded and deterministic)."""
    names = ["chikan_gold"] if sets in ("all", "held-out") else []
    names += [name for name, (path, _, role) in SOURCES.items() if sets in ("all", role)]
    missing = [str(SOURCES[name][0]) for name in names if name != "chikan_gold" and not SOURCES[name][0].exists()]
    if missing:  # a partial table would read as a full one
        raise SystemExit(f"source text not found (set PLANCOMPARE_SHARED): {', '.join(missing)}")
    _LEXICONS[id(lexicon)] = lexicon
    tasks = [(name, id(lexicon), spots, seed) for name in names]
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            measured = dict(pool.map(_measure, tasks, chunksize=1))
    else:
        measured = dict(map(_measure, tasks))
    result: dict = {"synthetic": {name: measured[name] for name in names if name != "chikan_gold"}}
    if "chikan_gold" in measured:
        result["chikan_gold"] = measured["chikan_gold"]
    return result


def confidence_sweep(result: dict, thresholds=(0.5, 0.6, 0.7, 0.8, 0.9)) -> list[str]:
    """What a higher placeholder threshold would have given, from the spots' outcomes
    and fix confidences: a repair whose confidence is below the threshold would have
    been marked □ (a guessed character below it becomes a placeholder). Rows: Chikan,
    train and held-out synthetic sets, each exact / marked / wrong."""
    groups: dict[str, list] = {}
    if "chikan_gold" in result:
        groups["Chikan gold"] = result["chikan_gold"]["confidences"]
    for r in result["synthetic"].values():
        groups.setdefault(f"{r['role']} synthetic", []).extend(r["confidences"])
    md = ["| set | " + " | ".join(f"threshold {t}" for t in thresholds) + " |", "|---" * (len(thresholds) + 1) + "|"]
    for name, spots in groups.items():
        cells = []
        for t in thresholds:
            c = {"exact": 0, "marked": 0, "wrong": 0}
            for outcome, conf in spots:
                c["marked" if outcome != "marked" and conf is not None and conf < t else outcome] += 1
            cells.append(f"{c['exact']} / {c['marked']} / {c['wrong']}")
        md.append(f"| {name} | " + " | ".join(cells) + " |")
    return md


def table(result: dict) -> list[str]:
    rows = [("Chikan gold (33 hand-checked spots), held out", result["chikan_gold"])] if "chikan_gold" in result else []
    rows += [(f"synthetic ({r['role']}): {name}", r) for name, r in result["synthetic"].items()]
    md = ["| set | spots | exact | marked □ | wrong | false repairs | seconds |", "|---|---|---|---|---|---|---|"]
    md += [f"| {name} | {r['spots']} | {r['exact']} ({r['exact_rate']:.0%}) | {r['marked']} | {r['wrong']} | "
           f"{r.get('false_repairs_on_clean_lines', '–')} | {r['seconds']} |" for name, r in rows]
    return md


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spots", type=int, default=60, help="damaged lines per synthetic source")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sets", choices=["all", "train", "held-out"], default="all",
                        help="which sets to measure (results files are written for 'all' only)")
    parser.add_argument("--baseline", action="store_true",
                        help="also measure the repair without the genre model, in the same run")
    parser.add_argument("--jobs", type=int, default=1, help="processes measuring sets side by side")
    parser.add_argument("--out", default="repair", help="name of the results files (benchmarks/results/OUT.json/.md)")
    args = parser.parse_args()
    lexicons = {"with genre model": default_lexicon(use_genre=True)}
    if args.baseline:
        lexicons["baseline: without genre model"] = default_lexicon(use_genre=False)
    result = {"spots_per_source": args.spots, "seed": args.seed,
              "command": "python benchmarks/bench_repair.py" + (" --baseline" if args.baseline else "")
              + (f" --out {args.out}" if args.out != "repair" else ""),
              "runs": {label: run(lex, args.sets, args.spots, args.seed, args.jobs) for label, lex in lexicons.items()}}
    md = []
    for label, measured in result["runs"].items():
        md += [f"### {label}", "", *table(measured), "",
               "Had a lower-confidence repair been marked □ (exact / marked □ / wrong):", "",
               *confidence_sweep(measured), ""]
    print("\n".join(md))
    if args.sets == "all":
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{args.out}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n",
                                                   encoding="utf-8")
        (RESULTS / f"{args.out}.md").write_text("\n".join(md), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
