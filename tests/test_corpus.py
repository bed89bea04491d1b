"""The corpus foundation on the real documents: conservation, cleaning, outline, metadata."""

from __future__ import annotations

import re

import opencc
import pandas as pd
import pytest

import plancompare as pc

from .conftest import generality_files

PINYIN = re.compile(r"[（(][a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]{1,7}[)）]")


def _assert_conserved(corpus):
    """Every clean line lies in exactly one passage or glossary row, verbatim."""
    for doc_id in corpus.documents["doc_id"]:
        lines = corpus.clean_text(doc_id).split("\n")
        owner = [0] * len(lines)
        for row in corpus.passages[corpus.passages["doc_id"] == doc_id].itertuples():
            for i in range(row.clean_line_start, row.clean_line_end):
                owner[i] += 1
            covered = "\n".join(lines[row.clean_line_start : row.clean_line_end])
            expected = row.text + ("\n" + row.responsibility if row.responsibility else "")
            assert covered == expected, (doc_id, row.passage_id)
        for row in corpus.glossary[corpus.glossary["doc_id"] == doc_id].itertuples():
            for i in range(row.clean_line_start, row.clean_line_end):
                owner[i] += 1
            assert lines[row.clean_line_start] == row.text
        assert owner == [1] * len(lines), doc_id


def _assert_raw_lines_accounted(corpus):
    """Every non-blank raw line is in a clean line's raw span or logged as dropped."""
    for doc in corpus.documents.itertuples():
        raw = open(doc.source_file, encoding=doc.encoding.replace("-sig", "-sig")).read().split("\n")
        in_passages = set()
        for table in (corpus.passages, corpus.glossary):
            for row in table[table["doc_id"] == doc.doc_id].itertuples():
                in_passages.update(range(row.line_start, row.line_end + 1))
        repairs = corpus.repairs
        dropped = set(repairs[(repairs["doc_id"] == doc.doc_id) & (repairs["kind"] == "cruft_dropped")]["line"])
        for number, line in enumerate(raw, start=1):
            if line.strip(" \t\u3000\ufeff\r"):
                assert (number in in_passages) != (number in dropped), (doc.doc_id, number, line[:30])


def test_every_character_is_conserved_in_the_plans(plans):
    _assert_conserved(plans)
    _assert_raw_lines_accounted(plans)


def test_every_character_is_conserved_in_the_generality_texts(generality):
    assert len(generality.documents) == len(generality_files())
    _assert_conserved(generality)
    _assert_raw_lines_accounted(generality)


def test_chikan_is_simplified_without_pinyin(plans):
    text = plans.clean_text("chikan_14th_fyp")
    assert opencc.OpenCC("t2s").convert(text) == text
    assert not PINYIN.search(text)
    assert "赤坎区" in text and "區" not in text
    kinds = set(plans.repairs.query("doc_id == 'chikan_14th_fyp'")["kind"])
    assert {"traditional_to_simplified", "pinyin_removed", "mojibake_repaired"} <= kinds


def test_real_parentheses_survive_cleaning(plans):
    assert "（此件主动公开）" in plans.clean_text("huli_inclusive_innovation_2021")
    assert "（牵头单位：区发改局" in plans.clean_text("huli_inclusive_innovation_2021")
    assert "(一)" in plans.clean_text("huli_work_report_2023")
    assert "(以下简称“规划纲要”)" in plans.clean_text("chikan_14th_fyp")


def test_simplified_documents_get_no_script_conversion(plans):
    converted = plans.repairs.query("kind == 'traditional_to_simplified'")["doc_id"].unique().tolist()
    assert converted == ["chikan_14th_fyp"]


def test_web_cruft_is_dropped_and_logged(plans):
    dropped = plans.repairs.query("doc_id == 'huli_work_report_2023' and kind == 'cruft_dropped'")
    assert any(b.startswith("本文地址") for b in dropped["before"])
    assert any(b.startswith("验证码") for b in dropped["before"])
    text = plans.clean_text("huli_work_report_2023")
    for debris in ("本文地址", "留言与评论", "验证码", "网站地图"):
        assert debris not in text


def test_numbers_lose_stray_spaces_but_lost_plus_signs_stay_apart(plans):
    text = plans.clean_text("chikan_14th_fyp")
    assert "2021年05月" in text
    assert "年均增长7%以上" in text
    assert "10 13" in plans.clean_text("huli_work_report_2023")  # a slogan with a lost "+", not 1013


def test_broken_lines_are_joined_with_provenance(plans):
    passages = plans.passages.query("doc_id == 'huli_inclusive_innovation_2021'")
    talent = passages[passages["text"].str.contains("提高人才公寓供给量，降低人才公寓申请条件")]
    assert len(talent) == 1
    assert (talent.iloc[0].line_start, talent.iloc[0].line_end) == (33, 35)


def _headings(corpus, doc_id):
    p = corpus.passages
    return p[(p["doc_id"] == doc_id) & (p["role"] == "heading")]


