"""Scratch experiment of issue 11, round 4: candidate verdict features tried on the cached candidate lists.

``python benchmarks/match_verdict4.py --scratch DIR --configs JSON``

Builds (once, cached in ``DIR``) the candidate lists ``bench_match.py`` builds for the training gold
(topics.csv + match_pairs.csv), fresh v1 and fresh2 (both development sets now), computes extra columns
for the ``query`` and ``focus`` lists (the focus phrase is the topic's query) and cross-validates the
shipped regression with and without them: 5-fold GroupKFold by topic over all development topics,
thresholds from inner folds (``match_cv.out_of_fold``), figures pooled and on the fresh topics' folds.
Nothing here ships; results are written up in ``benchmarks/results/match_verdict4.md``.

Extra columns (per candidate, against the topic's query):
``min_seg_share``      the lowest per-segment bigram share (``term_share`` of the worst-covered segment);
``word_min``           per segment the IDF-weighted share of its jieba words found verbatim (best variant),
                       lowest segment; ``word_all`` 1 when every word of every segment is found;
``head_present``       the query's rarest word (highest IDF, any variant's) found verbatim;
``word_min_sentence``, ``head_sentence``: the same within the candidate's best sentence;
``term_share_margin``, ``sts_margin``: ``term_share`` / ``sentence_term_share`` minus the list median;
``sent_dense``         best centred cosine between the query embedding and one sentence of the candidate
                       (sentence embeddings, e5 passage prompt, centred on the sentence mean);
                       ``sent_dense_raw`` raw, ``sent_dense_z`` as a z-score over all sentences,
                       ``sent_dense_margin`` minus the list median.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

EXTRA = ("min_seg_share", "word_min", "head_present", "word_all", "sent_dense", "sent_dense_raw",
         "sent_dense_margin", "term_share_margin", "sts_margin", "sent_dense_z", "head_sentence",
         "word_min_sentence")


def index_and_cases(scratch: Path):
    """(hybrid index, {"train"|"fresh"|"fresh2": cases}, topics by set, query embeddings), cases cached."""
    from bench_match import evaluation_index
    from match_examples import build_cases
    from match_gold import FRESH, FRESH2, load_topics, row_of
    from plancompare.embed import embed_texts

    index = evaluation_index(scratch)
    cached = scratch / "verdict4_cases.pkl"
    if cached.exists():
        return (index, *pickle.loads(cached.read_bytes()))
    sets = {"train": load_topics(), "fresh": load_topics(None, FRESH), "fresh2": load_topics(None, FRESH2)}
    queries = sorted({t.query for ts in sets.values() for t in ts if t.query})
    qemb = dict(zip(queries, embed_texts(queries, prompt="query")))

    def embed(texts):
        return embed_texts(list(texts), prompt="query")

    cases = {name: build_cases(index, ts, qemb, row_of, embed=embed) for name, ts in sets.items()}
    cached.write_bytes(pickle.dumps((cases, sets, qemb)))
    return index, cases, sets, qemb


def sentence_embeddings(index, scratch: Path) -> dict:
    """Embeddings (e5 passage prompt) of every indexed sentence, as the featurizer splits them; cached.
    Records the seconds the embedding took (the index-time cost of a sentence-dense feature)."""
    from plancompare.embed import embed_texts

    path = scratch / "verdict4_sentences.npz"
    if not path.exists():
        t0 = time.perf_counter()
        vectors = embed_texts(index.featurizer_.sentence_texts_, prompt="passage")
        np.savez(path, vectors=vectors, seconds=time.perf_counter() - t0)
    saved = np.load(path)
    vectors = saved["vectors"].astype(np.float32)
    assert len(vectors) == len(index.featurizer_.sentence_texts_), "cached sentence embeddings of another corpus"
    mean = vectors.mean(axis=0)
    centred = vectors - mean
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    return {"raw": vectors, "mean": mean, "centred": centred, "seconds": float(saved["seconds"]),
            "n": len(vectors)}


def _segment_words(index, segments):
    """Per segment, per alternative spelling: [(jieba word, IDF)], an unknown word weighing the top IDF."""
    from plancompare.match.features import word_tokens

    f = index.featurizer_
    vocab, idf = f.word_vectorizer_.vocabulary_, f.word_idf_
    top = float(idf.max())
    return [[[(w, float(idf[vocab[w]]) if w in vocab else top) for w in (list(dict.fromkeys(word_tokens(a))) or [a])]
             for a in alternatives] for alternatives in segments]


def _word_columns(index, segments, rows) -> dict:
    """``word_min``, ``word_all``, ``word_min_sentence``, ``head_present``, ``head_sentence`` for ``rows``."""
    f = index.featurizer_
    texts = [f.texts_[r] for r in rows]
    sentences = [f.sentence_texts_[f.sentence_start_[r]:f.sentence_start_[r + 1]] for r in rows]
    n = len(rows)
    cover, every, cover_s, heads = [], [], [], []
    for alternatives in _segment_words(index, segments):
        cov, allp, covs, hp, hps, head_idf = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), 0.0
        for words in alternatives:
            total = max(sum(w for _, w in words), 1e-9)
            head = max(words, key=lambda x: x[1])
            head_idf = max(head_idf, head[1])
            for i, text in enumerate(texts):
                c = sum(w for word, w in words if word in text) / total
                cov[i], allp[i] = max(cov[i], c), max(allp[i], float(c >= 0.999))
                hp[i] = max(hp[i], float(head[0] in text))
                for s in sentences[i]:
                    covs[i] = max(covs[i], sum(w for word, w in words if word in s) / total)
                    hps[i] = max(hps[i], float(head[0] in s))
        cover.append(cov), every.append(allp), cover_s.append(covs), heads.append((head_idf, hp, hps))
    rarest = max(heads, key=lambda h: h[0])
    return {"word_min": np.min(cover, axis=0), "word_all": np.min(every, axis=0),
            "word_min_sentence": np.min(cover_s, axis=0), "head_present": rarest[1], "head_sentence": rarest[2]}


def _sentence_dense_columns(index, vector, rows, sentences) -> dict:
    f = index.featurizer_
    q = np.asarray(vector, np.float32)
    q = q / np.linalg.norm(q)
    qc = q - sentences["mean"]
    qc /= np.linalg.norm(qc)
    raw, centred = np.zeros(len(rows)), np.zeros(len(rows))
    for i, r in enumerate(rows):
        a, b = f.sentence_start_[r], f.sentence_start_[r + 1]
        raw[i] = float((sentences["raw"][a:b] @ q).max())
        centred[i] = float((sentences["centred"][a:b] @ qc).max())
    every = sentences["centred"] @ qc
    return {"sent_dense": centred, "sent_dense_raw": raw, "sent_dense_z": (centred - every.mean()) / every.std(),
            "sent_dense_margin": centred - np.median(centred)}


def extra_columns(index, query: str, vector, case, sentences) -> np.ndarray:
    """The :data:`EXTRA` columns of one query or focus list (the focus phrase = the topic's query)."""
    from plancompare.match.features import FEATURE_NAMES

    f = index.featurizer_
    text, segments, _ = index.query_terms(query)
    segments = segments or [[text]]
    rows, out = case.rows, {}
    grams = f.query_grams(segments)
    if grams.segments and len(grams.columns):
        present = (f.char_matrix_[rows][:, grams.columns] > 0).astype(np.float32).toarray()
        out["min_seg_share"] = np.min([np.max([present @ w / max(float(w.sum() + m), 1e-9) for w, m in zip(alts, miss)],
                                              axis=0) for alts, miss in zip(grams.segments, grams.missing)], axis=0)
    out.update(_word_columns(index, segments, rows))
    if vector is not None and sentences is not None:
        out.update(_sentence_dense_columns(index, vector, rows, sentences))
    prefix = "focus_" if case.kind == "focus" else ""
    share = case.features[:, FEATURE_NAMES.index(prefix + "term_share")]
    best = case.features[:, FEATURE_NAMES.index(prefix + ("sentence_share" if prefix else "sentence_term_share"))]
    out["term_share_margin"], out["sts_margin"] = share - np.median(share), best - np.median(best)
    return np.column_stack([out.get(name, np.zeros(len(rows))) for name in EXTRA]).astype(np.float32)


def augment(index, cases: dict, sets: dict, qemb: dict, sentences) -> None:
    """Append the :data:`EXTRA` columns to every case's features (zeros for whole-passage lists)."""
    from plancompare.match.features import FEATURE_NAMES

    query_of = {t.topic: t.query for ts in sets.values() for t in ts}
    for group in cases.values():
        for c in group:
            if c.features.shape[1] != len(FEATURE_NAMES):
                continue
            q = query_of[c.topic]
            extra = (extra_columns(index, q, qemb.get(q), c, sentences) if c.kind in ("query", "focus") and q
                     else np.zeros((len(c.rows), len(EXTRA)), np.float32))
            c.features = np.hstack([c.features, extra])


def run(cases: dict, label: str, kind: str, added, removed) -> dict:
    """Topic-wise CV of ``kind`` with the shipped features + ``added`` - ``removed``; printed and returned."""
    import match_examples
    import plancompare.match.verdict as verdict
    from match_cv import evaluate, out_of_fold
    from plancompare.match.features import FEATURE_NAMES

    verdict.FEATURE_NAMES = tuple(FEATURE_NAMES) + EXTRA  # the extra columns, for this process only
    shipped = match_examples.HYBRID_FEATURES[kind]
    match_examples.HYBRID_FEATURES[kind] = tuple(f for f in shipped if f not in removed) + tuple(added)
    try:
        every = cases["train"] + cases["fresh"] + cases["fresh2"]
        p, t = out_of_fold(every, kind, True)
        fresh = {c.topic for c in cases["fresh"] + cases["fresh2"]}
        result = {"pooled": evaluate(every, kind, p, t),
                  "fresh_folds": evaluate([c for c in every if c.topic in fresh], kind, p, t)}
    finally:
        match_examples.HYBRID_FEATURES[kind] = shipped
    for name, m in result.items():
        r = m["recall"]["learned"]
        print(f"| {label} | {kind} | {name} | {r['@1']:.3f} | {r['@3']:.3f} | {m['verdict_auc']:.3f} | "
              f"{m['true_matches_kept']} | {m['none_cases_called_none']} |", flush=True)
    return result


def paired(cases: dict, kind: str, added, n_boot: int = 2000, seed: int = 0) -> dict:
    """Shipped features vs shipped + ``added`` on the same folds: per-list outcomes (none-list called
    ``none``; match list kept; recall@1), and a bootstrap over topics (``n_boot`` resamples) of the
    difference in each rate: its mean and 95% interval."""
    import match_examples
    import plancompare.match.verdict as verdict
    from match_cv import out_of_fold
    from plancompare.match.features import FEATURE_NAMES

    verdict.FEATURE_NAMES = tuple(FEATURE_NAMES) + EXTRA
    every = [c for c in cases["train"] + cases["fresh"] + cases["fresh2"] if c.kind == kind]
    shipped, outcome = match_examples.HYBRID_FEATURES[kind], {}
    for name, feats in (("base", shipped), ("added", shipped + tuple(added))):
        match_examples.HYBRID_FEATURES[kind] = feats
        p, t = out_of_fold(every, kind, True)
        outcome[name] = [(c.topic, c.has_match, (p[id(c)][c.labels == 1].max() if c.has_match else p[id(c)].max())
                          >= t[id(c)]["related"], bool(c.labels[int(np.argmax(p[id(c)]))])) for c in every]
    match_examples.HYBRID_FEATURES[kind] = shipped
    topics = sorted({c.topic for c in every})
    rng = np.random.default_rng(seed)

    def rates(pick):
        out = {}
        for name, rows in outcome.items():
            chosen = [r for i in pick for r in by_topic[name][topics[i]]]
            none = [not kept for _, has, kept, _ in chosen if not has]
            kept = [k for _, has, k, _ in chosen if has]
            top1 = [hit for _, has, _, hit in chosen if has]
            out[name] = np.array([np.mean(none or [0]), np.mean(kept or [0]), np.mean(top1 or [0])])
        return out["added"] - out["base"]

    by_topic = {name: {t: [r for r in rows if r[0] == t] for t in topics} for name, rows in outcome.items()}
    point = rates(range(len(topics)))
    boot = np.array([rates(rng.integers(0, len(topics), len(topics))) for _ in range(n_boot)])
    low, high = np.percentile(boot, [2.5, 97.5], axis=0)
    result = {m: (round(float(point[i]), 3), round(float(low[i]), 3), round(float(high[i]), 3))
              for i, m in enumerate(("none_called_none", "kept", "recall@1"))}
    print(f"paired {kind} +{added}: difference (point, 95% bootstrap interval over topics): {result}", flush=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--configs", required=True,
                        help='JSON list of [label, kind, [added columns], [removed shipped features]]; '
                             'label "paired": shipped vs shipped + added, with a bootstrap over topics')
    parser.add_argument("--no-sentences", action="store_true", help="skip the sentence embeddings")
    args = parser.parse_args(argv)
    index, cases, sets, qemb = index_and_cases(args.scratch)
    sentences = None if args.no_sentences else sentence_embeddings(index, args.scratch)
    if sentences is not None:
        print(f"sentence embeddings: {sentences['n']} sentences in {sentences['seconds']:.1f} s", flush=True)
    augment(index, cases, sets, qemb, sentences)
    for label, kind, added, removed in json.loads(args.configs):
        if label == "paired":
            paired(cases, kind, added)
        else:
            run(cases, label, kind, added, removed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
