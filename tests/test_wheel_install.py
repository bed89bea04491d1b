"""The built wheel, installed outside the checkout, loads the bundled corpus (package data)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, os, pathlib, plancompare as pc
corpus = pc.load_corpus()
print(json.dumps({
    "file": pc.__file__, "cwd": os.getcwd(), "documents": len(corpus.documents),
    "passages": len(corpus.passages), "embeddings": list(corpus.embeddings.shape),
    "indicators": len(corpus.indicators), "processed": str(pc.corpus.processed_dir()),
    "hit": corpus.search("长者食堂", k=1)["doc_id"].tolist(),
}))
"""


@pytest.mark.slow
def test_wheel_installs_and_loads_the_bundled_corpus(tmp_path):
    from plancompare.embed import default_cache_dir

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
                    "-w", str(dist), "-q"], check=True, cwd=tmp_path)
    wheel = next(dist.glob("plancompare-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, cwd=tmp_path)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # Dependencies come from the current environment, after the fresh venv's own packages.
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed_files = sorted(p for p in (site / "plancompare").rglob("*") if "__pycache__" not in p.parts)

    cache = tmp_path / "cache"
    if default_cache_dir().is_dir():  # reuse passage embeddings: this test is about packaging, not speed
        shutil.copytree(default_cache_dir(), cache)
    env = {**os.environ, "PLANCOMPARE_CACHE_DIR": str(cache), "PYTHONPATH": ""}
    work = tmp_path / "elsewhere"
    work.mkdir()
    result = subprocess.run([str(python), "-c", SCRIPT], cwd=work, env=env, capture_output=True, text=True,
                            timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(report["file"]).is_relative_to(site), report["file"]
    assert report["documents"] == 5 and report["passages"] > 700
    assert report["embeddings"][0] == report["passages"] and report["indicators"] > 100
    assert Path(report["processed"]).is_relative_to(cache)
    assert (Path(report["processed"]) / "manifest.json").is_file()
    assert len(report["hit"]) == 1
    # nothing was written into the installed package
    after = sorted(p for p in (site / "plancompare").rglob("*") if "__pycache__" not in p.parts)
    assert after == installed_files
