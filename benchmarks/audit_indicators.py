"""Count the indicator table's consistency violations (no gold needed); write benchmarks/results/indicators_audit.{json,md}.

Usage:  PYTHONPATH=src .venv/bin/python benchmarks/audit_indicators.py [--shared DIR] [--out NAME]

Runs :func:`plancompare.indicators.audit.audit_indicators` (the checks and why no correct row fails them are
in its module docstring) over every text the project can read without a gold of its own:

* the 46 national government work reports of ``DIR/reference/national_work_reports_1954_2018.jsonl`` (read as
  benchmarks/bench_indicators.py reads them: title line, then one paragraph a line);
* the four work reports of ``DIR/generality`` and the nine files of ``DIR/generality/formats``;
* the bundled plans (data/catalog.csv).

The count per check and per set is the benchmark: a fix to the extractor should lower it, and
tests/test_indicator_audit.py fails when a check's count rises above the figure recorded here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import plancompare as pc  # noqa: E402
from plancompare.catalog import load_catalog  # noqa: E402
from plancompare.indicators import extract_indicators, load_registry  # noqa: E402
from plancompare.indicators.audit import CHECKS, audit_indicators  # noqa: E402

from bench_indicators import REFERENCE, _lines, write_reference_reports  # noqa: E402

SHOW = ["doc_id", "line", "indicator_id", "name", "value", "unit", "comparator", "kind", "year", "period_start",
        "period_end", "kind_rule", "quote"]


def corpora(shared: Path, workdir: Path) -> dict:
    """``{set name: corpus}`` of the four sets the audit reads."""
    years = [json.loads(line)["year"] for line in (shared / REFERENCE).read_text(encoding="utf-8").splitlines()]
    catalog = load_catalog(ROOT / "data" / "catalog.csv")
    build = {"embed": False, "index": False}
    return {
        "national reports (46)": pc.build_corpus(write_reference_reports(shared, years, workdir), **build),
        "generality (4)": pc.build_corpus(sorted((shared / "generality").glob("*.txt")), **build),
        "format files (9)": pc.build_corpus(shared / "generality" / "formats", **build),
        "bundled plans": pc.build_corpus(list(catalog["source_file"]), catalog=catalog, **build),
    }


def run(shared: Path, workdir: Path) -> tuple[dict, pd.DataFrame]:
    """(result dict, every violation with its set) of the audit over all sets."""
    registry = load_registry()
    counts, parts, n_rows = {}, [], {}
    for name, corpus in corpora(shared, workdir).items():
        rows = extract_indicators(corpus.passages, corpus.documents, registry, line_map=_lines(corpus))
        found = audit_indicators(rows, corpus.documents, registry)
        n_rows[name] = int(len(rows))
        counts[name] = {check: int((found["check"] == check).sum()) for check in CHECKS}
        parts.append(found.assign(set=name))
    violations = pd.concat(parts, ignore_index=True)
    total = {check: int((violations["check"] == check).sum()) for check in CHECKS}
    out = {"command": "PYTHONPATH=src python benchmarks/audit_indicators.py --shared /work/shared",
           "rows": n_rows, "violations": counts, "total": total,
           "listing": violations[["set", "check", *SHOW]].astype(str).to_dict("records")}
    return out, violations


BEFORE = ROOT / "benchmarks" / "results" / "indicators_audit_before.json"


def markdown(out: dict, before: dict | None = None) -> str:
    """The counts per check and set (and the total of ``before``, the run before the fixes, when given), then
    every violation."""
    sets = list(out["violations"])
    lines = ["# Indicator audit: consistency violations (no gold)", "", f"`{out['command']}`", "",
             "| check | " + " | ".join(sets) + " | total |" + (" total before fixes |" if before else ""),
             "|---" * (len(sets) + 2 + bool(before)) + "|"]
    for check in CHECKS:
        lines.append(f"| {check} | " + " | ".join(str(out["violations"][s][check]) for s in sets)
                     + f" | {out['total'][check]} |" + (f" {before['total'][check]} |" if before else ""))
    if before:
        lines += ["", "Before fixes: `benchmarks/results/indicators_audit_before.md` (the same audit on the extractor "
                  "of commit e669702, before the fixes it led to)."]
    lines += ["", "Rows read: " + ", ".join(f"{s} {n}" for s, n in out["rows"].items()) + ".", "",
              "## Violations", ""]
    for v in out["listing"]:
        lines.append(f"- {v['check']} · {v['doc_id']} l.{v['line']} · {v['indicator_id'] or v['name']} "
                     f"{v['comparator']} {v['value']} {v['unit']} · {v['kind']} {v['year']} "
                     f"({v['period_start']}–{v['period_end']}) · {v['kind_rule']} · {v['quote'][:80]}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/plancompare_audit_reference"))
    parser.add_argument("--out", default="indicators_audit")
    args = parser.parse_args(argv)
    out, _ = run(args.shared, args.workdir)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{args.out}.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    before = (json.loads(BEFORE.read_text(encoding="utf-8"))
              if BEFORE.is_file() and args.out != BEFORE.stem else None)
    (results / f"{args.out}.md").write_text(markdown(out, before), encoding="utf-8")
    print(json.dumps({"violations": out["violations"], "total": out["total"]}, ensure_ascii=False, indent=1))
    return out


if __name__ == "__main__":
    main()
