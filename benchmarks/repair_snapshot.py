"""Snapshot every answer of the byte-shift repair, to prove that speed work changed none.

Usage:  python benchmarks/repair_snapshot.py OUT.json [--spots N] [--seed S] [--jobs N] [--baseline]
        python benchmarks/repair_snapshot.py --compare A.json B.json

Repairs the same documents as ``benchmarks/bench_repair.py`` (the Chikan plan and the six
synthetically damaged sets, same seed and spots) and writes, per set, every repaired line with
its fixes, a SHA-256 of them, and the CPU seconds the repair took (``time.process_time`` of the
process doing it). ``--compare`` reports whether two snapshots hold byte-identical answers and
the CPU time of each, set by set. Run it with two source trees (``PYTHONPATH=...``) in one
session to get a before/after speed ratio measured in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_repair  # noqa: E402  (same sets, same damage)

from plancompare.repair import default_lexicon, repair_document  # noqa: E402


def _documents(spots: int, seed: int) -> dict[str, list[str]]:
    """The damaged documents bench_repair measures, by set name (same rng draws)."""
    docs = {"chikan_gold": (bench_repair.RAW / "chikan_14th_five_year_plan.txt").read_text(encoding="utf-8").split("\n")}
    for name, (path, convert, _) in bench_repair.SOURCES.items():
        _, _, damaged = bench_repair.damage(path, convert, spots, random.Random(f"{seed}:{name}"))
        docs[name] = damaged
    return docs


def _repair(task: tuple[str, list[str], bool]) -> tuple[str, dict]:
    name, lines, use_genre = task
    lexicon = default_lexicon(use_genre=use_genre)
    cpu = time.process_time()
    repaired = repair_document(lines, lexicon=lexicon)
    cpu = time.process_time() - cpu
    answers = [[out, [[f.kind, f.before, f.after, f.confidence, f.start] for f in fixes]] for out, fixes in repaired]
    digest = hashlib.sha256(json.dumps(answers, ensure_ascii=False).encode()).hexdigest()
    print(f"{name} (genre={use_genre}): {cpu:.1f} s CPU", file=sys.stderr, flush=True)
    return f"{name} genre={use_genre}", {"cpu_seconds": round(cpu, 2), "sha256": digest, "answers": answers}


def snapshot(out: Path, spots: int, seed: int, jobs: int, baseline: bool) -> None:
    docs = _documents(spots, seed)
    tasks = [(name, lines, True) for name, lines in docs.items()]
    if baseline:
        tasks += [(name, lines, False) for name, lines in docs.items()]
    for use_genre in {t[2] for t in tasks}:
        default_lexicon(use_genre=use_genre)  # built once, before forking: not timed
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        result = dict(pool.map(_repair, tasks, chunksize=1))
    out.write_text(json.dumps({"spots": spots, "seed": seed, "sets": result}, ensure_ascii=False), encoding="utf-8")


def compare(a: Path, b: Path) -> bool:
    first, second = (json.loads(p.read_text(encoding="utf-8"))["sets"] for p in (a, b))
    same = True
    total = [0.0, 0.0]
    for name in sorted(set(first) | set(second)):
        x, y = first.get(name), second.get(name)
        if x is None or y is None:
            print(f"{name}: only in one snapshot")
            same = False
            continue
        equal = x["sha256"] == y["sha256"]
        same &= equal
        total[0] += x["cpu_seconds"]
        total[1] += y["cpu_seconds"]
        print(f"{name}: {'identical' if equal else 'DIFFERENT'}; CPU {x['cpu_seconds']} s -> {y['cpu_seconds']} s "
              f"({x['cpu_seconds'] / max(y['cpu_seconds'], 1e-9):.1f}x)")
    print(f"all sets {'identical' if same else 'DIFFERENT'}; total CPU {total[0]:.1f} s -> {total[1]:.1f} s "
          f"({total[0] / max(total[1], 1e-9):.1f}x)")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    parser.add_argument("--spots", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--baseline", action="store_true", help="also the repair without the genre model")
    args = parser.parse_args()
    if args.compare:
        raise SystemExit(0 if compare(*args.compare) else 1)
    if args.out is None:
        parser.error("give OUT.json or --compare A B")
    snapshot(args.out, args.spots, args.seed, args.jobs, args.baseline)


if __name__ == "__main__":
    main()
