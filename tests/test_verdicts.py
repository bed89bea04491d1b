"""Verdicts on search / compare / align results, the learned verdict model, variant terms (issue 11).

Fast tests check the data files, the model arithmetic and the gold; the ``slow`` ones run the
shipped model on the embedded bundled corpus (the ``corpus`` fixture), as a user would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from plancompare.errors import MatchInputError
from plancompare.match import default_policy_glossary, expand_english_query
from plancompare.match.features import DENSE_FEATURES, FEATURE_NAMES, number_tokens
from plancompare.match.glossary import (default_variant_terms, load_variant_terms, matched_variants,
                                        segment_variants)
from plancompare.match.verdict import VERDICTS, LinearVerdict, VerdictModel, default_verdict_model, fit_linear_verdict

sys.path.insert(0, str(Path(__file__).parent))
from match_gold import FRESH, FRESH2, FRESH3, FRESH4, PAIRS, SHARED, ROOT, load_topics, reference_files  # noqa: E402

PROVENANCE = ["passage_id", "doc_id", "district", "section_path", "line_start", "line_end"]


# ------------------------------------------------------------------------------------------------
# data files and model arithmetic
# ------------------------------------------------------------------------------------------------

def test_variant_terms_file_is_well_formed_and_expands_queries():
    variants = default_variant_terms()
    assert {"长者饭堂", "老年食堂", "助餐点"} <= set(variants["长者食堂"])
    assert "一窗通办" in variants["一窗受理"] and "护理型床位" in variants["养老床位"]
    raw = pd.read_csv(Path(__file__).parents[1] / "src/plancompare/data/variant_terms.csv")
    assert raw["provenance"].str.len().min() > 0  # every entry says where it comes from
    assert segment_variants("增设长者食堂", variants)[:2] == ["增设长者食堂", "增设长者饭堂"]
    assert matched_variants(["长者食堂"], "建设长者饭堂12个", variants) == ["长者食堂→长者饭堂"]
    assert matched_variants(["长者食堂"], "建设长者食堂和长者饭堂", variants) == []  # the query's own term is there


def test_variant_loader_rejects_bad_files(tmp_path):
    bad = tmp_path / "v.csv"
    bad.write_text("group,term,provenance\na,长者食堂,x\nb,长者食堂,y\nb,老年食堂,y\n", encoding="utf-8")
    with pytest.raises(MatchInputError, match="already in group"):
        load_variant_terms(bad)
    bad.write_text("group,term,provenance\na,长者食堂,x\n", encoding="utf-8")
    with pytest.raises(MatchInputError, match="single term"):
        load_variant_terms(bad)
    bad.write_text("group,term\na,长者食堂\n", encoding="utf-8")
    with pytest.raises(MatchInputError, match="columns"):
        load_variant_terms(bad)


@pytest.mark.parametrize("query, zh", [("elderly care beds", "养老床位"), ("nursing homes", "养老院"),
                                       ("day care for seniors", "日间照料"), ("elderly canteens", "长者食堂"),
                                       ("childcare places", "托位")])
def test_english_glossary_maps_care_terms(query, zh):
    assert any(zh in terms for _, terms in expand_english_query(query, default_policy_glossary()))


@pytest.mark.parametrize("query, zh", [("hukou reform", "户籍"), ("overseas Chinese", "侨务"),
                                       ("computing power", "算力"), ("lifelong learning", "终身教育"),
                                       ("community education", "社区教育"), ("disabled residents", "残疾人"),
                                       ("rural migrant workers", "农业转移人口")])
def test_english_glossary_maps_common_policy_words(query, zh):
    """Words the fourth blind gold's English queries found missing (hukou, overseas Chinese, ...)."""
    assert any(zh in terms for _, terms in expand_english_query(query, default_policy_glossary()))


