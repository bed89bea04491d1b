# Two entry points: `make run` (the main job on the bundled plans) and `make test`.
# Both work from nothing: they create .venv, install torch (CPU build) before the
# packages that need it, install the project, and install Chromium + a CJK font
# for chart export where apt-get is available.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
TORCH  := torch==2.13.0

.PHONY: run test test-fast lab bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[dev,notebooks]"
	@touch $(STAMP)

system-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  true; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "Installing Chromium and a CJK font for chart export (apt-get)…"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei fontconfig >/dev/null; \
	else \
	  echo "NOTE: apt-get not found. Install Chromium (or Chrome) and a CJK font (e.g. WenQuanYi Micro Hei, Noto Sans CJK) yourself; PNG/SVG/PDF export needs them. HTML export works without."; \
	fi

run: $(STAMP) system-deps
	$(BIN)/plancompare build
	$(BIN)/plancompare info
	$(BIN)/plancompare export --out reports

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_embed.py
	$(BIN)/python benchmarks/bench_indicators.py
	$(BIN)/python benchmarks/bench_match.py
	$(BIN)/python benchmarks/bench_repair.py
	$(BIN)/python benchmarks/bench_index.py
	$(BIN)/python benchmarks/bench_scale.py --sizes 50 200 --speedup-n 24 --cold-start

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf data/processed reports .pytest_cache