def test_outline_of_the_inclusive_innovation_plan(plans):
    headings = _headings(plans, "huli_inclusive_innovation_2021")
    top = headings[headings["level"] == 1]["heading"].tolist()
    assert top == ["一、构建要素便利流动的发展环境", "二、坚持创新驱动的产业导向", "三、打造安居乐业的城市空间",
                   "四、创造高品质的生活环境", "五、促进公平公正的法治环境", "六、保障措施"]
    assert (headings["level"] == 2).sum() == 15
    measures = plans.passages.query("doc_id == 'huli_inclusive_innovation_2021' and role == 'body' and level == 3")
    numbers = [int(re.match(r"(\d+)\.", t).group(1)) for t in measures["text"]]
    assert numbers == list(range(1, 29))
    first = measures.iloc[0]
    assert first.section_path == "一、构建要素便利流动的发展环境 > （一）优化产业空间布局 > 1.有效盘活利用存量空间"
    assert first.lead_units == "区发改局" or first.lead_units.startswith("区")


def test_lead_department_lines_become_fields(plans):
    measures = plans.passages.query("doc_id == 'huli_inclusive_innovation_2021' and level == 3")
    assert (measures["lead_units"] != "").all()
    elderly = measures[measures["text"].str.startswith("21.")].iloc[0]
    assert (elderly.lead_units, elderly.partner_units) == ("区民政局", "区卫健局")
    standalone = plans.passages[plans.passages["responsibility"] != ""]
    assert len(standalone) >= 10
    assert not standalone["text"].str.contains("牵头单位").any()  # the closing note is a field, not text


def test_outline_of_the_work_report_and_its_glossary(plans):
    headings = _headings(plans, "huli_work_report_2023")
    assert headings[headings["level"] == 1]["heading"].tolist() == [
        "一、2023年工作回顾", "二、2024年工作计划", "三、政府自身建设", "名词解释"]
    assert (headings["level"] == 2).sum() == 11
    glossary = plans.glossary.query("doc_id == 'huli_work_report_2023'")
    assert len(glossary) >= 30
    row = glossary[glossary["term"] == "五社联动"].iloc[0]
    assert row.definition.startswith("社区、社会工作者")
    assert not plans.passages["text"].str.contains("五社联动:社区").any()
    run_in = plans.passages.query("doc_id == 'huli_work_report_2023' and heading == '服务融入“国之大者”'")
    assert len(run_in) == 1 and run_in.iloc[0].level == 2


def test_outline_of_the_cangshan_plan(plans):
    headings = _headings(plans, "cangshan_14th_fyp")
    chapters = headings[headings["heading"].str.match(r"^第.{1,2}章")]
    assert len(chapters) == 9
    assert chapters.iloc[0].heading == "第一章 开启高质量发展新篇章 建设现代化国际城市先行示范区"
    assert (chapters["level"] == 1).all()
    sections = headings[headings["heading"].str.match(r"^第.{1,3}节")]
    assert len(sections) == 37 and (sections["level"] == 2).all()
    elderly = sections[sections["heading"].str.contains("养老")]
    assert len(elderly) >= 1
    assert headings.iloc[0].heading == "前言"


def test_outline_of_the_chikan_plan_without_section_level(plans):
    headings = _headings(plans, "chikan_14th_fyp")
    chapters = headings[headings["heading"].str.match(r"^第.{1,3}章")]
    assert chapters["heading"].str.slice(0, 4).tolist()[:2] == ["第二章乘", "第三章创"]
    assert len(chapters) == 12
    assert chapters.iloc[1].heading.startswith("第三章创新驱动 增强高质量发展")
    numbered = headings[headings["heading"].str.match(r"^[一二三四五六七八九十]+、")]
    assert (numbered["level"] == 2).all()  # directly under chapters: the 第X节 level is absent


def test_business_environment_plan_measures(plans):
    body = plans.passages.query("doc_id == 'huli_business_environment_2021' and role == 'body'")
    numbered = body[body["text"].str.match(r"^\d+\.")]
    assert len(numbered) >= 18
    assert (body["lead_units"] != "").sum() >= 15


def test_metadata_from_catalog_and_front_matter(plans):
    docs = plans.documents.set_index("doc_id")
    assert docs.loc["huli_inclusive_innovation_2021", "doc_number"] == "厦湖府办〔2021〕44号"
    assert docs.loc["huli_work_report_2023", "speaker"] == "黄颖"
    assert docs.loc["huli_work_report_2023", "issued"] == "2023-12-27"
    assert set(docs["district"]) == {"Huli", "Cangshan", "Chikan"}
    assert docs["source_sha256"].str.len().eq(64).all()


def test_metadata_inferred_for_generality_reports(generality):
    docs = generality.documents.set_index("doc_id")
    assert (docs["kind"] == "work_report").all()
    beijing = docs.loc["gwr_provincial_beijing_2026"]
    assert beijing.issued.startswith("2026-01-25")
    assert beijing.speaker == "殷勇"
    assert beijing.district_zh == "北京市"
    national = docs.loc["gwr_national_2021"]
    assert national.speaker == "李克强"
    assert (national.period_start, national.period_end) == (2020, 2021)


