# Two entry points: `make run` (the main job on the bundled plans) and `make test`
# (`make install` alone sets up .venv and converts the embedding model).
# Both work from nothing: they create .venv, install torch (CPU build) before the
# packages that need it, install the project, and install Chromium + a CJK font
# for chart export where apt-get is available.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
TORCH  := torch==2.13.0

.PHONY: install run serve test test-fast lab bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[dev,notebooks]"
	$(BIN)/plancompare model install  # converted once here, so the first build does not pay it
	@touch $(STAMP)

install: $(STAMP)

system-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . \
	    && command -v antiword >/dev/null 2>&1 && command -v catdoc >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then \
	  true; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "Installing Chromium and a CJK font for chart export, antiword/catdoc for .doc and poppler-utils for .pdf (apt-get)…"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei fontconfig antiword catdoc poppler-utils >/dev/null; \
	else \
	  echo "NOTE: apt-get not found. Install Chromium (or Chrome) and a CJK font (e.g. WenQuanYi Micro Hei, Noto Sans CJK) yourself; PNG/SVG/PDF export needs them. HTML export works without. Reading .doc needs antiword or catdoc; .pdf is faster with poppler's pdftotext (pdfplumber is used otherwise)."; \
	fi

run: $(STAMP) system-deps
	$(BIN)/plancompare build
	$(BIN)/plancompare info
	$(BIN)/plancompare export --out reports
	@echo ""
	@echo "Precedent finder (search, compare, indicators, export, add a plan) in your browser:"
	@echo "    make serve        # or: $(BIN)/plancompare serve [--corpus DIR] [--port 5006]"
	@echo "  then open http://127.0.0.1:5006/  (in JupyterLab: notebooks/04_precedent_finder.ipynb)"

serve: $(STAMP)
	$(BIN)/plancompare serve

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP) system-deps
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_embed.py
	$(BIN)/python benchmarks/bench_indicators.py
	$(BIN)/python benchmarks/bench_match.py
	$(BIN)/python benchmarks/bench_repair.py
	$(BIN)/python benchmarks/bench_index.py
	$(BIN)/python benchmarks/bench_scale.py --sizes 50 200 --speedup-n 24 --cold-start
	$(BIN)/python benchmarks/bench_formats.py
	$(BIN)/python benchmarks/bench_app.py

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf reports .pytest_cache  # processed corpora live in the user cache folder (~/.cache/plancompare)
