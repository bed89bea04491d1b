"""The repair's speed work must not change a single answer.

The byte-shift search skips candidates that provably cannot survive and computes the character
model on arrays; these tests check each shortcut against the plain computation it replaces, and
the Chikan figures (``benchmarks/bench_repair.py``) against those measured before the speed work.
``benchmarks/repair_snapshot.py --compare`` checks every repaired line of every benchmark set.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import pytest

from plancompare.repair import default_lexicon, repair_document
from plancompare.repair.beam import BEAM, HELD, PRUNE, Frontier, Path as Reading

REPO = Path(__file__).resolve().parents[1]
CHIKAN = REPO / "data" / "raw" / "chikan_14th_five_year_plan.txt"
GOLD = REPO / "tests" / "gold" / "chikan_mojibake.tsv"


def _reference_prune(candidates: list[tuple], limit: int | None) -> list[tuple]:
    """The beam's cut as written before the speed work: every candidate in a dict by state
    (first seen keeps its place, a strictly better one replaces it), per group the best BEAM
    within PRUNE of the group's best, sorted by -score (stable), then all sorted by -score."""
    best: dict = {}
    for key, cand in candidates:
        if key not in best or cand[0] > best[key][0]:
            best[key] = cand
    kept = []
    for hidden in sorted({c[1] for c in best.values()}):
        group = sorted((c for c in best.values() if c[1] == hidden), key=lambda c: -c[0])
        floor = group[0][0] - PRUNE
        kept += [c for c in group[:BEAM] if c[0] >= floor]
    kept.sort(key=lambda c: -c[0])
    return kept[:limit]


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("limit", [None, 15])
def test_frontier_keeps_what_the_exhaustive_beam_keeps(seed, limit):
    # few distinct scores and states: ties and repeated states everywhere, the hard case for skipping
    rng = random.Random(seed)
    parent = Reading(0.0, None, "", (), "")
    stream = []
    for i in range(rng.randrange(50, 400)):
        hidden = rng.choice([0, 0, 0, 1, 2])
        score = -rng.choice([0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 30.0, 40.0]) * rng.choice([1, 1, 2])
        key = (rng.randrange(60), hidden)
        stream.append((key, (score, hidden, parent, str(i), None, -1, None, "", None)))
    quota = BEAM if limit is None else min(BEAM, limit)
    frontier = Frontier(quota)
    for key, cand in stream:  # what the search's loops do: below the bar only the state is recorded
        if cand[0] < frontier.bar(cand[1]):
            frontier.best.setdefault(key, HELD)
        else:
            frontier.put(key, cand)
    got = [(p.score, p.hidden, p.out) for p in frontier.prune(limit)]
    want = [(c[0], c[1], c[3]) for c in _reference_prune(stream, limit)]
    assert got == want


@pytest.fixture(scope="module")
def chikan_lexicon():
    return default_lexicon().with_document(CHIKAN.read_text(encoding="utf-8").split("\n"))


def test_array_character_model_matches_the_scalar_one_to_the_bit(chikan_lexicon):
    lex = chikan_lexicon
    rng = random.Random(0)
    text = CHIKAN.read_text(encoding="utf-8")
    chars = tuple(dict.fromkeys(ch for ch in text if not ch.isspace()))
    for _ in range(30):
        i = rng.randrange(2, len(text) - 1)
        prev = text[i - rng.choice([0, 1, 2]) : i]
        options = tuple(rng.sample(chars, 40)) + ("。", "a", "1", "?")
        history = lex.simplify(prev)
        array = lex._logp_array(history, options)
        scalar = [lex._logp(history, lex.simplify(ch)) for ch in options]
        assert array == scalar  # exact equality, not approximate


def test_character_model_never_exceeds_probability_one(chikan_lexicon):
    # the search skips a reading whose score, plus at most _LOGP_MAX, is below a frontier's bar
    from plancompare.repair.search import _LOGP_MAX

    lex = chikan_lexicon
    text = CHIKAN.read_text(encoding="utf-8")
    options = tuple(dict.fromkeys(text[:3000].replace(" ", "")))
    for i in range(5, 2000, 97):
        assert max(lex.logps(text[i - 2 : i], options)) <= _LOGP_MAX
    assert math.isfinite(min(lex.logps("", options)))


@pytest.mark.slow
def test_chikan_figures_unchanged_by_the_speed_work():
    # benchmarks/results/repair.md before the speed work: 27 exact, 3 marked, 3 wrong
    lines = CHIKAN.read_text(encoding="utf-8").split("\n")
    document = repair_document(lines)
    with open(GOLD, encoding="utf-8") as fh:
        gold = list(csv.DictReader(fh, delimiter="\t"))
    counts = {"exact": 0, "marked": 0, "wrong": 0}
    for spot in gold:
        _, fixes = document[int(spot["line"]) - 1]
        fix = next((f for f in fixes if f.kind != "pinyin_removed" and f.start == int(spot["col"])), None)
        after = fix.after if fix else spot["damaged"]
        counts["exact" if after == spot["original"] else "marked" if "□" in after else "wrong"] += 1
    assert counts == {"exact": 27, "marked": 3, "wrong": 3}


def _reference_dictionary(path) -> tuple:
    """jieba's word list read as before the speed work: each valid line's word added to the
    bigram model one character at a time (``CharNgrams.add``)."""
    from plancompare.repair.sources import CharNgrams

    freq, repeated, bigrams = {}, [], CharNgrams(order=2)
    with open(path, encoding="utf-8") as fh:
        for row in fh:
            parts = row.split()
            if len(parts) >= 2 and parts[1].isdigit():
                if parts[0] in freq:
                    repeated.append((parts[0], freq[parts[0]]))
                freq[parts[0]] = int(parts[1])
                bigrams.add(parts[0], int(parts[1]))
    return freq, repeated, bigrams


def _assert_same_dictionary(path) -> None:
    from plancompare.repair.sources import JiebaDictionary

    fast = JiebaDictionary(path)
    freq, repeated, bigrams = _reference_dictionary(path)
    assert list(fast.freq.items()) == list(freq.items()) and fast.repeated == repeated
    assert fast.total == (sum(freq.values()) or 1)
    for table in ("uni", "grams", "context", "types", "next_chars"):
        got, want = getattr(fast.bigrams, table), getattr(bigrams, table)
        assert type(got) is type(want), table
        assert list(got.items()) == list(want.items()), table  # values and key order
        assert all(type(a) is type(b) for a, b in zip(got.values(), want.values())), table


def test_dictionary_bigrams_counted_with_numpy_equal_the_character_loop(tmp_path):
    """Repeated words, tags, malformed lines, one-character and non-BMP words; a zero count
    (which keeps a bigram "unseen") takes the loop itself."""
    lines = ["中国 500 ns", "中国人 30 n", "人民 200", "国人 7", "中国 40 ns", "坏行", "坏 x", "𠀀字 3 n",
             "字 9", "字字字 2", "  前导 4", "国人民 1"]
    path = tmp_path / "dict.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _assert_same_dictionary(path)
    path.write_text("\n".join(lines + ["零次 0", "中零 5"]) + "\n", encoding="utf-8")
    _assert_same_dictionary(path)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    _assert_same_dictionary(tmp_path / "empty.txt")


def test_jieba_dictionary_counted_with_numpy_equals_the_character_loop():
    import jieba

    _assert_same_dictionary(Path(jieba.__file__).with_name("dict.txt"))