def test_glossary_additions_leave_training_english_queries_unchanged():
    """The fresh4 glossary additions do not change any English query of the training gold (so its
    cross-validated figures cannot move)."""
    before = {"apartments and housing support for attracting talent", "community canteens and meal services for "
              "elderly residents", "cruise ship home port and cruise tourism", "intellectual property protection "
              "and patents", "river chief system, sewage interception and water pollution control",
              "workplace safety and hazard inspections to prevent major accidents"}
    added = {"hukou", "residence permit", "overseas chinese", "computing power", "lifelong learning",
             "lifelong education", "community education", "continuing education", "disability", "disabled",
             "accessibility", "barrier-free"}
    for query in before:
        assert not {k for k, _ in expand_english_query(query, default_policy_glossary())} & added


def test_number_tokens_keep_quantities_not_years():
    assert number_tokens("到2025年，养老床位达到1200张，覆盖率80%，新增3个") == {"1200张", "80%", "3个"}


def test_linear_verdict_reproduces_scikit_learn():
    """The JSON-able model gives the probabilities scikit-learn's calibrated pipeline gives."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURE_NAMES)))
    y = (x[:, 1] + 0.5 * x[:, 3] + rng.normal(scale=0.8, size=400) > 0.8).astype(int)
    groups = np.repeat(np.arange(40), 10)
    features = ("dense_centered", "char_tfidf", "bm25")
    ours = fit_linear_verdict(x, y, groups, features)
    cols = [FEATURE_NAMES.index(f) for f in features]
    splits = list(GroupKFold(n_splits=5).split(x, y, groups))
    base = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced"))
    theirs = CalibratedClassifierCV(base, method="sigmoid", cv=splits, ensemble=False).fit(x[:, cols], y)
    np.testing.assert_allclose(ours.predict_proba(x), theirs.predict_proba(x[:, cols])[:, 1], atol=1e-6)
    again = VerdictModel.from_json(VerdictModel({"pair/hybrid": ours}, {"pair": {"comparable": .5, "related": .2}})
                                   .to_json())
    np.testing.assert_allclose(again.p_comparable(x, "pair", True), ours.predict_proba(x))
    assert again.verdicts(np.array([0.9, 0.3, 0.1]), "pair") == ["comparable", "related", "none"]


def test_shipped_verdict_model_is_trained_and_complete():
    model = default_verdict_model()
    assert set(model.variants) == {"query/hybrid", "query/lexical", "pair/hybrid", "pair/lexical", "focus/hybrid",
                                   "focus/lexical", "query_dense/hybrid"}
    assert "bench_match.py --train" in model.provenance
    dense_only = model.variants["query_dense/hybrid"].features
    assert dense_only and set(dense_only) <= set(DENSE_FEATURES)  # no Chinese term overlap required
    for kind in ("query", "pair", "focus", "query_dense"):
        t = model.thresholds[kind]
        assert 0.0 < t["related"] <= t["comparable"] < 1.0
    for variant in model.variants.values():
        assert isinstance(variant, LinearVerdict) and np.abs(variant.coef).sum() > 0


def test_shipped_focus_model_weighs_the_focus_phrase():
    """compare(..., focus=...) scores the reader's focus phrase as a search query too (``focus_*``)."""
    from plancompare.match.features import FOCUS_OF

    model = default_verdict_model()
    assert set(FOCUS_OF) <= set(model.variants["focus/hybrid"].features)
    assert not set(FOCUS_OF) & set(model.variants["pair/hybrid"].features + model.variants["query/hybrid"].features)


def test_focus_features_are_the_focus_phrase_scored_as_a_query(plans):
    from plancompare.match import PassageIndex
    from plancompare.match.features import FOCUS_OF

    body = plans.passages[(plans.passages["role"] == "body").to_numpy()].reset_index(drop=True)
    index = PassageIndex().fit(body, None)
    texts = body["text"]
    src = int(np.flatnonzero(texts.str.contains("一窗受理") & (body["district"] == "Huli"))[0])
    rows = np.flatnonzero(body["district"].to_numpy() != "Huli")
    text, segments, _ = index.query_terms("一窗受理")
    phrase = index.featurizer_.query_probe(text, None, segments)
    as_query = index.featurizer_.transform(phrase, rows, None)
    probe = index.featurizer_.focus_probe(src, "实行一窗受理、集成服务。", None, phrase)
    focus = index.featurizer_.transform(probe, rows, None)
    col = {name: i for i, name in enumerate(FEATURE_NAMES)}
    for name, base in FOCUS_OF.items():
        np.testing.assert_allclose(focus[:, col[name]], as_query[:, col[base]])
    covered = focus[:, col["focus_coverage"]] == 1
    assert covered.any() and all(any(v in texts[r] for v in segments[0]) for r in rows[covered])
    without = index.featurizer_.transform(index.featurizer_.focus_probe(src, "实行一窗受理、集成服务。", None), rows, None)
    assert not without[:, [col[n] for n in FOCUS_OF]].any()  # no phrase, no focus features


