"""The shared text layer: rules about Chinese official text that several stages need.

Each rule is written once here and imported by the stages (clean, outline, themes,
indicators, match); this package imports no stage.

* :mod:`.headings` -- the heading grammar (``第X章``, ``一、``, ``（一）``, ``1.``…), numbering
  prefixes and the one run-in-heading rule;
* :mod:`.sentences` -- the one sentence splitter (``；`` does not end a sentence);
* :mod:`.normalize` -- full-width folding, white-space squeezing and the one cached OpenCC
  converter;
* :mod:`.han` -- the Han character class, Han/Latin token runs and the character n-gram analyzer
  every lexical comparison uses;
* :mod:`.numbers` -- numbers and units: Chinese numerals, ``万/亿`` units, ranges, structure ratios,
  signed changes (imported as ``plancompare.text.numbers``).
"""

from .headings import (
    Marker,
    heading_marker,
    is_standalone_heading,
    run_in_heading,
    strip_numbering,
)
from .normalize import detect_script, fold_fullwidth, opencc_converter, squeeze_spaces, to_simplified
from .sentences import sentence_spans, split_sentences

__all__ = [
    "Marker",
    "heading_marker",
    "is_standalone_heading",
    "run_in_heading",
    "strip_numbering",
    "detect_script",
    "fold_fullwidth",
    "opencc_converter",
    "squeeze_spaces",
    "to_simplified",
    "sentence_spans",
    "split_sentences",
]
