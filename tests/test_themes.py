"""Themes: the taxonomy, assignment (determinism, heading rules) and the theme-by-district table,
and agreement of the primary theme with hand labels in tests/gold/themes.csv.

Gold rows are keyed by (doc_id, raw line); a passage matches when line_start <= line <= line_end.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from plancompare.themes import (
    WUWEI,
    ThemeAssigner,
    assign_themes,
    heading_chain,
    load_taxonomy,
    themes_table,
)

GOLD = Path(__file__).parent / "gold" / "themes.csv"
MIN_AGREEMENT = 0.85
# Comparative Agendas Project major topic codes (master codebook).
CAP_CODES = set(range(1, 11)) | set(range(12, 22)) | {23}
# Themes the issue asks for (by subject; ids are ours).
REQUIRED = {
    "economy", "industry", "services", "digital", "innovation", "talent", "business_environment",
    "opening_up", "urban", "infrastructure", "ecology", "education", "health", "elderly_care",
    "social_security", "employment", "culture", "tourism_sport", "rural", "safety_governance", "government",
}


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="module")
def gold():
    return pd.read_csv(GOLD)


def themed(passages: pd.DataFrame, assigned: pd.DataFrame) -> pd.DataFrame:
    """``passages`` with the assigner's columns (replacing any the corpus already has)."""
    return passages.drop(columns=[c for c in assigned.columns if c in passages]).join(assigned)