def test_bad_model_file_raises_one_line_error():
    with pytest.raises(MatchInputError, match="not a valid verdict model"):
        VerdictModel.from_json('{"variants": {}}', "x.json")


def test_match_gold_has_negatives_and_outside_documents():
    pairs = pd.read_csv(PAIRS, dtype=str, keep_default_na=False)
    assert len(pairs) >= 150
    assert set(pairs["label"]) <= set(VERDICTS)
    topics = load_topics()
    new = [t for t in topics if t.topic in set(pairs["topic"])]
    none_cases = [(t.topic, d) for t in new for d in t.not_comparable if d not in t.comparable]
    assert len(none_cases) >= 40  # a topic present in one district and absent in another
    docs = set(pairs["source"].str.rsplit(":", n=1).str[0]) | set(pairs["target"].str.rsplit(":", n=1).str[0])
    assert any(d.startswith("gwr_national_201") and d[-4:] in {"2016", "2017", "2018"} for d in docs)
    assert {"gwr_national_2019", "gwr_provincial_beijing_2026"} & docs
    assert pairs["topic"].nunique() >= 30


def test_fresh_held_out_gold_is_separate_and_has_nothing_comparable_districts():
    fresh = load_topics(None, FRESH)
    assert not {t.topic for t in fresh} & {t.topic for t in load_topics()}  # never trained on
    assert not {t.query for t in fresh} & {t.query for t in load_topics()}
    assert all(t.source for t in fresh)
    none_cases = [(t.topic, d) for t in fresh for d in t.not_comparable if d not in t.comparable]
    assert len(none_cases) >= 8 and sum(len(t.comparable) for t in fresh) >= 8
    assert set(pd.read_csv(FRESH, dtype=str)["label"]) <= set(VERDICTS)


