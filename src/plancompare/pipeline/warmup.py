"""Warm-up of the per-document stages, run once by the process pool's fork server.

:func:`plancompare.parallel._pool_map` names this module in the fork server's preload list, so it
is imported there once and every pool worker is forked from a process that already holds what the
stages otherwise load lazily in each worker: the repair lexicon (jieba's dictionary and the genre
model, several seconds), the damage detector's common characters, the GBK tables and the debris
rules. Measured by ``benchmarks/bench_scale.py --speedup-n``: without it every worker of a new
pool spent about as long loading these as cleaning a dozen documents.

Workers also run with one BLAS/OpenMP thread each: the pool already uses every core.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # before numpy is imported in the fork server


def warm_document_stages() -> None:
    """Load the lazily built tables of the per-document stages into this process."""
    from ..ingest.debris import load_debris_rules
    from ..repair.document import shows_damage
    from ..repair.gbk import gbk_tables
    from ..repair.lexicon import default_lexicon

    default_lexicon()
    shows_damage("?")
    gbk_tables()
    load_debris_rules()


warm_document_stages()  # at import: a fork server's preload list names modules, not functions
