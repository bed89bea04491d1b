"""The precedent finder: one Panel layout that renders inline in JupyterLab and serves as a page.

:class:`PrecedentFinder` holds one session's state (the corpus, the selected precedents) and
assembles the five tabs; :func:`serve` loads a corpus once and serves a finder per browser
session on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import panel as pn

import plancompare as pc

from .compare_view import CompareView
from .export_view import ExportView
from .indicator_view import IndicatorView
from .render import esc
from .search_view import SearchView
from .upload import DEFAULT_MAX_BYTES
from .upload_view import UploadView
from .widgets import html

log = logging.getLogger("plancompare.app")
TITLE = "plancompare · precedent finder · 先例查找"
TABS = ("Search · 搜索", "Compare · 对比", "Indicators · 指标", "Export · 导出", "Add a plan · 添加规划")


class PrecedentFinder:
    """The finder for one corpus.

    Parameters
    ----------
    corpus : Corpus, optional
        The corpus to search (default: :func:`plancompare.load_corpus`, the bundled plans).
    corpus_dir : str or Path, optional
        The saved corpus folder; uploads are stored in its ``uploads/`` and, when given, the corpus
        is saved back there after a plan is added. Default: the bundled corpus's cache folder
        (``plancompare.corpus.processed_dir()``; added plans then last for the session only).
    reports_dir : str or Path
        Where exported files are written.
    lang : {"zh", "en"}
        Chart labels.
    max_upload_bytes : int
        Largest file accepted by the upload.
    on_corpus_change : callable, optional
        Called with the new corpus after a plan was added (the server shares it with later sessions).

    Attributes
    ----------
    selected : dict
        passage_id -> result row chosen for the briefing.
    """

    def __init__(self, corpus=None, corpus_dir=None, reports_dir="reports", lang: str = "zh",
                 max_upload_bytes: int = DEFAULT_MAX_BYTES, on_corpus_change=None):
        self.on_corpus_change = on_corpus_change
        self.corpus = corpus if corpus is not None else pc.load_corpus(corpus_dir)
        self.persist = corpus_dir is not None
        self.corpus_dir = Path(corpus_dir) if corpus_dir is not None else pc.corpus.processed_dir()
        self.upload_dir = self.corpus_dir / "uploads"
        self.reports_dir = Path(reports_dir)
        self.lang = lang
        self.selected: dict[str, dict] = {}
        self.last_hits = pd.DataFrame()
        self.last_search_seconds: float | None = None
        self._theme_labels = None
        self.header = html()
        self.search_view = SearchView(self)
        self.compare_view = CompareView(self)
        self.indicator_view = IndicatorView(self)
        self.export_view = ExportView(self)
        self.upload_view = UploadView(self, max_upload_bytes)
        self.tabs = pn.Tabs(*zip(TABS, (self.search_view.panel(), self.compare_view.panel(),
                                        self.indicator_view.panel(), self.export_view.panel(),
                                        self.upload_view.panel())), dynamic=False, sizing_mode="stretch_width")
        self.tabs.param.watch(self._on_tab, "active")
        self._update_header()

    def __repr__(self) -> str:
        return f"<PrecedentFinder over {self.corpus!r}>"

    def theme_labels(self) -> dict[str, str]:
        """Theme id -> bilingual label."""
        if self._theme_labels is None:
            taxonomy = pc.load_taxonomy()
            self._theme_labels = {t: f"{zh} {en}" for t, zh, en in
                                  zip(taxonomy["theme"], taxonomy["label_zh"], taxonomy["label_en"])}
        return self._theme_labels

    def panel(self) -> pn.viewable.Viewable:
        """The whole finder as one Panel object (display it in a notebook, or serve it)."""
        return pn.Column(self.header, self.tabs, sizing_mode="stretch_width", max_width=1400,
                         css_classes=["pc-finder"])

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.panel()._repr_mimebundle_(include, exclude)

    def _on_tab(self, event) -> None:
        if TABS[event.new].startswith(("Indicators", "Export")):
            self.indicator_view.ensure_ready()

    # --- shared actions ------------------------------------------------------------------
    async def open_compare(self, passage_id: str, focus: str | None = None) -> None:
        """Show the peers of ``passage_id`` in the compare tab, on the goal ``focus`` names if given."""
        self.tabs.active = 1
        await self.compare_view.show(passage_id, focus=focus)

    def select(self, row, chosen: bool) -> None:
        """Add (or remove) a result row to the precedents for the briefing."""
        row = dict(row)
        if chosen:
            self.selected[row["passage_id"]] = row
        else:
            self.selected.pop(row["passage_id"], None)
        self.export_view.refresh()

    def clear_selection(self) -> None:
        self.selected.clear()
        self.export_view.refresh()

    def replace_corpus(self, corpus) -> None:
        """Use ``corpus`` from now on (after a plan was added): warm its index, refresh the filters."""
        warm_up(corpus)
        self.corpus = corpus
        if self.persist:
            corpus.save(self.corpus_dir)
        if self.on_corpus_change is not None:
            self.on_corpus_change(corpus)

    def refresh_views(self) -> None:
        """Refresh the filters and the indicator choices from the current corpus."""
        self.search_view.refresh_options()
        self.indicator_view.refresh_options()
        self._update_header()

    def _update_header(self) -> None:
        docs = self.corpus.documents
        self.header.object = (f"<h2 style='margin:4px 0'>{esc(TITLE)}</h2><div class='pc-meta'>{len(docs)} documents · "
                              f"{docs['district'].nunique()} districts · {len(self.corpus.passages)} passages</div>")


def warm_up(corpus) -> None:
    """Load the embedding model and fit the search index now, so the first query is fast."""
    corpus.search("养老服务", k=1)


def precedent_finder(corpus=None, **params) -> pn.viewable.Viewable:
    """The finder as a Panel object for a notebook cell: ``pc.app.precedent_finder(corpus)``."""
    pn.extension("plotly")
    return PrecedentFinder(corpus, **params).panel()


def serve(corpus_dir=None, port: int = 5006, host: str = "127.0.0.1", reports_dir="reports", lang: str = "zh",
          max_upload_mb: float = 20, show: bool = True) -> None:
    """Serve the finder at ``http://host:port/`` until interrupted (one finder per browser session)."""
    pn.extension("plotly")
    corpus = pc.load_corpus(corpus_dir)
    warm_up(corpus)
    shared = {"corpus": corpus}
    max_bytes = int(max_upload_mb * 2**20)

    def session():
        # later sessions start from the corpus with the added plans
        finder = PrecedentFinder(shared["corpus"], corpus_dir=corpus_dir, reports_dir=reports_dir, lang=lang,
                                 max_upload_bytes=max_bytes, on_corpus_change=lambda new: shared.update(corpus=new))
        return finder.panel()

    origins = ["*"] if host in ("0.0.0.0", "::") else [f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    print(f"plancompare precedent finder: http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    pn.serve({"/": session}, port=port, address=host, websocket_origin=origins, show=show, title=TITLE,
             verbose=False, websocket_max_message_size=max_bytes * 2 + 2**20,
             num_procs=1)
