"""Front-matter metadata: the classes of opening the meta4 dev set found misread (invented places, numbers
and dates; the same kinds of line as real banner work reports, plan outlines, congress opinions and pages)."""

from __future__ import annotations

from plancompare.catalog import infer_metadata, title_kind
from plancompare.pipeline.stages import _front_matter_rules
from plancompare.places import region_parts


def _meta(text: str) -> dict:
    return infer_metadata([line for line in text.strip().splitlines() if line.strip()], "document.txt", warn=False)


def test_congress_review_opinion_is_not_an_implementation_opinion():
    assert title_kind("关于云岭县2024年上半年国民经济和社会发展计划执行情况的审查意见") == "other"
    assert title_kind("云岭县人民代表大会常务委员会关于县人民政府专项工作报告的审议意见") == "other"
    assert title_kind("云岭县关于加快发展托育服务的实施意见") == "implementation_plan"


def test_banner_report_speaker_and_delivery_line_broken_before_the_term():
    meta = _meta("""
政 府 工 作 报 告
—— 2024年2月20日在查干淖尔旗
第十七届人民代表大会第二次会议上
查干淖尔旗人民政府旗长 巴特尔
各位代表：
现在，我代表旗人民政府向大会报告工作，请予审议。
""")
    assert meta["issuer"] == "查干淖尔旗人民政府"
    assert meta["district"] == "查干淖尔旗" and meta["region_evidence"] == "congress_line"
    assert meta["speaker"] == "巴特尔"


def test_province_in_square_brackets_before_a_forum_title():
    assert region_parts("查干淖尔旗", ["[内蒙古] 2024年查干淖尔旗政府工作报告"]) == {"province": "内蒙古自治区"}
    assert region_parts("查干淖尔旗", ["【内蒙古自治区】查干淖尔旗政府工作报告"]) == {"province": "内蒙古自治区"}


def test_bracketed_site_note_is_not_the_title():
    meta = _meta("""
(点击查阅更多2006年地方政府工作报告)
(2006年2月8日 某某某)
过去的五年，是我省改革开放和现代化建设阔步前进的五年。
""")
    assert meta["kind"] == "work_report" and "kind" in meta["meta_warnings"]  # only a short line says so: weak
    assert meta["issued"] == "2006-02-08"


def test_stamp_line_date_and_the_office_under_a_site_header():
    meta = _meta("""
云岭县人民政府
首页>>公开信息内容
云岭县人民政府办公室关于印发云岭县森林火灾应急预案的通知
索引号:11530000/2018-00012 公文目录:应急管理 发文日期:2017年06月28日 主题词: 文  号: 成文日期:
各乡镇人民政府，县级有关部门：
云岭县人民政府办公室
""")
    assert meta["issuer"] == "云岭县人民政府办公室"  # the notice's issuer, not the site's name
    assert meta["issued"] == "2017-06-28"
    # the front matter keeps a 索引号 stamp line (the metadata reads its 发文日期); the text drops it
    assert not any(p == "索引号:" for p in _front_matter_rules().prefixes)


def test_red_header_government_is_kept_when_no_office_issues():
    meta = _meta("""
云岭县人民政府文件
云政发〔2024〕3号
云岭县人民政府关于印发云岭县人民政府工作规则的通知
""")
    assert meta["issuer"] == "云岭县人民政府"


def test_plan_outline_preface_names_kind_region_and_city():
    meta = _meta("""
本规划纲要根据《中共青禾市松川区委关于制定青禾市松川区国民经济和社会发展第十四个五年规划和二〇三五年远景目标的建议》编制，是全区未来五年的行动纲领。
第一章 发展基础
""")
    assert meta["kind"] == "five_year_plan" and meta["district"] == "松川区" and meta["city"] == "青禾市"
    assert meta["region_evidence"] == "plan_basis"
    # a work report citing the 建议 is not an outline
    report = _meta("根据《中共青禾市委关于制定青禾市国民经济和社会发展第十四个五年规划的建议》，我们编制了《纲要（草案）》。")
    assert report["kind"] != "five_year_plan"


def test_region_of_the_document_a_title_cites_is_weak():
    meta = _meta("""
某某直播《2023年青石镇政府工作报告》政策解读
一、《报告》起草过程
""")
    assert meta["district"] == "青石镇" and meta["kind"] == "other"
    assert "region" in meta["meta_warnings"]


def test_autonomous_prefecture_short_forms_are_places_of_prefecture_level():
    from plancompare.places import infer_region, is_place, most_local, same_place

    assert infer_region("恩施州人民政府关于印发某某实施方案的通知") == "恩施州"
    assert infer_region("湖北省恩施州巴东县2024年政府工作报告") == "巴东县"
    assert region_parts("巴东县", ["湖北省恩施州巴东县国民经济和社会发展计划"]) == {"province": "湖北省", "city": "恩施州"}
    assert region_parts("恩施州", ["恩施州2024年政府工作报告"]) == {"city": "恩施州"}
    assert is_place("恩施州") and is_place("博州") and not is_place("杭州")  # 杭州 needs its 市
    assert infer_region("杭州市西湖区某某规划") == "西湖区" and most_local("西双版纳州勐海县") == "勐海县"
    meta = _meta("政府工作报告\n——2024年1月5日在迪庆州第十三届人民代表大会第四次会议上")
    assert meta["issuer"] == "迪庆州人民政府" and meta["district"] == "迪庆州" and meta["city"] == "迪庆州"
    # one place in two forms: the benchmark and any comparison of regions equate them
    assert same_place("恩施州", "恩施土家族苗族自治州") and same_place("麻阳县", "麻阳苗族自治县")
    assert same_place("鄂温克族自治旗", "鄂温克旗") and not same_place("恩施州", "湘西州") and not same_place("", "")


def test_a_report_citing_its_own_documents_names_a_weak_region():
    meta = _meta("""
2023年国民经济和社会发展计划执行情况与2024年计划
一年来，全区坚持稳中求进，出台了《松川区先进制造业培育扶持政策》，为我区产业发展保驾护航。
""")
    assert meta["district"] == "松川区" and meta["region_evidence"] == "cited_title"
    assert "region" in meta["meta_warnings"]
    # a county text citing a province's document first names no region by it
    other = _meta("各乡镇：\n根据《某某省人民政府工作规则》，结合全县工作，制定本规则。")
    assert "district" not in other


def test_just_past_year_dates_an_undated_report_weakly():
    meta = _meta("——县第十届人民代表大会第一次会议开幕式侧记\n“刚刚过去的2011年，是实施‘十二五’规划的开局之年。”")
    assert meta["issued"] == "2012" and "2012" in meta["meta_warnings"]
