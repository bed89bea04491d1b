"""The export tab: the selected precedents, the indicator table and charts, as files to download.

Files are written under the report folder only (``reports/`` unless the app was given another):
``briefing.html`` is :func:`plancompare.export.write_briefing` for the indicators picked in the
indicator tab, with a "Selected precedents" section (escaped text, document, section, raw line);
the chart shown in the indicator tab downloads as PNG or SVG, the indicator table as CSV.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import panel as pn

import plancompare as pc

from .render import CSS, esc, line_ref, passage_html, term_list
from .widgets import error_message, html

PRECEDENTS_HEADING = "Selected precedents · 选定的先例"


class ExportView:
    """Download buttons for one :class:`~.layout.PrecedentFinder`."""

    def __init__(self, finder):
        self.finder = finder
        self.selection = html(css_classes=["pc-selection"])
        self.status = html(css_classes=["pc-export-status"])
        self.clear = pn.widgets.Button(name="Clear selection", width=150)
        self.clear.on_click(lambda *_: self.finder.clear_selection())
        self.briefing = pn.widgets.FileDownload(callback=self._briefing, filename="briefing.html",
                                                label="Download briefing (HTML)", button_type="primary",
                                                css_classes=["pc-dl-briefing"], width=260)
        self.png = pn.widgets.FileDownload(callback=lambda: self._chart("png"), filename="indicator_chart.png",
                                           label="Chart as PNG", css_classes=["pc-dl-png"], width=160)
        self.svg = pn.widgets.FileDownload(callback=lambda: self._chart("svg"), filename="indicator_chart.svg",
                                           label="Chart as SVG", css_classes=["pc-dl-svg"], width=160)
        self.csv = pn.widgets.FileDownload(callback=self._table_csv, filename="indicator_table.csv",
                                           label="Indicator table (CSV)", css_classes=["pc-dl-csv"], width=200)
        self.refresh()

    def panel(self) -> pn.viewable.Viewable:
        return pn.Column(
            html("<div class='pc-meta'>The briefing holds the selected precedents, the indicators picked in the "
                 "Indicators tab (table and charts) and their sources. Files are written to "
                 f"<code>{esc(self.finder.reports_dir)}</code>.</div>"),
            pn.Row(self.briefing, self.png, self.svg, self.csv), self.status, self.clear, self.selection,
            sizing_mode="stretch_width")

    def refresh(self) -> None:
        """Show the current selection."""
        rows = list(self.finder.selected.values())
        if not rows:
            self.selection.object = ("<div class='pc-meta'>No precedents selected yet: tick “select for "
                                     "briefing” on search results.</div>")
            return
        cards = "".join(f"<div class='pc-card'>{passage_html(r, terms=term_list(r.get('matched_terms')))}</div>"
                        for r in rows)
        self.selection.object = f"<div class='pc-meta'>{len(rows)} selected</div>{cards}"

    # --- file producers (FileDownload callbacks return a path) ------------------------------
    def _briefing(self):
        self.finder.indicator_view.ensure_ready()
        try:
            path = write_app_briefing(self.finder.corpus, self.finder.reports_dir, list(self.finder.selected.values()),
                                      indicator_ids=list(self.finder.indicator_view.indicators.value),
                                      lang=self.finder.lang, figures=self._figures())
        except Exception as err:  # noqa: BLE001 - one line for the user
            self.status.object = error_message(err, "briefing export")
            return None
        self.status.object = f"<div class='pc-ok'>Briefing written to {esc(path)}</div>"
        return str(path)

    def _figures(self) -> list:
        view = self.finder.indicator_view
        if view.figure is None:
            return []
        return [(f"{view.names.get(view.chart_of.value, view.chart_of.value)} ({view.chart_of.value})", view.figure)]

    def _chart(self, fmt: str):
        self.finder.indicator_view.ensure_ready()
        figure = self.finder.indicator_view.figure
        if figure is None:
            self.status.object = error_message(ValueError("pick an indicator in the Indicators tab first"), "chart export")
            return None
        stem = Path(self.finder.reports_dir) / f"indicator_{self.finder.indicator_view.chart_of.value}"
        try:
            path = pc.export.write_figure(figure, stem, formats=(fmt,))[fmt]
        except Exception as err:  # noqa: BLE001
            self.status.object = error_message(err, "chart export")
            return None
        self.status.object = f"<div class='pc-ok'>Chart written to {esc(path)}</div>"
        return str(path)

    def _table_csv(self):
        self.finder.indicator_view.ensure_ready()
        long = self.finder.indicator_view.long
        if long is None or long.empty:
            self.status.object = error_message(ValueError("pick an indicator in the Indicators tab first"), "table export")
            return None
        path = Path(self.finder.reports_dir) / "indicator_table.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        long.to_csv(path, index=False, encoding="utf-8-sig")
        return str(path)


def precedents_section(rows: list[dict | pd.Series]) -> str:
    """The briefing's "Selected precedents" section: escaped passages with their sources."""
    items = []
    for row in rows:
        source = " · ".join(p for p in (esc(row.get("district")), esc(row.get("doc_id")), esc(row.get("section_path")),
                                        line_ref(row.get("line_start"), row.get("line_end"))) if p)
        items.append(f"<li><div class='who'>{source}</div>"
                     f"<blockquote>{passage_html(row, terms=term_list(row.get('matched_terms')))}</blockquote></li>")
    return (f"<section id='selected-precedents'><h2>{PRECEDENTS_HEADING}</h2>"
            f"<style>{CSS}</style><ul class='quotes'>{''.join(items)}</ul></section>")


def write_app_briefing(corpus, reports_dir, precedents: list, indicator_ids=None, lang: str = "zh",
                       figures=()) -> Path:
    """Write ``reports_dir/briefing.html``: the library's briefing plus the selected precedents.

    ``indicator_ids`` (default: the briefing's own headline indicators) choose the table rows;
    ``figures`` (``(title, plotly figure)`` pairs, e.g. the chart on screen) are added at the end.
    Returns the path written.
    """
    kwargs = {"out_dir": reports_dir, "lang": lang, "formats": ()}
    if indicator_ids:
        kwargs["indicator_ids"] = indicator_ids
    path = pc.export.write_briefing(corpus, **kwargs)
    page = path.read_text(encoding="utf-8")
    section = precedents_section(precedents) if precedents else ""
    # the precedents go first, before the library's own sections
    match = re.search(r"<h2[\s>]", page)
    page = page[:match.start()] + section + page[match.start():] if match else _before_body_end(page, section)
    # the library's page loads plotly.js with its first chart, so these come after it
    charts = "".join(f"<h2>{esc(title)}</h2>" + fig.to_html(full_html=False, include_plotlyjs=False,
                                                             config={"displaylogo": False, "responsive": True})
                     for title, fig in figures)
    page = _before_body_end(page, charts)
    path.write_text(page, encoding="utf-8")
    return path


def _before_body_end(page: str, fragment: str) -> str:
    head, found, tail = page.rpartition("</body>")
    return head + fragment + found + tail if found else page + fragment
