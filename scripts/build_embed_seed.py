"""Write the vectors the package ships for texts every first build embeds.

Usage:  python scripts/build_embed_seed.py

Today that is the theme descriptions of the bundled taxonomy (``themes.theme_query_texts``),
embedded with the default model as queries, exactly as ``pipeline.stages.assign_themes`` embeds
them. They go to ``src/plancompare/data/embed_seed/<namespace>.parquet``, the namespace naming the
model's weights and converter version, the prompt and the token layout; the embedding cache reads
them when its own folder lacks a text, so a changed taxonomy or another model just misses them.
``tests/test_embed.py`` checks that the shipped file matches the taxonomy and the model.
"""

from __future__ import annotations

from plancompare.embed import DEFAULT_WINDOW_OVERLAP, _model_identity, embed_texts
from plancompare.embed_cache import SEED_DIR, write_seed
from plancompare.themes import load_taxonomy, theme_query_texts


def main() -> None:
    texts = theme_query_texts(load_taxonomy())
    vectors = embed_texts(texts, prompt="query", use_cache=False)
    *_, namespace = _model_identity(None, None, "query", DEFAULT_WINDOW_OVERLAP, "torch")
    for old in SEED_DIR.glob("*.parquet"):
        old.unlink()
    print(write_seed(namespace, texts, vectors), f"{len(texts)} vectors")


if __name__ == "__main__":
    main()
