"""The shared text layer: each rule once, and the stages use it (not copies of it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from plancompare.text import headings, normalize, sentences
from plancompare.text.headings import heading_marker, is_standalone_heading, run_in_heading, strip_numbering
from plancompare.themes import heading_chain

SRC = Path(__file__).resolve().parents[1] / "src" / "plancompare"


def test_sentences_end_at_full_stops_and_line_breaks_not_at_semicolons():
    text = "到2025年，地区生产总值达到1000亿元；人均收入增长6%。“十四五”开局良好！\n第二行没有句号"
    assert sentences.split_sentences(text) == [
        "到2025年，地区生产总值达到1000亿元；人均收入增长6%。", "“十四五”开局良好！", "第二行没有句号"]
    assert sentences.split_clauses("甲达到1%；乙达到2%。") == ["甲达到1%；", "乙达到2%。"]


def test_closing_quotes_stay_with_their_sentence_and_spans_index_the_text():
    text = "他说：“要发展。”然后走了。"
    spans = list(sentences.sentence_spans(text))
    assert [text[a:b] for a, b in spans] == ["他说：“要发展。”", "然后走了。"]


def test_one_run_in_heading_rule_for_outline_and_themes():
    body = "——综合实力实现跃升。招商引资，征迁出让，项目建设等各项工作全面推进，成效明显。"
    assert run_in_heading(body) == "综合实力实现跃升"
    assert heading_chain("", body)[0] == "综合实力实现跃升"
    # 19 characters: longer than the rule allows, in both places
    long_phrase = "一二三四五六七八九十一二三四五六七八九。" + "后文" * 10
    assert run_in_heading(long_phrase) is None
    assert heading_chain("", long_phrase) == []
    # a one-sentence paragraph is text, not a heading
    assert run_in_heading("综合实力实现跃升。") is None
    # outline needs a real paragraph after the phrase before it opens a passage
    assert run_in_heading("加强监管。严格执法", headings.RUN_IN_MIN_PASSAGE_BODY_CHARS) is None


def test_heading_grammar():
    assert heading_marker("第三章 建设现代化产业体系").type == "chapter"
    assert heading_marker("（二）优化营商环境").type == "cn_paren"
    marker = heading_marker("1. 有效盘活利用存量空间。进一步推进低效用地再开发。")
    assert marker.type == "arabic_dot" and not is_standalone_heading(marker)
    assert heading_marker("第三章是这样写的一句很长的话。后面还有话。") is None
    assert strip_numbering("（一）优化营商环境") == "优化营商环境"
    assert strip_numbering("一是加快建设") == "加快建设"


def test_normalisation():
    assert normalize.fold_fullwidth("增长１２．５％，ＧＤＰ") == "增长12．5%，GDP"
    assert normalize.squeeze_spaces("地区 生产 总值 10 13 GDP growth") == "地区生产总值10 13 GDP growth"
    assert normalize.squeeze_spaces("第一章 开启 新征程", keep_word_spaces=True) == "第一章 开启 新征程"
    assert normalize.to_simplified("經濟發展") == "经济发展"
    assert normalize.opencc_converter("t2s") is normalize.opencc_converter("t2s")
    assert normalize.detect_script(["經濟發展與環境"][0]) == "traditional"


def _imports(module: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


@pytest.mark.parametrize("stage", ["clean", "outline", "themes"])
def test_stages_use_the_text_layer_and_construct_no_opencc_of_their_own(stage):
    source = (SRC / f"{stage}.py").read_text(encoding="utf-8")
    assert any(name.startswith(".text") for name in _imports(SRC / f"{stage}.py")), stage
    assert "OpenCC(" not in source and "re.compile(r\"^([^" not in source
    for copied in ("_RUN_IN", "_NUMBERING", "_FULLWIDTH", "MARKER_TYPES = "):
        assert copied not in source, (stage, copied)


def test_the_whole_package_builds_opencc_converters_and_folds_fullwidth_forms_in_one_place():
    """Only text/normalize.py builds an OpenCC converter or writes the full-width table."""
    for module in sorted(SRC.rglob("*.py")):
        if module.relative_to(SRC).as_posix() == "text/normalize.py":
            continue
        source = module.read_text(encoding="utf-8")
        assert "OpenCC(" not in source and "import opencc" not in source, module
        assert "0xFEE0" not in source.upper().replace("0XFEE0", "0xFEE0"), module


def test_the_repair_folds_characters_with_the_shared_converter():
    from plancompare.repair.lexicon import Lexicon
    from plancompare.repair.sources import jieba_dictionary

    lexicon = Lexicon(jieba_dictionary())
    assert lexicon.simplify("經濟發展！") == "经济发展!"
    assert lexicon.traditional("经") == "經"
    assert lexicon.script_of("經濟發展與環境") == "traditional"


def test_text_reuse_splits_with_the_shared_clause_rule():
    from plancompare.match.reuse import _sentences
    import pandas as pd

    text = "到2025年，全区地区生产总值达到1000亿元；城镇居民人均可支配收入年均增长6%。\n深化放管服改革！"
    passages = pd.DataFrame([{"passage_id": "p", "doc_id": "d", "text": text, "line_start": 10, "line_end": 11}])
    units = _sentences(passages, min_chars=1)
    assert list(units["text"]) == sentences.split_clauses(text)
    assert list(units["line"]) == [10, 10, 11]
    assert "..text.sentences" in _imports(SRC / "match" / "reuse.py")
    assert "。！？" not in (SRC / "match" / "reuse.py").read_text(encoding="utf-8")


def test_clean_does_not_import_outline():
    assert not {".outline", "plancompare.outline"} & _imports(SRC / "clean.py")


def test_text_layer_imports_no_stage():
    for module in (SRC / "text").glob("*.py"):
        relative = {name for name in _imports(module) if name.startswith("..")}
        assert not relative, (module.name, relative)
