"""Tests of the pinyin / GBK-mojibake repair on the real Chikan plan.

The gold file ``tests/gold/chikan_mojibake.tsv`` was built by hand: every
damaged spot (line number, column of the ``?`` in the raw line, the damaged
run, the original traditional text read from context and checked by
re-damaging it with a GBK byte-shift simulation).
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import opencc
import pytest

from plancompare import repair
from plancompare.repair import (
    PLACEHOLDER,
    Fix,
    remove_pinyin,
    repair_document,
    simulate_byte_shift,
)

from .conftest import SHARED, generality_files

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
CHIKAN = RAW / "chikan_14th_five_year_plan.txt"
GOLD = REPO / "tests" / "gold" / "chikan_mojibake.tsv"

FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # the damaged plans fold full-width forms
_DEBRIS_NEAR_CJK = re.compile(r"[\u4e00-\u9fff]\?|\?[\u4e00-\u9fff]")
TONES = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
ANNOTATION = re.compile(rf"[a-zü]*[{TONES}][a-zü{TONES}]*\)")


def chikan_lines() -> list[str]:
    return CHIKAN.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def document() -> list[tuple[str, list]]:
    # the lead's entry point: the document model is built from the lines themselves
    return repair_document(chikan_lines())


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    with open(GOLD, encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="module")
def repaired(document, gold) -> dict[int, tuple[str, list]]:
    return {n: document[n - 1] for n in {int(g["line"]) for g in gold}}


def _spot_fix(repaired, spot):
    _, fixes = repaired[int(spot["line"])]
    return next((f for f in fixes if f.kind != "pinyin_removed" and f.start == int(spot["col"])), None)


# ---------------------------------------------------------------- pinyin


@pytest.mark.parametrize("text", [
    "（此件主动公开）", "（牵头单位：区发改局）", "(一)", "(2021—2025年)",
    "(以下简称“规划纲要”)", "(福建省)", "AQI (空气质量指数)", "café(café)",
])
def test_real_parentheses_survive(text):
    assert remove_pinyin(text) == (text, [])


def test_pinyin_removed_including_damaged_brackets():
    assert remove_pinyin("湛江市赤坎區(qū)發(fā)展")[0] == "湛江市赤坎區發展"
    # "(" swallowed by mojibake, and an annotation after a realigning ASCII byte
    assert remove_pinyin("萍紕?chuàng)新")[0] == "萍紕?新"
    assert remove_pinyin("嗫矃^(qū)國")[0] == "嗫矃^國"


def test_no_pinyin_left_after_repair_and_t2s(document):
    t2s = opencc.OpenCC("t2s")
    for n, (text, _) in enumerate(document, 1):
        clean = t2s.convert(text)
        assert not ANNOTATION.search(clean), (n, ANNOTATION.search(clean).group())


# ---------------------------------------------------------------- mojibake


def test_gold_covers_the_damage(gold):
    lines = chikan_lines()
    assert len(gold) >= 30
    for spot in gold:
        line = lines[int(spot["line"]) - 1]
        col = int(spot["col"])
        assert line[col:].startswith(spot["damaged"]), spot


def test_every_spot_repaired_or_logged(repaired, gold):
    for spot in gold:
        fix = _spot_fix(repaired, spot)
        assert fix is not None, spot
        assert fix.kind in {"mojibake_repaired", "mojibake_unrecoverable"}
        assert "?" not in fix.after, fix
        if fix.kind == "mojibake_unrecoverable":
            assert PLACEHOLDER in fix.after


def test_no_question_mark_debris_next_to_cjk(repaired):
    for n, (text, _) in repaired.items():
        assert not _DEBRIS_NEAR_CJK.search(text), (n, text)


def _exact_rate(repaired, gold) -> float:
    hits = sum(1 for s in gold if (f := _spot_fix(repaired, s)) and f.after == s["original"])
    return hits / len(gold)


def _wrong(repaired, gold) -> list[dict]:
    """Spots restored to something else without a placeholder."""
    return [s for s in gold if (f := _spot_fix(repaired, s)) and f.after != s["original"]
            and PLACEHOLDER not in f.after]


def test_restoration_rate_floor(repaired, gold):
    # regression floor of the default repair (with the genre model: 27/33 exact, 3 marked, 3 wrong;
    # 25/33, 5 marked, 3 wrong without it). Held-out synthetic figures: benchmarks/results/repair.md.
    assert _exact_rate(repaired, gold) >= 27 / 33
    assert len(_wrong(repaired, gold)) <= 3


@pytest.mark.xfail(reason="target of the issue (30/33), not reached: 27/33 exact (3 marked, 3 wrong) with the "
                          "genre model, the default (benchmarks/bench_repair.py); the six spots left need words "
                          "(亲海, 海现, 保基本, 基金监管) that neither jieba's word list, the reference reports, the "
                          "other genre text at hand nor the lexicons published as packages hold, and 停靠港, which "
                          "only CC-CEDICT-derived lists hold, is not restored with them "
                          "(benchmarks/results/repair_genre_supplement_rejected.md, repair_extra_words_rejected.md)",
                   strict=False)
def test_restoration_rate_target(repaired, gold):
    assert _exact_rate(repaired, gold) >= 0.90


def test_confidence_sweep_predicts_a_higher_threshold(monkeypatch):
    # bench_repair's confidence sweep (benchmarks/results/repair_placeholder_threshold_rejected.md) says what a
    # higher placeholder threshold would give without rerunning; a real run with that threshold must agree
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import bench_repair

    from plancompare.repair import default_lexicon
    from plancompare.repair import document as repair_document_module

    lexicon = default_lexicon()
    shipped = bench_repair.chikan_gold(lexicon)
    predicted = bench_repair.confidence_sweep({"chikan_gold": shipped, "synthetic": {}}, thresholds=(0.5, 0.7))
    monkeypatch.setattr(repair_document_module, "_MIN_CONFIDENCE", 0.7)
    raised = bench_repair.chikan_gold(lexicon)
    assert predicted[-1] == (f"| Chikan gold | {shipped['exact']} / {shipped['marked']} / {shipped['wrong']} | "
                             f"{raised['exact']} / {raised['marked']} / {raised['wrong']} |")
    assert raised["marked"] > shipped["marked"]  # the threshold does bite on this plan


def test_clear_cases_restored(repaired, gold):
    # spots whose lost bytes the context pins down unambiguously
    must = {
        "。科技創", "潛力的高成長", "。“十四五”期間", "保基礎",
        "。“十三五”期間",  # “十三五” recurs in the plan (document n-gram)
        "海口市龍華",  # no vanished pair needed, unlike 龍泉驛
        "模”企業", "保”",  # closes an open “ in the line
        "庫，完善消防專職隊伍和民兵搶險",  # lead byte pinned by the orphaned (guī)
    }
    # 海現 was restored by the dictionary-only repair; with the genre model (the default, better on
    # held-out synthetic damage) its confidence falls below the threshold and it is marked □: it
    # may be marked, never repaired wrong.
    never_wrong = {"海現"}
    for spot in gold:
        if spot["original"] in must:
            assert _spot_fix(repaired, spot).after == spot["original"], spot
        if spot["original"] in never_wrong:
            after = _spot_fix(repaired, spot).after
            assert after == spot["original"] or PLACEHOLDER in after, spot


def test_document_shape_and_offsets(document):
    lines = chikan_lines()
    assert len(document) == len(lines)
    for line, (text, fixes) in zip(lines, document):
        if not fixes:
            assert text == line
        for f in fixes:
            assert f.kind in {"pinyin_removed", "mojibake_repaired", "mojibake_unrecoverable"}
            assert line[f.start:].startswith(f.before), (line, f)


def test_clean_document_costs_nothing(monkeypatch):
    # no "?" anywhere: pinyin removal only, no lexicon is built
    monkeypatch.setattr(repair.document, "default_lexicon", lambda *a: pytest.fail("lexicon built"))
    lines = ["湛江市赤坎區(qū)發(fā)展", "(一)總體要求", ""]
    assert repair_document(lines) == [
        ("湛江市赤坎區發展", [
            Fix("pinyin_removed", "(qū)", "", 1.0, 6),
            Fix("pinyin_removed", "(fā)", "", 1.0, 11),
        ]),
        ("(一)總體要求", []),
        ("", []),
    ]


# ---------------------------------------------------------------- simulated damage


def test_simulator_reproduces_the_real_damage(gold):
    # re-damaging the hand-read original gives the spelling found in the plan
    lines = chikan_lines()
    same = 0
    for spot in gold:
        line, col = lines[int(spot["line"]) - 1], int(spot["col"])
        original = spot["original"] + line[col + len(spot["damaged"]):][:12]
        same += simulate_byte_shift(original, 0).startswith(spot["damaged"])
    assert same >= 24  # the others carry pinyin added after the damage (see the docstring)


def test_simulator_rejects_single_byte_characters():
    with pytest.raises(ValueError, match="not a double-byte"):
        simulate_byte_shift("abc", 1)
    assert simulate_byte_shift("。科技創新,", 0).startswith("??萍紕")


@pytest.mark.slow
def test_synthetic_damage_on_a_clean_plan():
    """Held-out check: a plan the repair model was not written on (Cangshan, in traditional
    characters like the Chikan plan) damaged at 40 random characters, one per line."""
    lines = [line.translate(FOLD) for line in
             opencc.OpenCC("s2t").convert((RAW / "cangshan_14th_five_year_plan.txt").read_text(encoding="utf-8")).split("\n")]
    rng = random.Random(7)
    chosen = sorted(rng.sample([n for n, line in enumerate(lines) if len(line) >= 20], 40))
    damaged = list(lines)
    for n in chosen:
        where = [i for i, ch in enumerate(lines[n]) if len(ch.encode("gbk", errors="ignore")) == 2]
        damaged[n] = simulate_byte_shift(lines[n], rng.choice(where))
    result = repair_document(damaged)
    exact = sum(result[n][0] == lines[n] for n in chosen)
    wrong = sum(result[n][0] != lines[n] and PLACEHOLDER not in result[n][0] for n in chosen)
    assert exact >= 0.55 * len(chosen), exact
    assert wrong <= 0.3 * len(chosen), wrong
    for n in chosen:  # repaired or marked, never left as debris
        assert result[n][1] and not _DEBRIS_NEAR_CJK.search(result[n][0]), (n, result[n][0])
    untouched = set(range(len(lines))) - set(chosen)
    assert all(result[n][0] == lines[n] for n in untouched)


# ---------------------------------------------------------------- generality


def _clean_files() -> list[Path]:
    files = [p for p in sorted(RAW.glob("*.txt")) if p != CHIKAN]
    files += generality_files()
    assert len(files) >= 8
    return files


@pytest.mark.parametrize("path", _clean_files(), ids=lambda p: p.name)
def test_clean_text_unchanged(path):
    lines = path.read_text(encoding="utf-8").split("\n")
    for n, (line, result) in enumerate(zip(lines, repair_document(lines)), 1):
        assert result == (line, []), (path.name, n)


# ---------------------------------------------------------------- genre model (derived counts)

GENRE_DATA = REPO / "src" / "plancompare" / "data"
REFERENCE = SHARED / "reference" / "national_work_reports_1954_2018.jsonl"


def test_genre_model_ships_derived_counts_with_provenance():
    import hashlib
    import json

    from plancompare.repair.sources import GENRE_FILE, genre_model

    data = GENRE_DATA / GENRE_FILE
    provenance = json.loads((GENRE_DATA / "genre_ngrams.provenance.json").read_text(encoding="utf-8"))
    assert provenance["file"] == GENRE_FILE
    assert provenance["derivation"]["sha256_of_output"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert len(provenance["source"]["reports"]) == 46
    assert data.stat().st_size < 3_000_000  # derived counts only, not the reference text
    genre = genre_model()
    # the genre's running text knows punctuation and where paragraphs end, which jieba's word list does not
    assert max(genre.line_ends, key=genre.line_ends.get) == "。"
    assert genre.chars.uni[","] > genre.chars.uni["的"]  # full-width forms folded to ASCII, as the repair folds them
    # pruned: no n-gram seen once is shipped
    assert min(genre.words.values()) >= 2


def test_genre_model_informs_the_lexicon():
    from plancompare.repair import default_lexicon

    with_genre, without = default_lexicon(), default_lexicon(use_genre=False)
    assert with_genre.genre is not None and without.genre is None
    # a phrase of the genre that jieba's word list splits: the trigram model knows its continuation
    assert with_genre.logp("改革", "开") > without.logp("改革", "开")


@pytest.mark.slow
def test_genre_model_regenerates_identically(tmp_path):
    import hashlib
    import subprocess
    import sys

    if not REFERENCE.exists():
        pytest.skip(f"reference text not found: {REFERENCE} (set PLANCOMPARE_SHARED)")
    out = tmp_path / "genre_ngrams.json.gz"
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_genre_model.py"), "--source", str(REFERENCE),
                    "--out", str(out)], check=True, capture_output=True)
    shipped = GENRE_DATA / "genre_ngrams.json.gz"
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(shipped.read_bytes()).hexdigest()
