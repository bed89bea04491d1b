"""Readers for the formats governments publish, on the nine real files in ../shared/generality/formats.

Each reader: headings found, debris removed (and logged), a known number extracted with
its page / paragraph / table locator.  Bad input: one-line errors naming the file.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import plancompare as pc
from plancompare.ingest import SUPPORTED_SUFFIXES, read_source
from plancompare.ingest import word as word_reader

from .conftest import DATA, SHARED

FORMATS = SHARED / "generality" / "formats"
NINE = sorted(p for p in FORMATS.glob("*") if p.suffix in SUPPORTED_SUFFIXES) if FORMATS.is_dir() else []
needs_formats = pytest.mark.skipif(len(NINE) != 9, reason=f"the nine real files are not in {FORMATS} "
                                                          "(set PLANCOMPARE_SHARED to the shared folder)")


def real(name: str) -> Path:
    return FORMATS / name


@pytest.fixture(scope="module")
def nine():
    """The nine real files built into one corpus (no embeddings)."""
    if len(NINE) != 9:
        pytest.skip(f"the nine real files are not in {FORMATS}")
    return pc.build_corpus(FORMATS, embed=False)


def rows(corpus, doc_id: str, table: str = "passages") -> pd.DataFrame:
    frame = getattr(corpus, table)
    return frame[frame["doc_id"] == doc_id]


def debris_of(corpus, doc_id: str) -> list[str]:
    repairs = rows(corpus, doc_id, "repairs")
    return repairs[repairs["kind"] == "format_debris_dropped"]["before"].tolist()


# --- PDF -------------------------------------------------------------------------------
@needs_formats
def test_pdf_work_report_lines_joined_and_number_located(nine):
    doc = "beijing_gov_work_report_2024"
    text = nine.clean_text(doc)
    # every printed line broke mid-sentence; joined, the sentence and its numbers are whole
    assert "全市地区生产总值增长5.2%、约4.4万亿元，一般公共预算收入增长8.2%" in text
    joins = rows(nine, doc, "repairs").query("kind == 'line_joined'")
    assert len(joins) > 200
    headings = set(rows(nine, doc)["heading"])
    assert {"一、2023年工作回顾", "二、2024年重点任务"} <= headings
    growth = rows(nine, doc, "indicators").query("indicator_id == 'gdp_growth_rate' and value == 5.2")
    assert not growth.empty and growth.iloc[0]["locator"].startswith("p.1 l.")
    assert growth.iloc[0]["page"] == 1
    assert rows(nine, doc)["page"].between(1, 13).all()


@needs_formats
def test_pdf_statistics_report_drops_page_numbers_and_keeps_tables(nine):
    doc = "shenzhen_gender_statistics_2021"
    debris = debris_of(nine, doc)
    assert sum(d.isdigit() for d in debris) >= 12  # 13 pages: a lone page number at the foot of each
    lines = nine.lines[nine.lines["doc_id"] == doc]
    text = nine.clean_text(doc).split("\n")
    row = next(i for i, line in enumerate(text) if line.startswith("福田区\t124.88"))
    assert text[row].split("\t") == ["福田区", "124.88", "60.48", "64.40", "93.91"]
    assert lines.iloc[row]["locator"] == "p.3 l.4"
    assert any(line.startswith("2021年，深圳市常住人口1761.48万人，其中男性969.57万人") for line in text)
    assert "‰" in nine.clean_text(doc)
    # a superscript footnote mark between two halves of a sentence is dropped, the halves joined
    assert "常住人口性别比为122.44" in nine.clean_text(doc)


@needs_formats
def test_pdf_without_poppler_falls_back_to_pdfplumber(monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool == "pdftotext" else real_which(tool))
    source = read_source(real("shenzhen_gender_statistics_2021.pdf"))
    assert source.format == "pdf"
    joined = "\n".join(source.lines)
    assert "1761.48" in joined and "福田区\t124.88" in joined
    assert any(loc.startswith("p.13") for loc in source.locators)


# --- Word ------------------------------------------------------------------------------
@needs_formats
def test_docx_plan_drops_table_of_contents_and_reads_tables(nine):
    doc = "guilin_logistics_hub_plan_2020"
    debris = debris_of(nine, doc)
    assert "前 言\t1" in debris and "（一）发展成效\t2" in debris and "目\t录" in debris
    text = nine.clean_text(doc)
    assert "前言1" not in text and "发展成效2" not in text
    lines = nine.lines[nine.lines["doc_id"] == doc]
    clean = text.split("\n")
    row = next(i for i, line in enumerate(clean) if line.startswith("货物运输总量\t8828.88"))
    assert lines.iloc[row]["locator"] == "table 1 row 2"
    headings = set(rows(nine, doc)["heading"])
    assert {"一、发展基础与环境", "（一）发展成效"} <= headings
    assert rows(nine, doc)["locator"].str.startswith(("para ", "table ")).all()


@needs_formats
def test_docx_pasted_from_web_drops_font_widget(nine):
    doc = "ganzhou_regional_centres_implementation_2018"
    repairs = rows(nine, doc, "repairs")
    assert "字体：[大 中 小]" in repairs.query("kind == 'cruft_dropped'")["before"].str.replace("\xa0", " ").tolist()
    assert "字体" not in nine.clean_text(doc)[:200]
    meta = nine.documents.set_index("doc_id").loc[doc]
    assert meta["doc_number"] == "赣市府办发〔2018〕44号"


@needs_formats
def test_docx_red_header_policy_spaces_inside_numbers_removed(nine):
    doc = "liangxi_modern_industry_policy_2020"
    text = nine.clean_text(doc)
    assert "十九大" in text and "十 九大" not in text
    assert "2020年3月27日" in text
    assert "一、支持重大产业项目建设" in set(rows(nine, doc)["heading"])
    found = rows(nine, doc, "indicators")
    assert found["locator"].str.match(r"^para \d+").all()


@needs_formats
def test_docx_written_in_a_layout_table_reads_as_prose():
    source = read_source(real("shuangpu_farm_produce_safety_workplan_2021.docx"))
    # one paragraph per cell would give 518 "paragraphs"; the layout table reads as prose + table rows
    assert 40 < len(source.lines) < 120
    prose = [(line, loc) for line, loc in zip(source.lines, source.locators) if line.startswith("一、指导思想")]
    assert prose and prose[0][1].startswith("table 4 row 1 para ")
    assert any("\t" in line and any(ch.isdigit() for ch in line) for line in source.lines)


@needs_formats
def test_legacy_doc_through_antiword(nine):
    if not shutil.which("antiword"):
        pytest.skip("antiword not installed (make system-deps)")
    doc = "nanjing_software_landmark_action_plan_2019"
    assert nine.documents.set_index("doc_id").loc[doc, "encoding"] == "doc (antiword)"
    target = rows(nine, doc, "indicators").query("value == 5800")
    assert not target.empty and target.iloc[0]["locator"].startswith("para ")
    assert "二、主要任务" in set(rows(nine, doc)["heading"])
    assert "PAGE" not in nine.clean_text(doc)


@needs_formats
def test_legacy_doc_through_catdoc_drops_page_fields(monkeypatch):
    if not shutil.which("catdoc"):
        pytest.skip("catdoc not installed (make system-deps)")
    real_which = shutil.which
    monkeypatch.setattr(word_reader.shutil, "which", lambda tool: None if tool == "antiword" else real_which(tool))
    source = read_source(real("nanjing_software_landmark_action_plan_2019.doc"))
    assert source.encoding == "doc (catdoc)"
    dropped = [record["before"] for record in source.debris]
    assert any("PAGE" in line for line in dropped)
    assert not any("PAGE" in line for line in source.lines_for_cleaning())


def test_doc_without_a_converter_is_a_one_line_error(tmp_path, monkeypatch):
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    monkeypatch.setattr(word_reader.shutil, "which", lambda tool: None)
    with pytest.raises(pc.InputFileError, match=r"old\.doc: reading \.doc needs antiword or catdoc"):
        read_source(path)


# --- HTML ------------------------------------------------------------------------------
@needs_formats
@pytest.mark.parametrize("doc, chrome", [
    ("wanzai_stats_bulletin_2015", ["ICP", "网站标识码", "当前位置", "无障碍", "您是第"]),
    ("yichun_stats_bulletin_2022", ["访问量", "即将离开", "ICP", "版权所有", "发布机构", "hm.js"]),
])
def test_web_page_keeps_the_body_and_drops_the_chrome(nine, doc, chrome):
    text = nine.clean_text(doc)
    for word in chrome:
        assert word not in text
    assert "一、综合" in set(rows(nine, doc)["heading"])
    assert rows(nine, doc, "indicators")["locator"].str.match(r"^l\.\d+ /html/body/").all()
    assert nine.documents.set_index("doc_id").loc[doc, "title"].endswith("国民经济和社会发展统计公报")


@needs_formats
def test_web_page_numbers_split_into_spans_stay_whole_and_tables_are_rows(nine):
    text = nine.clean_text("wanzai_stats_bulletin_2015")
    assert "全县实现生产总值(GDP)1102284万元" in text
    assert "饮料酒\t千升\t15767\t18.64" in text.split("\n")
    growth = rows(nine, "yichun_stats_bulletin_2022", "indicators").query("value == 3473.12")
    assert not growth.empty


# --- the rules are general ---------------------------------------------------------------
def test_debris_rules_leave_the_bundled_plans_alone():
    """Page-number and table-of-contents rules drop nothing from the plain-text plans."""
    for file in sorted((DATA / "raw").glob("*.txt")):
        assert read_source(file).debris == (), file.name


def test_table_of_contents_needs_a_run_of_entries(tmp_path):
    path = tmp_path / "toc.txt"
    path.write_text("目 录\n第一章 总体要求……1\n一、指导思想 2\n二、发展目标 3\n第一章 总体要求\n"
                    "表 1\n到2025年，地区生产总值达到500亿元。\n- 2 -\n第 3 页 共 9 页\n", encoding="utf-8")
    dropped = {record["before"] for record in read_source(path).debris}
    assert dropped == {"目 录", "第一章 总体要求……1", "一、指导思想 2", "二、发展目标 3", "- 2 -", "第 3 页 共 9 页"}


def test_web_chrome_rules_apply_to_any_format(tmp_path):
    path = tmp_path / "pasted.txt"
    path.write_text("某区2023年政府工作报告\n首页 > 政务公开 > 政府工作报告\n访问量：1234\n"
                    "字体：[大 中 小]\n今年全区地区生产总值增长6%。\n赣ICP备05004170号\n"
                    "您访问的链接即将离开“某区人民政府”门户网站 是否继续？\n", encoding="utf-8")
    corpus = pc.build_corpus([path], embed=False)
    assert corpus.clean_text("pasted").split("\n") == ["某区2023年政府工作报告", "今年全区地区生产总值增长6%。"]
    assert (corpus.repairs["kind"] == "cruft_dropped").sum() == 5


# --- bad input -----------------------------------------------------------------------------
def test_scanned_pdf_without_text_layer(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    path = tmp_path / "scan.pdf"
    writer.write(path)
    with pytest.raises(pc.InputFileError, match=r"scan\.pdf: PDF has no text layer"):
        read_source(path)


def test_password_protected_pdf(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    path = tmp_path / "locked.pdf"
    writer.write(path)
    with pytest.raises(pc.InputFileError, match=r"locked\.pdf: PDF is password-protected"):
        read_source(path)


@pytest.mark.parametrize("name, data, problem", [
    ("broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4, r"cannot read PDF|no text layer"),
    ("notpdf.pdf", b"<html>oops</html>", r"not a PDF file"),
    ("broken.docx", b"PK\x03\x04" + b"\x00" * 100, r"cannot read \.docx"),
    ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, r"password-protected"),
    ("notdoc.doc", b"just some text", r"not a Word 97"),
    ("sheet.xls", b"whatever", r"unsupported file type '\.xls'"),
    ("nobody.html", "<html><head><title>x</title></head><body><nav>首页 | 政务公开</nav></body></html>".encode(),
     r"web page has no main text"),
])
def test_bad_input_is_one_line_naming_the_file(tmp_path, name, data, problem):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(pc.InputFileError, match=problem) as info:
        read_source(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message


def test_docx_with_images_only_is_an_error(tmp_path):
    source = real("guilin_logistics_hub_plan_2020.docx") if NINE else None
    if source is None:
        pytest.skip("real .docx not available")
    path = tmp_path / "images.docx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "word/document.xml":
                head, _, rest = data.partition(b"<w:body>")
                data = head + b"<w:body><w:p/>" + rest[rest.rindex(b"<w:sectPr"):]
            copy.writestr(item, data)
    with pytest.raises(pc.InputFileError, match=r"images\.docx: Word file has no text"):
        read_source(path)


def test_gbk_file_cut_mid_character_names_the_last_byte(tmp_path):
    data = "第一章 总体要求\n到2025年，地区生产总值年均增长7%以上。\n".encode("gbk")
    path = tmp_path / "cut.txt"
    path.write_bytes(data + "发".encode("gbk")[:1])
    with pytest.raises(pc.InputFileError, match=rf"cut\.txt: truncated multi-byte character at byte {len(data)} "):
        read_source(path)


# --- a folder of mixed formats, metadata and the CLI ----------------------------------------
@needs_formats
def test_folder_build_is_recursive_and_mixed(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(real("yichun_stats_bulletin_2022.html"), tmp_path / "a")
    shutil.copy(real("liangxi_modern_industry_policy_2020.docx"), tmp_path / "a" / "b")
    shutil.copy(DATA / "raw" / "huli_government_work_report_2023.txt", tmp_path)
    (tmp_path / "a" / "notes.xlsx").write_bytes(b"not read: not a supported suffix")
    corpus = pc.build_corpus(tmp_path, embed=False)
    assert sorted(corpus.documents["format"]) == ["docx", "html", "txt"]
    assert set(corpus.passages["locator"].str.extract(r"^(\w+)")[0]) >= {"para", "l"}


@needs_formats
def test_info_metadata_csv_round_trip(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from plancompare import cli
    from plancompare.cli import app

    monkeypatch.setattr(cli.console, "width", 250)  # one table row per document
    folder = tmp_path / "plans"
    folder.mkdir()
    for name in ("ganzhou_regional_centres_implementation_2018.docx", "wanzai_stats_bulletin_2015.html"):
        shutil.copy(real(name), folder)
    corpus_dir = tmp_path / "corpus"
    pc.build_corpus(folder, embed=False).save(corpus_dir)
    runner = CliRunner()
    shown = runner.invoke(app, ["info", "--corpus", str(corpus_dir)])
    assert shown.exit_code == 0, shown.output
    assert "赣市府办发〔2018〕44号" in shown.output and "(0.95)" in shown.output
    csv = tmp_path / "meta.csv"
    written = runner.invoke(app, ["info", "--corpus", str(corpus_dir), "--metadata-csv", str(csv)])
    assert written.exit_code == 0, written.output
    table = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(table["doc_id"]) == {"ganzhou_regional_centres_implementation_2018", "wanzai_stats_bulletin_2015"}
    assert float(table.set_index("doc_id").loc["wanzai_stats_bulletin_2015", "confidence_district"]) < 1
    # edit: name the city and province of the county bulletin, then build again with the CSV as catalog
    table.loc[table["doc_id"] == "wanzai_stats_bulletin_2015", ["city", "province"]] = ["宜春市", "江西省"]
    table.to_csv(csv, index=False, encoding="utf-8-sig")
    rebuilt = pc.build_corpus(folder, catalog=csv, embed=False)
    doc = rebuilt.documents.set_index("doc_id").loc["wanzai_stats_bulletin_2015"]
    assert (doc["city"], doc["province"], doc["district_zh"]) == ("宜春市", "江西省", "万载县")
    from plancompare.docinfo import metadata_table

    confidence = metadata_table(rebuilt.documents).set_index(["doc_id", "field"])["confidence"]
    assert confidence[("wanzai_stats_bulletin_2015", "city")] == 1.0
    assert confidence[("wanzai_stats_bulletin_2015", "district")] == 1.0  # every value in the catalog is given


@needs_formats
def test_cli_add_extends_a_saved_corpus(tmp_path):
    from typer.testing import CliRunner

    from plancompare.cli import app

    corpus_dir = tmp_path / "corpus"
    pc.build_corpus([real("yichun_stats_bulletin_2022.html")], embed=False).save(corpus_dir)
    result = CliRunner().invoke(app, ["add", str(real("liangxi_modern_industry_policy_2020.docx")),
                                      "--corpus", str(corpus_dir)])
    assert result.exit_code == 0, result.output
    extended = pc.load_corpus(corpus_dir)
    assert sorted(extended.documents["format"]) == ["docx", "html"]
    assert set(extended.indicators["doc_id"]) == set(extended.documents["doc_id"])
    bad = CliRunner().invoke(app, ["add", str(tmp_path / "missing.pdf"), "--corpus", str(corpus_dir)])
    assert bad.exit_code == 2 and "missing.pdf: file not found" in " ".join(bad.output.split())


@pytest.mark.slow
@needs_formats
def test_nine_formats_and_the_bundled_plans_in_one_corpus(catalog):
    files = list(catalog["source_file"]) + NINE
    corpus = pc.build_corpus(files, catalog=catalog, embed=True)
    assert len(corpus.documents) == 14
    assert set(corpus.documents["format"]) == {"txt", "docx", "doc", "pdf", "html"}
    hits = corpus.search("国家物流枢纽建设", k=5)
    assert "guilin_logistics_hub_plan_2020" in set(hits["doc_id"])
    hits = corpus.search("software industry revenue", k=5, min_verdict="none")  # ranking across formats; the verdict on unfamiliar English topics is issue 11
    assert "nanjing_software_landmark_action_plan_2019" in set(hits["doc_id"])
    indicators = corpus.indicators
    per_doc = indicators.groupby("doc_id").size()
    assert all(per_doc.get(path.stem, 0) > 0 for path in NINE)
    assert (indicators[indicators["doc_id"].isin([p.stem for p in NINE])]["locator"] != "").all()
