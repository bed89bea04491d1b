"""plancompare: compare Chinese district development plans side by side.

>>> import plancompare as pc
>>> corpus = pc.load_corpus()            # the bundled plans, built and cached on first use
>>> corpus.passages.head()               # one row per passage, with raw-line provenance
>>> corpus.search("长者食堂", k=5)        # peer-district precedents
>>> corpus.indicators                    # targets and actuals with their source

Tables and columns: ``docs/tables.md``; the public contract: README.
"""

__version__ = "0.1.0"

from . import catalog  # noqa: E402
from .corpus import Corpus, build_corpus, load_corpus  # noqa: E402
from .errors import CatalogError, InputFileError, ModelError, PlancompareError  # noqa: E402

__all__ = [
    "Corpus",
    "build_corpus",
    "load_corpus",
    "PlancompareError",
    "InputFileError",
    "CatalogError",
    "ModelError",
    "__version__",
]
