"""The search tab: a query box with filters, results grouped by district.

Each result shows its verdict (when the corpus gives one), score, document, section path, raw
line and the passage with the query terms highlighted; "context" unfolds the lines around it,
"compare this passage" opens the peers view, and a checkbox selects it for the briefing.
"""

from __future__ import annotations

import time

import pandas as pd
import panel as pn

from .queries import ALL, context_lines, district_verdict, search_grouped
from .render import context_html, esc, passage_html, term_list, verdict_badge
from .widgets import ResultList, error_message, html, in_thread


class SearchView:
    """Query box, filters and grouped results for one :class:`~.layout.PrecedentFinder`."""

    def __init__(self, finder, per_district: int = 3, context_lines: int = 3):
        self.finder = finder
        self.context_around = context_lines
        self.query = pn.widgets.TextInput(name="Query · 查询 (Chinese or English)", placeholder="长者食堂 / elderly care beds",
                                          sizing_mode="stretch_width", css_classes=["pc-query"])
        self.go = pn.widgets.Button(name="Search · 搜索", button_type="primary", width=130, align="end")
        self.districts = pn.widgets.MultiChoice(name="Districts · 区", options=[], width=260)
        self.theme = pn.widgets.Select(name="Theme · 主题", options={ALL: ""}, width=220)
        self.kind = pn.widgets.Select(name="Document kind · 文件类型", options={ALL: ""}, width=200)
        self.per_district = pn.widgets.IntSlider(name="Results per district", start=1, end=10,
                                                 value=per_district, width=180)
        self.status = html("", css_classes=["pc-status"])
        self.results = ResultList(sizing_mode="stretch_width", css_classes=["pc-results"])
        self.results.param.watch(self._on_action, "action")
        self.hit_rows: dict = {}
        self.last_query: str | None = None
        self.go.on_click(self._on_search)
        self.query.param.watch(self._on_search, "enter_pressed")
        self.refresh_options()

    def refresh_options(self) -> None:
        """Fill the filters from the current corpus (after loading or adding a plan)."""
        from .queries import filter_options

        options = filter_options(self.finder.corpus)
        self.districts.options = options["districts"]
        labels = self.finder.theme_labels()
        self.theme.options = {ALL: "", **{f"{labels.get(t, t)} ({t})": t for t in options["themes"]}}
        self.kind.options = {ALL: "", **{k: k for k in options["kinds"]}}

    def panel(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.Row(self.query, self.go, sizing_mode="stretch_width"),
            pn.Row(self.districts, self.theme, self.kind, self.per_district),
            self.status, self.results, sizing_mode="stretch_width",
        )

    async def _on_search(self, *_):
        query = self.query.value_input or self.query.value
        if not query or not query.strip():
            self.status.object = "<div class='pc-meta'>Type a query first.</div>"
            return
        started = time.perf_counter()
        self.go.loading = True
        try:
            hits = await in_thread(self.run, query)
        except Exception as err:  # noqa: BLE001 - shown to the user as one line
            self.status.object = error_message(err, "search")
            return
        finally:
            self.go.loading = False
        self.show(hits, query)
        self.last_query = query
        elapsed = time.perf_counter() - started
        self.finder.last_search_seconds = elapsed
        n_districts = hits["district"].nunique() if len(hits) else 0
        self.status.object = (f"<div class='pc-meta' data-n='{len(hits)}' data-seconds='{elapsed:.4f}'>"
                              f"{len(hits)} passages from "
                              f"{n_districts} districts for “{esc(query)}” in {elapsed:.2f} s</div>")

    def run(self, query: str) -> pd.DataFrame:
        """The grouped hits for ``query`` under the current filters."""
        return search_grouped(self.finder.corpus, query, districts=self.districts.value,
                              theme=self.theme.value or None, kind=self.kind.value or None,
                              per_district=self.per_district.value)

    def show(self, hits: pd.DataFrame, query: str = "") -> None:
        """Render ``hits`` grouped by district (best district first)."""
        self.finder.last_hits = hits
        self.hit_rows = {row["passage_id"]: row for _, row in hits.iterrows()}
        if hits.empty:
            self.results.html = "<div class='pc-meta'>No passages matched. Try fewer filters or other words.</div>"
            return
        cache: dict = {}
        parts = []
        for district, rows in hits.groupby("district", sort=False):
            verdict = district_verdict(rows)
            badge = verdict_badge(verdict) if verdict else ""
            parts.append(f"<div class='pc-district' data-district='{esc(district)}'>{esc(district)} {badge}</div>")
            parts.extend(self._card(hit, cache) for _, hit in rows.iterrows())
        self.results.html = "".join(parts)

    def _card(self, hit: pd.Series, cache: dict) -> str:
        terms = term_list(hit.get("matched_terms"))
        pid = esc(hit["passage_id"])
        try:
            context = context_html(context_lines(self.finder.corpus, hit["passage_id"], self.context_around, cache),
                                   terms)
        except Exception as err:  # noqa: BLE001 - a passage without context still shows
            context = error_message(err, "context")
        checked = " checked" if hit["passage_id"] in self.finder.selected else ""
        return (f"<div class='pc-card' data-passage='{pid}'>{passage_html(hit, terms=terms)}"
                f"<details class='pc-ctx'><summary>Context · 上下文 (the lines around it)</summary>{context}</details>"
                f"<div class='pc-actions'><button class='pc-compare' data-action='compare' data-passage='{pid}'>"
                f"Compare this passage · 对比</button><label><input type='checkbox' class='pc-select' "
                f"data-action='select' data-passage='{pid}'{checked}> select for briefing</label></div></div>")

    async def _on_action(self, event) -> None:
        action, passage_id, checked, _ = (event.new.split("|") + ["", "", "", ""])[:4]
        row = self.hit_rows.get(passage_id)
        if row is None:
            return
        if action == "compare":
            await self.finder.open_compare(passage_id, focus=self.last_query)
        elif action == "select":
            self.finder.select(row, checked == "true")
