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


def test_region_chain_is_split_into_province_city_and_district():
    meta = _meta("（云岭省）松川市青禾县国民经济和社会发展第十五个五年规划和二〇三五年远景目标纲要\n青禾县人民政府\n2026年3月")
    assert (meta["province"], meta["city"], meta["district_zh"]) == ("云岭省", "松川市", "青禾县")
    meta = _meta("上海市青禾区人民政府办公室关于印发《青禾区托育服务提升行动方案》的通知\n各街道办事处，区政府各委、办、局：")
    assert (meta["province"], meta["district_zh"]) == ("上海市", "青禾区")  # a municipality is the province
    assert "city" not in meta
    meta = _meta("甘肃省白岭藏族自治州人民政府关于加快发展冷链物流的实施意见\n各县市人民政府，州政府各部门：")
    assert (meta["province"], meta["city"], meta["district_zh"]) == ("甘肃省", "白岭藏族自治州", "白岭藏族自治州")
    meta = _meta("2025年天津政府工作报告全文")  # a province named without its suffix
    assert meta["district_zh"] == meta["province"] == "天津市"
    # a lone 市 may be a county-level city: no city is claimed
    assert "city" not in _meta("青禾市人民政府办公室关于印发《青禾市菜篮子工程实施方案》的通知")


def test_issuer_confidence_follows_the_evidence():
    signed = _meta("各乡镇人民政府，县直各单位：\n《青禾县冬春农田水利建设工作方案》已经县政府同意，现印发给你们。\n"
                   "青禾县人民政府办公室\n2025年11月3日")
    assert (signed["issuer"], signed["issuer_evidence"]) == ("青禾县人民政府办公室", "issuer_line")
    assert signed["kind"] == "implementation_plan"  # the notice's 《…方案》…现印发 names what it issues
    spoken = _meta("各位代表：\n现在，我代表青禾区人民政府，向大会报告工作，请予审议。\n一、2025年工作回顾")
    assert (spoken["issuer"], spoken["issuer_evidence"]) == ("青禾区人民政府", "body")
    assert spoken["kind"] == "work_report" and spoken["issued"] == "2026"
    assert spoken["issuer_confidence"] < signed["issuer_confidence"]
    assert "issuer '青禾区人民政府' read from weak evidence" in spoken["meta_warnings"]
    assert "issuer" not in signed["meta_warnings"]


def test_bare_provincial_government_is_named_by_its_document_number():
    meta = _meta("省人民政府关于\n加快发展冰雪经济的若干意见\n鄂政发〔2025〕4号\n各市、州、县人民政府，省政府各部门：")
    assert meta["title"] == "省人民政府关于加快发展冰雪经济的若干意见"  # a title broken after 关于 is joined
    assert meta["kind"] == "implementation_plan"
    assert (meta["issuer"], meta["issuer_evidence"]) == ("湖北省人民政府", "doc_number")
    assert meta["district_zh"] == meta["province"] == "湖北省"
    # a prefecture's number opens with no province's abbreviation: no guess
    assert "issuer" not in _meta("市人民政府关于\n加快发展冰雪经济的若干意见\n青政发〔2025〕4号")


def test_page_stamps_give_a_weak_region_and_the_date():
    meta = _meta("关于《政府工作报告（征求意见稿）》解读\n"
                 "新闻来源：政府办 责任编辑：青禾区政府研究室 发布时间：2025-01-08 10:20 点击量：312\n"
                 "《报告》共分两部分。")
    assert meta["district_zh"] == "青禾区" and meta["region_evidence"] == "stamp"
    assert "region '青禾区' read from a weak source" in meta["meta_warnings"]
    assert meta["issued"] == "2025-01-08"  # a time after the day does not hide the date
    meta = _meta("发布机构 区人民政府办公室 文 号 青政办〔2025〕2号\n分 类 政务公开")
    assert meta["doc_number"] == "青政办〔2025〕2号"  # the stamp's label is not part of the number
    meta = _meta("2025年云岭县政府工作报告\n发布时间：2026-02-12 18:00:01")
    assert meta["issued"] == "2025"  # the report's own year, not the day a page put it online


