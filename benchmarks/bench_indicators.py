"""Measure indicator extraction against hand-built gold tables; write benchmarks/results/indicators.{json,md}.

Usage:  .venv/bin/python benchmarks/bench_indicators.py [--shared DIR] [--blind-only 2|3|4]
        [--external DIR [--split dev|heldout]]

``--external DIR`` scores a gold kept outside the repository (third-party texts that may not be committed):
DIR/texts/*.txt (one document a file; the file stem is the doc_id), DIR/documents.csv (doc_id, kind, split)
and DIR/gold.csv (the columns of the blind golds). It prints precision and recall per split and document kind
as JSON and writes nothing. ``--split dev`` reads and scores the dev documents only (the held-out texts are not
read, so their failures stay unseen while developing).

Gold:
* tests/gold/indicators.csv — every canonical statement of the five bundled plans (written with the code).
* tests/gold/indicators_generality.csv — every core-indicator statement of the four work reports in
  ../shared/generality, written from the texts before the extractor was tuned on them; ``split`` says which
  ones were used while developing (``dev``: national 2019 and 2021) and which were held out (``heldout``:
  national 2022 and Beijing 2026).
* tests/gold/indicators_formats.csv — every core-indicator statement of the nine real files in
  ../shared/generality/formats (.docx/.doc/.pdf/.html), labelled by hand from the text the readers give, before
  the extractor's output on them was looked at; tests/gold/indicators_formats_documents.csv lists all nine
  (four state no core indicator, so every row extracted from them is a false positive) with their split: ``dev``
  (Yichun 2022, Ganzhou 2018, Liangxi 2020, Shuangpu 2021: looked at while fixing) and ``heldout`` (the other
  five: not looked at). The line of a format file is the first raw line of the clean line holding the statement
  (a PDF paragraph joined from printed lines starts there).
* tests/gold/indicators_blind2.csv — every core-indicator statement of six national work reports from
  ../shared/reference (2004, 2007, 2011, 2013, 2016, 2018; never used for indicator gold), labelled by hand before
  the extractor was run on them and split before measuring (tests/gold/indicators_blind2_documents.csv): ``dev``
  2004/2011/2018, ``heldout`` 2007/2013/2016. Left out of that gold by rule: rural 纯收入 (net income, a different
  statistic from disposable income), changes of a level (人均预期寿命提高1岁), reductions of a concentration
  (PM2.5 浓度下降30%), and restatements that name no indicator (6.5%左右的增速). The GDP-growth goals of these
  years are also in the national series test, which the extractor was developed against.
* tests/gold/indicators_blind3.csv — every core-indicator statement of ten more national work reports (1998,
  2001, 2005, 2006, 2008, 2010, 2012, 2014, 2015, 2017; none used by any indicator gold or test before), labelled
  by hand and split by document before the extractor was run on them: ``dev`` 1998/2005/2006/2010/2014,
  ``heldout`` 2001/2008/2012/2015/2017. Its labelling decisions are in tests/gold/indicators_blind3_README.md.
* tests/gold/indicators_blind4.csv — every core-indicator statement of the eight remaining national work reports
  of 1994–2009 (1994, 1995, 1997, 1999, 2000, 2002, 2003, 2009), labelled by hand and split by document before
  the extractor was run on them: ``dev`` 1995/1999/2000/2003, ``heldout`` 1994/1997/2002/2009. Its labelling
  decisions are in tests/gold/indicators_blind4_README.md.

A gold row counts as found only when value, kind, comparator and year are all right and the raw line is
within 3 of the gold line. A row's raw line is the first raw line of the clean line it was read from; when that
clean line was joined from several printed lines (a PDF paragraph, a page's hard-wrapped text), a gold line
anywhere in its raw span counts as distance 0 (``with_line_spans``), so a gold typed at the printed line that
holds the statement and one typed at the paragraph's first line both match. Precision: extracted rows (of the scored indicators) that are such a match / all
extracted rows; recall: matched gold rows / all gold rows. On the work reports only core indicators are
scored (CORE below); on the bundled plans every canonical indicator is.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import plancompare as pc  # noqa: E402
from plancompare.catalog import load_catalog  # noqa: E402
from plancompare.indicators import extract_indicators, load_registry  # noqa: E402

from indicator_helpers import load_gold, score  # noqa: E402

GENERALITY_GOLD = ROOT / "tests" / "gold" / "indicators_generality.csv"
FORMATS_GOLD = ROOT / "tests" / "gold" / "indicators_formats.csv"
FORMATS_DOCS = ROOT / "tests" / "gold" / "indicators_formats_documents.csv"
BLIND2_GOLD = ROOT / "tests" / "gold" / "indicators_blind2.csv"
BLIND2_DOCS = ROOT / "tests" / "gold" / "indicators_blind2_documents.csv"
BLIND3_GOLD = ROOT / "tests" / "gold" / "indicators_blind3.csv"
BLIND3_DOCS = ROOT / "tests" / "gold" / "indicators_blind3_documents.csv"
BLIND4_GOLD = ROOT / "tests" / "gold" / "indicators_blind4.csv"
BLIND4_DOCS = ROOT / "tests" / "gold" / "indicators_blind4_documents.csv"
BLIND_SETS = {2: (BLIND2_GOLD, BLIND2_DOCS), 3: (BLIND3_GOLD, BLIND3_DOCS), 4: (BLIND4_GOLD, BLIND4_DOCS)}
REFERENCE = "reference/national_work_reports_1954_2018.jsonl"
CORE = [
    "gdp_growth_rate", "gdp_total", "cpi_growth", "urban_unemployment_rate", "registered_unemployment_rate",
    "new_urban_jobs", "energy_intensity_reduction", "carbon_intensity_reduction",
    "per_capita_disposable_income_growth", "urban_disposable_income_growth", "rural_disposable_income_growth",
    "general_budget_revenue", "general_budget_revenue_growth", "retail_sales_growth",
    "fixed_asset_investment_growth", "trade_total", "trade_growth", "exports_growth", "imports_growth",
    "forest_coverage", "life_expectancy", "air_quality_good_days_ratio", "pm25_concentration",
    "elderly_care_beds_per_1000_elderly", "nursing_bed_share", "childcare_places_per_1000",
]
KEY = ["gdp_growth_rate", "elderly_care_beds_per_1000_elderly"]


def _lines(corpus) -> dict:
    return {doc_id: list(zip(g["line_start"], g["line_end"])) for doc_id, g in corpus.lines.groupby("doc_id", sort=False)}


def with_line_spans(rows: pd.DataFrame, corpus) -> pd.DataFrame:
    """``rows`` with ``line_last``: the last raw line of the clean line each row was read from (its ``line`` is
    the first), so that a gold line anywhere in a paragraph joined from printed lines is within the match."""
    last = {(doc_id, int(start)): int(end) for doc_id, g in corpus.lines.groupby("doc_id", sort=False)
            for start, end in zip(g["line_start"], g["line_end"])}
    rows = rows.copy()
    rows["line_last"] = [last.get((d, int(n))) if pd.notna(n) else None for d, n in zip(rows["doc_id"], rows["line"])]
    return rows


def _scored(extracted, gold, label: str, docs_kind: dict, documents=None) -> dict:
    r = score(extracted, gold)
    m = r.pop("_match")
    unmatched = m.attrs.pop("unmatched_extracted")
    key = m[m["indicator_id"].isin(KEY)]
    documents = sorted(set(gold["doc_id"]) | set(documents or []))
    return {
        "set": label, "document_kinds": sorted({docs_kind[d] for d in documents}), "documents": documents,
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()},
        "gdp_growth_and_elderly_beds": {"gold_rows": int(len(key)), "all_right": int(key["all_right"].sum())},
        "misses": m[~m["all_right"]][["doc_id", "line", "indicator_id", "value", "kind", "year", "got_kind",
                                        "got_year", "got_comparator"]].astype(str).to_dict("records"),
        "false_positives": unmatched[["doc_id", "line", "indicator_id", "value", "kind",
                                                           "year", "comparator"]].astype(str).to_dict("records"),
    }


def write_reference_reports(shared: Path, years, folder: Path) -> list[Path]:
    """Write the national work reports of ``years`` as text files (title line, then one paragraph a line —
    the line numbers of the blind gold)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for line in (shared / REFERENCE).read_text(encoding="utf-8").splitlines():
        report = json.loads(line)
        if report["year"] in set(years):
            path = folder / f"national_work_report_{report['year']}.txt"
            path.write_text(report["title"] + "\n" + report["text"], encoding="utf-8")
            paths.append(path)
    return sorted(paths)


