"""One word per meaning in the public API: ``k`` for how many, ``progress``, ``model_dir``."""

from __future__ import annotations

import inspect

import pytest

import plancompare as pc
from plancompare import embed, model


def test_how_many_is_k_and_the_old_name_warns(plans):
    from plancompare.themes import themes_table

    body = plans.passages[plans.body_mask()]
    new = themes_table(body, plans.documents, k=2)
    with pytest.warns(DeprecationWarning, match="k="):
        old = themes_table(body, plans.documents, top_n=2)
    assert new.equals(old)
    assert max(len(cell.split(";")) for cell in new["top_passages"] if cell) == 2


def test_public_entry_points_use_one_word_per_meaning():
    assert "k" in inspect.signature(pc.Corpus.themes_table).parameters
    assert "k" in inspect.signature(pc.Corpus.search).parameters and "k" in inspect.signature(pc.Corpus.compare).parameters
    for function in (embed.embed, embed.embed_texts):
        parameters = inspect.signature(function).parameters
        assert "progress" in parameters and "model_dir" in parameters
    for function in (pc.build_corpus, pc.load_corpus, model.install_model):
        assert "progress" in inspect.signature(function).parameters
    for function in (model.install_model, model.load_model, model.model_info, model.models_root):
        assert "model_dir" in inspect.signature(function).parameters


def test_old_model_folder_keyword_warns_and_still_works(tmp_path):
    with pytest.warns(DeprecationWarning, match="model_dir="):
        old = model.default_model_path(cache_dir=tmp_path)
    assert old == model.default_model_path(tmp_path) == model.default_model_path(model_dir=tmp_path)
