"""The compare tab: one passage beside each other district's most comparable passages.

When the passage was opened from a search, only the goal the query names is compared (the sentence
stating it is shown); unticking "Only the goal of my query" compares the whole passage. Shared wording (runs of two or more characters the two passages have in common) is shaded blue,
what differs is shaded red, so a reader sees at a glance what a peer does differently.
"""

from __future__ import annotations

import pandas as pd
import panel as pn

from .queries import district_verdict, passage_row, peers
from .render import diff_html, esc, line_ref, shared_fraction, verdict_badge
from .widgets import error_message, html, in_thread

_LEGEND = ("<div class='pc-meta pc-diff'>Shading: <span class='same'>wording both passages share</span> · "
           "<span class='diff'>wording that differs</span></div>")


class CompareView:
    """Side-by-side peers of a chosen passage for one :class:`~.layout.PrecedentFinder`."""

    def __init__(self, finder, k: int = 2):
        self.finder = finder
        self.passage_id: str | None = None
        self.focus: str | None = None
        self.use_focus = pn.widgets.Checkbox(name="Only the goal of my query · 只比较查询的目标", value=True,
                                             visible=False, css_classes=["pc-use-focus"])
        self.k = pn.widgets.IntSlider(name="Peers per district", start=1, end=5, value=k, width=180)
        self.add_all = pn.widgets.Button(name="Select these peers for the briefing", width=280, disabled=True)
        self.body = html("<div class='pc-meta'>Choose “Compare this passage” on a search result.</div>",
                         css_classes=["pc-compare-body"])
        self.k.param.watch(self._reload, "value")
        self.use_focus.param.watch(self._reload, "value")
        self.add_all.on_click(self._select_all)
        self.last_peers = pd.DataFrame()

    def panel(self) -> pn.viewable.Viewable:
        return pn.Column(pn.Row(self.k, self.add_all, self.use_focus), self.body, sizing_mode="stretch_width")

    async def _reload(self, *_):
        if self.passage_id:
            await self.show(self.passage_id, focus=self.focus)

    async def show(self, passage_id: str, focus: str | None = None) -> None:
        """Compute and render the peers of ``passage_id``, on the goal ``focus`` names when ticked."""
        self.passage_id, self.focus = passage_id, focus
        self.use_focus.visible = bool(focus and focus.strip())
        self.body.object = "<div class='pc-meta'>Finding comparable passages…</div>"
        try:
            source = passage_row(self.finder.corpus, passage_id)
            found = await in_thread(peers, self.finder.corpus, passage_id, self.k.value,
                                    focus if self.use_focus.value else None)
        except Exception as err:  # noqa: BLE001 - one line for the user
            self.body.object = error_message(err, "compare")
            return
        self.last_peers = found
        self.add_all.disabled = found.empty
        self.body.object = render_comparison(source, found)

    def _select_all(self, *_):
        for _, row in self.last_peers.iterrows():
            if row.get("verdict") != "none":
                self.finder.select(row, True)


def render_comparison(source: pd.Series, found: pd.DataFrame) -> str:
    """HTML: for each other district, the source and each peer side by side with shared wording marked."""
    head = (f"<div class='pc-card'><b>{esc(source['district'])}</b> · {esc(source['doc_id'])} · "
            f"{esc(source['section_path'])} · {line_ref(source['line_start'], source['line_end'])}</div>")
    parts = [head, _LEGEND]
    sentence = found.attrs.get("focus_sentence")
    if sentence:
        parts.append(f"<div class='pc-meta pc-focus'>Compared on the goal stated in: “{esc(sentence)}”</div>")
    if found.empty:
        parts.append("<div class='pc-meta'>No other district to compare with.</div>")
    for district, rows in found.groupby("district", sort=False):
        verdict = district_verdict(rows)
        parts.append(f"<div class='pc-district' data-district='{esc(district)}'>{esc(district)} "
                     f"{verdict_badge(verdict) if verdict else ''}</div>")
        for _, peer in rows.iterrows():
            left, right = diff_html(source["text"], peer["text"])
            shared = shared_fraction(source["text"], peer["text"])
            meta = (f"{verdict_badge(peer.get('verdict'), peer.get('p_comparable'))}"
                    f"<span class='pc-meta'>score {float(peer['score']):.3f} · {shared:.0%} shared wording · "
                    f"{esc(peer['doc_id'])} · {esc(peer['section_path'])} · "
                    f"{line_ref(peer['line_start'], peer['line_end'])}</span>")
            parts.append(
                f"<table class='pc-table pc-diff pc-peer' style='width:100%;table-layout:fixed'>"
                f"<tr><th style='width:50%'>{esc(source['district'])} (this passage)</th>"
                f"<th>{esc(district)}</th></tr>"
                f"<tr><td class='pc-text'>{left}</td><td class='pc-text'>{meta}<br>{right}</td></tr></table>")
    return "".join(parts)
