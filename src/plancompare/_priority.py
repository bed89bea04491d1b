"""Lowering the CPU priority of a thread whose work can wait, so the work everything waits for runs first.

A first build (empty caches) loads the embedding model in one thread of the main process (imports of
torch, transformers and sentence-transformers, then the tokenizer: ≈ 5 s of CPU) while a process pool
cleans the documents; once the model is there, a thread embeds the passages of the documents already
cleaned (:class:`~plancompare.early_embed.BackgroundEmbedder`). That early embedding is work the
build would do anyway, while the documents still being cleaned hold up its embedding step: its thread
runs at :data:`EARLY_EMBED_NICENESS` and takes the CPU the pool leaves. (Lowering the pool's workers
instead, to give the model load a core of its own, was measured too: with the lighter repair lexicon
the pool became the longer of the two and finished later; see ``benchmarks/results/cold_start.md``.)
Niceness is only ever raised: an unprivileged process cannot lower it again.
"""

from __future__ import annotations

import os
import sys
import threading

EARLY_EMBED_NICENESS = 10


def lower_priority(niceness: int, thread: bool = False) -> None:
    """Set this process's niceness (with ``thread``: the calling thread's only, on Linux, where a
    thread has its own) to ``niceness`` if it is lower; a no-op where unsupported or not allowed."""
    try:
        who = threading.get_native_id() if thread and sys.platform.startswith("linux") else 0
        if thread and not who:
            return  # elsewhere the call would lower the whole process
        if os.getpriority(os.PRIO_PROCESS, who) < niceness:
            os.setpriority(os.PRIO_PROCESS, who, niceness)
    except (AttributeError, OSError):
        pass
