"""Propose variant-term candidates for review: ``python benchmarks/mine_variants.py [--scratch DIR]``.

Sources: the evaluation corpus (bundled plans + ../shared/generality + three reference years, see
tests/match_gold.py) and every national report from 2000 on in ../shared/reference/.
Seeds: the terms of src/plancompare/data/variant_terms.csv and the Chinese renderings of the social-
services part of the English glossary. A candidate is a Han string of 3-6 characters that
(a) occurs at least ``--min-count`` times in the sources, (b) shares a two-character prefix or suffix
with a seed (the same slot: 长者[食堂] / 长者[饭堂], [养老]床位 / [护理型]床位), and (c) whose e5 embedding
(query prompt) is close to the seed's. Candidates that co-occur with the same number-with-unit token as
the seed somewhere in the sources are flagged (``same_number``).

Output: benchmarks/results/variant_candidates.csv (seed, candidate, cosine, count, same_number, an
example). A person reviews it; accepted pairs go into variant_terms.csv with their provenance.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from match_gold import SHARED, build_evaluation_corpus  # noqa: E402

HAN_RUN = re.compile(r"[\u4e00-\u9fff]{3,}")
SEED_GROUPS = ("养老", "长者", "老年", "助餐", "床位", "托育", "托位", "照料", "一窗", "通办", "受理", "食堂")


def source_texts(scratch: Path) -> list[str]:
    corpus = build_evaluation_corpus(scratch)
    texts = [corpus.clean_text(d) for d in corpus.documents["doc_id"]]
    with open(SHARED / "reference" / "national_work_reports_1954_2018.jsonl", encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line in fh if json.loads(line)["year"] >= 2000]
    return texts


def seeds() -> list[str]:
    variants = pd.read_csv(REPO / "src" / "plancompare" / "data" / "variant_terms.csv")
    out = list(variants["term"])
    import tomllib

    glossary = tomllib.loads((REPO / "src/plancompare/data/policy_terms_en_zh.toml").read_text(encoding="utf-8"))
    for zh in glossary["terms"].values():
        out += [t for t in ([zh] if isinstance(zh, str) else zh) if any(s in t for s in SEED_GROUPS)]
    return sorted(set(t for t in out if len(t) >= 3))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", default="/tmp/plancompare-bench-match")
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--min-cosine", type=float, default=0.88)
    parser.add_argument("--per-seed", type=int, default=40, help="most frequent candidates embedded per seed")
    args = parser.parse_args(argv)
    from plancompare.embed import embed_texts

    texts = source_texts(Path(args.scratch))
    seed_terms = seeds()
    heads, tails = {t[:2] for t in seed_terms}, {t[-2:] for t in seed_terms}
    counts: Counter = Counter()
    for text in texts:
        for run in HAN_RUN.findall(text):
            for n in range(3, 7):
                counts.update(g for i in range(len(run) - n + 1)
                              if (g := run[i:i + n])[:2] in heads or g[-2:] in tails)
    records = []
    for seed in seed_terms:
        cands = [t for t, c in counts.items() if c >= args.min_count and t != seed and seed not in t
                 and t not in seed and (t[:2] == seed[:2] or t[-2:] == seed[-2:])]
        cands = sorted(cands, key=lambda t: (-counts[t], t))[: args.per_seed]
        if not cands:
            continue
        vectors = embed_texts([seed] + cands, prompt="query", show_progress=False)
        cos = vectors[1:] @ vectors[0]
        seed_numbers = _numbers_near(texts, seed)
        for t, c in sorted(zip(cands, cos), key=lambda x: -x[1])[:8]:
            if c < args.min_cosine:
                break
            example = next((m.group(0) for text in texts for m in [re.search(rf".{{0,15}}{t}.{{0,15}}", text)] if m), "")
            records.append({"seed": seed, "candidate": t, "cosine": round(float(c), 3), "count": counts[t],
                            "same_number": bool(seed_numbers & _numbers_near(texts, t)), "example": example})
    out = REPO / "benchmarks" / "results" / "variant_candidates.csv"
    pd.DataFrame(records).to_csv(out, index=False)
    print(pd.DataFrame(records).to_string())
    return 0


def _numbers_near(texts: list[str], term: str, window: int = 20) -> set[str]:
    found = set()
    for text in texts:
        for m in re.finditer(re.escape(term), text):
            found |= set(re.findall(r"\d+(?:\.\d+)?[%万个张家所]", text[max(0, m.start() - window):m.end() + window]))
    return found


if __name__ == "__main__":
    sys.exit(main())
