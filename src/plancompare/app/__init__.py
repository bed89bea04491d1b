"""The precedent finder: an interactive page over the public API (Panel).

>>> import plancompare as pc
>>> pc.app.precedent_finder()          # in a notebook cell: the finder inline
$ plancompare serve                    # the same finder as a local web page (127.0.0.1)

Modules: :mod:`.layout` (the finder and ``serve``), :mod:`.search_view`, :mod:`.compare_view`,
:mod:`.indicator_view`, :mod:`.export_view`, :mod:`.upload_view` (Panel views),
:mod:`.queries`, :mod:`.upload` and :mod:`.render` (plain functions the views call; every
piece of document text is escaped in :mod:`.render`).
"""

from .layout import PrecedentFinder, precedent_finder, serve

__all__ = ["PrecedentFinder", "precedent_finder", "serve"]
