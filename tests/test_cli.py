"""The command line: real commands on the real documents, and one-line errors for bad input."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from plancompare.cli import app

runner = CliRunner()


def test_build_and_info_on_user_files(tmp_path, catalog):
    files = [f for f in catalog["source_file"] if "huli" in f]
    out = tmp_path / "huli"
    result = runner.invoke(app, ["build", *files, "--out", str(out), "--no-embed"])
    assert result.exit_code == 0, result.output
    assert (out / "passages.parquet").is_file()
    info = runner.invoke(app, ["info", "--corpus", str(out)])
    assert info.exit_code == 0, info.output
    assert "湖里区" in info.output  # district read from the documents' own front matter
    assert "cruft_dropped" in info.output


def test_indicators_to_csv(tmp_path, plans):
    plans.save(tmp_path / "saved")
    target = tmp_path / "gdp.csv"
    result = runner.invoke(app, ["indicators", "--id", "gdp_growth_rate", "--csv", str(target),
                                 "--corpus", str(tmp_path / "saved")])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8-sig")
    assert text.startswith("indicator_id,")
    assert "cangshan_14th_fyp" in text and "chikan_14th_fyp" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["build", "no/such/file.txt"], "no/such/file.txt: file not found"),
        (["indicators", "--id", "gdp_growht_rate"], "unknown indicator id(s): gdp_growht_rate"),
        (["info", "--corpus", "."], "not a saved corpus"),
    ],
)
def test_bad_input_is_one_line_not_a_traceback(args, message, plans, tmp_path, monkeypatch):
    if args[0] == "indicators":
        plans.save(tmp_path / "saved")
        args = [*args, "--corpus", str(tmp_path / "saved")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_search_prints_a_ranked_table_with_sources(corpus):
    result = runner.invoke(app, ["search", "长者食堂", "--k", "3"])
    assert result.exit_code == 0, result.output
    assert "长者食堂" in result.output
    assert "line" in result.output and "Huli" in result.output


@pytest.mark.slow
def test_search_with_unknown_district(corpus):
    result = runner.invoke(app, ["search", "养老", "--district", "Atlantis"])
    assert result.exit_code == 2
    assert "Atlantis" in result.output
