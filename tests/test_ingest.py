"""Decoding any input, and clear errors for bad input."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import plancompare as pc
from plancompare.ingest import read_source

from .conftest import DATA

SAMPLE = "第一章 总体要求\n到2025年，地区生产总值年均增长7%以上。\n一、发展目标\n城乡居民收入稳步增长，区域发展更加协调。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_decodes_simplified_in_any_encoding(tmp_path, encoding):
    path = tmp_path / f"plan_{encoding}.txt"
    path.write_bytes(SAMPLE.encode(encoding))
    source = read_source(path)
    assert source.text == SAMPLE
    assert source.encoding in ("utf-8", "utf-8-sig", "gb18030")


def test_decodes_big5_traditional(tmp_path):
    traditional = "第一章 總體要求\n到2025年，地區生產總值年均增長7%以上。\n城鄉居民收入穩步增長，區域發展更加協調。\n"
    path = tmp_path / "big5.txt"
    path.write_bytes(traditional.encode("big5"))
    source = read_source(path)
    assert source.encoding == "big5"
    assert source.text == traditional
    corpus = pc.build_corpus([path])
    assert "地区生产总值" in corpus.clean_text("big5")
    assert corpus.documents.loc[0, "script"] == "traditional"


def test_crlf_line_endings_are_normalised(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(SAMPLE.replace("\n", "\r\n").encode("utf-8"))
    assert read_source(path).lines[:2] == SAMPLE.split("\n")[:2]


def test_empty_file_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"  \n\n")
    with pytest.raises(pc.InputFileError, match=r"empty\.txt: file is empty"):
        pc.build_corpus([path])


def test_binary_file_is_a_clear_error(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(pc.InputFileError, match=r"image\.txt: looks like a binary file"):
        read_source(path)


def test_truncated_multibyte_sequence_names_the_byte(tmp_path):
    data = SAMPLE.encode("utf-8")
    path = tmp_path / "truncated.txt"
    path.write_bytes(data + "发".encode("utf-8")[:2])
    with pytest.raises(pc.InputFileError, match=rf"truncated\.txt: truncated multi-byte character at byte {len(data)}"):
        read_source(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(pc.InputFileError, match="file not found"):
        pc.build_corpus([tmp_path / "nope.txt"])


def test_catalog_pointing_at_missing_file(tmp_path):
    catalog = tmp_path / "catalog.csv"
    pd.DataFrame({"doc_id": ["a"], "source_file": ["raw/missing.txt"]}).to_csv(catalog, index=False)
    with pytest.raises(pc.CatalogError, match=r"missing file\(s\): .*missing\.txt"):
        pc.load_catalog(catalog)


def test_catalog_with_duplicate_ids(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(SAMPLE, encoding="utf-8")
    catalog = tmp_path / "catalog.csv"
    pd.DataFrame({"doc_id": ["same", "same"], "source_file": ["a.txt", "b.txt"]}).to_csv(catalog, index=False)
    with pytest.raises(pc.CatalogError, match=r"duplicate doc_id\(s\) same"):
        pc.load_catalog(catalog)


def test_two_files_with_the_same_inferred_id(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    for folder in ("x", "y"):
        (tmp_path / folder / "plan.txt").write_text(SAMPLE, encoding="utf-8")
    with pytest.raises(pc.CatalogError, match="duplicate doc_id 'plan'"):
        pc.build_corpus([tmp_path / "x" / "plan.txt", tmp_path / "y" / "plan.txt"])


def test_file_without_catalog_entry_gets_inferred_metadata(tmp_path):
    shutil.copy(DATA / "raw" / "cangshan_14th_five_year_plan.txt", tmp_path / "some_download.txt")
    corpus = pc.build_corpus(tmp_path)
    doc = corpus.documents.iloc[0]
    assert doc.doc_id == "some_download"
    assert doc.kind == "five_year_plan"
    assert doc.district_zh.endswith("仓山区")
    assert (doc.period_start, doc.period_end) == (2021, 2025)


def test_document_without_headings_becomes_paragraph_passages(tmp_path):
    text = "\n".join(f"第{i}段。这是没有任何标题的一段说明文字，内容用于测试段落切分是否正确。" * 8 for i in range(3))
    path = tmp_path / "flat.txt"
    path.write_text(text, encoding="utf-8")
    corpus = pc.build_corpus([path])
    passages = corpus.passages
    assert len(passages) == 3
    assert set(passages["role"]) == {"body"}
    assert (passages["level"] == 0).all()
    assert passages["line_start"].tolist() == [1, 2, 3]