def agreement(passages: pd.DataFrame, gold: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    """Share of gold rows whose passage (by raw line) has the gold theme as primary theme."""
    rows = []
    for g in gold.itertuples():
        hit = passages[(passages["doc_id"] == g.doc_id) & (passages["line_start"] <= g.line)
                       & (passages["line_end"] >= g.line)]
        predicted = hit["theme"].iloc[0] if len(hit) else None
        rows.append({"doc_id": g.doc_id, "line": g.line, "gold": g.theme, "predicted": predicted})
    result = pd.DataFrame(rows)
    return float((result["gold"] == result["predicted"]).mean()), result


# -- taxonomy ------------------------------------------------------------------------------

def test_taxonomy_is_well_formed(taxonomy):
    assert 18 <= len(taxonomy) <= 25
    assert taxonomy["theme"].is_unique
    assert all(re.fullmatch(r"[a-z][a-z_]*", t) for t in taxonomy["theme"])
    for col in ("label_zh", "label_en", "description_zh", "description_en", "cap_name"):
        assert taxonomy[col].str.strip().str.len().gt(0).all(), col
    assert taxonomy["label_zh"].is_unique and taxonomy["label_en"].is_unique
    assert set(taxonomy["cap_code"]) <= CAP_CODES
    assert all(w and set(w) <= set(WUWEI) for w in taxonomy["wuwei"])
    assert REQUIRED <= set(taxonomy["theme"])


def test_seed_terms_are_unambiguous(taxonomy):
    assert all(len(terms) >= 5 for terms in taxonomy["seed_terms"])
    terms = [t for ts in taxonomy["seed_terms"] for t in ts]
    duplicated = sorted({t for t in terms if terms.count(t) > 1})
    assert not duplicated, f"seed terms in more than one theme: {duplicated}"


def test_load_taxonomy_from_a_file(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(
        '[[theme]]\nid = "water"\nlabel_zh = "水"\nlabel_en = "Water"\nseed_terms = ["供水", "水质"]\n'
        'cap_code = 7\ncap_name = "Environment"\nwuwei = "生态文明"\n',
        encoding="utf-8",
    )
    tax = load_taxonomy(path)
    assert tax["theme"].tolist() == ["water"] and tax["wuwei"].iloc[0] == ["生态文明"]
    out = assign_themes(pd.DataFrame({"text": ["提升供水水质。", "无关。"], "section_path": ["", ""]}), taxonomy=tax)
    assert out["theme"].tolist() == ["water", ""]
    assert out["theme_source"].tolist() == ["lexical", "none"]


# -- assignment ----------------------------------------------------------------------------

def test_heading_chain_strips_numbering_and_adds_run_in_heading():
    chain = heading_chain("第六章 增进社会民生福祉 > 第五节 着力提升养老服务水平", "——综合实力实现跃升。 招商引资")
    assert chain == ["综合实力实现跃升", "着力提升养老服务水平", "增进社会民生福祉"]
    assert heading_chain("（一）优化产业空间布局", "1. 有效盘活利用存量空间。进一步") == [
        "有效盘活利用存量空间", "优化产业空间布局"]


def test_deepest_heading_decides_and_longest_term_wins():
    passages = pd.DataFrame({
        "text": ["大力发展社会福利和居家服务，加快推进社会福利中心建设。",
                 "实施全民参保计划，完善城乡居民养老保险制度。",
                 "建设健身活动中心，举办全民健身运动会。"],
        "section_path": ["第六章 增进社会民生福祉 > 第五节 着力提升养老服务水平",
                         "第六章 增进社会民生福祉 > 第四节 不断完善社会保障体系",
                         "第六章 增进社会民生福祉 > 第三节 广泛开展全民健身行动 > 一、合理布局体育健身场所"],
    })
    out = assign_themes(passages)
    assert out["theme"].tolist() == ["elderly_care", "social_security", "tourism_sport"]
    assert (out["theme_source"] == "heading").all()
    # 养老保险 is social security, not elderly care, even in the text
    assert "elderly_care" not in out["secondary_themes"].iloc[1]


def test_text_decides_without_headings():
    out = assign_themes(pd.DataFrame({"text": ["加强大气污染防治，推进黑臭水体治理和土壤污染防治。"]}))
    assert out["theme"].iloc[0] == "ecology" and out["theme_source"].iloc[0] == "lexical"


def test_embeddings_are_used_when_given(taxonomy):
    # A toy embedding space: each passage points at one theme's embedding.
    n = len(taxonomy)
    theme_vectors = np.eye(n, dtype=np.float32)
    embed = lambda texts: theme_vectors[: len(texts)]  # noqa: E731
    target = taxonomy["theme"].tolist().index("health")
    passages = pd.DataFrame({"text": ["统筹推进各项工作。"], "section_path": [""]})
    out = ThemeAssigner().fit(passages, embed=embed).predict(passages, theme_vectors[[target]])
    assert out["theme"].iloc[0] == "health" and out["theme_source"].iloc[0] == "embedding"
    with pytest.raises(ValueError):
        ThemeAssigner().fit(passages, embed=embed).predict(passages, theme_vectors[:2])


def test_assignment_is_deterministic_and_order_free(plans):
    body = plans.passages[plans.passages["role"] == "body"]
    first = assign_themes(body)
    assert first.equals(assign_themes(body))
    shuffled = body.sample(frac=1.0, random_state=7)
    assert first.equals(assign_themes(shuffled).loc[first.index])
    assert first.index.equals(body.index)
    assert set(first["theme_source"]) <= {"heading", "embedding", "lexical", "none"}
    assert first["theme_score"].between(0, 1).all()
    sec = first["secondary_themes"].str.split(";").explode().dropna()
    assert sec[sec != ""].str.fullmatch(r"[a-z_]+:[01]\.\d{3}").all()


# -- theme-by-district table -------------------------------------------------------------

def test_themes_table_has_every_pair_with_zeros(plans, taxonomy):
    passages = themed(plans.passages, assign_themes(plans.passages))
    table = themes_table(passages, plans.documents, k=3)
    districts = plans.documents["district"].unique()
    assert len(table) == len(taxonomy) * len(districts)
    assert not table.duplicated(["theme", "district"]).any()
    assert list(table.columns[:8]) == ["theme", "label_zh", "label_en", "district", "passages",
                                       "characters", "share", "top_passages"]
    silent = table[table["passages"] == 0]
    assert (silent["characters"] == 0).all() and (silent["share"] == 0).all()
    assert (silent["top_passages"] == "").all()
    # nearly every body passage has a theme, so shares add up to about one per district
    shares = table.groupby("district")["share"].sum()
    assert (shares <= 1 + 1e-9).all() and (shares > 0.98).all()
    spoken = table[table["passages"] > 0]
    ids = set(passages["passage_id"])
    for row in spoken.itertuples():
        top = row.top_passages.split(";")
        assert 1 <= len(top) <= 3 and set(top) <= ids


def test_themes_table_lists_a_district_without_passages(taxonomy):
    passages = pd.DataFrame({"passage_id": ["a:0001"], "district": ["A"], "text": ["加强大气污染防治。"],
                             "theme": ["ecology"], "role": ["body"]})
    documents = pd.DataFrame({"district": ["A", "B"]})
    table = themes_table(passages, documents)
    assert len(table) == 2 * len(taxonomy)
    assert table.loc[table["district"] == "B", "passages"].sum() == 0
    eco = table[(table["theme"] == "ecology") & (table["district"] == "A")].iloc[0]
    assert eco["passages"] == 1 and eco["share"] == 1.0 and eco["top_passages"] == "a:0001"


# -- gold ----------------------------------------------------------------------------------

def test_gold_labels_are_well_formed(gold, taxonomy, catalog):
    assert list(gold.columns) == ["doc_id", "line", "theme", "snippet"]
    assert len(gold) >= 150 and not gold.duplicated(["doc_id", "line"]).any()
    assert set(gold["doc_id"]) == set(catalog["doc_id"])
    assert set(gold["theme"]) <= set(taxonomy["theme"])
    assert gold["theme"].nunique() >= len(taxonomy) - 1
    files = dict(zip(catalog["doc_id"], catalog["source_file"]))
    for doc_id, rows in gold.groupby("doc_id"):
        lines = Path(files[doc_id]).read_text(encoding="utf-8").split("\n")
        assert all(lines[n - 1].strip() for n in rows["line"]), doc_id


def test_agreement_with_gold_without_embeddings(plans, gold):
    passages = themed(plans.passages, assign_themes(plans.passages))
    body = passages[passages["role"] == "body"]
    score, result = agreement(body, gold)
    assert result["predicted"].notna().mean() > 0.95, "gold lines not found in body passages"
    print(f"theme agreement with gold (headings + lexical): {score:.3f} on {len(gold)} rows")
    assert score >= MIN_AGREEMENT


@pytest.mark.slow
def test_agreement_with_gold_with_embeddings(corpus, gold):
    from plancompare.embed import embed_texts

    passages, embeddings = corpus.passages, corpus.embeddings
    embed = lambda texts: embed_texts(texts, model=corpus.model_id, prompt="query")  # noqa: E731
    passages = themed(passages, assign_themes(passages, embeddings, embed=embed))
    score, result = agreement(passages[passages["role"] == "body"], gold)
    print(f"theme agreement with gold (headings + embeddings + lexical): {score:.3f} on {len(gold)} rows")
    assert score >= MIN_AGREEMENT