def test_generality_outlines(generality):
    p = generality.passages
    beijing = p[(p["doc_id"] == "gwr_provincial_beijing_2026") & (p["role"] == "heading")]
    assert beijing.iloc[0].heading == "一、2025年工作回顾"
    assert "下载" not in generality.clean_text("gwr_provincial_beijing_2026").split("\n")
    for doc_id in generality.documents["doc_id"]:
        body = p[(p["doc_id"] == doc_id) & (p["role"] == "body")]
        assert len(body) >= 30, doc_id
        assert body["section_path"].ne("").mean() > 0.9, doc_id


def test_building_twice_gives_identical_tables(catalog, plans):
    again = pc.build_corpus(list(catalog["source_file"]), catalog=catalog, embed=False)  # as the fixture
    for name in ("documents", "passages", "glossary", "repairs"):
        pd.testing.assert_frame_equal(getattr(plans, name), getattr(again, name))


def test_save_and_load_round_trip(plans, tmp_path):
    plans.save(tmp_path / "saved")
    loaded = pc.load_corpus(tmp_path / "saved")
    pd.testing.assert_frame_equal(loaded.passages, plans.passages)
    assert loaded.clean_text("chikan_14th_fyp") == plans.clean_text("chikan_14th_fyp")
    assert not list((tmp_path / "saved").glob("*.pkl"))


def test_loading_a_folder_that_is_not_a_corpus(tmp_path):
    with pytest.raises(pc.PlancompareError, match="not a saved corpus"):
        pc.load_corpus(tmp_path)


def test_summary_counts_per_district(plans):
    summary = plans.summary().set_index("district")
    assert summary.loc["Huli", "documents"] == 3
    assert summary.loc["Chikan", "repairs_pinyin_removed"] > 100
    assert summary["passages"].sum() == len(plans.passages)


def test_ordinary_question_marks_are_not_taken_for_mojibake(tmp_path):
    path = tmp_path / "questions.txt"
    text = "一、总体要求\n你知道吗?这是一个问题。我们为什么要发展?因为需要。\n发展新质生产力?是的。\n"
    path.write_text(text, encoding="utf-8")
    corpus = pc.build_corpus([path])
    assert corpus.clean_text("questions") == text.strip()
    assert corpus.repairs.empty


def test_mojibake_spots_are_repaired_or_marked_in_the_chikan_plan(plans):
    repairs = plans.repairs.query("doc_id == 'chikan_14th_fyp' and kind.str.startswith('mojibake')")
    assert len(repairs) >= 30
    text = plans.clean_text("chikan_14th_fyp")
    assert "。科技创新" in text and "。基础设施" in text and "。空气质量" in text
    assert not repairs["after"].str.contains("?", regex=False).any()  # no "?" debris in restored spans
    unrecoverable = repairs[repairs["kind"] == "mojibake_unrecoverable"]
    assert unrecoverable["after"].str.contains("□").all()


def test_clean_texts_are_written_as_to_parquet_wrote_them_and_both_load(plans, tmp_path):
    """``Corpus.save`` writes ``clean_text.parquet`` in row groups from UTF-8 bytes (no UTF-8 copy cached
    in the corpus's strings): the same schema and frame as ``DataFrame.to_parquet``, and a corpus saved
    the earlier way (one ``to_parquet`` call) still loads to the same texts."""
    import pyarrow.parquet as pq

    from plancompare.corpus import _write_clean_texts

    texts = {doc_id: plans.clean_text(doc_id) for doc_id in plans.documents["doc_id"]}
    texts["区县_空"] = ""  # a non-ASCII id and an empty text
    _write_clean_texts(tmp_path / "new.parquet", texts, chunk_chars=50_000)  # several row groups
    pd.DataFrame({"doc_id": list(texts), "text": list(texts.values())}).to_parquet(tmp_path / "old.parquet",
                                                                                 index=False)
    assert pq.ParquetFile(tmp_path / "new.parquet").metadata.num_row_groups > 1
    assert pq.read_schema(tmp_path / "new.parquet").equals(pq.read_schema(tmp_path / "old.parquet"),
                                                           check_metadata=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "new.parquet"), pd.read_parquet(tmp_path / "old.parquet"))
    _write_clean_texts(tmp_path / "none.parquet", {})
    assert list(pd.read_parquet(tmp_path / "none.parquet").columns) == ["doc_id", "text"]

    import sys

    fresh = {d: t.encode("utf-8").decode("utf-8") for d, t in texts.items()}  # new strings: no UTF-8 cached yet
    sizes = [sys.getsizeof(t) for t in fresh.values()]  # a string grows by its UTF-8 copy once one is cached
    corpus = pc.Corpus(plans.documents, plans.passages, plans.glossary, plans.repairs, fresh, lines=plans.lines,
                       indicators=plans.indicators, build_log=plans.build_log)
    corpus.save(tmp_path / "saved")
    assert [sys.getsizeof(t) for t in fresh.values()] == sizes
    (tmp_path / "old.parquet").replace(tmp_path / "saved" / "clean_text.parquet")  # as an earlier save wrote it
    loaded = pc.load_corpus(tmp_path / "saved")
    assert all(loaded.clean_text(d) == texts[d] for d in texts)
