"""Front-matter metadata on document openings written for these tests (same classes of line as real
notices, reports and news pages; invented places, numbers and dates)."""

from __future__ import annotations

from plancompare.catalog import infer_issuer, infer_metadata, title_kind


def _meta(text: str) -> dict:
    return infer_metadata([line for line in text.strip().splitlines() if line.strip()], "document.txt", warn=False)


def test_notice_issuer_line_gives_issuer_region_number_and_signature_date():
    meta = _meta("""
青禾市人民政府办公室关于印发《青禾市促进家政服务提质扩容行动方案（2024—2026年）》的通知
发布日期：2024-05-09
青政办发〔2024〕17号
各县（区）人民政府，市政府各部门：
《青禾市促进家政服务提质扩容行动方案（2024—2026年）》已经市政府同意，现印发给你们，请认真贯彻落实。
青禾市人民政府办公室
2024年4月28日
""")
    assert meta["issuer"] == "青禾市人民政府办公室"
    assert meta["district"] == "青禾市"
    assert meta["kind"] == "implementation_plan"
    assert meta["doc_number"] == "青政办发〔2024〕17号"
    assert meta["issued"] == "2024-04-28"  # the signature date, not the page's publication date
    assert "issuer" not in meta["meta_warnings"] and "region" not in meta["meta_warnings"]


def test_cited_document_number_is_not_the_documents_own():
    meta = _meta("""
各乡镇人民政府，县直各单位：
为贯彻落实《某省人民政府关于加快托育服务发展的意见》（某政发〔2021〕8号）精神，结合我县实际，制定本方案。
""")
    assert "doc_number" not in meta


def test_leading_document_number_and_co_issuers_do_not_hide_the_issuer():
    front = ["松川市发展和改革委员会 松川市民政局 关于印发松川市社区食堂建设实施方案的通知 各区县政府，市级有关部门："]
    assert infer_issuer("", front, "implementation_plan") == "松川市发展和改革委员会"
    meta = _meta("松政办〔2025〕3号《松川市人民政府办公厅关于印发2025年市〈政府工作报告〉重点任务分解方案的通知》\n"
                 "各区人民政府，市政府各部门：")
    assert meta["issuer"] == "松川市人民政府办公厅" and meta["district"] == "松川市"
    assert meta["kind"] == "implementation_plan"  # a 分解方案 of the report, not the report
    assert meta["issued"] == "2025"  # from the document number, lacking a date line


def test_titles_about_a_document_are_not_that_document():
    assert title_kind("《云岭县国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要》解读") == "other"
    assert title_kind("关于《云岭县国民经济和社会发展第十四个五年规划纲要（草案）》的说明") == "other"
    assert title_kind("区政府召开2025年《政府工作报告》重点任务推进会") == "other"
    assert title_kind("云岭县人民政府关于云岭县2024年国民经济和社会发展计划执行情况的报告") == "other"
    assert title_kind("2025年云岭县政府工作报告—全文") == "work_report"
    assert title_kind("云岭县推进县域商业体系建设三年行动计划（2024—2026年）") == "implementation_plan"
    assert title_kind("云岭县国民经济和社会发展第十五个五年规划纲要（草案）") == "five_year_plan"


def test_site_tag_before_the_title_and_quotes_do_not_hide_the_region():
    meta = _meta("【政策解读】《云岭县养老服务体系建设规划》解读\n一、编制背景")
    assert meta["district"] == "云岭县" and meta["kind"] == "other"


def test_work_report_issuer_from_congress_and_state_council_is_national():
    meta = _meta("""
政府工作报告
——2025年1月8日在石坪区第三届人民代表大会第五次会议上
各位代表：
""")
    assert meta["issuer"] == "石坪区人民政府" and meta["kind"] == "work_report"
    assert meta["issued"] == "2025-01-08"
    meta = _meta("国务院关于支持某地建设沿边开放试验区的意见\n国发〔2024〕9号\n各省、自治区、直辖市人民政府：")
    assert meta["issuer"] == "国务院" and meta["district"] == "全国"


def test_congress_resolution_and_missing_facts_are_warned():
    meta = _meta("桐溪市第九届人民代表大会第二次会议关于政府工作报告的决议\n（2024年2月20日通过）")
    assert meta["issuer"] == "桐溪市人民代表大会" and meta["kind"] == "other"
    meta = _meta("县长在全县安全生产工作会议上的讲话\n同志们：")
    assert "district" not in meta and "issuer" not in meta
    assert "issuer not named" in meta["meta_warnings"] and "no issue date" in meta["meta_warnings"]
