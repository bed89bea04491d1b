"""data/boilerplate.txt and the text-reuse matcher agree: every entry flags a real sentence.

The sentences come from real documents (the bundled plans, the generality reports and the
national work reports in ../shared/reference), found by the pattern itself, so an entry the
matcher can never match (as the 、 entries could not when punctuation was stripped first) fails.
"""

from __future__ import annotations

import json
import re

import opencc
import pandas as pd
import pytest

from plancompare.ingest import read_source
from plancompare.match import find_text_reuse, load_boilerplate_patterns

from .conftest import DATA, SHARED, generality_files

_SENTENCE = re.compile(r"[^。！？；!?;\n]+")


@pytest.fixture(scope="module")
def real_texts() -> dict[str, str]:
    to_simplified = opencc.OpenCC("t2s")
    texts = {}
    for path in [*sorted((DATA / "raw").glob("*.txt")), *generality_files()]:
        texts[path.name] = to_simplified.convert("\n".join(read_source(path).lines))
    reference = SHARED / "reference" / "national_work_reports_1954_2018.jsonl"
    for line in reference.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        texts[f"national_{record['year']}"] = to_simplified.convert(record["text"])
    return texts


def _first_real_sentence(pattern: re.Pattern, texts: dict[str, str]) -> str | None:
    for text in texts.values():
        for sentence in _SENTENCE.findall(text):
            if pattern.search(re.sub(r"\s+", "", sentence)):
                return sentence.strip()
    return None


def _reuse_of(sentence: str) -> pd.DataFrame:
    """The same sentence in two documents, as find_text_reuse sees a copied slogan."""
    passages = pd.DataFrame({
        "passage_id": ["a:0001", "b:0001"], "doc_id": ["a", "b"], "text": [sentence, sentence],
        "line_start": [1, 1], "line_end": [1, 1],
    })
    return find_text_reuse(passages, min_chars=2, boilerplate_min_docs=99)


def test_every_pattern_entry_flags_a_real_sentence(real_texts):
    patterns = load_boilerplate_patterns()
    assert len(patterns) >= 20
    unmatched = []
    for pattern in patterns:
        sentence = _first_real_sentence(pattern, real_texts)
        assert sentence is not None, f"{pattern.pattern}: no real sentence contains it"
        reuse = _reuse_of(sentence)
        assert len(reuse) == 1, sentence
        if not reuse["boilerplate"].iloc[0]:
            unmatched.append((pattern.pattern, sentence))
    assert not unmatched, unmatched


def test_list_slogans_match_with_either_separator():
    assert _reuse_of("坚持创新、协调、绿色、开放、共享的发展思路落到实处")["boilerplate"].iloc[0]
    assert _reuse_of("坚持创新，协调，绿色，开放，共享的发展思路落到实处")["boilerplate"].iloc[0]
    assert _reuse_of("不断增强人民群众获得感、幸福感和安全感")["boilerplate"].iloc[0]


def test_a_shared_local_measure_is_not_boilerplate(real_texts):
    sentence = _first_real_sentence(re.compile("长者食堂"), real_texts)
    assert sentence is not None
    assert not _reuse_of(sentence)["boilerplate"].iloc[0]
