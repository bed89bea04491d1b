"""Small Panel helpers shared by the views (HTML panes carry the finder's stylesheet)."""

from __future__ import annotations

import asyncio
import logging

import panel as pn

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
