"""Benchmark (and retrain) the match stage's verdicts: ``python benchmarks/bench_match.py [--train]``.

Evaluation corpus: the five bundled plans, the four work reports of ../shared/generality and the
national reports of 2016-2018 from ../shared/reference (built once into ``--scratch``, see
tests/match_gold.py; ``PLANCOMPARE_SHARED`` names the shared folder when it is not ``../shared``).
Gold: tests/gold/topics.csv + tests/gold/match_pairs.csv (topics).

Measured, all held out by topic (GroupKFold, 5 folds; thresholds chosen on the training topics):
* ``compare`` (kind ``pair``; ``focus``: compare focused on one goal, also scored as ``focus_sentence`` by
  the model without the focus-phrase features, for a before/after in one run) and ``search`` (kind
  ``query``) recall@1/@3 of the learned ranking and of
  the fused dense + lexical baseline, over each district's candidate list;
* verdict ROC AUC: each district's true match against the best candidate of a district with nothing
  comparable; the same AUC for the raw dense cosine (the score users saw before verdicts);
* share of true matches kept (verdict above ``none``) and of nothing-comparable districts called
  ``none``; precision/recall of ``comparable`` per district pair;
* search latency on the bundled corpus, warm, query embedding included (median, p95), with the
  fused-only ranking measured in the same run as the baseline.

``--train`` also fits the shipped model on every topic and writes src/plancompare/data/verdict_model.json.
Results: benchmarks/results/match.json and match.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from match_cv import baseline_auc, evaluate, final_test, out_of_fold, split_final_test  # noqa: E402
from match_examples import (LEXICAL_FEATURES, build_cases, choose_thresholds, dense_only_cases,  # noqa: E402
                            fit_kind, focus_sentence_cases)
from match_gold import FRESH, build_evaluation_corpus, load_other_goal_audit, load_topics, row_of  # noqa: E402

MODEL_FILE = REPO / "src" / "plancompare" / "data" / "verdict_model.json"
KINDS = ("query", "pair", "focus", "query_dense")
EVALUATED = KINDS + ("focus_sentence",)
KIND_LABELS = {"query": "search", "pair": "compare (whole passage)", "focus": "compare, focused on the goal",
               "query_dense": "search, dense evidence only",
               "focus_sentence": "compare, focused, before (focus sentence only, no focus-phrase features)",
               "pair_any_goal": "compare (whole passage), none = no goal of the passage matched (audit)"}


def _index(passages, embeddings, model_path: Path | None, **params):
    from plancompare.match import PassageIndex

    return PassageIndex(verdict_model_path=None if model_path is None else str(model_path), **params).fit(
        passages, embeddings)


def _bootstrap_model(path: Path) -> Path:
    """An untrained model file so that an index can be fitted before the first training."""
    from plancompare.match.features import FEATURE_NAMES
    from plancompare.match.verdict import LinearVerdict, VerdictModel

    n = len(FEATURE_NAMES)
    flat = LinearVerdict(FEATURE_NAMES, np.zeros(n), np.ones(n), np.zeros(n), 0.0, -1.0, 0.0)
    model = VerdictModel({f"{k}/{h}": flat for k in KINDS for h in ("hybrid", "lexical")},
                         {k: {"comparable": 0.5, "related": 0.5} for k in KINDS}, "bootstrap")
    path.write_text(model.to_json(), encoding="utf-8")
    return path


def cross_validate(cases, hybrid: bool, final: list | None = None) -> dict:
    """Held-out figures per kind: topic-wise CV over ``cases``; with ``final`` (the final-test cases),
    the model fitted on ``cases`` (the development topics) scored on ``final`` instead."""
    out = {}
    for kind in EVALUATED:
        if not hybrid and kind not in LEXICAL_FEATURES:
            continue
        p_of, thresholds_of = (out_of_fold(cases, kind, hybrid) if final is None
                               else final_test(cases, final, kind, hybrid))
        scored = cases if final is None else final
        out[kind] = evaluate(scored, kind, p_of, thresholds_of)
        out[kind]["raw_dense_cosine_auc"] = baseline_auc(scored, kind) if hybrid else None
        if kind == "pair":
            # the same held-out probabilities, with "nothing comparable" read for the whole passage: a
            # district whose best candidate states ANOTHER goal of the source passage is not empty
            other_goal = load_other_goal_audit()
            kept = [c for c in scored if c.has_match or (c.topic, c.district) not in other_goal]
            out["pair_any_goal"] = evaluate(kept, kind, p_of, thresholds_of)
            out["pair_any_goal"]["raw_dense_cosine_auc"] = baseline_auc(kept, kind) if hybrid else None
    return out


def held_out_figures(cases_h, cases_l, final_test: bool) -> dict:
    """``held_out``: topic-wise CV (over the development topics only with ``final_test``); with
    ``final_test`` also ``final_test``: the final-test topics scored by a model fitted on the others."""
    if not final_test:
        return {"held_out": {"hybrid": cross_validate(cases_h, True), "lexical_only": cross_validate(cases_l, False)}}
    (dev_h, fin_h), (dev_l, fin_l) = split_final_test(cases_h), split_final_test(cases_l)
    return {"split": {"development_topics": len({c.topic for c in dev_h}), "final_test_topics": sorted(
                {c.topic for c in fin_h})},
            "held_out": {"hybrid": cross_validate(dev_h, True), "lexical_only": cross_validate(dev_l, False)},
            "final_test": {"hybrid": cross_validate(dev_h, True, fin_h),
                           "lexical_only": cross_validate(dev_l, False, fin_l)}}


def train(cases_hybrid, cases_lexical) -> "VerdictModel":  # noqa: F821
    from plancompare.match.verdict import VerdictModel

    variants, thresholds = {}, {}
    for kind in KINDS:
        for name, cases in (("hybrid", cases_hybrid), ("lexical", cases_lexical)):
            if name == "hybrid" or kind in LEXICAL_FEATURES:
                variants[f"{kind}/{name}"] = fit_kind(cases, kind, name == "hybrid")
        p_of, _ = out_of_fold(cases_hybrid, kind, True)
        thresholds[kind] = choose_thresholds([c for c in cases_hybrid if c.kind == kind], p_of)
    provenance = (f"benchmarks/bench_match.py --train, {time.strftime('%Y-%m-%d')}: logistic regression + sigmoid "
                  "calibration (CalibratedClassifierCV, GroupKFold by topic) on tests/gold/topics.csv and "
                  "tests/gold/match_pairs.csv over the bundled plans, ../shared/generality and national reports "
                  "2016-2018; thresholds from out-of-fold probabilities")
    return VerdictModel(variants, thresholds, provenance)


def evaluation_index(scratch: Path, model_path: Path | None = None):
    """The hybrid index over the evaluation corpus's body passages (the corpus built once into ``scratch``),
    scored by the verdict model at ``model_path`` (None: the shipped one); the experiment scripts' common start."""
    corpus = build_evaluation_corpus(scratch)
    mask = (corpus.passages["role"] == "body").to_numpy()
    return _index(corpus.passages[mask].reset_index(drop=True), corpus.embeddings[mask], model_path)