def _evaluation_lines(scratch: Path) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Raw lines and district of every document of the evaluation corpus (bundled plans, generality
    texts, reference years), keyed by the doc_id the gold uses."""
    import plancompare as pc

    catalog = pc.load_catalog(ROOT / "data" / "catalog.csv")
    files = dict(zip(catalog["doc_id"], map(Path, catalog["source_file"])))
    district = dict(zip(catalog["doc_id"], catalog["district"]))
    generality = sorted((SHARED / "generality").glob("*.txt"))
    if not generality:
        pytest.fail(f"generality texts not found in {SHARED / 'generality'} (set PLANCOMPARE_SHARED)")
    for path in generality + reference_files(scratch / "reference"):
        files[path.stem] = path
        district[path.stem] = "全国" if path.stem.startswith("gwr_national_") else "北京市"
    return {d: p.read_text(encoding="utf-8").split("\n") for d, p in files.items()}, district


def _assert_pairs_point_at_real_lines(pairs: pd.DataFrame, tmp_path) -> None:
    """Every source and target names a non-empty raw line of the evaluation corpus, and the district column
    names the target's district, never the source's own."""
    lines, district = _evaluation_lines(tmp_path)
    for row in pairs.itertuples():
        for locator in (row.source, row.target):
            doc_id, line = locator.rsplit(":", 1)
            assert doc_id in lines and 1 <= int(line) <= len(lines[doc_id]), locator
            assert lines[doc_id][int(line) - 1].strip(), f"{locator} is an empty line"
        assert district[row.target.rsplit(":", 1)[0]] == row.district != district[row.source.rsplit(":", 1)[0]], row


def test_second_fresh_gold_is_blind_separate_and_points_at_real_lines(tmp_path):
    fresh2, pairs = load_topics(None, FRESH2), pd.read_csv(FRESH2, dtype=str, keep_default_na=False)
    seen = load_topics() + load_topics(None, FRESH)
    assert not {t.topic for t in fresh2} & {t.topic for t in seen}  # neither trained on nor the first fresh set
    assert not {t.query for t in fresh2} & {t.query for t in seen}
    assert set(pairs["label"]) <= set(VERDICTS) and all(t.source for t in fresh2)
    none_cases = [(t.topic, d) for t in fresh2 for d in t.not_comparable if d not in t.comparable]
    assert len(fresh2) >= 18 and len(pairs) >= 70 and (pairs["label"] == "comparable").sum() >= 25
    assert len(none_cases) >= 15
    _assert_pairs_point_at_real_lines(pairs, tmp_path)


@pytest.mark.parametrize("gold, prefix, earlier, minimum", [
    (FRESH3, "g3_", (FRESH, FRESH2), dict(topics=25, pairs=160, none=45, match=50)),
    (FRESH4, "g4_", (FRESH, FRESH2, FRESH3), dict(topics=30, pairs=160, none=50, match=50)),
])
def test_later_blind_golds_are_separate_and_point_at_real_lines(gold, prefix, earlier, minimum, tmp_path):
    topics, pairs = load_topics(None, gold), pd.read_csv(gold, dtype=str, keep_default_na=False)
    seen = load_topics() + [t for path in earlier for t in load_topics(None, path)]
    assert not {t.topic for t in topics} & {t.topic for t in seen}  # trained on by nothing, and no earlier blind set
    assert not {t.query for t in topics} & {t.query for t in seen}
    assert all(t.topic.startswith(prefix) for t in topics)
    assert list(pairs.columns) == list(pd.read_csv(FRESH2, nrows=0).columns)
    assert set(pairs["label"]) <= set(VERDICTS) and all(t.source for t in topics)
    assert not pairs.duplicated(["topic", "district", "target"]).any()
    assert pairs.groupby("topic")[["query", "source"]].nunique().eq(1).all().all()  # one query, one source a topic
    none_cases = [(t.topic, d) for t in topics for d in t.not_comparable if d not in t.comparable]
    assert len(topics) >= minimum["topics"] and len(pairs) >= minimum["pairs"] and len(none_cases) >= minimum["none"]
    assert sum(len(t.comparable) for t in topics) >= minimum["match"]  # (topic, district) lists with a comparable match
    _assert_pairs_point_at_real_lines(pairs, tmp_path)


# ------------------------------------------------------------------------------------------------
# behaviour on the embedded bundled corpus
# ------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_search_finds_chikan_canteen_through_a_variant(corpus):
    res = corpus.search("长者食堂", k=5, district="Chikan")
    hit = res[res["text"].str.contains("长者饭堂")]
    assert len(hit) >= 1 and hit["verdict"].iloc[0] != "none"
    assert "长者食堂→长者饭堂" in hit["matched_variants"].iloc[0]
    assert res[PROVENANCE].notna().all().all()


@pytest.mark.slow
def test_search_returns_fewer_rows_rather_than_filler(corpus):
    res = corpus.search("邮轮母港", k=5, district="Cangshan")  # inland Cangshan has no cruise port
    assert len(res) < 5 and "requested" in res.attrs["note"]
    everything = corpus.search("邮轮母港", k=5, district="Cangshan", min_verdict="none")
    assert len(everything) == 5 and (everything["verdict"] == "none").any()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="known limitation: at thresholds that keep >= 90% of true matches, "
                   "whole-passage compare calls only 7% of nothing-comparable districts none (held-out AUC 0.68; "
                   "0.80 and 12% when 'none' is read for the whole passage, audit of match_pair_other_goal.csv); "
                   "focused compare reaches AUC 0.90 but calls 61% none (benchmarks/results/match.md)")
def test_compare_says_none_where_a_district_has_nothing_comparable(corpus):
    # Whole passage: the cruise paragraph also plans 重点片区 development, and the audit
    # (tests/gold/match_pair_other_goal.csv, cruise -> Cangshan) finds that goal in Cangshan's best candidate;
    # test_focused_compare_says_none_where_a_district_lacks_that_goal is the well-posed form of this check.
    passages = corpus.passages
    src = passages[passages["text"].str.contains("邮轮母港") & (passages["district"] == "Huli")
                   & (passages["role"] == "body")]["passage_id"].iloc[0]
    res = corpus.compare(src, k=3)
    assert set(res["district"]) == {"Cangshan", "Chikan"}
    cangshan = res[res["district"] == "Cangshan"]
    assert len(cangshan) == 1 and cangshan["verdict"].iloc[0] == "none"
    assert res[PROVENANCE].notna().all().all() and res["p_comparable"].between(0, 1).all()


@pytest.mark.slow
def test_focused_compare_says_none_where_a_district_lacks_that_goal(corpus):
    """Focused on the cruise home port, inland Cangshan is `none` while Chikan's cruise economy is kept."""
    passages = corpus.passages
    src = passages[passages["text"].str.contains("邮轮母港") & (passages["district"] == "Huli")
                   & (passages["role"] == "body")]["passage_id"].iloc[0]
    res = corpus.compare(src, k=3, focus="邮轮母港")
    assert "邮轮母港" in res.attrs["focus_sentence"]
    cangshan, chikan = res[res["district"] == "Cangshan"], res[res["district"] == "Chikan"]
    assert len(cangshan) == 1 and cangshan["verdict"].iloc[0] == "none"
    assert chikan["text"].str.contains("邮轮").any() and (chikan["verdict"] != "none").any()


