"""Per-list dump of the fourth blind match gold (fresh4) for its failure analysis (issue 11).

``python benchmarks/match_fresh4_failures.py --scratch DIR --out FILE.jsonl``

Rebuilds exactly what ``bench_match.py --fresh --fresh-gold tests/gold/match_pairs_fresh4.csv`` scores (hybrid
index, search and focused compare): the model and thresholds fitted on the training gold (``match_cv.final_test``)
and, for every (topic, district, kind) list, one JSON line with the verdict probability of the best true match (or
of the best candidate of a nothing-comparable list), the thresholds, the true match's rank in the learned and fused
orders, whether it was in the fused top-30 candidate list at all, and the texts of the best candidates with their
gold labels (comparable / related / none / unjudged). Read by hand; writes no figures into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

FRESH4 = REPO / "tests" / "gold" / "match_pairs_fresh4.csv"
KINDS = ("query", "focus")


def _labels_by_row(passages, gold_csv: Path) -> dict:
    """(topic, row) -> gold label of every judged fresh4 pair."""
    import pandas as pd
    from match_gold import _locator, row_of

    out = {}
    for r in pd.read_csv(gold_csv, dtype=str, keep_default_na=False).itertuples():
        row = row_of(passages, _locator(r.target))
        if row is not None:
            out[(r.topic, row)] = r.label
    return out


def _record(c, p, t, passages, judged, n_candidates: int) -> dict:
    """One JSON-able line for case ``c`` (probabilities ``p``, thresholds ``t``)."""
    learned = np.lexsort((-c.fused, -p))
    fused = np.argsort(-c.fused, kind="stable")
    pos = np.flatnonzero(c.labels == 1)
    rec = {"topic": c.topic, "district": c.district, "kind": c.kind, "has_match": c.has_match,
           "thr_related": t["related"], "thr_comparable": t["comparable"]}
    if c.has_match:
        best = pos[np.argmax(p[pos])]
        rec.update(best_p=float(p[best]), kept=bool(p[best] >= t["related"]),
                   learned_rank=int(np.flatnonzero(np.isin(learned, pos))[0]) + 1,
                   fused_rank=int(np.flatnonzero(np.isin(fused, pos))[0]) + 1,
                   in_candidates=bool((pos < n_candidates).any()), n_targets=int(len(pos)),
                   best_text=passages.at[int(c.rows[best]), "text"][:300],
                   best_len=int(len(passages.at[int(c.rows[best]), "text"])),
                   best_doc=passages.at[int(c.rows[best]), "doc_id"])
    else:
        rec.update(best_p=float(p.max()), called_none=bool(p.max() < t["related"]))
    rec["top"] = [{"p": round(float(p[i]), 3), "label": judged.get((c.topic, int(c.rows[i])), "unjudged"),
                   "doc": passages.at[int(c.rows[i]), "doc_id"], "text": passages.at[int(c.rows[i]), "text"][:200]}
                  for i in learned[:3]]
    return rec


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--gold", type=Path, default=FRESH4)
    args = parser.parse_args(argv)
    from bench_match import _index
    from match_cv import final_test
    from match_examples import build_cases
    from match_gold import build_evaluation_corpus, load_topics, row_of
    from plancompare.embed import embed_texts

    corpus = build_evaluation_corpus(Path(args.scratch))
    mask = (corpus.passages["role"] == "body").to_numpy()
    passages, embeddings = corpus.passages[mask].reset_index(drop=True), corpus.embeddings[mask]
    topics, fresh = load_topics(), load_topics(None, args.gold)
    queries = sorted({t.query for t in topics + fresh if t.query})
    qemb = dict(zip(queries, embed_texts(queries, prompt="query")))
    hybrid = _index(passages, embeddings, None)

    def embed(texts):
        return embed_texts(list(texts), prompt="query")

    dev = build_cases(hybrid, topics, qemb, row_of, embed=embed)
    held = build_cases(hybrid, fresh, qemb, row_of, embed=embed)
    judged = _labels_by_row(passages, args.gold)
    with open(args.out, "w", encoding="utf-8") as fh:
        for kind in KINDS:
            p_of, t_of = final_test(dev, held, kind, True)
            for c in (c for c in held if c.kind == kind):
                rec = _record(c, p_of[id(c)], t_of[id(c)], passages, judged, 30)
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
