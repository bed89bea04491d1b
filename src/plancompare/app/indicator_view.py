"""The indicator tab: pick indicators, see the district table and the chart with their quotes.

The table comes from :func:`plancompare.compare_indicators` (``layout="long"``): every district
gets a cell for every indicator, "not stated" where its plans state nothing. Each value shows its
quote on hover and, on click, the quote with document and raw line. The chart is
:func:`plancompare.charts.indicator_chart`; clicking a point shows its quote below the chart.
"""

from __future__ import annotations

import pandas as pd
import panel as pn
import param

import plancompare as pc

from .render import esc, indicator_table_html, strip_tags
from .widgets import error_message, html

DEFAULT_CHOICES = 3


class IndicatorView:
    """Indicator picker, district table and chart for one :class:`~.layout.PrecedentFinder`."""

    def __init__(self, finder):
        self.finder = finder
        self.indicators = pn.widgets.MultiChoice(name="Indicators · 指标", options={}, sizing_mode="stretch_width")
        self.kinds = pn.widgets.CheckButtonGroup(name="Statement kinds", options=["target", "expected", "actual"],
                                                 value=["target", "expected", "actual"])
        self.chart_of = pn.widgets.Select(name="Chart", options={}, width=320)
        self.table = html(css_classes=["pc-indicator-table"])
        self.chart = pn.pane.Plotly(None, sizing_mode="stretch_width", height=560)
        self.clicked = html("<div class='pc-meta'>Click a point of the chart to read its quote.</div>",
                            css_classes=["pc-clicked"])
        self.figure = None
        self.long = pd.DataFrame()
        self.indicators.param.watch(self._update, "value")
        self.kinds.param.watch(self._update, "value")
        self.chart_of.param.watch(self._draw_chart, "value")
        self.chart.param.watch(self._on_click, "click_data")
        self.ready = False

    def ensure_ready(self) -> None:
        """Fill the view on first use (a chart costs a second; most sessions start by searching)."""
        if not self.ready:
            self.ready = True
            self.refresh_options()

    def refresh_options(self) -> None:
        """Offer the indicators the corpus states, most often stated first."""
        if not self.ready:
            return
        table = self.finder.corpus.indicators
        stated = table[table["indicator_id"].astype(str) != ""]
        counts = stated.groupby("indicator_id").agg(name=("name", "first"), n=("district", "nunique"),
                                                    rows=("name", "size"))
        counts = counts.sort_values(["n", "rows"], ascending=False)
        self.names = dict(zip(counts.index, counts["name"]))
        self.indicators.options = {f"{name} ({iid})": iid for iid, name in self.names.items()}
        if not self.indicators.value:
            self.indicators.value = list(counts.index[:DEFAULT_CHOICES])

    def panel(self) -> pn.viewable.Viewable:
        return pn.Column(self.indicators, self.kinds, self.table, self.chart_of, self.chart, self.clicked,
                         sizing_mode="stretch_width")

    def _update(self, *_):
        ids = list(self.indicators.value)
        districts = sorted(self.finder.corpus.documents["district"].dropna().astype(str).unique())
        try:
            self.long = pc.compare_indicators(self.finder.corpus.indicators, ids, districts=districts,
                                              kinds=list(self.kinds.value) or None, layout="long") if ids else pd.DataFrame()
        except Exception as err:  # noqa: BLE001 - one line for the user
            self.table.object = error_message(err, "indicator table")
            return
        self.table.object = (indicator_table_html(self.long, districts, ids, self.names) if ids
                             else "<div class='pc-meta'>Pick one or more indicators.</div>")
        with param.discard_events(self.chart_of):
            self.chart_of.options = {f"{self.names.get(i, i)} ({i})": i for i in ids}
            if ids and self.chart_of.value not in ids:
                self.chart_of.value = ids[0]
        self._draw_chart()

    def _draw_chart(self, *_):
        iid = self.chart_of.value
        if not iid:
            self.figure = None
            self.chart.object = None
            return
        corpus = self.finder.corpus
        indicators = corpus.indicators
        if self.kinds.value:
            indicators = indicators[indicators["kind"].isin(self.kinds.value)]
        districts = sorted(corpus.documents["district"].dropna().astype(str).unique())
        try:
            self.figure = pc.charts.indicator_chart(indicators, iid, districts=districts, lang=self.finder.lang,
                                                    documents=corpus.documents)
        except Exception as err:  # noqa: BLE001
            self.clicked.object = error_message(err, "chart")
            return
        self.chart.object = self.figure

    def _on_click(self, event):
        """Show the quote of the clicked point (read back from the figure, then escaped again)."""
        points = (event.new or {}).get("points") or []
        if not points or self.figure is None:
            return
        point = points[0]
        trace = self.figure.data[point.get("curveNumber", 0)]
        hovertext = trace.hovertext
        index = point.get("pointNumber", point.get("pointIndex", 0))
        text = hovertext[index] if isinstance(hovertext, (list, tuple)) and index < len(hovertext) else hovertext
        plain = strip_tags(text or "")
        self.clicked.object = ("<div class='pc-quote'>" + esc(plain).replace("\n", "<br>") + "</div>")
