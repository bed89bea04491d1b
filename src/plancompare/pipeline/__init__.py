"""The pipeline: stages as functions from tables to tables, a per-document stage cache, and
the source files of a build.

* :mod:`.stages` -- ``clean``, ``outline``, ``embed``, ``assign_themes``,
  ``extract_indicators``, ``build_index`` and :func:`process_document` (one file →
  its tables; picklable, for process pools);
* :mod:`.cache` -- the per-document stage cache in the user cache folder;
* :mod:`.fingerprint` -- code fingerprints found by walking the package's imports;
* :mod:`.sources` -- recursive folder resolution, per-file build log, duplicate detection;
* :mod:`.schema` -- the column lists of the tables.
"""

from .cache import CACHE_DIR_ENV, StageCache, cache_root
from .fingerprint import code_fingerprint, module_closure
from .stages import (
    DocumentParams,
    DocumentTables,
    assign_themes,
    build_index,
    clean,
    embed,
    extract_indicators,
    outline,
    process_document,
)

__all__ = [
    "CACHE_DIR_ENV",
    "StageCache",
    "cache_root",
    "code_fingerprint",
    "module_closure",
    "DocumentParams",
    "DocumentTables",
    "assign_themes",
    "build_index",
    "clean",
    "embed",
    "extract_indicators",
    "outline",
    "process_document",
]
