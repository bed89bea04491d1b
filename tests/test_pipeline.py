"""Explicit stages, a passive Corpus, the per-document stage cache, folder builds and Corpus.add."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plancompare as pc
from plancompare.pipeline import fingerprint, stages
from plancompare.pipeline.cache import CACHE_DIR_ENV

PLAN_A = ("第一章 总体要求\n到2025年，地区生产总值年均增长7%以上。\n一、发展目标\n"
          "城乡居民收入稳步增长，区域发展更加协调，养老服务体系更加健全。\n二、重点任务\n"
          "建设长者食堂20个，新增养老床位500张，推进社区嵌入式养老服务。\n")
PLAN_B = ("第一章 生态环境\n一、空气质量\n到2025年，空气质量优良天数比例达到95%以上，PM2.5浓度持续下降。\n"
          "二、水环境\n全面消除黑臭水体，推进河湖长制落实，建设美丽河湖。\n")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


# --- code fingerprints --------------------------------------------------------------------------

def test_fingerprint_covers_every_module_a_stage_imports():
    indicators = fingerprint.module_closure(["plancompare.indicators"])
    assert "plancompare._cells" in indicators  # the helper the old hand list forgot
    clean = fingerprint.module_closure(stages.CLEAN_MODULES)
    assert {"plancompare.repair", "plancompare.text.normalize", "plancompare.ingest"} <= set(clean)
    assert "plancompare.outline" not in clean and "plancompare.embed" not in clean


def test_changing_a_helper_changes_exactly_the_fingerprints_that_use_it(tmp_path):
    package = tmp_path / "plancompare"
    shutil.copytree(fingerprint.package_root(), package, ignore=shutil.ignore_patterns("__pycache__", "plans"))
    before_ind = fingerprint.code_fingerprint(["plancompare.indicators"], root=package)
    before_out = fingerprint.code_fingerprint(stages.OUTLINE_MODULES, root=package)
    with open(package / "_cells.py", "a", encoding="utf-8") as fh:
        fh.write("\n# changed\n")
    fingerprint._fingerprint.cache_clear()
    assert fingerprint.code_fingerprint(["plancompare.indicators"], root=package) != before_ind
    assert fingerprint.code_fingerprint(stages.OUTLINE_MODULES, root=package) == before_out


# --- passive corpus, explicit stages ------------------------------------------------------------------

def test_corpus_has_no_computing_properties():
    properties = [name for name, value in vars(pc.Corpus).items() if isinstance(value, property)]
    assert properties == []


def test_indicators_are_computed_at_build_time_and_saved(plans, tmp_path):
    assert isinstance(plans.indicators, pd.DataFrame) and len(plans.indicators) > 100
    assert plans.embeddings is None  # built with embed=False: nothing computed behind the user's back
    plans.save(tmp_path / "saved")
    loaded = pc.load_corpus(tmp_path / "saved")
    pd.testing.assert_frame_equal(loaded.indicators, plans.indicators)


def test_stage_functions_go_from_tables_to_tables(plans, cache_dir):
    docs = plans.documents[plans.documents["doc_id"] == "huli_business_environment_2021"]
    cleaned = stages.clean(docs[["doc_id", "source_file"]])
    expected_lines = plans.lines[plans.lines["doc_id"] == "huli_business_environment_2021"].reset_index(drop=True)
    pd.testing.assert_frame_equal(cleaned["lines"], expected_lines)
    outlined = stages.outline(docs, cleaned["lines"])
    expected = plans.passages[plans.passages["doc_id"] == "huli_business_environment_2021"].reset_index(drop=True)
    pd.testing.assert_frame_equal(outlined["passages"], expected[outlined["passages"].columns])
    themed = stages.assign_themes(outlined["passages"])
    assert themed["theme"].ne("").mean() > 0.8
    indicators = stages.extract_indicators(themed, docs, cleaned["lines"])
    assert set(indicators["doc_id"]) <= {"huli_business_environment_2021"}
    index = stages.build_index(themed)
    assert len(index.search("营商环境", None, k=3)) == 3


def test_progress_is_shown_for_each_stage(tmp_path, cache_dir, capsys):
    path = _write(tmp_path / "plan.txt", PLAN_A)
    pc.build_corpus([path], embed=False, progress=True)
    err = capsys.readouterr().err
    for stage in ("clean + outline", "themes", "indicators", "search index"):
        assert stage in err, stage


# --- per-document stage cache ---------------------------------------------------------------------------

def test_a_warm_build_does_not_clean_again(tmp_path, cache_dir, monkeypatch):
    path = _write(tmp_path / "plan.txt", PLAN_A)
    cold = pc.build_corpus([path], embed=False)
    assert cold.build_log["status"].tolist() == ["processed"]

    def fail(*args, **kwargs):
        raise AssertionError("cleaned again")

    monkeypatch.setattr(stages, "clean_lines", fail)
    warm = pc.build_corpus([path], embed=False)
    assert warm.build_log["status"].tolist() == ["cached"]
    for name in ("documents", "passages", "glossary", "repairs", "lines", "indicators"):
        pd.testing.assert_frame_equal(getattr(cold, name), getattr(warm, name))
    # changed bytes are processed again
    _write(path, PLAN_A + "三、保障措施\n加强组织领导，强化要素保障。\n")
    monkeypatch.undo()
    monkeypatch.setenv(CACHE_DIR_ENV, str(cache_dir))
    assert pc.build_corpus([path], embed=False).build_log["status"].tolist() == ["processed"]


def test_a_warm_build_neither_extracts_indicators_nor_finds_layout_again(tmp_path, cache_dir, monkeypatch):
    import plancompare.indicators as indicators_package
    import plancompare.ingest as ingest

    paths = [_write(tmp_path / "a.txt", PLAN_A), _write(tmp_path / "b.txt", PLAN_B)]
    cold = pc.build_corpus(paths, embed=False)
    assert len(cold.indicators) >= 3

    def fail(*args, **kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr(indicators_package, "extract_indicators", fail)
    monkeypatch.setattr(ingest, "layout_breaks", fail)
    monkeypatch.setattr(ingest, "find_debris", fail)
    warm = pc.build_corpus(paths, embed=False)
    pd.testing.assert_frame_equal(cold.indicators, warm.indicators)
    monkeypatch.undo()
    monkeypatch.setenv(CACHE_DIR_ENV, str(cache_dir))
    # a changed document is extracted again; the unchanged one still comes from the cache
    _write(paths[1], PLAN_B.replace("95%", "90%"))
    changed = pc.build_corpus(paths, embed=False)
    assert 90.0 in changed.indicators["value"].tolist() and 95.0 not in changed.indicators["value"].tolist()
    pd.testing.assert_frame_equal(
        changed.indicators[changed.indicators["doc_id"] == "a"].reset_index(drop=True),
        cold.indicators[cold.indicators["doc_id"] == "a"].reset_index(drop=True))


def test_indicators_are_the_same_whether_extracted_per_document_or_at_once(plans, tmp_path):
    params = stages.DocumentParams(cache_dir=str(tmp_path))
    at_once = stages._extract_one(plans.passages, plans.documents, plans.lines)
    pd.testing.assert_frame_equal(stages.extract_indicators(plans.passages, plans.documents, plans.lines, params), at_once)
    # from the cache, and without the theme columns (Corpus.add extracts before themes)
    without_themes = plans.passages.drop(columns=stages.THEME_COLUMNS)
    pd.testing.assert_frame_equal(stages.extract_indicators(without_themes, plans.documents, plans.lines, params), at_once)


def test_process_document_is_picklable_and_top_level(tmp_path, cache_dir):
    import pickle

    path = _write(tmp_path / "plan.txt", PLAN_A)
    function = pickle.loads(pickle.dumps(stages.process_document))
    params = pickle.loads(pickle.dumps(stages.DocumentParams(cache_dir=str(cache_dir))))
    tables = function(path, {"doc_id": "a", "district": "Somewhere"}, params)
    assert tables.documents["doc_id"].tolist() == ["a"]
    assert (tables.passages["district"] == "Somewhere").all()
    assert pickle.loads(pickle.dumps(tables)).passages.equals(tables.passages)


# --- folders, bad files, duplicates ---------------------------------------------------------------------------

def test_folder_build_is_recursive_and_keeps_going_past_a_bad_file(tmp_path, cache_dir):
    folder = tmp_path / "plans"
    _write(folder / "2021" / "plan.txt", PLAN_A)
    _write(folder / "2022" / "plan.txt", PLAN_B)
    _write(folder / "2022" / "broken.txt", "第一章 总体要求\n", "utf-8")
    (folder / "2022" / "broken.txt").write_bytes(b"\x00\x01\x02binary" * 50)
    _write(folder / "notes.md", "not a supported suffix")
    with pytest.warns(UserWarning, match="broken.txt"):
        corpus = pc.build_corpus(folder, embed=False)
    assert sorted(corpus.documents["doc_id"]) == ["2021_plan", "2022_plan"]
    log = corpus.build_log.set_index("doc_id")
    assert log.loc["2021_plan", "status"] == "processed"
    failed = corpus.build_log[corpus.build_log["status"] == "failed"]
    assert len(failed) == 1 and failed["file"].iloc[0].endswith("broken.txt")
    assert "binary" in failed["message"].iloc[0]
    # the same bad file named explicitly is the one-line error
    with pytest.raises(pc.InputFileError, match="broken.txt"):
        pc.build_corpus([folder / "2022" / "broken.txt"], embed=False)


def test_duplicates_are_reported_not_kept_twice(tmp_path, cache_dir):
    folder = tmp_path / "plans"
    _write(folder / "a.txt", PLAN_A)
    _write(folder / "copy_of_a.txt", PLAN_A)  # same bytes
    _write(folder / "a_gbk.txt", PLAN_A, "gb18030")  # the same document in another encoding
    _write(folder / "b.txt", PLAN_B)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = pc.build_corpus(folder, embed=False)
    assert sorted(corpus.documents["doc_id"]) == ["a", "b"]
    log = corpus.build_log.set_index("file")
    duplicates = corpus.build_log[corpus.build_log["status"] == "duplicate"]
    assert sorted(Path(f).name for f in duplicates["file"]) == ["a_gbk.txt", "copy_of_a.txt"]
    assert (duplicates["doc_id"] == "a").all()
    assert any("copy_of_a.txt" in str(w.message) for w in caught)
    assert log.loc[str(folder / "b.txt"), "status"] == "processed"


# --- Corpus.add ----------------------------------------------------------------------------------------------

def test_add_processes_only_new_or_changed_documents(tmp_path, cache_dir, monkeypatch):
    a = _write(tmp_path / "in" / "a.txt", PLAN_A)
    corpus = pc.build_corpus([a], embed=False)
    before = corpus.passages.copy()
    b = _write(tmp_path / "in" / "b.txt", PLAN_B)

    processed = []
    real = stages.clean_lines
    monkeypatch.setattr(stages, "clean_lines", lambda lines, **kw: processed.append(lines[0]) or real(lines, **kw))
    corpus.add(tmp_path / "in")
    assert processed == ["第一章 生态环境"]  # only the new document was cleaned
    assert corpus.build_log.set_index("doc_id")["status"].to_dict() == {"a": "unchanged", "b": "processed"}
    assert sorted(corpus.documents["doc_id"]) == ["a", "b"]
    kept = corpus.passages[corpus.passages["doc_id"] == "a"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept[before.columns[:16]], before[before.columns[:16]])
    assert "b" in set(corpus.indicators["doc_id"])
    assert corpus.passages["passage_id"].is_unique
    assert not corpus.search("空气质量 优良天数", k=2).empty

    _write(b, PLAN_B + "三、土壤\n开展土壤污染状况调查，管控建设用地风险。\n")
    corpus.add([b])
    assert corpus.build_log["status"].tolist() == ["processed"]
    assert corpus.build_log["message"].iloc[0].startswith("changed")
    assert corpus.documents["doc_id"].tolist() == ["a", "b"]
    assert "土壤污染" in corpus.clean_text("b")
    assert corpus.passages["passage_id"].is_unique

    copy = _write(tmp_path / "elsewhere" / "a_again.txt", PLAN_A)
    with pytest.warns(UserWarning, match="same bytes as a"):
        corpus.add([copy])
    assert len(corpus.documents) == 2


@pytest.mark.slow
def test_add_embeds_only_the_new_passages(tmp_path, cache_dir, monkeypatch):
    a = _write(tmp_path / "a.txt", PLAN_A)
    corpus = pc.build_corpus([a])
    assert corpus.embeddings.shape[0] == len(corpus.passages)
    embedded = []
    real = stages.embed
    monkeypatch.setattr(stages, "embed", lambda passages, *a, **k: embedded.append(len(passages)) or real(passages, *a, **k))
    corpus.add([_write(tmp_path / "b.txt", PLAN_B)])
    n_b = int((corpus.passages["doc_id"] == "b").sum())
    assert embedded == [n_b]
    assert corpus.embeddings.shape[0] == len(corpus.passages)
    fresh = pc.build_corpus([a, tmp_path / "b.txt"])
    np.testing.assert_allclose(corpus.embeddings, fresh.embeddings, atol=1e-5)
    assert corpus.passages["theme"].tolist() == fresh.passages["theme"].tolist()