@pytest.mark.slow
def test_english_query_without_glossary_terms_is_judged_on_dense_evidence(corpus):
    query = "dining halls for senior citizens"
    assert not expand_english_query(query, default_policy_glossary())  # no lexical form at all
    res = corpus.search(query, k=5)
    assert len(res) >= 3 and res["text"].str.contains("食堂|饭堂|助餐").any()  # not all "none" for lack of overlap


@pytest.mark.slow
def test_compare_keeps_a_real_precedent(corpus):
    passages = corpus.passages
    src = passages[passages["text"].str.contains("一窗受理") & (passages["district"] == "Huli")
                   & (passages["role"] == "body")]["passage_id"].iloc[0]
    res = corpus.compare(src, k=3)
    assert (res["verdict"] != "none").any()


def test_focus_picks_the_sentence_that_states_the_goal():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from plancompare.match.compare import focus_sentence
    from plancompare.text.han import CharNgramAnalyzer

    text = ("提高医疗卫生服务能力。深化医保支付方式改革，加强医保基金监管。完善跨省异地就医直接结算办法，实现全国医保"
            "用药范围基本统一，方便群众跨省看病就医。推动公立医院综合改革。")
    vectorizer = TfidfVectorizer(analyzer=CharNgramAnalyzer(2, 3)).fit([text, "建设长者食堂。", "发展邮轮经济。"])
    goal = "完善跨省异地就医直接结算办法，实现全国医保用药范围基本统一，方便群众跨省看病就医。"
    assert focus_sentence(text, "异地就医直接结算", vectorizer) == goal  # word for word
    assert focus_sentence(text, "跨省 就医 结算", vectorizer) == goal  # most of the focus's n-grams
    # a short lead sentence is read with the sentence that spells it out
    lead = focus_sentence(text, "医疗卫生服务能力", vectorizer)
    assert lead == "提高医疗卫生服务能力。深化医保支付方式改革，加强医保基金监管。"
    assert focus_sentence("一句话没有句号", "邮轮", vectorizer) == "一句话没有句号"


def test_a_passage_with_the_query_word_for_word_is_at_least_related():
    from plancompare.match.search import _at_least_related_when_verbatim

    texts = ["加快国家物流枢纽建设，完善多式联运。", "建设物流园区。", "国家物流枢纽建设"]
    assert _at_least_related_when_verbatim("国家物流枢纽建设", texts, ["none", "none", "comparable"]) == [
        "related", "none", "comparable"]
    assert _at_least_related_when_verbatim("物流", texts, ["none"] * 3) == ["none"] * 3  # too short to be evidence


