"""Tune the genre-model weights of the repair on the TRAIN synthetic sets only.

Usage:  python benchmarks/tune_repair.py [--spots N] [--seed S] GRID_JSON

GRID_JSON is a list of settings, each a mapping of ``plancompare.repair.lexicon``
constant names to values (``{"_GENRE_WORD_WEIGHT": 0.3, "_CHAR_WEIGHTS.genre": 0.2}``;
a ``search:`` prefix names a constant of ``plancompare.repair.search``, e.g.
``{"search:_HIDDEN_COST": 1.0}``; a ``beam:`` prefix names one of ``plancompare.repair.beam``, e.g.
``{"beam:BEAM": 120}``; ``{"genre": false}`` measures the lexicon without the genre model).
Every setting is measured on the train sets of ``bench_repair.py`` (never on the
held-out sets or the Chikan gold); one line per setting is printed: exact, marked
and wrong summed over the train sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_repair import run  # noqa: E402

from plancompare.repair import Lexicon, beam, lexicon, search  # noqa: E402
from plancompare.repair.sources import genre_model, jieba_dictionary  # noqa: E402


def apply(setting: dict) -> dict:
    """Set the constants of ``setting`` and return their previous values."""
    previous = {}
    for name, value in setting.items():
        module_name, _, constant = name.rpartition(":")
        module = {"search": search, "beam": beam}.get(module_name, lexicon)
        if "." in constant:
            table, key = constant.split(".")
            previous[name] = getattr(module, table)[key]
            getattr(module, table)[key] = value
        else:
            previous[name] = getattr(module, constant)
            setattr(module, constant, value)
    return previous


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("grid")
    parser.add_argument("--spots", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="processes measuring sets side by side")
    args = parser.parse_args()
    for setting in json.loads(args.grid):
        constants = {k: v for k, v in setting.items() if k != "genre"}
        previous = apply(constants)
        use_genre = setting.get("genre", True)
        lex = Lexicon(jieba_dictionary(None), (), genre_model() if use_genre else None)
        result = run(lex, "train", args.spots, args.seed, args.jobs)
        totals = {k: sum(r[k] for r in result["synthetic"].values()) for k in ("spots", "exact", "marked", "wrong")}
        false = sum(r["false_repairs_on_clean_lines"] for r in result["synthetic"].values())
        per_set = " ".join(f"{r['exact']}/{r['marked']}/{r['wrong']}" for r in result["synthetic"].values())
        print(json.dumps(setting), totals, "false", false, "| per set", per_set, flush=True)
        apply(previous)


if __name__ == "__main__":
    main()