def blind_reports(shared: Path, number: int, folder: Path, registry=None) -> tuple:
    """(corpus, every indicator row) of the reference reports that blind gold ``number`` (2, 3 or 4) names."""
    docs = pd.read_csv(BLIND_SETS[number][1])
    corpus = pc.build_corpus(write_reference_reports(shared, list(docs["year"]), folder), embed=False, index=False)
    return corpus, extract_indicators(corpus.passages, corpus.documents, registry, line_map=_lines(corpus))


def split_core(rows: pd.DataFrame, number: int, split: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(extracted core rows, gold rows) of one split ("dev" or "heldout") of blind gold ``number``."""
    gold_path, docs_path = BLIND_SETS[number]
    docs, gold = pd.read_csv(docs_path), pd.read_csv(gold_path)
    ids = list(docs.loc[docs["split"] == split, "doc_id"])
    core = rows[rows["doc_id"].isin(ids) & rows["indicator_id"].isin(CORE) & (rows["scope"] == "")]
    return core, gold[gold["doc_id"].isin(ids)]


def blind_sets(shared: Path, registry, workdir: Path, number: int = 2) -> tuple[list, dict]:
    """Score blind gold ``number`` (2, 3 or 4), per split and per document kind."""
    docs = pd.read_csv(BLIND_SETS[number][1])
    corpus, rows = blind_reports(shared, number, workdir / f"blind{number}", registry)
    kinds = dict(zip(corpus.documents["doc_id"], corpus.documents["kind"]))
    sets = []
    for split in ("dev", "heldout"):
        core, gold = split_core(rows, number, split)
        ids = list(docs.loc[docs["split"] == split, "doc_id"])
        for kind in sorted({kinds[d] for d in ids}):
            kind_ids = [d for d in ids if kinds[d] == kind]
            sets.append(_scored(core[core["doc_id"].isin(kind_ids)], gold[gold["doc_id"].isin(kind_ids)],
                                f"BLIND {number} ({split}): national {kind}, core indicators", kinds, kind_ids))
    return sets, rows["kind_rule"].value_counts().to_dict()


def external_sets(folder: Path, registry=None, splits: tuple = ("dev", "heldout")) -> dict:
    """Score the external gold in ``folder`` (see the module docstring), per split and per document kind.

    ``splits``: the splits to read and score (``("dev",)`` while developing: the held-out texts are not even
    read, so their failures stay out of sight)."""
    docs, gold = pd.read_csv(folder / "documents.csv"), pd.read_csv(folder / "gold.csv")
    docs = docs[docs["split"].isin(splits)]
    texts = [p for p in sorted((folder / "texts").glob("*.txt")) if p.stem in set(docs["doc_id"])]
    corpus = pc.build_corpus(texts, embed=False, index=False)
    rows = with_line_spans(extract_indicators(corpus.passages, corpus.documents, registry or load_registry(),
                                              line_map=_lines(corpus)), corpus)
    core = rows[rows["indicator_id"].isin(CORE) & (rows["scope"] == "")]
    kinds = dict(zip(docs["doc_id"], docs["kind"]))
    sets = []
    for split in splits:
        ids = list(docs.loc[docs["split"] == split, "doc_id"])
        if not ids:
            continue  # a set with one split only (ind4dev: all dev) scores nothing for the other
        for kind in [*sorted({kinds[d] for d in ids}), None]:
            part = [d for d in ids if kind is None or kinds[d] == kind]
            sets.append(_scored(core[core["doc_id"].isin(part)], gold[gold["doc_id"].isin(part)],
                                f"EXTERNAL ({split}): {kind or 'all kinds'}, core indicators", kinds, part))
    return {"sets": sets, "kind_rule_counts": rows["kind_rule"].value_counts().to_dict()}


def blind2_sets(shared: Path, registry, workdir: Path) -> tuple[list, dict]:
    """Score the second blind gold, per split and per document kind."""
    return blind_sets(shared, registry, workdir, 2)


def main(shared: Path, blind_only: int | None = None, workdir: Path | None = None) -> dict:
    registry = load_registry()
    workdir = workdir or Path(os.environ.get("TMPDIR", "/tmp")) / "plancompare_bench_reference"
    blind, rules = [], {}
    for number in ([blind_only] if blind_only else sorted(BLIND_SETS)):
        sets, rules[number] = blind_sets(shared, registry, workdir, number)
        blind += sets
    if blind_only:
        return {"sets": blind, "kind_rule_counts": rules[blind_only]}
    return _main_sets(shared, registry, blind, rules)


def _main_sets(shared: Path, registry, blind: list, blind_rules: dict) -> dict:
    catalog = load_catalog(ROOT / "data" / "catalog.csv")
    plans = pc.build_corpus(list(catalog["source_file"]), catalog=catalog, embed=False, index=False)
    reports = pc.build_corpus(sorted((shared / "generality").glob("*.txt")), embed=False, index=False)
    formats = pc.build_corpus(shared / "generality" / "formats", embed=False, index=False)
    started = time.perf_counter()
    plan_rows = extract_indicators(plans.passages, plans.documents, registry, line_map=_lines(plans))
    report_rows = extract_indicators(reports.passages, reports.documents, registry, line_map=_lines(reports))
    format_rows = extract_indicators(formats.passages, formats.documents, registry, line_map=_lines(formats))
    seconds = time.perf_counter() - started
    plan_rows, report_rows, format_rows = (with_line_spans(r, c) for r, c in
                                           ((plan_rows, plans), (report_rows, reports), (format_rows, formats)))
    kinds = {**dict(zip(plans.documents["doc_id"], plans.documents["kind"])),
             **dict(zip(reports.documents["doc_id"], reports.documents["kind"])),
             **dict(zip(formats.documents["doc_id"], formats.documents["kind"]))}
    gold = load_gold()
    gen_gold = pd.read_csv(GENERALITY_GOLD)
    # a sub-area's figure (scope set: 平原新城, 市级) is not the region's own: only headline rows are scored
    core_rows = report_rows[report_rows["indicator_id"].isin(CORE) & (report_rows["scope"] == "")]
    sets = []
    for kind in sorted(set(gold["doc_id"].map(kinds))):
        docs = [d for d in gold["doc_id"].unique() if kinds[d] == kind]
        sets.append(_scored(plan_rows[plan_rows["doc_id"].isin(docs)], gold[gold["doc_id"].isin(docs)],
                            f"bundled plans: {kind}", kinds))
    sets.append(_scored(plan_rows, gold, "bundled plans: all", kinds))
    for split in ("dev", "heldout"):
        part = gen_gold[gen_gold["split"] == split]
        sets.append(_scored(core_rows[core_rows["doc_id"].isin(part["doc_id"])], part,
                            f"work reports ({split}), core indicators", kinds))
    fmt_gold, fmt_docs = pd.read_csv(FORMATS_GOLD), pd.read_csv(FORMATS_DOCS)
    fmt_core = format_rows[format_rows["indicator_id"].isin(CORE) & (format_rows["scope"] == "")]
    for split in ("dev", "heldout", None):
        docs = list(fmt_docs["doc_id"] if split is None else fmt_docs.loc[fmt_docs["split"] == split, "doc_id"])
        sets.append(_scored(fmt_core[fmt_core["doc_id"].isin(docs)], fmt_gold[fmt_gold["doc_id"].isin(docs)],
                            f"format files ({split or 'all nine'}), core indicators", kinds, docs))
    held_docs = list(fmt_docs.loc[fmt_docs["split"] == "heldout", "doc_id"])
    held_gold = pd.concat([gen_gold[gen_gold["split"] == "heldout"], fmt_gold[fmt_gold["doc_id"].isin(held_docs)]])
    held_docs += list(gen_gold.loc[gen_gold["split"] == "heldout", "doc_id"].unique())
    held_rows = pd.concat([core_rows, fmt_core])
    sets.append(_scored(held_rows[held_rows["doc_id"].isin(held_docs)], held_gold,
                        "ALL HELD-OUT (work reports + format files), core indicators", kinds, held_docs))
    sets += blind
    out = {
        "command": "python benchmarks/bench_indicators.py --shared ../shared",
        "definition": "A gold row " + __doc__.split("A gold row", 1)[1].strip().replace("\n", " "),
        "sets": sets,
        "bundled_rows_total": int(len(plan_rows)),
        "bundled_rows_without_canonical_indicator": int((~plan_rows["canonical"]).sum()),
        "bundled_rows_flagged_noise_and_dropped": int(extract_indicators(
            plans.passages, plans.documents, registry, keep_noise=True)["noise"].sum()),
        "kind_rule_counts": report_rows["kind_rule"].value_counts().to_dict(),
        **{f"blind{n}_kind_rule_counts": counts for n, counts in blind_rules.items()},
        "format_rows_with_a_sub_area_scope": int((format_rows["scope"] != "").sum()),
        "report_rows_with_a_sub_area_scope": int((report_rows["scope"] != "").sum()),
        "extraction_seconds": round(seconds, 2),
    }
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "indicators.json").write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str) + "\n",
                                             encoding="utf-8")
    (results / "indicators.md").write_text(_markdown(out), encoding="utf-8")
    return out


def _saved_sets(name: str) -> dict:
    path = ROOT / "benchmarks" / "results" / name
    return {s["set"]: s for s in json.loads(path.read_text(encoding="utf-8"))["sets"]} if path.is_file() else {}


def _pr(s: dict) -> tuple[str, str]:
    return (f"{s['precision']:.3f}", f"{s['recall']:.3f}") if s else ("–", "–")


# what the *now* column of a blind set's held-out half is: still blind until its failures are looked at
NOW_NOTE = {n: " — now: after fixes seen on the held-out half (no longer blind)" for n in (2, 3, 4)}
BLIND_DESCRIPTION = {
    2: "six national work reports (2004/2011/2018 dev, 2007/2013/2016 held out)",
    3: "ten national work reports (1998/2005/2006/2010/2014 dev, 2001/2008/2012/2015/2017 held out)",
    4: "eight national work reports of 1994–2009 (1995/1999/2000/2003 dev, 1994/1997/2002/2009 held out)",
}


# gold corrections made after a blind set's first or blind run (the saved figures were scored before them)
GOLD_NOTE = {
    4: "The first and blind held-out figures were scored against 33 held-out rows; three rows the labeller had "
       "missed (1997 lines 6-7) were added after the blind run. Against the corrected gold the same blind run "
       "gives 0.889 / 0.889 (tests/gold/indicators_blind4_README.md).",
}


def _blind_markdown(out: dict, number: int) -> list[str]:
    """One blind gold's table: first run, the held-out half's last blind measurement, and this run."""
    first = _saved_sets(f"indicators_blind{number}_first.json")
    blind = _saved_sets(f"indicators_blind{number}_blind.json")
    lines = [f"## Blind gold {number}: {BLIND_DESCRIPTION[number]}, labelled before any extractor run", "",
             f"*First* is the measurement before any fix (`indicators_blind{number}_first.json`); *blind* is the "
             f"held-out half after the dev-half fixes, its failures not yet looked at "
             f"(`indicators_blind{number}_blind.json`): **the figure to trust**. *Now* is this run"
             + (" (the held-out half's failure classes were fixed after its blind run: no longer blind)."
                if NOW_NOTE[number] else "."), "",
             "| set | gold rows | first: P | first: R | blind: P | blind: R | now: P | now: R |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in out["sets"]:
        if s["set"].startswith(f"BLIND {number} "):
            label = s["set"] + (NOW_NOTE[number] if "heldout" in s["set"] else "")
            cells = [*_pr(first.get(s["set"], {})), *_pr(blind.get(s["set"], {})), *_pr(s)]
            lines.append(f"| {label} | {s['gold_rows']} | " + " | ".join(cells) + " |")
    return lines + ([""] + [GOLD_NOTE[number]] if number in GOLD_NOTE else []) + [""]


def _markdown(out: dict) -> str:
    lines = ["# Indicator extraction benchmark", "", f"Command: `{out['command']}`", "",
             out["definition"], "", "All blind sets are national government work reports only: district work reports, "
             "action plans and provincial reports have no blind figure of their own.", "",
             *_blind_markdown(out, 4), *_blind_markdown(out, 3), *_blind_markdown(out, 2), "## All sets", "",
             "| set | gold rows | extracted | precision | recall (all attributes) | GDP growth + elderly beds right |",
             "|---|---:|---:|---:|---:|---:|"]
    for s in out["sets"]:
        key = s["gdp_growth_and_elderly_beds"]
        lines.append(f"| {s['set']} | {s['gold_rows']} | {s['extracted_canonical_rows']} | {s['precision']:.3f} | "
                     f"{s['recall']:.3f} | {key['all_right']}/{key['gold_rows']} |")
    lines += ["", f"Bundled plans: {out['bundled_rows_total']} rows, {out['bundled_rows_without_canonical_indicator']} "
              f"without a canonical indicator (kept, `canonical == False`); "
              f"{out['bundled_rows_flagged_noise_and_dropped']} flagged as no indicator and left out by default.", ""]
    for s in out["sets"]:
        if s["misses"] or s["false_positives"]:
            lines.append(f"**{s['set']}** — misses: {s['misses']}; false positives: {s['false_positives']}")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("PLANCOMPARE_SHARED", ROOT.parent / "shared")))
    parser.add_argument("--blind-only", type=int, choices=sorted(BLIND_SETS),
                        help="score only blind gold N and print it as JSON (writes nothing)")
    parser.add_argument("--blind2-only", action="store_const", const=2, dest="blind_only",
                        help="same as --blind-only 2")
    parser.add_argument("--external", type=Path, metavar="DIR",
                        help="score a gold kept outside the repository (texts/, documents.csv, gold.csv) as JSON")
    parser.add_argument("--split", choices=["dev", "heldout"],
                        help="with --external: read and score only this split (default: both)")
    args = parser.parse_args()
    if args.external:
        splits = (args.split,) if args.split else ("dev", "heldout")
        print(json.dumps(external_sets(args.external, splits=splits), ensure_ascii=False, indent=1, default=str))
        sys.exit(0)
    result = main(args.shared, blind_only=args.blind_only)
    if args.blind_only:
        print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
        sys.exit(0)
    print(Path(ROOT / "benchmarks" / "results" / "indicators.md").read_text(encoding="utf-8"))
