"""Index-time cost of sentence embeddings: every 8th body passage of the evaluation corpus embedded (no cache)
and then its sentences, as match_verdict4.py splits them. Run from the repo root with PYTHONPATH=src:tests,
after match_verdict4.py has built the corpus into /tmp/v4scratch (edit the path for another scratch)."""
import time, numpy as np
from pathlib import Path
from match_gold import build_evaluation_corpus
from plancompare.text.sentences import split_sentences
from plancompare.embed import embed_texts
c = build_evaluation_corpus(Path('/tmp/v4scratch'))
p = c.passages[(c.passages["role"] == "body").to_numpy()].reset_index(drop=True)
texts = p["text"].fillna("").astype(str).tolist()[::8]
sents = [s for t in texts for s in ([x for x in split_sentences(t) if x.strip()] or [t])]
embed_texts(texts[:4], prompt="passage", use_cache=False)
t0 = time.perf_counter(); embed_texts(texts, prompt="passage", use_cache=False); a = time.perf_counter() - t0
t0 = time.perf_counter(); embed_texts(sents, prompt="passage", use_cache=False); b = time.perf_counter() - t0
print(f"passages {len(texts)} {a:.1f}s; their sentences {len(sents)} {b:.1f}s; ratio {b/a:.2f}")