def test_news_about_a_report_and_function_words_are_not_a_document_or_a_place():
    meta = _meta("本报讯 1月20日上午，云岭省第十五届人民代表大会第三次会议在省会隆重开幕，省长代表省政府向大会作"
                 "《政府工作报告》。代表们认真审议了报告。")
    assert meta["kind"] == "other" and meta["district_zh"] == "云岭省"
    assert meta["region_evidence"] == "congress_mention" and "region" in meta["meta_warnings"]
    meta = _meta("在县第十六届人民代表大会第二次会议上的政府工作报告\n——2025年1月日在县第十六届人民代表大会第二次会议上\n"
                 "县人民政府县长 ***")
    assert "district_zh" not in meta and "issuer" not in meta
    meta = _meta("各区（市）县政府，市级有关部门：\n经市领导同意，现将《松川市社区食堂建设实施方案》印发给你们，请认真贯彻落实。")
    assert meta.get("district_zh") != "经市" and meta["kind"] == "implementation_plan"
    meta = _meta("各街道，区级各部门：\n为促进全区经济平稳增长，结合青禾区实际，制定如下措施。")
    assert meta["district_zh"] == "青禾区" and meta["region_evidence"] == "own_reality"


def test_build_reads_metadata_from_front_lines_before_they_are_joined(tmp_path):
    from plancompare.clean import clean_lines
    from plancompare.ingest import read_source
    from plancompare.pipeline.stages import front_matter_lines

    path = tmp_path / "notice.txt"
    path.write_text("青禾县人民政府关于\n加快发展县域冷链物流的实施意见\n发布日期：2024-06-03 09:12\n青政发〔2024〕6号\n"
                    "各乡镇人民政府，县直各单位：\n为加快补齐县域冷链物流短板，推动农产品出村进城，结合我县实际，"
                    "现提出如下意见\n一、总体要求\n", encoding="utf-8")
    source = read_source(path)
    cleaned = clean_lines(source.lines_for_cleaning(), soft_breaks=source.soft_breaks).lines
    joined = [line.text for line in cleaned]
    front = front_matter_lines(source, [(line.text, line.raw_start, line.raw_end) for line in cleaned])
    assert any("2024-06-03" in line for line in front)  # debris in the text, evidence of the metadata
    assert not any("2024-06-03" in line for line in joined)
    meta = infer_metadata(front, path, warn=False)
    assert (meta["issuer"], meta["doc_number"], meta["issued"]) == ("青禾县人民政府", "青政发〔2024〕6号", "2024")
    assert meta["kind"] == "implementation_plan" and meta["district_zh"] == "青禾县"


def test_plancompare_info_confidence_follows_the_issuer_evidence():
    import json

    import pandas as pd

    from plancompare.docinfo import load_confidence, metadata_sources, metadata_table

    rows = []
    for doc_id, evidence in (("signed", "issuer_line"), ("spoken", "body")):
        meta = {"doc_id": doc_id, "issuer": "青禾区人民政府", "issuer_evidence": evidence, "kind": "work_report"}
        meta["metadata_source"] = json.dumps(metadata_sources(meta, {}, {}, ""))
        rows.append(meta)
    table = metadata_table(pd.DataFrame(rows)).set_index(["doc_id", "field"])["confidence"]
    trust = load_confidence()["issuer_evidence"]
    assert table[("signed", "issuer")] == trust["issuer_line"] > table[("spoken", "issuer")] == trust["body"]


def test_party_issuers_and_short_province_prefixes():
    meta = _meta("中共青禾市委办公室青禾市人民政府办公室印发《关于推进政务公开的实施意见》的通知（青办发〔2024〕3号）\n"
                 "各县市区委、人民政府，市直各单位：")
    assert (meta["issuer"], meta["doc_number"], meta["district_zh"]) == ("中共青禾市委办公室", "青办发〔2024〕3号", "青禾市")
    meta = _meta("中共云岭市鹤城区委关于制定鹤城区国民经济和社会发展第十五个五年规划和二〇三五年远景目标的建议")
    assert (meta["issuer"], meta["district_zh"], meta["city"]) == ("中共云岭市鹤城区委", "鹤城区", "云岭市")
    assert meta["kind"] == "other"
    meta = _meta("青发〔2025〕2号\n中共河北青禾新区工作委员会\n河北青禾新区管理委员会\n关于印发《青禾新区冬季供暖保障方案》的通知")
    assert (meta["district_zh"], meta["province"]) == ("青禾新区", "河北省")  # 河北 without 省 is split off
    assert meta["issuer"] == "中共河北青禾新区工作委员会" and meta["kind"] == "implementation_plan"
    meta = _meta("海南藏族自治州人民政府关于加快发展牦牛产业的实施意见")  # a prefecture named after a people
    assert meta["district_zh"] == "海南藏族自治州" and meta.get("province") != "海南省"
    meta = _meta("（上海市）青禾区国民经济和社会发展第十五个五年规划纲要\n上海市青禾区人民政府制定\n前言")
    assert (meta["issuer"], meta["issuer_evidence"], meta["province"]) == ("上海市青禾区人民政府", "issuer_line", "上海市")