def latency(corpus, queries: list[str]) -> dict:
    """Warm search latency on the bundled plans only (what users search), query embedding included."""
    from plancompare.embed import embed_texts

    mask = (corpus.passages["role"] == "body").to_numpy() & corpus.passages["doc_id"].isin(
        corpus.documents.loc[corpus.documents["district"].isin(["Huli", "Cangshan", "Chikan"]), "doc_id"]).to_numpy()
    index = _index(corpus.passages[mask], corpus.embeddings[mask], None)
    for q in queries[:5]:
        index.search(q, embed_texts([q], prompt="query")[0], k=5)
    full, fused_only = [], []
    for q in queries[:: max(1, len(queries) // 30)]:  # every query would take minutes on a loaded machine
        t0 = time.perf_counter()
        vec = embed_texts([q], prompt="query", use_cache=False)[0]
        t1 = time.perf_counter()
        index.search(q, vec, k=5)
        t2 = time.perf_counter()
        index._fuse(index.dense_scores(vec), index.lexical_scores(q))
        t3 = time.perf_counter()
        full.append((t2 - t0) * 1000)
        fused_only.append((t1 - t0 + t3 - t2) * 1000)
    med = statistics.median
    return {"n": len(full), "n_passages": int(mask.sum()), "median_ms": round(med(full), 2),
            "p95_ms": round(float(np.percentile(full, 95)), 2), "fused_only_median_ms": round(med(fused_only), 2),
            "ratio_to_fused_only": round(med(full) / med(fused_only), 2)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", default="/tmp/plancompare-bench-match", help="evaluation corpus cache")
    parser.add_argument("--train", action="store_true", help="refit and write the shipped verdict model")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    parser.add_argument("--final-test", action="store_true",
                        help="set aside the final-test topics (match_cv.is_final_test_topic): cross-validate on "
                             "the other topics, then score the final test with a model fitted on them")
    parser.add_argument("--fresh", action="store_true",
                        help="score the fresh held-out topics (tests/gold/match_pairs_fresh.csv) once with the "
                             "model and thresholds fitted on every other topic; writes match_fresh*.json/md")
    parser.add_argument("--fresh-gold", type=Path, default=FRESH, metavar="CSV",
                        help="the held-out pairs --fresh scores (default tests/gold/match_pairs_fresh.csv; "
                             "tests/gold/match_pairs_fresh2.csv and match_pairs_fresh3.csv are the second and third blind sets)")
    parser.add_argument("--tag", default="blind", help="suffix of the --fresh result files")
    parser.add_argument("--latency-only", action="store_true",
                        help="only re-measure search latency (writes match_latency.json)")
    args = parser.parse_args(argv)
    from plancompare.embed import embed_texts

    scratch = Path(args.scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    corpus = build_evaluation_corpus(scratch)
    if args.latency_only:
        measured = {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "search_latency": latency(
            corpus, sorted({t.query for t in load_topics() if t.query}))}
        Path(args.out, "match_latency.json").write_text(json.dumps(measured, indent=1), encoding="utf-8")
        print(json.dumps(measured))
        return 0
    mask = (corpus.passages["role"] == "body").to_numpy()
    passages, embeddings = corpus.passages[mask].reset_index(drop=True), corpus.embeddings[mask]
    model_path = _bootstrap_model(scratch / "bootstrap.json") if args.train or not MODEL_FILE.exists() else None
    topics = load_topics()
    fresh_topics = load_topics(None, args.fresh_gold) if args.fresh else []
    queries = sorted({t.query for t in topics + fresh_topics if t.query})
    qemb = dict(zip(queries, embed_texts(queries, prompt="query")))
    t0 = time.perf_counter()
    hybrid = _index(passages, embeddings, model_path)
    lexical = _index(passages, None, model_path)
    def embed(texts):
        return embed_texts(list(texts), prompt="query")

    cases_h = build_cases(hybrid, topics, qemb, row_of, embed=embed)
    cases_h += dense_only_cases(cases_h) + focus_sentence_cases(cases_h)
    cases_l = build_cases(lexical, topics, {}, row_of)
    cases_l += focus_sentence_cases(cases_l)
    build_seconds = time.perf_counter() - t0
    if args.fresh:
        return fresh_test(hybrid, lexical, cases_h, cases_l, fresh_topics, qemb, embed, Path(args.out), args.tag,
                          args.fresh_gold)
    if args.train:
        MODEL_FILE.write_text(train(cases_h, cases_l).to_json() + "\n", encoding="utf-8")
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "python": platform.python_version(),
        "n_passages": int(len(passages)), "documents": corpus.documents["doc_id"].tolist(),
        "n_topics": len(topics), "n_cases": len(cases_h), "cases_seconds": round(build_seconds, 1),
        **held_out_figures(cases_h, cases_l, args.final_test),
        "search_latency": latency(corpus, queries),
        "targets": {"compare_recall@3": 0.92, "verdict_auc": 0.90, "true_matches_kept": 0.90,
                    "none_cases_called_none": 0.80, "search_median_ms": 50},
    }
    if MODEL_FILE.exists():
        result["shipped_thresholds"] = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["thresholds"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "match.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "match.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


def fresh_test(hybrid, lexical, cases_h, cases_l, fresh_topics, qemb, embed, out: Path, tag: str,
               gold: Path = FRESH) -> int:
    """Score the fresh held-out topics with the model and thresholds fitted on all other gold topics
    (the shipping procedure), once; write ``match_fresh_<tag>.json/md``."""
    fresh_h = build_cases(hybrid, fresh_topics, qemb, row_of, embed=embed)
    fresh_h += dense_only_cases(fresh_h) + focus_sentence_cases(fresh_h)
    fresh_l = build_cases(lexical, fresh_topics, {}, row_of)
    fresh_l += focus_sentence_cases(fresh_l)
    result = {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "tag": tag, "gold": gold.name,
              "n_fresh_topics": len(fresh_topics),
              "fresh_topics": sorted(t.topic for t in fresh_topics),
              "fresh": {"hybrid": cross_validate(cases_h, True, fresh_h),
                        "lexical_only": cross_validate(cases_l, False, fresh_l)}}
    (out / f"match_fresh_{tag}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = [f"# Fresh held-out match gold ({tag})", "", f"{result['when']} · {len(fresh_topics)} fresh topics "
             f"(tests/gold/{gold.name}), scored by the model and thresholds fitted on every other gold topic",
             "", f"Command: `python benchmarks/bench_match.py --fresh --fresh-gold tests/gold/{gold.name} --tag {tag}`", ""]
    lines += _figures_table(result["fresh"])
    (out / f"match_fresh_{tag}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


def markdown(r: dict) -> str:
    split = r.get("split")
    scope = ("" if split is None else f" over the {split['development_topics']} development topics; the "
             f"{len(split['final_test_topics'])} final-test topics (`match_cv.is_final_test_topic`) are in the "
             "second table")
    lines = ["# plancompare.match benchmark (held-out by topic)", "",
             f"{r['when']} · Python {r['python']} · {r['n_passages']} body passages in {len(r['documents'])} documents"
             f" · {r['n_topics']} gold topics, {r['n_cases']} candidate lists",
             "", f"Command: `python benchmarks/bench_match.py{' --final-test' if split else ''}` (5-fold GroupKFold "
             f"by topic{scope}; thresholds chosen on the training topics of each fold).", ""]
    lines += _figures_table(r["held_out"])
    if split is not None:
        lines += ["", "Final test: topics " + ", ".join(split["final_test_topics"]) + ", scored by the model "
                  "and thresholds fitted on the development topics only (looked at once, after every choice):", ""]
        lines += _figures_table(r["final_test"])
    lines += ["", "Precision / recall of `comparable` (top 3 per list) by district pair, hybrid index:", "",
              "| kind | district pair | tp | fp | fn | precision | recall |", "|---|---|---|---|---|---|---|"]
    for kind, m in r["held_out"]["hybrid"].items():
        for pair, v in m["comparable_by_district_pair"].items():
            lines.append(f"| {kind} | {pair} | {v['tp']} | {v['fp']} | {v['fn']} | {v['precision']} | {v['recall']} |")
    s = r["search_latency"]
    lines += ["", f"Search latency (bundled plans, {s['n_passages']} passages, warm, query embedding included, "
                  f"n={s['n']}): median {s['median_ms']} ms, p95 {s['p95_ms']} ms; the fused-only ranking in the "
                  f"same run: median {s['fused_only_median_ms']} ms (ratio {s['ratio_to_fused_only']}).", ""]
    if "shipped_thresholds" in r:
        lines += [f"Shipped thresholds: {json.dumps(r['shipped_thresholds'])}", ""]
    return "\n".join(lines)


def _figures_table(held_out: dict) -> list[str]:
    lines = ["| index | kind | lists (match / none) | recall@1 learned | recall@3 learned | recall@1 fused | "
             "recall@3 fused | verdict AUC | raw-cosine AUC | true matches kept | none called none |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, by_kind in held_out.items():
        for kind, m in by_kind.items():
            rl, rf = m["recall"]["learned"], m["recall"]["fused"]
            lines.append(f"| {name} | {KIND_LABELS[kind]} | {m['n_with_match']} / "
                         f"{m['n_nothing_comparable']} | {rl['@1']:.3f} | {rl['@3']:.3f} | {rf['@1']:.3f} | "
                         f"{rf['@3']:.3f} | {m['verdict_auc']:.3f} | {m['raw_dense_cosine_auc'] or '–'} | "
                         f"{m['true_matches_kept']} | {m['none_cases_called_none']} |")
    return lines


if __name__ == "__main__":
    sys.exit(main())
