"""Lowering the CPU priority of a first build's helpers, so the step everything waits for runs first.

A first build (empty caches) loads the embedding model in one thread of the main process (imports of
torch, transformers and sentence-transformers, then the tokenizer: ≈ 6 s of CPU that every embedding
waits for) while a process pool cleans the documents and, once the model is there, a thread embeds
the passages of the documents already cleaned. On as many cores as workers, all three shared the
cores evenly and the model load took about half as long again as alone. The niceness below orders
them: the model load (0) before the pool's workers (:data:`FIRST_BUILD_WORKER_NICENESS`) before the
early embedding (:data:`EARLY_EMBED_NICENESS`), whose passages the build would embed anyway, while
the documents still being cleaned hold up its embedding step. At +5 the scheduler gives a niceness-0
thread a whole core against two +5 workers (weights 1024 against 2 x 335). Niceness is only ever
raised: an unprivileged process cannot lower it again, and these processes and threads end with the
build's document stage.
"""

from __future__ import annotations

import os
import sys
import threading

FIRST_BUILD_WORKER_NICENESS = 5
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