def test_report_dates_and_speakers_against_page_furniture():
    meta = _meta("政府工作报告\n——在青禾旗第九届人民代表大会第二次会议上\n青旗人民政府代旗长 某某\n各位代表：")
    assert (meta["issuer"], meta["issuer_evidence"]) == ("青禾旗人民政府", "congress_line")  # not the short name
    meta = _meta("区政府工作会议的讲话\n时间:2022-07-15 08:03:00\n各位代表：\n现在，我代表区人民政府向大会报告工作，请予审议。\n"
                 "一、2008年工作回顾")
    assert meta["kind"] == "work_report" and meta["issued"] == "2009"  # not the day a template site posted it
    meta = _meta("关于青禾区2024年计划执行情况的报告\n2025-01-11 15:12\n发文单位\n青禾区发展和改革局\n发文日期\n2024-12-27 18:10")
    assert meta["issued"] == "2024-12-27"  # the labelled 发文日期 before the page's own date
    assert title_kind("省长某某作《政府工作报告》") == "other"  # a headline about the report


def test_delivery_line_run_into_the_title_names_kind_issuer_and_city_above_the_district():
    # a page that puts the title and its delivery line on one line, then repeats them spaced out
    meta = _meta("""
政府工作报告——2025年1月20日在青禾市松川区第八届人民代表大会第四次会议上
|索引号|000000/2025-00001|发文字号||
政 府 工 作 报 告
""")
    assert meta["title"] == "政府工作报告"
    assert meta["kind"] == "work_report"
    assert meta["district"] == "松川区" and meta["city"] == "青禾市"
    assert meta["issuer"].endswith("松川区人民政府")


def test_body_named_after_the_delivery_line_is_the_issuer():
    meta = _meta("""
关于某某省2024年国民经济和社会发展计划执行情况与2025年计划草案的报告
——2025年1月16日在某某省第九届人民代表大会第三次会议上 某某省发展和改革委员会
各位代表：
""")
    assert meta["issuer"] == "某某省发展和改革委员会"


def test_year_before_a_government_opening_the_title_does_not_hide_it():
    meta = _meta("""
2021年松川区人民政府工作报告
各位代表：
""")
    assert meta["issuer"] == "松川区人民政府" and meta["kind"] == "work_report"


def test_congress_line_broken_after_the_term_and_the_governments_term_are_not_places():
    meta = _meta("""
政府工作报告
——2024年1月18日在松川县第十八届
人民代表大会第三次会议上
县长王某某
各位代表：
现在，我代表十八届县人民政府，向大会报告工作，请予审议。
""")
    assert meta["district"] == "松川县"
    assert meta["issuer"] == "松川县人民政府"


def test_delivery_line_is_not_a_congress_resolution_and_the_term_stands_before_the_government():
    meta = _meta("""
政府工作报告
在青禾市第十五届人民代表大会第一次会议上
各位代表：
现在，我代表青禾市第十四届人民政府，向大会报告政府工作，请予审议。
""")
    assert meta["issuer"] == "青禾市人民政府" and meta["district"] == "青禾市"


def test_work_report_named_by_its_region_is_its_governments_and_a_newspaper_is_not_a_place():
    meta = _meta("""
2025年青禾市政府工作报告
一、2024年工作回顾
""")
    assert meta["issuer"] == "青禾市人民政府" and meta["issuer_evidence"] == "report_region"
    news = _meta("""
青禾计划到2025年每个街道至少建成一所普惠性托育机构
2022-12-28 08:03:18来源：松川都市报
""")
    assert news.get("district", "") != "松川都市"
