"""Small Panel helpers shared by the views (HTML panes carry the finder's stylesheet)."""

from __future__ import annotations

import asyncio
import logging

import panel as pn
import param
from panel.custom import JSComponent

from ..errors import PlancompareError
from .render import CSS, message_html

log = logging.getLogger("plancompare.app")


def html(obj: str = "", **params) -> pn.pane.HTML:
    """An HTML pane with the finder's CSS (Panel renders each pane in its own shadow root)."""
    params.setdefault("sizing_mode", "stretch_width")
    return pn.pane.HTML(obj, stylesheets=[CSS], **params)


def error_message(err: BaseException, what: str) -> str:
    """The one line a user sees for ``err`` (a :class:`PlancompareError` speaks for itself)."""
    if isinstance(err, PlancompareError):
        return message_html(str(err))
    log.exception("%s failed", what)
    return message_html(f"{what} failed: {type(err).__name__}: {err}".splitlines()[0])


async def in_thread(func, *args, **kwargs):
    """Run ``func`` off the event loop so the page stays usable while it works."""
    return await asyncio.to_thread(func, *args, **kwargs)


class ResultList(JSComponent):
    """Many results as one component: server-escaped HTML plus click actions, in one browser model.

    A Panel widget per result costs a few Bokeh models each (seconds for a page of results on a
    busy machine); this renders the whole list at once and reports clicks on elements carrying
    ``data-action`` and ``data-passage`` as ``action = "ACTION|PASSAGE|CHECKED|NONCE"``.
    ``html`` must already be escaped (see :mod:`.render`).
    """

    html = param.String(default="", doc="Escaped HTML of the list.")
    action = param.String(default="", doc="The last click, as ACTION|PASSAGE|CHECKED|NONCE.")

    _stylesheets = [CSS]
    _esm = """
    export function render({ model, el }) {
      const box = document.createElement('div');
      box.className = 'pc-list';
      const draw = () => { box.innerHTML = model.html; };
      draw();
      model.on('html', draw);
      box.addEventListener('click', (event) => {
        const target = event.target.closest('[data-action]');
        if (!target) return;
        const checked = target.type === 'checkbox' ? String(target.checked) : '';
        // a message each, not a property change: Panel coalesces property changes that arrive while the
        // server is busy, so a tick followed quickly by another click would be lost
        model.send_msg([target.dataset.action, target.dataset.passage, checked, Date.now()].join('|'));
      });
      el.appendChild(box);
    }
    """

    def _handle_msg(self, data) -> None:
        self.action = str(data)
