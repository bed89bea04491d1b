"""Plotly charts of the corpus tables, one small module per kind of plot.

Every function takes tidy DataFrames (the corpus tables) and returns a
``plotly.graph_objects.Figure`` styled with the shared template (:mod:`.template`), with labels
in Chinese (``lang="zh"``, the default) or English (``lang="en"``).
"""

from .indicators import elderly_care_chart, gdp_growth_chart, indicator_chart
from .precedents import precedent_table
from .template import (
    DISTRICTS,
    FONT_FAMILY,
    TEMPLATE,
    TEMPLATE_NAME,
    add_source_note,
    district_colour,
    district_label,
    label,
)
from .themes import aligned_passages_chart, theme_coverage_heatmap

__all__ = [
    "DISTRICTS",
    "FONT_FAMILY",
    "TEMPLATE",
    "TEMPLATE_NAME",
    "add_source_note",
    "aligned_passages_chart",
    "district_colour",
    "district_label",
    "elderly_care_chart",
    "gdp_growth_chart",
    "indicator_chart",
    "label",
    "precedent_table",
    "theme_coverage_heatmap",
]
