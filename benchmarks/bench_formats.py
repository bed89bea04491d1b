"""Reading and cleaning time per format, per 10,000 characters of extracted text.

Reads every file of ../shared/generality/formats (four .docx, one .doc, two .pdf, two
.html) and the five bundled plain-text plans (the baseline), each `--repeat` times, and
times `read_source` (extraction + debris + layout wraps) and `clean_lines` separately.
Also compares the two PDF extractors (poppler's pdftotext and pdfplumber) on the real
PDFs: time and characters found.  Writes benchmarks/results/formats.json and formats.md.

Run: PLANCOMPARE_SHARED=/path/to/shared .venv/bin/python benchmarks/bench_formats.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from plancompare.clean import clean_lines
from plancompare.corpus import bundled_data_dir
from plancompare.ingest import SUPPORTED_SUFFIXES, read_source

RESULTS = Path(__file__).parent / "results"
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PLANCOMPARE_SHARED", REPO.parent / "shared"))
FORMATS = SHARED / "generality" / "formats"


def time_file(path: Path, repeat: int) -> dict:
    read_times, clean_times = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        source = read_source(path)
        t1 = time.perf_counter()
        cleaned = clean_lines(source.lines_for_cleaning(), soft_breaks=source.soft_breaks)
        t2 = time.perf_counter()
        read_times.append(t1 - t0)
        clean_times.append(t2 - t1)
    damaged = any(r["kind"].startswith("mojibake") for r in cleaned.repairs)
    # Byte-shift damaged text sends cleaning into the repair search: a separate row, not the baseline.
    fmt = f"{source.format} (byte-shift damaged)" if damaged else source.format
    return {"file": path.name, "format": fmt, "chars": len(source.text),
            "clean_chars": len(cleaned.text), "read_s": min(read_times), "clean_s": min(clean_times),
            "debris_lines": len(source.debris), "layout_wraps": len(source.soft_breaks)}


def pdf_extractors(path: Path) -> list[dict]:
    import pdfplumber

    def count(text: str) -> collections.Counter:
        return collections.Counter(re.findall(r"[\u4e00-\u9fff0-9%‰]", text))

    rows = []
    if shutil.which("pdftotext"):
        t0 = time.perf_counter()
        text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                              check=True).stdout.decode("utf-8")
        rows.append({"file": path.name, "extractor": "pdftotext -layout", "seconds": time.perf_counter() - t0,
                     "characters": count(text)})
    t0 = time.perf_counter()
    with pdfplumber.open(path) as pdf:
        text = "\n".join(page.extract_text(layout=True) or "" for page in pdf.pages)
    rows.append({"file": path.name, "extractor": "pdfplumber layout", "seconds": time.perf_counter() - t0,
                 "characters": count(text)})
    reference = rows[0]["characters"]
    for row in rows:
        row["differs_from_first"] = sum(((row["characters"] - reference) + (reference - row["characters"])).values())
        row["characters"] = sum(row["characters"].values())
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not FORMATS.is_dir():
        raise SystemExit(f"{FORMATS} not found: set PLANCOMPARE_SHARED to the shared folder")
    files = sorted((bundled_data_dir() / "raw").glob("*.txt"))
    files += sorted(p for p in FORMATS.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    per_file = [time_file(path, args.repeat) for path in files]
    by_format = collections.defaultdict(lambda: {"files": 0, "chars": 0, "read_s": 0.0, "clean_s": 0.0})
    for row in per_file:
        total = by_format[row["format"]]
        total["files"] += 1
        for key in ("chars", "read_s", "clean_s"):
            total[key] += row[key]
    summary = {}
    for fmt, total in by_format.items():
        scale = 10_000 / total["chars"]
        summary[fmt] = {**total, "read_ms_per_10k": 1000 * total["read_s"] * scale,
                        "clean_ms_per_10k": 1000 * total["clean_s"] * scale}
    baseline = summary["txt"]["read_ms_per_10k"] + summary["txt"]["clean_ms_per_10k"]
    for row in summary.values():
        row["total_vs_txt"] = (row["read_ms_per_10k"] + row["clean_ms_per_10k"]) / baseline
    pdfs = [row for path in files if path.suffix == ".pdf" for row in pdf_extractors(path)]
    RESULTS.mkdir(exist_ok=True)
    result = {"repeat": args.repeat, "per_format": summary, "per_file": per_file, "pdf_extractors": pdfs}
    (RESULTS / "formats.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    (RESULTS / "formats.md").write_text(render(result), encoding="utf-8")
    print(render(result))


def render(result: dict) -> str:
    lines = [
        "# Reading and cleaning time per format",
        "",
        f"Command: `PLANCOMPARE_SHARED=../shared .venv/bin/python benchmarks/bench_formats.py --repeat {result['repeat']}` "
        "(best of the repeats per file; 2-core machine shared with other jobs).",
        "Read = `read_source` (extraction, debris, layout wraps); clean = `clean_lines` (repair, OpenCC, "
        "normalisation, joining). Per 10,000 characters of extracted text; the ratio is against plain text "
        "(the bundled plans without byte-shift damage) measured in the same run.",
        "",
        "| format | files | characters | read ms / 10k chars | clean ms / 10k chars | total vs .txt |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for fmt, row in sorted(result["per_format"].items(), key=lambda item: item[0] != "txt"):
        lines.append(f"| {fmt} | {row['files']} | {row['chars']:,} | {row['read_ms_per_10k']:.1f} | "
                     f"{row['clean_ms_per_10k']:.1f} | {row['total_vs_txt']:.2f}× |")
    lines += ["", "## Per file", "", "| file | format | characters | read s | clean s | debris lines | layout wraps |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for row in result["per_file"]:
        lines.append(f"| {row['file']} | {row['format']} | {row['chars']:,} | {row['read_s']:.3f} | "
                     f"{row['clean_s']:.3f} | {row['debris_lines']} | {row['layout_wraps']} |")
    lines += ["", "## PDF extractors on the real PDFs", "",
              "CJK characters, digits, % and ‰ found; `differs` counts characters not found by both (multiset).", "",
              "| file | extractor | seconds | characters | differs from first |", "|---|---|---:|---:|---:|"]
    for row in result["pdf_extractors"]:
        lines.append(f"| {row['file']} | {row['extractor']} | {row['seconds']:.2f} | {row['characters']:,} | "
                     f"{row['differs_from_first']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
