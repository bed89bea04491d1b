"""Index-time cost of sentence embeddings: every 8th body passage of the evaluation corpus embedded (no cache)
and then its sentences, as match_verdict4.py splits them.

Run from the repo root: ``PYTHONPATH=src:tests python benchmarks/match_verdict4_cost.py --scratch DIR`` (DIR: the
evaluation-corpus scratch folder match_verdict4.py / bench_match.py built). Prints one line; writes nothing."""
import argparse
import time
from pathlib import Path

from match_gold import build_evaluation_corpus

from plancompare.embed import embed_texts
from plancompare.text.sentences import split_sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/plancompare-bench-match"))
    corpus = build_evaluation_corpus(parser.parse_args().scratch)
    body = corpus.passages[(corpus.passages["role"] == "body").to_numpy()]
    texts = body["text"].fillna("").astype(str).tolist()[::8]
    sentences = [s for t in texts for s in ([x for x in split_sentences(t) if x.strip()] or [t])]
    embed_texts(texts[:4], prompt="passage", use_cache=False)  # the model loaded before the clock starts
    start = time.perf_counter()
    embed_texts(texts, prompt="passage", use_cache=False)
    passages_s = time.perf_counter() - start
    start = time.perf_counter()
    embed_texts(sentences, prompt="passage", use_cache=False)
    sentences_s = time.perf_counter() - start
    print(f"passages {len(texts)} {passages_s:.1f}s; their sentences {len(sentences)} {sentences_s:.1f}s; "
          f"ratio {sentences_s / passages_s:.2f}")


if __name__ == "__main__":
    main()