def test_cli_compare_prints_verdicts_and_the_focus_sentence(plans, tmp_path):
    from typer.testing import CliRunner

    from plancompare.cli import app

    plans.save(tmp_path / "saved")
    passages = plans.passages
    src = passages[passages["text"].str.contains("邮轮母港") & (passages["district"] == "Huli")
                   & (passages["role"] == "body")]["passage_id"].iloc[0]
    runner = CliRunner()
    result = runner.invoke(app, ["compare", src, "--focus", "邮轮母港", "--corpus", str(tmp_path / "saved")])
    assert result.exit_code == 0, result.output
    assert "Cangshan" in result.output and "Chikan" in result.output and "line" in result.output
    assert "focus sentence" in result.output and "邮轮母港" in result.output
    bad = runner.invoke(app, ["compare", "no_such_doc:0001", "--corpus", str(tmp_path / "saved")])
    assert bad.exit_code == 2 and "unknown passage id" in bad.output and "Traceback" not in bad.output


def _invented_index():
    """A lexical index over invented passages (sentences written for this test, not from a plan)."""
    from plancompare.match import PassageIndex

    texts = [
        # the goal stated in one clause of a long multi-topic paragraph
        "稳定和扩大居民消费。发展社区商业，完善便民服务网点。增加公共停车场和新能源汽车充电设施。鼓励夜间经济。",
        # the same theme, no parking
        "完善城市道路网络，打通断头路，建设快速路和主干路，提升公共交通服务水平。",
        # the query's characters scattered over different sentences, none stating the goal
        "加快建设产业园区。推动停工项目复工。场馆运营提质。车辆购置补贴延续。",
        "推进老旧小区改造，支持加装电梯，完善无障碍设施。",
        "建设长者饭堂，为辖区老人提供助餐服务。",
    ]
    frame = pd.DataFrame({"passage_id": [f"p{i}" for i in range(len(texts))], "doc_id": "invented",
                          "district": ["A", "A", "A", "B", "B"], "text": texts, "section_path": "一 > 二",
                          "line_start": range(1, len(texts) + 1), "line_end": range(1, len(texts) + 1)})
    return PassageIndex().fit(frame, None)


def test_term_share_credits_a_goal_stated_in_one_clause():
    """``term_share`` gives partial credit for a query term inside a longer one (停车场 for 停车场建设)
    and ``sentence_term_share`` rewards the query's terms stated together in one sentence."""
    index = _invented_index()
    text, segments, _ = index.query_terms("新增停车位 停车场建设")
    probe = index.featurizer_.query_probe(text, None, segments)
    feats = index.featurizer_.transform(probe, np.arange(4), None)
    col = {name: i for i, name in enumerate(FEATURE_NAMES)}
    share, sentence = feats[:, col["term_share"]], feats[:, col["sentence_term_share"]]
    assert feats[0, col["term_coverage"]] == 0  # no segment occurs verbatim ...
    assert share[0] > 0.3 and share[0] > share[1] and share[0] > share[3]  # ... but 停车场 does
    assert share[1] < 0.2
    # 停车/车场 scattered over three sentences of passage 2: its best single sentence covers little
    assert sentence[0] >= sentence[2] + 0.2
    assert np.all(sentence <= share + 1e-6)  # one sentence never covers more than its passage
    full = index.featurizer_.query_probe(*index.query_terms("停车场")[:1], None, index.query_terms("停车场")[1])
    assert index.featurizer_.transform(full, np.arange(1), None)[0, col["term_share"]] == pytest.approx(1.0)


def test_traditional_query_matches_simplified_plans_and_their_variants():
    index = _invented_index()
    text, segments, _ = index.query_terms("長者飯堂")
    assert segments[0][0] == "长者饭堂" and "长者食堂" in segments[0]  # converted, then variants added
    probe = index.featurizer_.query_probe(text, None, segments)
    feats = index.featurizer_.transform(probe, np.arange(5), None)
    col = {name: i for i, name in enumerate(FEATURE_NAMES)}
    assert feats[4, col["term_coverage"]] == 1 and feats[4, col["term_share"]] == pytest.approx(1.0)
    assert feats[:4, col["term_share"]].max() < 0.5
    assert int(np.argmax(index.lexical_scores("長者飯堂"))) == 4
