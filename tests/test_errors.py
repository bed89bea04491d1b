"""Errors a user can cause: one line naming the problem, exit status 2, never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import plancompare as pc
from plancompare.cli import app
from plancompare.errors import DataFileError, OptionError, PlancompareError

runner = CliRunner()


def _one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    text = lines[0]
    for fragment in fragments:
        assert fragment in text, result.output


def test_export_with_an_unknown_language(tmp_path):
    result = runner.invoke(app, ["export", "--lang", "fr", "--out", str(tmp_path)])
    _one_line_error(result, "unknown language 'fr'", "zh", "en")


def test_build_with_a_missing_catalog(tmp_path):
    result = runner.invoke(app, ["build", "--catalog", str(tmp_path / "missing.csv"), "--out", str(tmp_path)])
    _one_line_error(result, "missing.csv: catalog file not found")


def test_build_with_a_catalog_alone_builds_its_files(tmp_path, catalog):
    rows = catalog[catalog["doc_id"] == "huli_business_environment_2021"]
    path = tmp_path / "one.csv"
    rows.to_csv(path, index=False)
    result = runner.invoke(app, ["build", "--catalog", str(path), "--out", str(tmp_path / "out"), "--no-embed"])
    assert result.exit_code == 0, result.output
    assert list(pc.load_corpus(tmp_path / "out").documents["doc_id"]) == ["huli_business_environment_2021"]


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_search_is_refused_before_anything_loads(query, monkeypatch):
    def no_loading(*args, **kwargs):
        raise AssertionError("the corpus or model was loaded for an empty query")

    monkeypatch.setattr(pc, "load_corpus", no_loading)
    result = runner.invoke(app, ["search", query])
    _one_line_error(result, "the query is empty")


def test_empty_search_in_the_api_does_not_embed(plans, monkeypatch):
    import plancompare.embed as embed

    monkeypatch.setattr(embed, "embed_texts", lambda *a, **k: pytest.fail("embedded an empty query"))
    with pytest.raises(OptionError, match="empty"):
        plans.search("  ")


@pytest.mark.parametrize("toml, message", [
    ('[[theme]]\nid = "economy"\nlabel_zh = "经济"\n', "number 1 (economy) lacks the key 'label_en'"),
    ('[[theme]\nid = "economy"\n', "cannot read the theme taxonomy"),
    ('[[theme]]\nid = "x"\nlabel_zh = "x"\nlabel_en = "x"\ncap_code = "one"\ncap_name = "x"\nwuwei = "经济"\n',
     "wrong type"),
])
def test_malformed_taxonomy_names_the_file_and_the_theme(tmp_path, toml, message):
    path = tmp_path / "themes.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        pc.load_taxonomy(path)
    assert message in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)
    assert isinstance(err.value, PlancompareError)


def test_unknown_district_on_the_command_line(plans, tmp_path):
    plans.save(tmp_path / "saved")
    result = runner.invoke(app, ["search", "养老", "--district", "Atlantis", "--corpus", str(tmp_path / "saved")])
    _one_line_error(result, "unknown district 'Atlantis'", "Cangshan, Chikan, Huli")


def test_indicators_for_one_district_in_any_spelling(plans, tmp_path):
    plans.save(tmp_path / "saved")
    target = tmp_path / "huli.csv"
    result = runner.invoke(app, ["indicators", "--district", "湖里", "--csv", str(target), "--corpus", str(tmp_path / "saved")])
    assert result.exit_code == 0, result.output
    import pandas as pd

    assert set(pd.read_csv(target, encoding="utf-8-sig")["district"]) == {"Huli"}
    result = runner.invoke(app, ["indicators", "--district", "Hulli", "--corpus", str(tmp_path / "saved")])
    _one_line_error(result, "unknown district 'Hulli'")


# --- errors cross process boundaries ------------------------------------------------------------


def _every_error_class():
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(pc.__path__, "plancompare."):
        if not info.name.startswith(("plancompare.app", "plancompare.engine_dask")):
            importlib.import_module(info.name)  # so every subclass is defined
    found, todo = set(), [PlancompareError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__qualname__)


def _example(cls):
    from plancompare.errors import InputFileError

    if issubclass(cls, InputFileError):
        return cls("plans/湖里.txt", "empty file")
    return cls("湖里: something a user can fix")


@pytest.mark.parametrize("cls", _every_error_class(), ids=lambda c: c.__qualname__)
def test_every_error_class_survives_pickling(cls):
    import pickle

    error = _example(cls)
    error.note = "an attribute set after construction"
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error) and copy.args == error.args
    assert copy.__dict__ == error.__dict__


def _raise_for_bad(path):
    from plancompare.errors import InputFileError

    if path == "bad":
        raise InputFileError(path, "cannot be decoded")
    return path


def test_a_worker_process_raises_the_same_error_class_and_line():
    from plancompare.errors import InputFileError
    from plancompare.parallel import map_documents

    with pytest.raises(InputFileError) as raised:
        map_documents(_raise_for_bad, ["a", "bad", "c"], workers=2)
    assert str(raised.value) == "bad: cannot be decoded" and raised.value.path == "bad"


def test_a_bad_file_gives_the_same_one_line_error_in_parallel_and_serial(catalog, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    files = [str(p) for p in list(catalog["source_file"])[:2]] + [str(empty)]
    outputs = []
    for workers in ("1", "2"):
        result = runner.invoke(app, ["build", *files, "--no-embed", "--workers", workers,
                                     "--out", str(tmp_path / f"out{workers}")])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        # the progress bar shares the output; the error is the one line saying "error:"
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "empty.txt: file is empty" in errors[0], result.output
        outputs.append(errors[0])
    assert outputs[0] == outputs[1]
