"""Derive the genre model of the byte-shift repair from the reference work reports.

Usage:  python scripts/build_genre_model.py [--source PATH] [--out PATH]

Reads ``national_work_reports_1954_2018.jsonl`` (46 State Council government work
reports, public domain, see its README) and writes the derived counts the repair uses
as evidence of how the genre is written (``src/plancompare/data/genre_ngrams.json.gz``)
plus their provenance (``genre_ngrams.provenance.json``). The reference text itself is
not shipped.

Derivation, deterministic for a given source file and OpenCC/jieba version:

1. every report's text is folded as the repair folds text before scoring it: OpenCC
   ``t2s`` (the wikisource texts mix scripts) and full-width forms to ASCII;
2. each paragraph (one per line) counts as one running text; a space or tab ends a
   stretch (as in the repair's document model);
3. character n-grams for n = 1..3 are counted over the stretches; words are jieba's
   segmentation of the stretches (default dictionary, HMM on);
4. counts below the thresholds are dropped (the command-line defaults are the shipped
   ones), and the last character of each paragraph is counted as a line end.

The JSON holds ``unigrams``, ``bigrams``, ``trigrams``, ``words`` and ``line_ends``
(string → count), and ``totals`` with the unpruned number of characters and words.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
from collections import Counter
from pathlib import Path

import jieba
import opencc

from plancompare.text.normalize import FULLWIDTH_FORMS_TO_ASCII, opencc_converter

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PLANCOMPARE_SHARED", ROOT.parent / "shared"))
DEFAULT_SOURCE = SHARED / "reference" / "national_work_reports_1954_2018.jsonl"
DEFAULT_OUT = ROOT / "src" / "plancompare" / "data" / "genre_ngrams.json.gz"


def paragraphs(source: Path) -> tuple[list[str], list[dict]]:
    """Folded paragraphs of every report, and one provenance row per report."""
    t2s = opencc_converter("t2s")
    out, reports = [], []
    with open(source, encoding="utf-8") as fh:
        for row in fh:
            if not row.strip():
                continue
            report = json.loads(row)
            text = t2s.convert(report["text"]).translate(FULLWIDTH_FORMS_TO_ASCII)
            reports.append({"year": report["year"], "title": report["title"], "characters": len(text)})
            out += [line.strip() for line in text.split("\n") if line.strip()]
    return out, reports


def count(paras: list[str]) -> dict[str, Counter]:
    grams = {n: Counter() for n in (1, 2, 3)}
    words: Counter = Counter()
    line_ends: Counter = Counter()
    jieba.setLogLevel(60)
    for para in paras:
        line_ends[para[-1]] += 1
        for stretch in para.split():
            for n, counter in grams.items():
                counter.update(stretch[i : i + n] for i in range(len(stretch) - n + 1))
            words.update(w for w in jieba.cut(stretch, HMM=True) if w.strip())
    return {"unigrams": grams[1], "bigrams": grams[2], "trigrams": grams[3], "words": words,
            "line_ends": line_ends}


def prune(counter: Counter, minimum: int) -> dict[str, int]:
    return {k: n for k, n in sorted(counter.items()) if n >= minimum}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--min-bigram", type=int, default=2)
    parser.add_argument("--min-trigram", type=int, default=2)
    parser.add_argument("--min-word", type=int, default=2)
    args = parser.parse_args()

    paras, reports = paragraphs(args.source)
    counts = count(paras)
    thresholds = {"unigrams": 1, "bigrams": args.min_bigram, "trigrams": args.min_trigram,
                  "words": args.min_word, "line_ends": 1}
    model = {name: prune(counts[name], thresholds[name]) for name in thresholds}
    model["totals"] = {"characters": sum(counts["unigrams"].values()), "words": sum(counts["words"].values()),
                       "paragraphs": len(paras)}
    payload = json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9, filename="") as gz:
        gz.write(payload)
    args.out.write_bytes(buffer.getvalue())

    provenance = {
        "file": args.out.name,
        "source": {
            "file": "national_work_reports_1954_2018.jsonl",
            "sha256": hashlib.sha256(args.source.read_bytes()).hexdigest(),
            "origin": "zh.wikisource via the public dataset aldohemsn/chinese-political-corpora "
                      "(government_work_reports.jsonl); wikisource licence footer and zero-width spaces removed",
            "licence": "public domain (official documents of state organs, Art. 5 of the PRC Copyright Law)",
            "reports": reports,
        },
        "derivation": {
            "script": "scripts/build_genre_model.py",
            "folding": "OpenCC t2s, full-width forms to ASCII",
            "units": "paragraphs (one per line), split at whitespace",
            "thresholds": thresholds,
            "tools": {"opencc": getattr(opencc, "__version__", "unknown"), "jieba": jieba.__version__},
            "sha256_of_output": hashlib.sha256(buffer.getvalue()).hexdigest(),
        },
        "sizes": {name: len(model[name]) for name in thresholds},
        "totals": model["totals"],
        "note": "Derived statistics only; the reference text is not shipped.",
    }
    provenance_path = args.out.with_name(args.out.name.replace(".json.gz", ".provenance.json"))
    provenance_path.write_text(json.dumps(provenance, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.2f} MB; " +
          ", ".join(f"{k} {v}" for k, v in provenance["sizes"].items()))


if __name__ == "__main__":
    main()
