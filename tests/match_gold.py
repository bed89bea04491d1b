"""Match gold for the tests and ``benchmarks/bench_match.py``: the evaluation corpus, the topics, and
the labelled (probe, candidate) examples the verdict model is trained and cross-validated on.

Two gold files, both keyed by (doc_id, raw 1-based line); a passage matches a target when
``line_start <= line <= line_end``:

* ``tests/gold/topics.csv`` (44 topics over the five bundled plans): a query per topic and the
  acceptable passages of each district; a district without targets has nothing comparable.
* ``tests/gold/match_pairs.csv`` (topics written for issue 11, over the bundled plans, the four work
  reports in ``../shared/generality/`` and three national reports of ``../shared/reference/``): one
  row per judged pair ``topic, query, source, district, target, label`` with ``label`` in
  comparable / related / none, read by a person. A (topic, district) with no ``comparable`` row has
  nothing comparable for the topic.

``tests/gold/match_pair_other_goal.csv`` audits whole-passage compare: for each (topic, district) with
nothing comparable to the topic, whether the best candidate of the shipped whole-passage model states
ANOTHER goal of the source passage (``other_goal`` yes/no, with both clauses quoted). Such a district
is not empty for a reader comparing the whole passage (see benchmarks/results/match_gold_review.md).

Everything is grouped by ``topic`` so that cross-validation never puts a topic in both train and test.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TOPICS = ROOT / "tests" / "gold" / "topics.csv"
PAIRS = ROOT / "tests" / "gold" / "match_pairs.csv"
FRESH = ROOT / "tests" / "gold" / "match_pairs_fresh.csv"
# second blind held-out gold (2026-12-02), written without seeing the matcher's output; see its README
FRESH2 = ROOT / "tests" / "gold" / "match_pairs_fresh2.csv"
# third blind held-out gold (2026-12-02, 33 topics), labelled by reading only; never trained on, see its README
FRESH3 = ROOT / "tests" / "gold" / "match_pairs_fresh3.csv"
# fourth blind gold (2026-12-02, 37 topics, 5 with English queries), labelled by reading only; scored once, see its README
FRESH4 = ROOT / "tests" / "gold" / "match_pairs_fresh4.csv"
OTHER_GOAL = ROOT / "tests" / "gold" / "match_pair_other_goal.csv"
SHARED = Path(os.environ.get("PLANCOMPARE_SHARED", ROOT.parent / "shared"))
REFERENCE_YEARS = (2016, 2017, 2018)


def reference_files(folder: Path) -> list[Path]:
    """Write the national reports of :data:`REFERENCE_YEARS` from the reference JSONL as text files
    (title line, then the text) into ``folder``; gold line numbers refer to these files."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    with open(SHARED / "reference" / "national_work_reports_1954_2018.jsonl", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            if doc["year"] in REFERENCE_YEARS:
                path = folder / f"gwr_national_{doc['year']}.txt"
                text = doc["title"] + "\n" + doc["text"]
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    path.write_text(text, encoding="utf-8")
                out.append(path)
    return out


def evaluation_paths(scratch: Path) -> list[Path]:
    """The bundled plans, the generality work reports and the reference years, as files to build."""
    import plancompare as pc

    catalog = pc.load_catalog(ROOT / "data" / "catalog.csv")
    return (list(catalog["source_file"]) + sorted((SHARED / "generality").glob("*.txt"))
            + reference_files(scratch / "reference"))


def build_evaluation_corpus(scratch: Path):
    """The evaluation corpus (embedded), saved in ``scratch/corpus`` and reloaded from there."""
    import plancompare as pc

    saved = scratch / "corpus"
    if (saved / "manifest.json").exists():
        return pc.load_corpus(saved)
    catalog = pc.load_catalog(ROOT / "data" / "catalog.csv")
    corpus = pc.build_corpus(evaluation_paths(scratch), catalog=catalog)
    corpus.embeddings  # noqa: B018 - embed before saving
    corpus.save(saved)
    return corpus


def _locator(text: str) -> tuple[str, int]:
    doc_id, line = text.strip().rsplit(":", 1)
    return doc_id, int(line)


@dataclass
class Topic:
    """One gold topic: its query, its source passage (for compare) and, per district, the judged
    comparable targets and judged non-comparable candidates."""

    topic: str
    query: str
    source: tuple[str, int] | None = None
    comparable: dict[str, list] = field(default_factory=dict)
    not_comparable: dict[str, list] = field(default_factory=dict)

    def districts(self) -> list[str]:
        return sorted(set(self.comparable) | set(self.not_comparable))


def load_topics(topics_file: Path | None = TOPICS, pairs_file: Path = PAIRS) -> list[Topic]:
    """Both gold files as :class:`Topic` objects (old topics keep their ids; a district listed
    without targets in ``topics.csv`` is a nothing-comparable district). ``load_topics(None, FRESH)``:
    the fresh held-out topics only (``match_pairs_fresh.csv``, written 2026-12-01 before any model
    change of that session, to be scored once by a model fitted on the other gold)."""
    topics: dict[str, Topic] = {}
    old = (pd.read_csv(topics_file, dtype=str, keep_default_na=False) if topics_file is not None
           else pd.DataFrame(columns=["topic_id", "query", "targets", "compare_source", "district"]))
    for row in old.itertuples():
        t = topics.setdefault(row.topic_id, Topic(row.topic_id, row.query))
        targets = [_locator(x) for x in row.targets.split(";") if x]
        if row.compare_source == "yes" and targets:
            t.source = targets[0]
        if targets:
            t.comparable[row.district] = targets
        else:
            t.not_comparable[row.district] = []
    pairs = pd.read_csv(pairs_file, dtype=str, keep_default_na=False)
    for row in pairs.itertuples():
        t = topics.setdefault(row.topic, Topic(row.topic, row.query, _locator(row.source)))
        if row.label == "comparable":
            t.comparable.setdefault(row.district, []).append(_locator(row.target))
        else:
            t.not_comparable.setdefault(row.district, []).append(_locator(row.target))
    return list(topics.values())


def row_of(passages: pd.DataFrame, locator: tuple[str, int]) -> int | None:
    """The indexed row spanning (doc_id, line), or None."""
    doc_id, line = locator
    hit = np.flatnonzero((passages["doc_id"].to_numpy() == doc_id) & (passages["line_start"].to_numpy() <= line)
                         & (passages["line_end"].to_numpy() >= line))
    return int(hit[0]) if len(hit) else None


def load_other_goal_audit() -> set[tuple[str, str]]:
    """(topic, district) pairs of the whole-passage audit whose best candidate states another goal of
    the source passage (``other_goal == "yes"``); districts spelled as the index spells them."""
    audit = pd.read_csv(OTHER_GOAL, dtype=str, keep_default_na=False)
    return {(row.topic, row.district) for row in audit.itertuples() if row.other_goal == "yes"}
